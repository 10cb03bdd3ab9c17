// SPDX-License-Identifier: MulanPSL-2.0
// Initial vCPU registers for the 64-bit boot.
#include "machine/x86_64/cpu_state.h"

#include <cstring>

#include "machine/x86_64/boot/boot_layout.h"
#include "machine/x86_64/boot/boot_tables.h"

namespace stratovirt::machine::x86 {
namespace {

constexpr uint64_t kCr0Pe = 1ULL << 0;
constexpr uint64_t kCr0Et = 1ULL << 4;
constexpr uint64_t kCr0Pg = 1ULL << 31;
constexpr uint64_t kCr4Pae = 1ULL << 5;
constexpr uint64_t kEferLme = 1ULL << 8;
constexpr uint64_t kEferLma = 1ULL << 10;

constexpr uint32_t kMsrIa32Tsc = 0x10;
constexpr uint32_t kMsrSysenterCs = 0x174;
constexpr uint32_t kMsrSysenterEsp = 0x175;
constexpr uint32_t kMsrSysenterEip = 0x176;
constexpr uint32_t kMsrMiscEnable = 0x1A0;
constexpr uint64_t kMiscEnableFastString = 1;
constexpr uint32_t kMsrMtrrDefType = 0x2FF;
constexpr uint64_t kMtrrEnableWriteBack = (1ULL << 11) | 0x6;
constexpr uint32_t kMsrStar = 0xC0000081;
constexpr uint32_t kMsrLstar = 0xC0000082;
constexpr uint32_t kMsrCstar = 0xC0000083;
constexpr uint32_t kMsrSyscallMask = 0xC0000084;
constexpr uint32_t kMsrKernelGsBase = 0xC0000102;

uint32_t lapic_reg(const kvm_lapic_state& l, size_t off) {
  uint32_t v;
  std::memcpy(&v, l.regs + off, 4);
  return v;
}
void set_lapic_reg(kvm_lapic_state& l, size_t off, uint32_t v) { std::memcpy(l.regs + off, &v, 4); }
uint32_t with_delivery(uint32_t lvt, uint32_t mode) { return (lvt & ~0x700U) | (mode << 8); }

}  // namespace

void set_lapic_lint(kvm_lapic_state& lapic) {
  set_lapic_reg(lapic, kApicLvtLint0, with_delivery(lapic_reg(lapic, kApicLvtLint0), kApicDeliveryExtInt));
  set_lapic_reg(lapic, kApicLvtLint1, with_delivery(lapic_reg(lapic, kApicLvtLint1), kApicDeliveryNmi));
}

std::vector<kvm_msr_entry> boot_msrs() {
  auto msr = [](uint32_t index, uint64_t data) {
    kvm_msr_entry e{};
    e.index = index;
    e.data = data;
    return e;
  };
  return {msr(kMsrSysenterCs, 0),  msr(kMsrSysenterEsp, 0), msr(kMsrSysenterEip, 0),
          msr(kMsrStar, 0),        msr(kMsrLstar, 0),       msr(kMsrCstar, 0),
          msr(kMsrKernelGsBase, 0), msr(kMsrSyscallMask, 0), msr(kMsrIa32Tsc, 0),
          msr(kMsrMiscEnable, kMiscEnableFastString),
          msr(kMsrMtrrDefType, kMtrrEnableWriteBack)};
}

Result<void> setup_boot_vcpu(hypervisor::VcpuFd& vcpu, const std::vector<kvm_cpuid_entry2>& cpuid,
                             const BootEntry& entry, bool bsp) {
  SV_RETURN_IF_ERROR(vcpu.set_cpuid(cpuid));
  SV_RETURN_IF_ERROR(vcpu.set_msrs(boot_msrs()));

  kvm_fpu fpu{};
  fpu.fcw = 0x37F;
  fpu.mxcsr = 0x1F80;
  SV_RETURN_IF_ERROR(vcpu.set_fpu(fpu));

  SV_ASSIGN_OR_RETURN(kvm_sregs sregs, vcpu.get_sregs());
  kvm_segment code = segment_from_descriptor(kBootGdt[kBootCodeSelector / 8], kBootCodeSelector);
  kvm_segment data = segment_from_descriptor(kBootGdt[kBootDataSelector / 8], kBootDataSelector);
  sregs.cs = code;
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.gdt.base = kGdtAddr;
  sregs.gdt.limit = static_cast<uint16_t>(kBootGdt.size() * 8 - 1);
  sregs.idt.base = kIdtAddr;
  sregs.idt.limit = 7;
  sregs.cr0 = kCr0Pe | kCr0Et | kCr0Pg;
  sregs.cr3 = kPml4Addr;
  sregs.cr4 = kCr4Pae;
  sregs.efer = kEferLme | kEferLma;
  SV_RETURN_IF_ERROR(vcpu.set_sregs(sregs));

  kvm_regs regs{};
  regs.rflags = 0x2;
  regs.rip = entry.rip;
  regs.rsp = kBootStackPointer;
  regs.rbp = kBootStackPointer;
  regs.rsi = entry.zero_page;
  SV_RETURN_IF_ERROR(vcpu.set_regs(regs));

  SV_ASSIGN_OR_RETURN(kvm_lapic_state lapic, vcpu.get_lapic());
  set_lapic_lint(lapic);
  SV_RETURN_IF_ERROR(vcpu.set_lapic(lapic));
  return vcpu.set_mp_state(bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED);
}

}  // namespace stratovirt::machine::x86
