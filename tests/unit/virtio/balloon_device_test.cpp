// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/balloon_device.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "virtio/mmio_test_driver.h"

namespace stratovirt::virtio {
namespace {

using testing::FakeRing;
using testing::MmioTestDriver;

constexpr uint64_t kRam = 16ULL << 20;
constexpr uint64_t kPfnArray = 0x80000;  // where the driver builds its PFN arrays
constexpr uint64_t kVictim = 0x200000;   // pages the driver gives up, from 2 MiB
constexpr uint16_t kRingSize = 16;

config::DeviceConfig balloon_config(bool deflate_on_oom = false, bool reporting = false) {
  config::VirtioBalloonDevice spec;
  spec.deflate_on_oom = deflate_on_oom;
  spec.free_page_reporting = reporting;
  config::DeviceConfig dev;
  dev.driver = "virtio-balloon-device";
  dev.id = "balloon0";
  dev.spec = spec;
  return dev;
}

// Guest RAM over a private anonymous mapping, or a shared one (MADV_REMOVE path).
std::unique_ptr<memory::GuestMemory> make_ram(bool shared) {
  memory::MmapOptions o;
  o.shared = shared;
  auto region = memory::MmapRegion::anonymous(kRam, o);
  EXPECT_TRUE(region);
  auto mem = std::make_unique<memory::GuestMemory>();
  EXPECT_TRUE(mem->add_region(0, kRam, std::make_shared<memory::MmapRegion>(std::move(*region))));
  return mem;
}

// A Linux-like balloon driver: inflate/deflate (and reporting) rings, PFN arrays.
class BalloonDeviceTest : public ::testing::TestWithParam<bool> {
 protected:
  void create(bool deflate_on_oom = false, bool reporting = false) {
    drv_.reset();
    mem_ = make_ram(GetParam());
    auto dev = BalloonDevice::create(balloon_config(deflate_on_oom, reporting), *mem_);
    ASSERT_TRUE(dev) << dev.error().to_string();
    balloon_ = dev->get();
    balloon_->set_actual_listener([this](uint64_t bytes) {
      ++changes_;
      last_actual_ = bytes;
    });
    drv_ = std::make_unique<MmioTestDriver>(std::move(*dev), mem_.get());
  }
  void bring_up(size_t queues = 2) {
    ASSERT_TRUE(mem_->fill(0x10000, 0, 0x30000 + 0x10000 * queues));
    rings_.clear();
    std::vector<FakeRing*> raw;
    for (size_t i = 0; i < queues; ++i) {
      rings_.push_back(std::make_unique<FakeRing>(*mem_, 0x10000 + 0x10000 * i, kRingSize));
      raw.push_back(rings_.back().get());
    }
    ASSERT_TRUE(drv_->bring_up(raw));
  }
  // Writes `pfns` at kPfnArray + slot * 0x1000 and posts them on `queue`.
  void send_pfns(uint32_t queue, const std::vector<uint32_t>& pfns, size_t slot = 0) {
    uint64_t addr = kPfnArray + slot * 0x1000;
    ASSERT_TRUE(
        mem_->write(addr, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pfns.data()),
                                                   pfns.size() * sizeof(uint32_t))));
    rings_[queue]->add_chain({{addr, static_cast<uint32_t>(pfns.size() * 4), false}});
    drv_->kick(queue);
  }
  void fill_page(uint64_t gpa, uint8_t value) { ASSERT_TRUE(mem_->fill(gpa, value, 4096)); }
  // Whether every byte of the page is `value` (read through the guest mapping).
  bool page_is(uint64_t gpa, uint8_t value) {
    std::vector<uint8_t> buf(4096);
    EXPECT_TRUE(mem_->read(gpa, buf));
    for (uint8_t b : buf) {
      if (b != value) return false;
    }
    return true;
  }

  std::unique_ptr<memory::GuestMemory> mem_;
  BalloonDevice* balloon_ = nullptr;
  std::unique_ptr<MmioTestDriver> drv_;
  std::vector<std::unique_ptr<FakeRing>> rings_;
  int changes_ = 0;
  uint64_t last_actual_ = 0;
};

TEST_P(BalloonDeviceTest, FeaturesQueuesAndConfigLayout) {
  create();
  EXPECT_EQ(drv_->rd(mmio_reg::kDeviceId), 5U);
  EXPECT_EQ(drv_->device_features(), feature_bit(kFeatureVersion1));
  EXPECT_EQ(balloon_->num_queues(), 2U);
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), 0U);
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigActual), 0U);
  EXPECT_EQ(balloon_->actual_bytes(), kRam);
  EXPECT_EQ(balloon_->ram_bytes(), kRam);

  create(/*deflate_on_oom=*/true, /*reporting=*/true);
  EXPECT_EQ(drv_->device_features(), feature_bit(kFeatureVersion1) |
                                         feature_bit(balloon::kFeatureDeflateOnOom) |
                                         feature_bit(balloon::kFeatureReporting));
  EXPECT_EQ(balloon_->num_queues(), 3U);
}

TEST_P(BalloonDeviceTest, SetTargetRaisesConfigChangeAndSetsNumPages) {
  create();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  int edges = drv_->irq_edges();
  ASSERT_TRUE(balloon_->set_target_bytes(kRam - 40 * 4096));
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), 40U);
  EXPECT_EQ(drv_->irq_edges(), edges + 1);
  EXPECT_NE(drv_->interrupt_status() & kInterruptConfigChange, 0U);
  // Back to full size: no pages wanted.
  ASSERT_TRUE(balloon_->set_target_bytes(kRam));
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), 0U);
  // A target that is not page aligned rounds the balloon down.
  ASSERT_TRUE(balloon_->set_target_bytes(kRam - 4096 - 1));
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), 1U);

  EXPECT_FALSE(balloon_->set_target_bytes(0));
  EXPECT_FALSE(balloon_->set_target_bytes(kRam + 1));
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), 1U);
  // The driver cannot write num_pages.
  drv_->write_config<uint32_t>(balloon::kConfigNumPages, 7);
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), 1U);
}

TEST_P(BalloonDeviceTest, TargetBeforeDriverIsReadAtProbe) {
  create();
  ASSERT_TRUE(balloon_->set_target_bytes(kRam / 2));
  EXPECT_EQ(drv_->irq_edges(), 0);
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), kRam / 2 / 4096);
}

TEST_P(BalloonDeviceTest, InflateReleasesPagesAndDeflateGivesThemBack) {
  create();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  ASSERT_TRUE(balloon_->set_target_bytes(kRam - 3 * 4096));
  // Pages 0x200, 0x201 (adjacent: one madvise) and 0x300 hold data; 0x202 stays.
  for (uint64_t pfn : {0x200, 0x201, 0x202, 0x300}) fill_page(pfn << 12, 0xA5);
  ASSERT_NO_FATAL_FAILURE(send_pfns(balloon::kInflateQueue, {0x200, 0x201, 0x300}));
  EXPECT_EQ(rings_[0]->used_idx(), 1);
  EXPECT_EQ(rings_[0]->used_elem(0).second, 0U);
  EXPECT_EQ(balloon_->released_pages(), 3U);
  EXPECT_TRUE(page_is(0x200 << 12, 0));
  EXPECT_TRUE(page_is(0x201 << 12, 0));
  EXPECT_TRUE(page_is(0x300 << 12, 0));
  EXPECT_TRUE(page_is(0x202 << 12, 0xA5));
  EXPECT_NE(drv_->interrupt_status() & kInterruptUsedBuffer, 0U);

  // The driver tells the device how many pages it holds.
  drv_->write_config<uint32_t>(balloon::kConfigActual, 3);
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigActual), 3U);
  EXPECT_EQ(balloon_->actual_bytes(), kRam - 3 * 4096);
  EXPECT_EQ(changes_, 1);
  EXPECT_EQ(last_actual_, kRam - 3 * 4096);
  // Writing the same value again is no change.
  drv_->write_config<uint32_t>(balloon::kConfigActual, 3);
  EXPECT_EQ(changes_, 1);

  // Deflate: completed, nothing released; the guest may use the pages again.
  ASSERT_NO_FATAL_FAILURE(send_pfns(balloon::kDeflateQueue, {0x200, 0x201, 0x300}, 1));
  EXPECT_EQ(rings_[1]->used_idx(), 1);
  EXPECT_EQ(balloon_->released_pages(), 3U);
  fill_page(0x200 << 12, 0x5A);
  EXPECT_TRUE(page_is(0x200 << 12, 0x5A));
  drv_->write_config<uint32_t>(balloon::kConfigActual, 0);
  EXPECT_EQ(balloon_->actual_bytes(), kRam);
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(last_actual_, kRam);
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_P(BalloonDeviceTest, ActualWrittenBytewise) {
  create();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  drv_->write_config<uint8_t>(balloon::kConfigActual + 1, 0x01);  // 256 pages
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigActual), 256U);
  EXPECT_EQ(balloon_->actual_bytes(), kRam - 256 * 4096);
  // A write that runs past the config space is ignored.
  drv_->write_config<uint64_t>(balloon::kConfigActual, 5);
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigActual), 256U);
}

TEST_P(BalloonDeviceTest, PfnsOutsideRamAreSkipped) {
  create();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  fill_page(0x210 << 12, 0x77);
  // 0x1000 is exactly the end of 16 MiB; 0xFFFFFFFF is far beyond.
  ASSERT_NO_FATAL_FAILURE(send_pfns(balloon::kInflateQueue, {0x1000, 0x210, 0xFFFFFFFF}));
  EXPECT_EQ(rings_[0]->used_idx(), 1);
  EXPECT_EQ(balloon_->released_pages(), 1U);
  EXPECT_TRUE(page_is(0x210 << 12, 0));
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_P(BalloonDeviceTest, MalformedInflateNeedsResetThenWorksAgain) {
  create();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  // 6 bytes: not a whole number of PFNs.
  rings_[0]->add_chain({{kPfnArray, 6, false}});
  drv_->kick(balloon::kInflateQueue);
  EXPECT_TRUE(drv_->needs_reset());
  // Kicks are ignored until reset.
  fill_page(kVictim, 0x11);
  ASSERT_NO_FATAL_FAILURE(send_pfns(balloon::kInflateQueue, {kVictim >> 12}));
  EXPECT_TRUE(page_is(kVictim, 0x11));

  // A writable-only chain (no PFNs at all) is malformed too.
  drv_->reset();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  rings_[0]->add_chain({{kPfnArray, 8, true}});
  drv_->kick(balloon::kInflateQueue);
  EXPECT_TRUE(drv_->needs_reset());

  drv_->reset();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_FALSE(drv_->needs_reset());
  ASSERT_NO_FATAL_FAILURE(send_pfns(balloon::kInflateQueue, {kVictim >> 12}));
  EXPECT_TRUE(page_is(kVictim, 0));
}

TEST_P(BalloonDeviceTest, ResetForgetsActual) {
  create();
  ASSERT_NO_FATAL_FAILURE(bring_up());
  drv_->write_config<uint32_t>(balloon::kConfigActual, 10);
  ASSERT_TRUE(balloon_->set_target_bytes(kRam - 10 * 4096));
  drv_->reset();
  EXPECT_EQ(balloon_->actual_bytes(), kRam);
  EXPECT_EQ(last_actual_, kRam);
  EXPECT_EQ(changes_, 2);
  // The target outlives the driver.
  EXPECT_EQ(drv_->config<uint32_t>(balloon::kConfigNumPages), 10U);
  // With no driver, a new target raises nothing.
  int edges = drv_->irq_edges();
  ASSERT_TRUE(balloon_->set_target_bytes(kRam));
  EXPECT_EQ(drv_->irq_edges(), edges);
}

TEST_P(BalloonDeviceTest, FreePageReportingReleasesWholePages) {
  create(/*deflate_on_oom=*/false, /*reporting=*/true);
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  for (uint64_t a = kVictim; a < kVictim + 0x6000; a += 4096) fill_page(a, 0x3C);
  // One reported range of four pages (device-writable, as Linux posts them) and one that
  // starts and ends inside pages: only its whole page (kVictim + 0x4000) goes.
  rings_[balloon::kReportingQueue]->add_chain({{kVictim, 0x4000, true}});
  rings_[balloon::kReportingQueue]->add_chain({{kVictim + 0x4000 - 0x10, 0x1020, true}});
  drv_->kick(balloon::kReportingQueue);
  EXPECT_EQ(rings_[balloon::kReportingQueue]->used_idx(), 2);
  EXPECT_EQ(balloon_->released_pages(), 5U);
  EXPECT_TRUE(page_is(kVictim, 0));
  EXPECT_TRUE(page_is(kVictim + 0x3000, 0));
  EXPECT_TRUE(page_is(kVictim + 0x4000, 0));
  EXPECT_TRUE(page_is(kVictim + 0x5000, 0x3C));  // only 0x10 bytes of it were reported
  EXPECT_FALSE(drv_->needs_reset());
  // Reporting does not count as ballooned memory.
  EXPECT_EQ(balloon_->actual_bytes(), kRam);

  // A reported range outside RAM is malformed (the ring walker refuses it).
  rings_[balloon::kReportingQueue]->add_chain({{kRam - 0x1000, 0x2000, true}});
  drv_->kick(balloon::kReportingQueue);
  EXPECT_TRUE(drv_->needs_reset());
}

INSTANTIATE_TEST_SUITE_P(PrivateAndShared, BalloonDeviceTest, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "Shared" : "Private"; });

TEST(BalloonDeviceCreateTest, RefusesHugepageBackedRamAndOtherDevices) {
  auto mem = make_ram(false);
  auto dev = BalloonDevice::create(balloon_config(), *mem, /*hugepage_backed=*/true);
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.error().to_string().find("huge pages"), std::string::npos);

  config::DeviceConfig other;
  other.id = "rng0";
  other.spec = config::VirtioRngDevice{};
  EXPECT_FALSE(BalloonDevice::create(other, *mem));
}

TEST(BalloonDeviceCreateTest, SharedRamReallyReturnsItsPages) {
  // MAP_SHARED anonymous memory is shmem: after MADV_REMOVE the page is gone from the
  // backing too, so a second view of the same pages reads zero.
  auto mem = make_ram(true);
  auto dev = BalloonDevice::create(balloon_config(), *mem);
  ASSERT_TRUE(dev);
  MmioTestDriver drv(std::move(*dev), mem.get());
  ASSERT_TRUE(mem->fill(0x10000, 0, 0x20000));
  FakeRing inflate(*mem, 0x10000, kRingSize);
  FakeRing deflate(*mem, 0x20000, kRingSize);
  ASSERT_TRUE(drv.bring_up({&inflate, &deflate}));
  ASSERT_TRUE(mem->fill(kVictim, 0xEE, 4096));
  uint32_t pfn = kVictim >> 12;
  ASSERT_TRUE(mem->write_obj(kPfnArray, pfn));
  inflate.add_chain({{kPfnArray, 4, false}});
  drv.kick(0);
  auto host = mem->host_ptr(kVictim, 4096);
  ASSERT_TRUE(host);
  EXPECT_EQ((*host)[0], 0);
  EXPECT_EQ((*host)[4095], 0);
}

}  // namespace
}  // namespace stratovirt::virtio
