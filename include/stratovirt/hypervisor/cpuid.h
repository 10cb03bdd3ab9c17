// SPDX-License-Identifier: MulanPSL-2.0
//
// CPUID shaping: turns KVM_GET_SUPPORTED_CPUID into one vCPU's CPUID table.
//
// Sets the hypervisor bit (leaf 1 ECX[31]), TSC-deadline when KVM emulates it, the APIC id
// and logical-processor count in leaf 1, the topology of leaves 4, 0xB and 0x1F (SDM Vol. 2A
// "CPUID") from the -smp topology, clears EPB (leaf 6 ECX[3]) and hides the PMU (leaf 0xA)
// unless asked for. Pure computation on vectors: any thread, cannot fail.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace stratovirt::hypervisor {

struct CpuTopology {
  uint32_t threads = 1;  // per core
  uint32_t cores = 1;    // per die
  uint32_t dies = 1;     // per socket
  uint32_t sockets = 1;
};

struct CpuidOptions {
  uint32_t apic_id = 0;
  CpuTopology topology;
  bool tsc_deadline = false;  // KVM_CAP_TSC_DEADLINE_TIMER
  bool pmu = false;
};

// Number of APIC-id bits needed to count `n` things (ceil(log2(n))).
uint32_t topology_bits(uint32_t n);

std::vector<kvm_cpuid_entry2> shape_cpuid(const std::vector<kvm_cpuid_entry2>& supported,
                                          const CpuidOptions& options);

}  // namespace stratovirt::hypervisor
