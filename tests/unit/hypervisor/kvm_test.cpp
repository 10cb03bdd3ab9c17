// SPDX-License-Identifier: MulanPSL-2.0
// Native KVM tests with hand-assembled 64-bit guests (skipped where /dev/kvm is absent).
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "stratovirt/hypervisor/cpuid.h"
#include "test_guest.h"

namespace stratovirt::hypervisor {
namespace {

using testing::TestGuest;

#define SKIP_WITHOUT_KVM(kvm_var)                                   \
  std::string skip_reason_;                                         \
  auto kvm_var = testing::open_kvm_or_skip_reason(&skip_reason_);   \
  if (!kvm_var) GTEST_SKIP() << "no usable KVM: " << skip_reason_

// mov al, imm8; mov dx, 0x3f8; out dx, al; hlt
const std::vector<uint8_t> kOutThenHlt = {0xB0, 0x42, 0x66, 0xBA, 0xF8, 0x03, 0xEE, 0xF4};

TEST(KvmOpen, MissingDeviceNamesKvm) {
  auto kvm = Kvm::open("/nonexistent/kvm");
  ASSERT_FALSE(kvm);
  EXPECT_EQ(kvm.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(kvm.error().message().find("is KVM enabled?"), std::string::npos);
  EXPECT_NE(kvm.error().message().find("/nonexistent/kvm"), std::string::npos);
}

TEST(KvmOpen, NotAKvmDevice) {
  auto kvm = Kvm::open("/dev/null");
  ASSERT_FALSE(kvm);
  EXPECT_NE(kvm.error().message().find("KVM_GET_API_VERSION"), std::string::npos);
}

TEST(Kvm, RequireExtensionNamesCap) {
  SKIP_WITHOUT_KVM(kvm);
  auto r = kvm->require_extension(0x7FFFFFF0, "KVM_CAP_MADE_UP");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("KVM_CAP_MADE_UP"), std::string::npos);
  EXPECT_TRUE(kvm->require_extension(KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"));
}

TEST(Kvm, SupportedCpuidHasBasicLeaves) {
  SKIP_WITHOUT_KVM(kvm);
  auto cpuid = kvm->supported_cpuid();
  ASSERT_TRUE(cpuid) << cpuid.error().to_string();
  bool leaf0 = false, leaf1 = false;
  for (const auto& e : *cpuid) {
    leaf0 |= e.function == 0;
    leaf1 |= e.function == 1;
  }
  EXPECT_TRUE(leaf0);
  EXPECT_TRUE(leaf1);
}

TEST(Kvm, PioOutExitCarriesValue) {
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, kOutThenHlt);
  ASSERT_TRUE(g.ready());
  auto exit = g.vcpu().run();
  ASSERT_TRUE(exit) << exit.error().to_string();
  ASSERT_EQ(exit->kind, VcpuExit::Kind::kIoOut) << g.vcpu().dump_registers();
  EXPECT_EQ(exit->addr, 0x3F8U);
  ASSERT_EQ(exit->data.size(), 1U);
  EXPECT_EQ(exit->data[0], 0x42);
  exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->kind, VcpuExit::Kind::kHlt);
}

TEST(Kvm, PioInValueReachesGuest) {
  // mov dx, 0x3f8; in al, dx; inc al; out dx, al; hlt
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0x66, 0xBA, 0xF8, 0x03, 0xEC, 0xFE, 0xC0, 0xEE, 0xF4});
  ASSERT_TRUE(g.ready());
  auto exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  ASSERT_EQ(exit->kind, VcpuExit::Kind::kIoIn);
  ASSERT_EQ(exit->data.size(), 1U);
  exit->data[0] = 0x10;
  exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  ASSERT_EQ(exit->kind, VcpuExit::Kind::kIoOut);
  EXPECT_EQ(exit->data[0], 0x11);
}

TEST(Kvm, MmioWriteExitOutsideMemslots) {
  // mov eax, 0x10000000; mov dword [rax], 0xdeadbeef; hlt
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xB8, 0x00, 0x00, 0x00, 0x10, 0xC7, 0x00, 0xEF, 0xBE, 0xAD, 0xDE, 0xF4});
  ASSERT_TRUE(g.ready());
  auto exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  ASSERT_EQ(exit->kind, VcpuExit::Kind::kMmioWrite) << g.vcpu().dump_registers();
  EXPECT_EQ(exit->addr, 0x10000000U);
  ASSERT_EQ(exit->data.size(), 4U);
  uint32_t v;
  std::memcpy(&v, exit->data.data(), 4);
  EXPECT_EQ(v, 0xDEADBEEFU);
}

TEST(Kvm, GuestWritesLandInHostMemory) {
  // mov dword [0x2000], 0x12345678 (absolute via rax); hlt
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xB8, 0x00, 0x20, 0x00, 0x00, 0xC7, 0x00, 0x78, 0x56, 0x34, 0x12, 0xF4});
  ASSERT_TRUE(g.ready());
  auto exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->kind, VcpuExit::Kind::kHlt);
  uint32_t v;
  std::memcpy(&v, g.ram() + 0x2000, 4);
  EXPECT_EQ(v, 0x12345678U);
}

TEST(Kvm, IoEventFdCountsWritesWithoutExit) {
  // mov ecx, 10; loop: mov dx, 0x500; out dx, al; dec ecx; jnz loop; mov dx, 0x3f8; out dx, al; hlt
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xB9, 0x0A, 0x00, 0x00, 0x00, 0x66, 0xBA, 0x00, 0x05, 0xEE, 0xFF, 0xC9,
                     0x75, 0xF7, 0x66, 0xBA, 0xF8, 0x03, 0xEE, 0xF4});
  ASSERT_TRUE(g.ready());
  UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  ASSERT_TRUE(efd.valid());
  IoEventFdSpec spec{.addr = 0x500, .len = 1, .pio = true, .datamatch = std::nullopt};
  ASSERT_TRUE(g.vm().register_ioeventfd(efd.get(), spec));
  auto exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  ASSERT_EQ(exit->kind, VcpuExit::Kind::kIoOut);
  EXPECT_EQ(exit->addr, 0x3F8U);  // the first exit is the final marker, not port 0x500
  uint64_t count = 0;
  ASSERT_EQ(::read(efd.get(), &count, sizeof(count)), 8);
  EXPECT_EQ(count, 10U);
  ASSERT_TRUE(g.vm().unregister_ioeventfd(efd.get(), spec));
}

TEST(Kvm, ImmediateExitReturnsInterrupted) {
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, kOutThenHlt);
  ASSERT_TRUE(g.ready());
  g.vcpu().set_immediate_exit(true);
  auto exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->kind, VcpuExit::Kind::kInterrupted);
  g.vcpu().set_immediate_exit(false);
  exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->kind, VcpuExit::Kind::kIoOut);
}

void noop_handler(int) {}

TEST(Kvm, SignalKicksSpinningGuest) {
  // jmp $
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xEB, 0xFE});
  ASSERT_TRUE(g.ready());
  struct sigaction sa{};
  sa.sa_handler = noop_handler;
  ASSERT_EQ(::sigaction(SIGRTMIN + 1, &sa, nullptr), 0);
  std::atomic<bool> interrupted{false};
  std::atomic<bool> started{false};
  std::thread t([&] {
    started = true;
    for (int i = 0; i < 100; ++i) {
      auto exit = g.vcpu().run();
      if (exit && exit->kind == VcpuExit::Kind::kInterrupted) {
        interrupted = true;
        return;
      }
    }
  });
  while (!started) std::this_thread::yield();
  for (int i = 0; i < 200 && !interrupted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    g.vcpu().set_immediate_exit(true);
    ::pthread_kill(t.native_handle(), SIGRTMIN + 1);
  }
  t.join();
  EXPECT_TRUE(interrupted);
}

TEST(Kvm, ShapedCpuidVisibleToGuest) {
  // mov eax, 1; cpuid; mov eax, ebx; shr eax, 24; mov dx, 0x3f8; out dx, al;
  // mov eax, ecx; shr eax, 24; out dx, al; hlt
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xB8, 0x01, 0x00, 0x00, 0x00, 0x0F, 0xA2, 0x89, 0xD8, 0xC1, 0xE8, 0x18,
                     0x66, 0xBA, 0xF8, 0x03, 0xEE, 0x89, 0xC8, 0xC1, 0xE8, 0x18, 0xEE, 0xF4});
  ASSERT_TRUE(g.ready());
  auto supported = kvm->supported_cpuid();
  ASSERT_TRUE(supported) << supported.error().to_string();
  CpuidOptions opt;
  opt.apic_id = 7;
  ASSERT_TRUE(g.vcpu().set_cpuid(shape_cpuid(*supported, opt)));
  auto exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  ASSERT_EQ(exit->kind, VcpuExit::Kind::kIoOut);
  EXPECT_EQ(exit->data[0], 7);  // APIC id in EBX[31:24]
  exit = g.vcpu().run();
  ASSERT_TRUE(exit);
  ASSERT_EQ(exit->kind, VcpuExit::Kind::kIoOut);
  EXPECT_TRUE(exit->data[0] & 0x80);  // hypervisor bit ECX[31]
}

TEST(Kvm, MsrRoundTrip) {
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, kOutThenHlt);
  ASSERT_TRUE(g.ready());
  constexpr uint32_t kMsrIa32SysenterCs = 0x174;
  kvm_msr_entry e{};
  e.index = kMsrIa32SysenterCs;
  e.data = 0x10;
  ASSERT_TRUE(g.vcpu().set_msrs({e}));
  std::vector<kvm_msr_entry> back(1);
  back[0].index = kMsrIa32SysenterCs;
  ASSERT_TRUE(g.vcpu().get_msrs(back));
  EXPECT_EQ(back[0].data, 0x10U);
}

TEST(Kvm, GsiRoutingAccepted) {
  SKIP_WITHOUT_KVM(kvm);
  auto vm = kvm->create_vm();
  ASSERT_TRUE(vm);
  ASSERT_TRUE(vm->create_irqchip());
  std::vector<kvm_irq_routing_entry> routes;
  for (uint32_t pin = 0; pin < 24; ++pin) {
    kvm_irq_routing_entry r{};
    r.gsi = pin;
    r.type = KVM_IRQ_ROUTING_IRQCHIP;
    r.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
    r.u.irqchip.pin = pin;
    routes.push_back(r);
  }
  auto res = vm->set_gsi_routing(routes);
  EXPECT_TRUE(res) << res.error().to_string();
}

TEST(Kvm, IrqchipPitTssAndIrqLine) {
  SKIP_WITHOUT_KVM(kvm);
  auto vm = kvm->create_vm();
  ASSERT_TRUE(vm);
  ASSERT_TRUE(vm->set_identity_map_addr(0xFEF0C000));
  ASSERT_TRUE(vm->set_tss_addr(0xFEF0D000));
  ASSERT_TRUE(vm->create_irqchip());
  ASSERT_TRUE(vm->create_pit2());
  EXPECT_TRUE(vm->irq_line(4, true));
  EXPECT_TRUE(vm->irq_line(4, false));
  UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  ASSERT_TRUE(vm->register_irqfd(efd.get(), 5));
  EXPECT_TRUE(vm->unregister_irqfd(efd.get(), 5));
  auto vcpu = vm->create_vcpu(0);
  ASSERT_TRUE(vcpu);
  auto lapic = vcpu->get_lapic();
  ASSERT_TRUE(lapic);
  EXPECT_TRUE(vcpu->set_lapic(*lapic));
  EXPECT_TRUE(vcpu->set_mp_state(KVM_MP_STATE_UNINITIALIZED));
  auto mp = vcpu->get_mp_state();
  ASSERT_TRUE(mp);
  EXPECT_EQ(*mp, static_cast<uint32_t>(KVM_MP_STATE_UNINITIALIZED));
}

TEST(Kvm, MemslotOverlapRejectedByKernel) {
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, kOutThenHlt);
  ASSERT_TRUE(g.ready());
  auto r = g.vm().set_memory_region(1, 0x1000, 0x1000, g.ram());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("KVM_SET_USER_MEMORY_REGION"), std::string::npos);
}

}  // namespace
}  // namespace stratovirt::hypervisor
