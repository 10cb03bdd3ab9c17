// SPDX-License-Identifier: MulanPSL-2.0
//
// TestGuest: a tiny hand-built 64-bit guest for native KVM tests.
//
// 2 MiB of anonymous RAM at guest address 0, identity page tables for the first 1 GiB
// (2 MiB pages), a flat 64-bit GDT, and the vCPU put straight into long mode with
// KVM_SET_SREGS. Test code is copied to kCodeAddr. Test-only; one thread.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

#include "stratovirt/hypervisor/kvm.h"

namespace stratovirt::hypervisor::testing {

inline constexpr uint64_t kGuestRamSize = 2ULL << 20;
inline constexpr uint64_t kCodeAddr = 0x1000;

// Opens /dev/kvm or returns nullopt (the caller skips).
inline std::optional<Kvm> open_kvm_or_skip_reason(std::string* reason) {
  if (::access("/dev/kvm", R_OK | W_OK) != 0) {
    *reason = "/dev/kvm not available";
    return std::nullopt;
  }
  auto kvm = Kvm::open();
  if (!kvm) {
    *reason = kvm.error().to_string();
    return std::nullopt;
  }
  return std::move(*kvm);
}

class TestGuest {
 public:
  TestGuest(Kvm& kvm, const std::vector<uint8_t>& code) {
    auto vm = kvm.create_vm();
    if (!vm) {
      ADD_FAILURE() << vm.error().to_string();
      return;
    }
    vm_.emplace(std::move(*vm));
    void* mem = ::mmap(nullptr, kGuestRamSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) {
      ADD_FAILURE() << "mmap guest ram";
      return;
    }
    ram_ = static_cast<uint8_t*>(mem);
    build_tables();
    std::memcpy(ram_ + kCodeAddr, code.data(), code.size());
    auto r = vm_->set_memory_region(0, 0, kGuestRamSize, ram_);
    if (!r) {
      ADD_FAILURE() << r.error().to_string();
      return;
    }
    auto vcpu = vm_->create_vcpu(0);
    if (!vcpu) {
      ADD_FAILURE() << vcpu.error().to_string();
      return;
    }
    vcpu_.emplace(std::move(*vcpu));
    enter_long_mode();
  }
  ~TestGuest() {
    vcpu_.reset();
    vm_.reset();
    if (ram_ != nullptr) ::munmap(ram_, kGuestRamSize);
  }

  bool ready() const { return vcpu_.has_value(); }
  VmFd& vm() { return *vm_; }
  VcpuFd& vcpu() { return *vcpu_; }
  uint8_t* ram() { return ram_; }

 private:
  void put64(uint64_t addr, uint64_t v) { std::memcpy(ram_ + addr, &v, 8); }

  void build_tables() {
    // GDT at 0x500: null, null, 64-bit code (0x10), data (0x18).
    put64(0x500, 0);
    put64(0x508, 0);
    put64(0x510, 0x00AF9B000000FFFFULL);
    put64(0x518, 0x00CF93000000FFFFULL);
    // PML4 0x9000 -> PDPT 0xA000 -> PD 0xB000 (512 x 2 MiB).
    put64(0x9000, 0xA000 | 0x3);
    put64(0xA000, 0xB000 | 0x3);
    for (uint64_t i = 0; i < 512; ++i) put64(0xB000 + i * 8, (i << 21) | 0x83);
  }

  void enter_long_mode() {
    auto sregs = vcpu_->get_sregs();
    ASSERT_TRUE(sregs) << sregs.error().to_string();
    kvm_segment code{};
    code.base = 0;
    code.limit = 0xFFFFFFFF;
    code.selector = 0x10;
    code.type = 0xB;
    code.present = 1;
    code.s = 1;
    code.l = 1;
    code.g = 1;
    kvm_segment data = code;
    data.selector = 0x18;
    data.type = 0x3;
    data.l = 0;
    data.db = 1;
    sregs->cs = code;
    sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
    sregs->gdt.base = 0x500;
    sregs->gdt.limit = 0x1F;
    sregs->cr3 = 0x9000;
    sregs->cr4 = 0x20;                  // PAE
    sregs->cr0 = 0x80000001 | 0x10;     // PG | PE | ET
    sregs->efer = 0x500;                // LME | LMA
    ASSERT_TRUE(vcpu_->set_sregs(*sregs));
    kvm_regs regs{};
    regs.rip = kCodeAddr;
    regs.rsp = 0x8000;
    regs.rflags = 0x2;
    ASSERT_TRUE(vcpu_->set_regs(regs));
  }

  std::optional<VmFd> vm_;
  std::optional<VcpuFd> vcpu_;
  uint8_t* ram_ = nullptr;
};

}  // namespace stratovirt::hypervisor::testing
