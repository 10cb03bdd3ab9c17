// SPDX-License-Identifier: MulanPSL-2.0
// VcpuThread on native KVM with tiny guests (skipped where /dev/kvm is absent).
#include "machine/vcpu_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "unit/hypervisor/test_guest.h"

namespace stratovirt::machine {
namespace {

using hypervisor::testing::TestGuest;
using namespace std::chrono_literals;

class CountingHandler : public VcpuExitHandler {
 public:
  void io_in(uint16_t, std::span<uint8_t> data) override { std::fill(data.begin(), data.end(), 0); }
  void io_out(uint16_t port, std::span<const uint8_t> data) override {
    if (port == 0x80) ++outs;
    last_port = port;
    last_value = data[0];
  }
  void mmio_read(uint64_t, std::span<uint8_t>) override {}
  void mmio_write(uint64_t, std::span<const uint8_t>) override {}
  void guest_stopped(uint32_t, bool poweroff, const std::string& what) override {
    stopped_poweroff = poweroff;
    stop_what = what;
    stopped = true;
  }
  void vcpu_fatal(uint32_t, const std::string& message) override {
    fatal_message = message;
    fatal = true;
  }
  std::atomic<uint64_t> outs{0};
  std::atomic<uint16_t> last_port{0};
  std::atomic<uint8_t> last_value{0};
  std::atomic<bool> stopped{false};
  std::atomic<bool> stopped_poweroff{false};
  std::atomic<bool> fatal{false};
  std::string stop_what;
  std::string fatal_message;
};

template <typename Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

#define SKIP_WITHOUT_KVM(kvm_var)                                                \
  std::string skip_reason_;                                                      \
  auto kvm_var = hypervisor::testing::open_kvm_or_skip_reason(&skip_reason_);    \
  if (!kvm_var) GTEST_SKIP() << "no usable KVM: " << skip_reason_

TEST(VcpuThread, PauseResumeStop) {
  // loop: out 0x80, al; jmp loop
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xE6, 0x80, 0xEB, 0xFC});
  ASSERT_TRUE(g.ready());
  CountingHandler h;
  VcpuThread t(std::move(g.vcpu()), h);
  EXPECT_EQ(t.state(), VcpuThread::State::kCreated);
  ASSERT_TRUE(t.start(false));
  ASSERT_TRUE(wait_for([&] { return h.outs > 100; }));
  t.pause();
  EXPECT_EQ(t.state(), VcpuThread::State::kPaused);
  uint64_t frozen = h.outs;
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.outs, frozen);  // a paused vCPU runs no guest code
  t.resume();
  ASSERT_TRUE(wait_for([&] { return h.outs > frozen + 100; }));
  t.stop();
  EXPECT_EQ(t.state(), VcpuThread::State::kStopped);
  EXPECT_FALSE(h.stopped);
  EXPECT_FALSE(h.fatal);
}

TEST(VcpuThread, StartPausedRunsNothingUntilResume) {
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xE6, 0x80, 0xEB, 0xFC});
  ASSERT_TRUE(g.ready());
  CountingHandler h;
  VcpuThread t(std::move(g.vcpu()), h);
  ASSERT_TRUE(t.start(true));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.outs, 0U);
  EXPECT_EQ(t.state(), VcpuThread::State::kPaused);
  t.resume();
  ASSERT_TRUE(wait_for([&] { return h.outs > 0; }));
}

TEST(VcpuThread, TripleFaultReportsGuestStop) {
  // ud2 with an empty IDT: #UD -> #GP/#DF -> triple fault (KVM_EXIT_SHUTDOWN)
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0x0F, 0x0B});
  ASSERT_TRUE(g.ready());
  auto sregs = g.vcpu().get_sregs();
  ASSERT_TRUE(sregs);
  sregs->idt.base = 0;
  sregs->idt.limit = 0;
  ASSERT_TRUE(g.vcpu().set_sregs(*sregs));
  CountingHandler h;
  VcpuThread t(std::move(g.vcpu()), h);
  ASSERT_TRUE(t.start(false));
  ASSERT_TRUE(wait_for([&] { return h.stopped || h.fatal; })) << "guest never stopped";
  EXPECT_TRUE(h.stopped) << h.fatal_message;
  EXPECT_FALSE(h.stopped_poweroff);
  EXPECT_NE(h.stop_what.find("KVM_EXIT_SHUTDOWN"), std::string::npos);
  ASSERT_TRUE(wait_for([&] { return t.state() == VcpuThread::State::kStopped; }));
}

TEST(VcpuThread, HaltWithoutIrqchipStops) {
  SKIP_WITHOUT_KVM(kvm);
  TestGuest g(*kvm, {0xB0, 0x07, 0xE6, 0x81, 0xF4});  // mov al, 7; out 0x81, al; hlt
  ASSERT_TRUE(g.ready());
  CountingHandler h;
  VcpuThread t(std::move(g.vcpu()), h);
  ASSERT_TRUE(t.start(false));
  ASSERT_TRUE(wait_for([&] { return h.stopped.load(); }));
  EXPECT_EQ(h.last_port, 0x81);
  EXPECT_EQ(h.last_value, 7);
  EXPECT_TRUE(h.stopped_poweroff);
}

}  // namespace
}  // namespace stratovirt::machine
