// SPDX-License-Identifier: MulanPSL-2.0
//
// Initial x86 vCPU state for direct 64-bit Linux boot (StratoVirt's register set):
// CPUID, boot MSRs, FPU (fcw 0x37F, mxcsr 0x1F80), long-mode segments from the boot GDT,
// CR0 PE|PG, CR4 PAE, EFER LME|LMA, CR3 = PML4, RIP = kernel entry, RSP 0x8FF0, RSI = zero
// page, LAPIC LINT0 ExtINT / LINT1 NMI, and the MP state: the BSP RUNNABLE, APs
// UNINITIALIZED waiting for the guest's INIT/SIPI through the in-kernel LAPIC.
// Called on the main thread before vCPU threads start. Failure: the failing ioctl's error.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/hypervisor/vcpu_fd.h"

namespace stratovirt::machine::x86 {

struct BootEntry {
  uint64_t rip = 0;
  uint64_t zero_page = 0;
};

// LAPIC register offsets and LVT delivery modes (Intel SDM Vol. 3A 10.5.1).
inline constexpr size_t kApicLvtLint0 = 0x350;
inline constexpr size_t kApicLvtLint1 = 0x360;
inline constexpr uint32_t kApicDeliveryExtInt = 0x7;
inline constexpr uint32_t kApicDeliveryNmi = 0x4;

// Sets LINT0/LINT1 delivery modes in a LAPIC register page.
void set_lapic_lint(kvm_lapic_state& lapic);

// The boot MSR list (zeroed system-call MSRs, fast-string MISC_ENABLE, WB MTRR default).
std::vector<kvm_msr_entry> boot_msrs();

Result<void> setup_boot_vcpu(hypervisor::VcpuFd& vcpu, const std::vector<kvm_cpuid_entry2>& cpuid,
                             const BootEntry& entry, bool bsp);

}  // namespace stratovirt::machine::x86
