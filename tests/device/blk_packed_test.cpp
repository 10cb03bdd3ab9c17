// SPDX-License-Identifier: MulanPSL-2.0
// virtio-blk over a packed virtqueue (VIRTIO_F_RING_PACKED) under `-accel test`, with the
// ring wrapping several times.
#include <gtest/gtest.h>

#include "device/blk_harness.h"
#include "support/mod_test/packed_virtqueue.h"

namespace stratovirt::testing {
namespace {

TEST(BlkPackedTest, WritesAndReadsThroughAWrappingPackedRing) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  auto& vm = h.vm();
  auto& d = h.drv();
  ASSERT_NE(d.device_features() & kVirtioFRingPacked, 0u);
  d.reset();
  ASSERT_TRUE(d.negotiate(kVirtioFVersion1 | kVirtioFRingPacked));
  GuestAllocator alloc(0x8000000, 0xA000000);
  TestPackedVirtqueue q(vm, alloc, 8);
  d.set_reg(0x030, 0);
  d.set_reg(0x038, q.size());
  d.set_reg(0x080, static_cast<uint32_t>(q.ring()));
  d.set_reg(0x084, 0);
  d.set_reg(0x090, static_cast<uint32_t>(q.driver_area()));
  d.set_reg(0x094, 0);
  d.set_reg(0x0a0, static_cast<uint32_t>(q.device_area()));
  d.set_reg(0x0a4, 0);
  d.set_reg(0x044, 1);
  d.driver_ok();
  ASSERT_EQ(d.status() & vstatus::kNeedsReset, 0u);

  // Three descriptors per request in an 8-entry ring: the wrap counters flip repeatedly.
  // Buffer ids stay below the queue size (the device refuses others).
  auto run = [&](uint32_t type, uint64_t sector, uint64_t buf, bool writes, uint16_t id) {
    uint64_t hdr = alloc.alloc(16, 16), st = alloc.alloc(1, 1);
    vm.writel(hdr, type);
    vm.writel(hdr + 4, 0);
    vm.writeq(hdr + 8, sector);
    vm.writeb(st, 0xff);
    q.add_chain({{hdr, 16, false}, {buf, 512, writes}, {st, 1, true}}, id);
    d.kick(0);
    uint32_t isr = d.wait_interrupt();
    auto used = q.pop_used();
    EXPECT_EQ(isr, 1u) << "status " << d.status();
    EXPECT_TRUE(used) << "request " << id;
    if (used) {
      EXPECT_EQ(used->id, id);
    }
    return vm.readb(st);
  };
  for (uint16_t i = 0; i < 12; ++i) {
    uint64_t buf = alloc.alloc(512);
    vm.write(buf, pattern(512, static_cast<uint8_t>(i)));
    ASSERT_EQ(run(blkreq::kOut, i, buf, false, static_cast<uint16_t>((i + 3) % 8)), blkreq::kOk)
        << i;
  }
  for (uint16_t i = 0; i < 12; ++i) {
    uint64_t buf = alloc.alloc(512);
    ASSERT_EQ(run(blkreq::kIn, i, buf, true, static_cast<uint16_t>(7 - i % 8)), blkreq::kOk) << i;
    EXPECT_EQ(vm.read(buf, 512), pattern(512, static_cast<uint8_t>(i))) << i;
  }
  auto img = h.image_bytes();
  EXPECT_TRUE(std::equal(img.begin() + 11 * 512, img.begin() + 12 * 512, pattern(512, 11).begin()));
}

}  // namespace
}  // namespace stratovirt::testing
