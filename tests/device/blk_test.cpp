// SPDX-License-Identifier: MulanPSL-2.0
// virtio-blk-device through the real binary under `-accel test`: probe, negotiation,
// requests against a host raw image, read-only drives, malformed chains, reset.
#include <gtest/gtest.h>

#include <algorithm>

#include "device/blk_harness.h"

namespace stratovirt::testing {
namespace {

using namespace blkreq;

TEST(BlkTest, ProbeFeaturesAndConfigSpace) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  auto& d = h.drv();
  EXPECT_EQ(d.magic(), 0x74726976u);
  EXPECT_EQ(d.version(), 2u);
  EXPECT_EQ(d.device_id(), 2u);
  uint64_t f = d.device_features();
  for (uint64_t bit :
       {kVirtioFVersion1, kVirtioFIndirect, kVirtioFEventIdx, kFSegMax, kFBlkSize, kFFlush}) {
    EXPECT_NE(f & bit, 0u) << std::hex << bit;
  }
  EXPECT_EQ(f & (kFRo | kFDiscard), 0u);
  EXPECT_EQ(d.config(0, 'q'), kImageSize / 512);  // capacity in sectors
  EXPECT_EQ(d.config(20, 'l'), 512u);             // blk_size
  EXPECT_GT(d.config(12, 'l'), 0u);               // seg_max
  EXPECT_GT(d.queue_num_max(0), 0u);
  // Nothing else lives in the window after the blk slots: the next slot is empty.
  EXPECT_EQ(h.vm().command("readl 0xf0100200").rfind("ERR ", 0), 0u);
}

TEST(BlkTest, FeaturesOkIsRefusedForAnUnofferedFeatureOrWithoutVersion1) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  auto& d = h.drv();
  d.reset();
  EXPECT_FALSE(d.negotiate(kVirtioFVersion1 | (1ULL << 50)));
  EXPECT_EQ(d.status() & vstatus::kFeaturesOk, 0u);
  d.reset();
  EXPECT_FALSE(d.negotiate(kFFlush));  // no VERSION_1: no legacy interface
  d.reset();
  EXPECT_FALSE(d.negotiate(kVirtioFVersion1 | kFRo));  // RO is not offered on a writable drive
  d.reset();
  EXPECT_TRUE(d.negotiate(kVirtioFVersion1 | kFFlush));
  EXPECT_EQ(d.status(), vstatus::kAcknowledge | vstatus::kDriver | vstatus::kFeaturesOk);
}

TEST(BlkTest, WriteReadFlushGetIdReachTheImage) {
  BlkHarness h(",format=raw", ",serial=SN-h2-0042");
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  ASSERT_TRUE(h.start(kVirtioFVersion1 | kFFlush));

  auto data = pattern(4096, 7);
  BlkResult w = h.write_sectors(8, data);
  ASSERT_TRUE(w.completed);
  EXPECT_EQ(w.status, kOk);
  EXPECT_EQ(w.used_len, 1u);
  EXPECT_NE(w.isr & 1, 0u);  // used-buffer interrupt on IRQ 5
  auto r = h.read_sectors(8, 4096);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, data);
  BlkResult fl = h.request(kFlush, 0, 0, 0, false);
  EXPECT_TRUE(fl.completed);
  EXPECT_EQ(fl.status, kOk);
  auto img = h.image_bytes();
  ASSERT_EQ(img.size(), kImageSize);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), img.begin() + 8 * 512));

  uint64_t id = h.alloc().alloc(20);
  BlkResult g = h.request(kGetId, 0, id, 20, true);
  EXPECT_EQ(g.status, kOk);
  auto idb = h.vm().read(id, 20);
  EXPECT_EQ(std::string(idb.begin(), idb.begin() + 10), "SN-h2-0042");
  EXPECT_EQ(idb[10], 0);

  BlkResult unknown = h.request(99, 0, 0, 0, false);
  EXPECT_EQ(unknown.status, kUnsupp);
  // Beyond the capacity: IOERR, the device goes on.
  uint64_t buf = h.alloc().alloc(512);
  EXPECT_EQ(h.request(kIn, kImageSize / 512, buf, 512, true).status, kIoErr);
  EXPECT_EQ(h.read_sectors(8, 512), std::vector<uint8_t>(data.begin(), data.begin() + 512));
}

TEST(BlkTest, IndirectChainsAndEventIdx) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  ASSERT_TRUE(h.start(kVirtioFVersion1 | kVirtioFIndirect | kVirtioFEventIdx));
  h.vq().set_used_event(0);
  auto data = pattern(1024, 99);
  BlkResult w = h.write_sectors(3, data, /*indirect=*/true);
  EXPECT_TRUE(w.completed);
  EXPECT_EQ(w.status, kOk);
  EXPECT_NE(w.isr, 0u);                 // used_event 0: the first completion interrupts
  EXPECT_EQ(h.vq().avail_event(), 1u);  // the device published how far it consumed
  auto r = h.read_sectors(3, 1024, /*indirect=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, data);
}

TEST(BlkTest, DiscardAndWriteZeroesClearTheImage) {
  BlkHarness h(",discard=unmap", "", pattern(kImageSize, 1));
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  uint64_t f = h.drv().device_features();
  ASSERT_NE(f & kFDiscard, 0u);
  ASSERT_NE(f & kFWriteZeroes, 0u);
  ASSERT_TRUE(h.start(kVirtioFVersion1 | kFDiscard | kFWriteZeroes));
  EXPECT_EQ(h.segment_request(kDiscard, 16, 8).status, kOk);
  EXPECT_EQ(h.segment_request(kWriteZeroes, 64, 4).status, kOk);
  EXPECT_EQ(h.segment_request(kWriteZeroes, 128, 8, /*unmap=*/1).status, kOk);
  auto img = h.image_bytes();
  auto zero = [&](uint64_t sector, uint64_t n) {
    return std::all_of(img.begin() + sector * 512, img.begin() + (sector + n) * 512,
                       [](uint8_t b) { return b == 0; });
  };
  EXPECT_TRUE(zero(16, 8));
  EXPECT_TRUE(zero(64, 4));
  EXPECT_TRUE(zero(128, 8));
  EXPECT_FALSE(zero(15, 1));
  EXPECT_FALSE(zero(68, 1));
  EXPECT_EQ(h.read_sectors(64, 512), std::vector<uint8_t>(512));
}

TEST(BlkTest, ReadonlyDriveRejectsWritesAndLeavesTheFileUnchanged) {
  auto original = pattern(kImageSize, 42);
  BlkHarness h(",readonly=on", "", original);
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  EXPECT_NE(h.drv().device_features() & kFRo, 0u);
  ASSERT_TRUE(h.start(kVirtioFVersion1 | kFRo));
  BlkResult w = h.write_sectors(0, pattern(512, 0));
  EXPECT_TRUE(w.completed);
  EXPECT_EQ(w.status, kIoErr);
  auto r = h.read_sectors(0, 512);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector<uint8_t>(original.begin(), original.begin() + 512));
  EXPECT_EQ(h.image_bytes(), original);
}

// The device must end in NEEDS_RESET, the process must stay up and answer QMP, and a
// reset plus re-initialisation must give a working device again.
void expect_needs_reset_then_recovery(BlkHarness& h) {
  EXPECT_NE(h.drv().status() & vstatus::kNeedsReset, 0u);
  EXPECT_TRUE(process_alive(h.vm().process().pid()));
  EXPECT_NE(h.vm().qmp(R"({"execute":"query-status"})").find("\"running\""), std::string::npos);
  ASSERT_TRUE(h.start(kVirtioFVersion1));
  EXPECT_EQ(h.drv().status() & vstatus::kNeedsReset, 0u);
  auto data = pattern(512, 5);
  EXPECT_EQ(h.write_sectors(1, data).status, kOk);
  EXPECT_EQ(h.read_sectors(1, 512), data);
}

TEST(BlkTest, DescriptorLoopNeedsReset) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  ASSERT_TRUE(h.start());
  uint64_t hdr = h.alloc().alloc(16);
  h.vq().write_desc(0, hdr, 16, kDescFNext, 1);
  h.vq().write_desc(1, hdr, 16, kDescFNext, 0);  // back to 0
  h.vq().make_available(0);
  h.drv().kick(0);
  EXPECT_NE(h.drv().wait_interrupt() & 2, 0u);  // config-change interrupt
  expect_needs_reset_then_recovery(h);
}

TEST(BlkTest, HugeLengthNeedsReset) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  ASSERT_TRUE(h.start());
  uint64_t hdr = h.alloc().alloc(16);
  uint64_t buf = h.alloc().alloc(4096);
  uint64_t st = h.alloc().alloc(1);
  h.vq().write_desc(0, hdr, 16, kDescFNext, 1);
  h.vq().write_desc(1, buf, 0xffffffffu, kDescFNext | kDescFWrite, 2);
  h.vq().write_desc(2, st, 1, kDescFWrite, 0);
  h.vq().make_available(0);
  h.drv().kick(0);
  h.drv().wait_interrupt();
  expect_needs_reset_then_recovery(h);
}

TEST(BlkTest, AddressOutsideRamNeedsReset) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  ASSERT_TRUE(h.start());
  uint64_t st = h.alloc().alloc(1);
  h.vq().write_desc(0, 0x7fff00000000ULL, 16, kDescFNext, 1);
  h.vq().write_desc(1, st, 1, kDescFWrite, 0);
  h.vq().make_available(0);
  h.drv().kick(0);
  h.drv().wait_interrupt();
  expect_needs_reset_then_recovery(h);
}

TEST(BlkTest, RingOutsideRamFailsActivationWithNeedsReset) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  auto& d = h.drv();
  d.reset();
  ASSERT_TRUE(d.negotiate(kVirtioFVersion1));
  d.set_reg(0x030, 0);
  d.set_reg(0x038, 64);
  d.set_reg(0x080, 0);
  d.set_reg(0x084, 0x100);  // descriptor table at 1 TiB: not RAM
  d.set_reg(0x044, 1);
  d.driver_ok();
  expect_needs_reset_then_recovery(h);
}

TEST(BlkTest, ResetDropsTheQueueAndReactivationStartsOver) {
  BlkHarness h;
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  ASSERT_TRUE(h.start());
  auto a = pattern(512, 1);
  EXPECT_EQ(h.write_sectors(2, a).status, kOk);
  h.drv().reset();
  EXPECT_EQ(h.drv().status(), 0u);
  EXPECT_EQ(h.drv().reg(0x044), 0u);  // QueueReady cleared
  ASSERT_TRUE(h.start(kVirtioFVersion1, 16));
  EXPECT_EQ(h.read_sectors(2, 512), a);
  // Twenty requests through the 16-entry ring: indices wrap.
  for (int i = 0; i < 20; ++i) {
    auto d = pattern(512, static_cast<uint8_t>(i));
    ASSERT_EQ(h.write_sectors(static_cast<uint64_t>(i), d).status, kOk) << i;
  }
  EXPECT_EQ(h.read_sectors(19, 512), pattern(512, 19));
}

}  // namespace
}  // namespace stratovirt::testing

namespace stratovirt::testing {
namespace {

// throttling.iops-total=4: a burst of four, then one request per 250 ms of *virtual* time.
TEST(BlkThrottleTest, IopsLimitHoldsOnTheVirtualClock) {
  BlkHarness h(",throttling.iops-total=4");
  ASSERT_TRUE(h.vm().ready()) << h.vm().startup_error();
  ASSERT_TRUE(h.start());
  auto& vm = h.vm();
  uint64_t buf = h.alloc().alloc(512);
  vm.memset(buf, 512, 0xab);
  for (int i = 0; i < 10; ++i) {
    uint64_t hdr = h.alloc().alloc(16, 16);
    uint64_t st = h.alloc().alloc(1, 1);
    vm.writel(hdr, blkreq::kOut);
    vm.writel(hdr + 4, 0);
    vm.writeq(hdr + 8, static_cast<uint64_t>(i));
    h.vq().make_available(h.vq().add_chain({{hdr, 16, false}, {buf, 512, false}, {st, 1, true}}));
  }
  h.drv().kick(0);
  auto& vq = h.vq();
  ASSERT_TRUE(eventually([&] { return vq.used_idx() == 4; }, std::chrono::seconds(5)))
      << vq.used_idx();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // real time does not count
  EXPECT_EQ(vq.used_idx(), 4u);
  uint64_t t = vm.clock_step();  // to the throttle timer
  EXPECT_GT(t, 0u);
  EXPECT_LE(t, 250000000u);
  ASSERT_TRUE(eventually([&] { return vq.used_idx() >= 5; }, std::chrono::seconds(5)));
  EXPECT_LE(vq.used_idx(), 5u);
  // Each second of virtual time refills at most four tokens (the bucket holds one second).
  for (int round = 0; round < 20 && vq.used_idx() < 10; ++round) {
    vm.clock_step(1000000000);
    eventually([&] { return vq.used_idx() == 10; }, std::chrono::milliseconds(50));
  }
  EXPECT_EQ(vq.used_idx(), 10u);
  auto img = h.image_bytes();
  EXPECT_TRUE(
      std::all_of(img.begin(), img.begin() + 10 * 512, [](uint8_t b) { return b == 0xab; }));
}

}  // namespace
}  // namespace stratovirt::testing
