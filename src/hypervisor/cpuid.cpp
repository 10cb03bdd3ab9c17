// SPDX-License-Identifier: MulanPSL-2.0
// CPUID shaping for one vCPU (leaves 1, 4, 6, 0xA, 0xB, 0x1F).
#include "stratovirt/hypervisor/cpuid.h"

#include <algorithm>

namespace stratovirt::hypervisor {
namespace {

constexpr uint32_t kLeafFeatures = 0x1;
constexpr uint32_t kLeafCacheParams = 0x4;
constexpr uint32_t kLeafThermal = 0x6;
constexpr uint32_t kLeafPerfMon = 0xA;
constexpr uint32_t kLeafExtTopology = 0xB;
constexpr uint32_t kLeafV2Topology = 0x1F;

constexpr uint32_t kEcxTscDeadline = 1U << 24;
constexpr uint32_t kEcxHypervisor = 1U << 31;
constexpr uint32_t kEdxHtt = 1U << 28;
constexpr uint32_t kEcxEpb = 1U << 3;

// Level types of leaves 0xB/0x1F (ECX[15:8]).
constexpr uint32_t kLevelSmt = 1;
constexpr uint32_t kLevelCore = 2;
constexpr uint32_t kLevelDie = 5;

struct Level {
  uint32_t type;
  uint32_t shift;    // APIC-id bits below the next level
  uint32_t count;    // logical processors at this level
};

void fill_topology_leaf(kvm_cpuid_entry2& e, const std::vector<Level>& levels, uint32_t apic_id) {
  uint32_t index = e.index;
  e.edx = apic_id;
  if (index < levels.size()) {
    e.eax = levels[index].shift;
    e.ebx = levels[index].count & 0xFFFF;
    e.ecx = (levels[index].type << 8) | index;
  } else {
    e.eax = 0;
    e.ebx = 0;
    e.ecx = index;
  }
}

}  // namespace

uint32_t topology_bits(uint32_t n) {
  uint32_t bits = 0;
  while ((1U << bits) < n) ++bits;
  return bits;
}

std::vector<kvm_cpuid_entry2> shape_cpuid(const std::vector<kvm_cpuid_entry2>& supported,
                                          const CpuidOptions& options) {
  const CpuTopology& t = options.topology;
  uint32_t threads = std::max(t.threads, 1U);
  uint32_t cores = std::max(t.cores, 1U);
  uint32_t dies = std::max(t.dies, 1U);
  uint32_t smt_shift = topology_bits(threads);
  uint32_t core_shift = smt_shift + topology_bits(cores);
  uint32_t die_shift = core_shift + topology_bits(dies);
  uint32_t per_package = threads * cores * dies;

  std::vector<kvm_cpuid_entry2> out = supported;
  for (auto& e : out) {
    switch (e.function) {
      case kLeafFeatures:
        e.ebx = (e.ebx & 0x0000FFFF) | (std::min(per_package, 255U) << 16) |
                ((options.apic_id & 0xFF) << 24);
        e.ecx |= kEcxHypervisor;
        if (options.tsc_deadline) e.ecx |= kEcxTscDeadline;
        if (per_package > 1) {
          e.edx |= kEdxHtt;
        } else {
          e.edx &= ~kEdxHtt;
        }
        break;
      case kLeafCacheParams: {
        if ((e.eax & 0x1F) == 0) break;  // no cache at this subleaf
        uint32_t level = (e.eax >> 5) & 0x7;
        uint32_t sharing = level >= 3 ? per_package : threads;
        e.eax &= 0x3FFF;
        e.eax |= ((sharing - 1) & 0xFFF) << 14;
        e.eax |= ((std::min(cores * dies, 64U) - 1) & 0x3F) << 26;
        break;
      }
      case kLeafThermal: e.ecx &= ~kEcxEpb; break;
      case kLeafPerfMon:
        if (!options.pmu) e.eax = e.ebx = e.ecx = e.edx = 0;
        break;
      case kLeafExtTopology:
        fill_topology_leaf(e, {{kLevelSmt, smt_shift, threads}, {kLevelCore, die_shift,
                                                                 per_package}},
                           options.apic_id);
        break;
      case kLeafV2Topology:
        fill_topology_leaf(e, {{kLevelSmt, smt_shift, threads},
                               {kLevelCore, core_shift, threads * cores},
                               {kLevelDie, die_shift, per_package}},
                           options.apic_id);
        break;
      default: break;
    }
  }
  return out;
}

}  // namespace stratovirt::hypervisor
