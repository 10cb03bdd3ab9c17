// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/hypervisor/cpuid.h"

#include <gtest/gtest.h>

namespace stratovirt::hypervisor {
namespace {

kvm_cpuid_entry2 entry(uint32_t fn, uint32_t index, uint32_t eax = 0, uint32_t ebx = 0,
                       uint32_t ecx = 0, uint32_t edx = 0) {
  kvm_cpuid_entry2 e{};
  e.function = fn;
  e.index = index;
  e.eax = eax;
  e.ebx = ebx;
  e.ecx = ecx;
  e.edx = edx;
  return e;
}

const kvm_cpuid_entry2* find(const std::vector<kvm_cpuid_entry2>& v, uint32_t fn, uint32_t idx) {
  for (const auto& e : v) {
    if (e.function == fn && e.index == idx) return &e;
  }
  return nullptr;
}

TEST(Cpuid, TopologyBits) {
  EXPECT_EQ(topology_bits(1), 0U);
  EXPECT_EQ(topology_bits(2), 1U);
  EXPECT_EQ(topology_bits(3), 2U);
  EXPECT_EQ(topology_bits(4), 2U);
  EXPECT_EQ(topology_bits(5), 3U);
}

TEST(Cpuid, Leaf1ApicIdHypervisorAndHtt) {
  std::vector<kvm_cpuid_entry2> in = {entry(1, 0, 0x806F8, 0x12340800, 0, 0)};
  CpuidOptions opt{.apic_id = 3, .topology = {.threads = 2, .cores = 2, .dies = 1, .sockets = 1},
                   .tsc_deadline = true, .pmu = false};
  auto out = shape_cpuid(in, opt);
  const auto* e = find(out, 1, 0);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->ebx >> 24, 3U);
  EXPECT_EQ((e->ebx >> 16) & 0xFF, 4U);
  EXPECT_EQ(e->ebx & 0xFFFF, 0x0800U);  // brand/clflush kept
  EXPECT_TRUE(e->ecx & (1U << 31));
  EXPECT_TRUE(e->ecx & (1U << 24));
  EXPECT_TRUE(e->edx & (1U << 28));
}

TEST(Cpuid, SingleCpuHasNoHtt) {
  std::vector<kvm_cpuid_entry2> in = {entry(1, 0, 0, 0, 0, 1U << 28)};
  auto out = shape_cpuid(in, CpuidOptions{});
  EXPECT_FALSE(out[0].edx & (1U << 28));
  EXPECT_FALSE(out[0].ecx & (1U << 24));
}

TEST(Cpuid, Leaf4CacheSharing) {
  // L1d (type 1, level 1) and L3 (type 3, level 3), with host sharing bits set.
  std::vector<kvm_cpuid_entry2> in = {entry(4, 0, (1 << 5) | 1 | (0xFFFU << 14)),
                                      entry(4, 3, (3 << 5) | 3 | (0xFFFU << 14)),
                                      entry(4, 4, 0)};
  CpuidOptions opt{.apic_id = 0, .topology = {.threads = 2, .cores = 4, .dies = 1, .sockets = 2}};
  auto out = shape_cpuid(in, opt);
  EXPECT_EQ((out[0].eax >> 14) & 0xFFF, 1U);   // shared by 2 threads
  EXPECT_EQ((out[1].eax >> 14) & 0xFFF, 7U);   // shared by the package (8)
  EXPECT_EQ(out[0].eax >> 26, 3U);             // 4 cores per package
  EXPECT_EQ(out[0].eax & 0x3FFF, (1U << 5) | 1U);
  EXPECT_EQ(out[2].eax, 0U);                   // terminator untouched
}

TEST(Cpuid, LeafBTopology) {
  std::vector<kvm_cpuid_entry2> in = {entry(0xB, 0), entry(0xB, 1), entry(0xB, 2)};
  CpuidOptions opt{.apic_id = 5, .topology = {.threads = 2, .cores = 3, .dies = 1, .sockets = 1}};
  auto out = shape_cpuid(in, opt);
  EXPECT_EQ(out[0].eax, 1U);
  EXPECT_EQ(out[0].ebx, 2U);
  EXPECT_EQ(out[0].ecx, 0x100U);
  EXPECT_EQ(out[0].edx, 5U);
  EXPECT_EQ(out[1].eax, 3U);  // 1 smt bit + 2 core bits
  EXPECT_EQ(out[1].ebx, 6U);
  EXPECT_EQ(out[1].ecx, 0x201U);
  EXPECT_EQ(out[2].ecx, 2U);  // invalid level
  EXPECT_EQ(out[2].ebx, 0U);
}

TEST(Cpuid, Leaf1FHasDieLevel) {
  std::vector<kvm_cpuid_entry2> in = {entry(0x1F, 0), entry(0x1F, 1), entry(0x1F, 2),
                                      entry(0x1F, 3)};
  CpuidOptions opt{.apic_id = 1, .topology = {.threads = 1, .cores = 2, .dies = 2, .sockets = 1}};
  auto out = shape_cpuid(in, opt);
  EXPECT_EQ(out[1].eax, 1U);
  EXPECT_EQ(out[1].ebx, 2U);
  EXPECT_EQ(out[2].eax, 2U);
  EXPECT_EQ(out[2].ebx, 4U);
  EXPECT_EQ(out[2].ecx, (5U << 8) | 2U);
  EXPECT_EQ(out[3].ecx, 3U);
}

TEST(Cpuid, PmuHiddenAndEpbCleared) {
  std::vector<kvm_cpuid_entry2> in = {entry(0xA, 0, 0x07300403, 1, 2, 3), entry(6, 0, 0, 0, 0xF)};
  auto out = shape_cpuid(in, CpuidOptions{});
  EXPECT_EQ(out[0].eax, 0U);
  EXPECT_EQ(out[1].ecx, 0x7U);
  CpuidOptions pmu;
  pmu.pmu = true;
  out = shape_cpuid(in, pmu);
  EXPECT_EQ(out[0].eax, 0x07300403U);
}

}  // namespace
}  // namespace stratovirt::hypervisor
