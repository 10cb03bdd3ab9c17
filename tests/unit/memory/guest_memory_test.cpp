// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/memory/guest_memory.h"

#include <gtest/gtest.h>

#include "stratovirt/memory/host_memory.h"

namespace stratovirt::memory {
namespace {

std::shared_ptr<MmapRegion> anon(size_t size) {
  auto r = MmapRegion::anonymous(size, MmapOptions{});
  EXPECT_TRUE(r);
  return std::make_shared<MmapRegion>(std::move(*r));
}

TEST(MicroVmSplit, SmallRamIsOneRange) {
  auto r = microvm_ram_ranges(256ULL << 20);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].guest_addr, 0U);
  EXPECT_EQ(r[0].size, 256ULL << 20);
}

TEST(MicroVmSplit, LargeRamContinuesAt4G) {
  auto r = microvm_ram_ranges(4ULL << 30);
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].size, 3ULL << 30);
  EXPECT_EQ(r[1].guest_addr, 4ULL << 30);
  EXPECT_EQ(r[1].size, 1ULL << 30);
  EXPECT_EQ(microvm_ram_ranges(3ULL << 30).size(), 1U);
}

TEST(GuestMemory, SplitRegionsShareOneBacking) {
  GuestMemory mem;
  auto backing = anon(3 * 4096);
  std::vector<RamRange> ranges = {{0, 2 * 4096}, {0x10000, 4096}};
  ASSERT_TRUE(mem.add_ranges(backing, ranges));
  EXPECT_EQ(mem.total_size(), 3U * 4096);
  ASSERT_TRUE(mem.write_obj<uint32_t>(0x10000, 0xCAFEBABE));
  uint32_t raw;
  std::memcpy(&raw, backing->data() + 2 * 4096, 4);
  EXPECT_EQ(raw, 0xCAFEBABEU);
  auto back = mem.read_obj<uint32_t>(0x10000);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 0xCAFEBABEU);
}

TEST(GuestMemory, AccessOutsideOrAcrossRegionsFails) {
  GuestMemory mem;
  ASSERT_TRUE(mem.add_region(0, 4096, anon(4096)));
  ASSERT_TRUE(mem.add_region(4096, 4096, anon(4096)));
  std::array<uint8_t, 8> buf{};
  EXPECT_TRUE(mem.read(4096 - 8, buf));
  auto across = mem.read(4096 - 4, buf);  // adjacent but separate host mappings
  ASSERT_FALSE(across);
  EXPECT_EQ(across.error().code(), ErrorCode::kOutOfRange);
  EXPECT_FALSE(mem.write(8192, buf));
  EXPECT_FALSE(mem.host_ptr(~0ULL - 2, 8));
  EXPECT_FALSE(mem.read_obj<uint64_t>(8190));
  EXPECT_TRUE(mem.contains(0, 4096));
  EXPECT_FALSE(mem.contains(0, 4097));
  EXPECT_FALSE(mem.contains(0x100000, 1));
}

TEST(GuestMemory, OverlapAndOversizeRejected) {
  GuestMemory mem;
  ASSERT_TRUE(mem.add_region(0x1000, 0x2000, anon(0x2000)));
  EXPECT_FALSE(mem.add_region(0x2000, 0x1000, anon(0x1000)));
  EXPECT_FALSE(mem.add_region(0x0, 0x1001, anon(0x2000)));
  EXPECT_FALSE(mem.add_region(0x10000, 0x2000, anon(0x1000)));  // bigger than its mapping
  EXPECT_TRUE(mem.add_region(0x0, 0x1000, anon(0x1000)));
  ASSERT_EQ(mem.regions().size(), 2U);
  EXPECT_EQ(mem.regions()[0].guest_addr, 0U);  // kept sorted
}

TEST(GuestMemory, FillAndHostPtr) {
  GuestMemory mem;
  ASSERT_TRUE(mem.add_region(0, 4096, anon(4096)));
  ASSERT_TRUE(mem.fill(100, 0xAB, 10));
  auto p = mem.host_ptr(100, 10);
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)[9], 0xAB);
  EXPECT_EQ((*p)[10], 0);
}

}  // namespace
}  // namespace stratovirt::memory
