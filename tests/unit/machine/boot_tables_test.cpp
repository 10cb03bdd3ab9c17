// SPDX-License-Identifier: MulanPSL-2.0
#include <gtest/gtest.h>

#include "machine/x86_64/boot/boot_layout.h"
#include "machine/x86_64/boot/boot_tables.h"
#include "machine/x86_64/boot/e820.h"
#include "machine/x86_64/boot/mp_table.h"
#include "machine/x86_64/boot/zero_page.h"
#include "machine/x86_64/cpu_state.h"
#include "stratovirt/base/byte_sum.h"

namespace stratovirt::machine::x86 {
namespace {

TEST(E820, SmallGuest) {
  auto map = build_e820(memory::microvm_ram_ranges(256ULL << 20));
  std::vector<E820Entry> want = {{0, 0x9FC00, kE820Ram},
                                 {0x9FC00, 0x400, kE820Reserved},
                                 {0xD0000, 0x30000, kE820Reserved},
                                 {0x100000, (256ULL << 20) - 0x100000, kE820Ram}};
  EXPECT_EQ(map, want);
}

TEST(E820, LargeGuestSplitsAtThreeGiB) {
  auto map = build_e820(memory::microvm_ram_ranges(5ULL << 30));
  ASSERT_EQ(map.size(), 5U);
  EXPECT_EQ(map[3], (E820Entry{0x100000, 0xC0000000ULL - 0x100000, kE820Ram}));
  EXPECT_EQ(map[4], (E820Entry{0x100000000ULL, 2ULL << 30, kE820Ram}));
}

TEST(MpTable, ChecksumsAndLayout) {
  auto t = build_mp_table(2, kMpTableAddr);
  ASSERT_TRUE(t) << t.error().to_string();
  const auto& b = *t;
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "_MP_");
  EXPECT_EQ(byte_sum(std::span(b).first(16)), 0);
  uint32_t cfg;
  std::memcpy(&cfg, &b[4], 4);
  EXPECT_EQ(cfg, kMpTableAddr + 16);
  EXPECT_EQ(b[8], 1);  // length 16 bytes
  EXPECT_EQ(b[9], 4);  // spec 1.4
  EXPECT_EQ(std::string(b.begin() + 16, b.begin() + 20), "PCMP");
  uint16_t len, count;
  std::memcpy(&len, &b[16 + 4], 2);
  std::memcpy(&count, &b[16 + 34], 2);
  EXPECT_EQ(len, b.size() - 16);
  EXPECT_EQ(byte_sum(std::span(b).subspan(16, len)), 0);
  // 2 CPUs + bus + IOAPIC + 16 IO interrupts + 2 local interrupts.
  EXPECT_EQ(count, 2 + 1 + 1 + 16 + 2);
  EXPECT_EQ(len, 44 + 2 * 20 + 8 + 8 + 16 * 8 + 2 * 8);
  // First processor entry: BSP + enabled; second: enabled only.
  EXPECT_EQ(b[60 + 0], 0);
  EXPECT_EQ(b[60 + 1], 0);
  EXPECT_EQ(b[60 + 3], 3);
  EXPECT_EQ(b[80 + 1], 1);
  EXPECT_EQ(b[80 + 3], 1);
}

TEST(MpTable, TooManyCpusRefused) {
  EXPECT_TRUE(build_mp_table(40, kMpTableAddr));
  EXPECT_FALSE(build_mp_table(41, kMpTableAddr));
  EXPECT_FALSE(build_mp_table(0, kMpTableAddr));
}

TEST(ZeroPage, FieldsFromParams) {
  ZeroPageParams p;
  setup_header h{};
  h.version = 0x020F;
  h.cmdline_size = 2048;
  p.header = h;
  p.cmdline_addr = kCmdlineAddr;
  p.cmdline_size = 10;
  p.initrd_addr = 0x7000000;
  p.initrd_size = 0x123456;
  p.e820 = build_e820(memory::microvm_ram_ranges(256ULL << 20));
  p.acpi_rsdp_addr = 0xE0000;
  auto bp = build_zero_page(p);
  ASSERT_TRUE(bp);
  EXPECT_EQ(bp->hdr.type_of_loader, 0xFF);
  EXPECT_EQ(bp->hdr.cmd_line_ptr, kCmdlineAddr);
  EXPECT_EQ(bp->hdr.ramdisk_image, 0x7000000U);
  EXPECT_EQ(bp->hdr.ramdisk_size, 0x123456U);
  EXPECT_EQ(bp->e820_entries, 4);
  EXPECT_EQ(bp->e820_table[3].addr, 0x100000U);
  EXPECT_EQ(bp->acpi_rsdp_addr, 0xE0000U);
  EXPECT_EQ(bp->hdr.version, 0x020F);
  // Offsets the kernel reads (zero-page.rst).
  auto* raw = reinterpret_cast<const uint8_t*>(&*bp);
  EXPECT_EQ(raw[0x1E8], 4);
  EXPECT_EQ(raw[0x210], 0xFF);
}

TEST(BootTables, SegmentDecoding) {
  auto code = segment_from_descriptor(kBootGdt[2], 0x10);
  EXPECT_EQ(code.base, 0U);
  EXPECT_EQ(code.limit, 0xFFFFFFFFU);
  EXPECT_EQ(code.type, 0xB);
  EXPECT_EQ(code.l, 1);
  EXPECT_EQ(code.db, 0);
  EXPECT_EQ(code.present, 1);
  EXPECT_EQ(code.s, 1);
  auto data = segment_from_descriptor(kBootGdt[3], 0x18);
  EXPECT_EQ(data.type, 0x3);
  EXPECT_EQ(data.db, 1);
  EXPECT_EQ(data.l, 0);
}

TEST(BootTables, WrittenToGuestMemory) {
  memory::GuestMemory mem;
  auto r = memory::MmapRegion::anonymous(2 << 20, memory::MmapOptions{});
  ASSERT_TRUE(r);
  ASSERT_TRUE(mem.add_region(0, 2 << 20, std::make_shared<memory::MmapRegion>(std::move(*r))));
  ASSERT_TRUE(write_boot_tables(mem));
  EXPECT_EQ(*mem.read_obj<uint64_t>(kPml4Addr), kPdptAddr | 3);
  EXPECT_EQ(*mem.read_obj<uint64_t>(kPdptAddr), kPdAddr | 3);
  EXPECT_EQ(*mem.read_obj<uint64_t>(kPdAddr + 8), (2ULL << 20) | 0x83);
  EXPECT_EQ(*mem.read_obj<uint64_t>(kPdAddr + 511 * 8), (511ULL << 21) | 0x83);
  EXPECT_EQ(*mem.read_obj<uint64_t>(kGdtAddr + 16), kBootGdt[2]);
}

TEST(CpuState, LapicLintModes) {
  kvm_lapic_state l{};
  uint32_t masked = 0x10000 | 0x500;
  std::memcpy(l.regs + kApicLvtLint0, &masked, 4);
  set_lapic_lint(l);
  uint32_t lint0, lint1;
  std::memcpy(&lint0, l.regs + kApicLvtLint0, 4);
  std::memcpy(&lint1, l.regs + kApicLvtLint1, 4);
  EXPECT_EQ((lint0 >> 8) & 7, kApicDeliveryExtInt);
  EXPECT_EQ(lint0 & 0x10000, 0x10000U);  // other bits kept
  EXPECT_EQ((lint1 >> 8) & 7, kApicDeliveryNmi);
}

}  // namespace
}  // namespace stratovirt::machine::x86
