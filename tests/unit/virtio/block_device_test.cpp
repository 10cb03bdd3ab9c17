// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/block_device.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "stratovirt/virtio/mmio_transport.h"
#include "support/temp_dir.h"
#include "virtio/fake_ring.h"

namespace stratovirt::virtio {
namespace {

using namespace mmio_reg;  // NOLINT(google-build-using-namespace)
using testing::Desc;

constexpr uint64_t kHdr = 0x40000, kData = 0x41000, kStatusBuf = 0x48000;
constexpr uint64_t kImageSize = 1 << 20;

class NullIrq : public IrqLine {
 public:
  void set_level(bool) override {}
  void trigger() override { ++edges; }
  int edges = 0;
};

struct Header {
  uint32_t type, reserved;
  uint64_t sector;
};

// A guest driver for one virtio-blk-mmio device over a temp image.
class BlockDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = dir_.write("disk.img", std::string(kImageSize, '\x5a'));
    drive_.id = "drive0";
    drive_.file = image_;
    drive_.direct = false;
    drive_.discard = true;
    config::VirtioBlkDevice spec;
    spec.drive = "drive0";
    spec.serial = "SERIAL-0123";
    spec.num_queues = 1;
    spec.queue_size = 8;
    device_.driver = "virtio-blk-device";
    device_.id = "blk0";
    device_.spec = spec;
  }
  void create() {
    auto dev = BlockDevice::create(drive_, device_);
    ASSERT_TRUE(dev) << dev.error().to_string();
    t_ = std::make_unique<MmioTransport>("virtio-blk0", std::move(*dev), mem_.get(), &irq_);
  }
  uint32_t rd(uint64_t off) {
    uint32_t v;
    t_->read(off, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), 4));
    return v;
  }
  void wr(uint64_t off, uint32_t v) {
    t_->write(off, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&v), 4));
  }
  uint64_t device_features() {
    wr(kDeviceFeaturesSel, 0);
    uint64_t lo = rd(kDeviceFeatures);
    wr(kDeviceFeaturesSel, 1);
    return lo | (uint64_t{rd(kDeviceFeatures)} << 32);
  }
  void bring_up() {
    wr(mmio_reg::kStatus, 0);
    wr(mmio_reg::kStatus, kStatusAcknowledge | kStatusDriver);
    uint64_t f = device_features();
    wr(kDriverFeaturesSel, 0);
    wr(kDriverFeatures, static_cast<uint32_t>(f));
    wr(kDriverFeaturesSel, 1);
    wr(kDriverFeatures, static_cast<uint32_t>(f >> 32));
    wr(mmio_reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    ASSERT_TRUE(rd(mmio_reg::kStatus) & kStatusFeaturesOk);
    auto c = ring_->config();
    wr(kQueueSel, 0);
    wr(kQueueNum, c.size);
    wr(kQueueDescLow, static_cast<uint32_t>(c.desc_table));
    wr(kQueueDriverLow, static_cast<uint32_t>(c.avail_ring));
    wr(kQueueDeviceLow, static_cast<uint32_t>(c.used_ring));
    wr(kQueueReady, 1);
    wr(mmio_reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    ASSERT_EQ(rd(mmio_reg::kStatus) & kStatusNeedsReset, 0U);
  }
  // Submits header [+ data] + status; returns (status byte, used len).
  std::pair<uint8_t, uint32_t> submit(uint32_t type, uint64_t sector, uint32_t data_len,
                                      bool data_writable) {
    Header h{type, 0, sector};
    EXPECT_TRUE(mem_->write_obj(kHdr, h));
    EXPECT_TRUE(mem_->write_obj<uint8_t>(kStatusBuf, 0xEE));
    std::vector<Desc> chain = {{kHdr, sizeof(Header), false}};
    if (data_len > 0) chain.push_back({kData, data_len, data_writable});
    chain.push_back({kStatusBuf, 1, true});
    uint16_t before = ring_->used_idx();
    ring_->add_chain(chain);
    wr(kQueueNotify, 0);
    EXPECT_EQ(ring_->used_idx(), static_cast<uint16_t>(before + 1));
    auto used = ring_->used_elem(before);
    return {*mem_->read_obj<uint8_t>(kStatusBuf), used.second};
  }
  std::string image_bytes(uint64_t off, size_t len) {
    std::ifstream f(image_, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    return s.substr(off, len);
  }

  stratovirt::testing::TempDir dir_;
  std::string image_;
  config::DriveConfig drive_;
  config::DeviceConfig device_;
  std::unique_ptr<memory::GuestMemory> mem_ = testing::make_guest_ram(1 << 20);
  std::unique_ptr<testing::FakeRing> ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, 8);
  NullIrq irq_;
  std::unique_ptr<MmioTransport> t_;
};

TEST_F(BlockDeviceTest, FeaturesAndConfigSpace) {
  create();
  EXPECT_EQ(rd(kDeviceId), kDeviceIdBlock);
  uint64_t f = device_features();
  for (unsigned bit : {kFeatureVersion1, kFeatureEventIdx, kFeatureIndirectDesc, blk::kFeatureSegMax,
                       blk::kFeatureBlkSize, blk::kFeatureFlush, blk::kFeatureDiscard,
                       blk::kFeatureWriteZeroes}) {
    EXPECT_TRUE(f & feature_bit(bit)) << bit;
  }
  EXPECT_FALSE(f & feature_bit(blk::kFeatureRo));
  EXPECT_FALSE(f & feature_bit(blk::kFeatureMq));
  uint64_t capacity = 0;
  t_->read(kConfig, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&capacity), 8));
  EXPECT_EQ(capacity, kImageSize / 512);
  EXPECT_EQ(rd(kConfig + 20), 512U);  // blk_size
  EXPECT_EQ(rd(kConfig + 12), 6U);    // seg_max = queue size - 2
}

TEST_F(BlockDeviceTest, ReadOnlyAndMultiQueueFeatures) {
  drive_.readonly = true;
  std::get<config::VirtioBlkDevice>(device_.spec).num_queues = 4;
  create();
  uint64_t f = device_features();
  EXPECT_TRUE(f & feature_bit(blk::kFeatureRo));
  EXPECT_TRUE(f & feature_bit(blk::kFeatureMq));
  EXPECT_FALSE(f & feature_bit(blk::kFeatureDiscard));
  std::array<uint8_t, 2> nq{};
  t_->read(kConfig + 34, nq);
  EXPECT_EQ(nq[0], 4);
}

TEST_F(BlockDeviceTest, WriteReadFlushGetIdThroughTheRing) {
  create();
  bring_up();
  std::string payload(1024, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(mem_->write(kData, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size())));
  auto w = submit(blk::kTypeOut, 4, 1024, false);
  EXPECT_EQ(w.first, blk::kStatusOk);
  EXPECT_EQ(w.second, 1U);
  EXPECT_EQ(image_bytes(4 * 512, 1024), payload);
  EXPECT_EQ(image_bytes(3 * 512, 512), std::string(512, '\x5a'));

  ASSERT_TRUE(mem_->fill(kData, 0, 2048));
  auto r = submit(blk::kTypeIn, 3, 2048, true);
  EXPECT_EQ(r.first, blk::kStatusOk);
  EXPECT_EQ(r.second, 2049U);
  std::string back(2048, '\0');
  ASSERT_TRUE(mem_->read(kData, std::span<uint8_t>(reinterpret_cast<uint8_t*>(back.data()), back.size())));
  EXPECT_EQ(back, std::string(512, '\x5a') + payload + std::string(512, '\x5a'));

  EXPECT_EQ(submit(blk::kTypeFlush, 0, 0, false).first, blk::kStatusOk);
  auto id = submit(blk::kTypeGetId, 0, 20, true);
  EXPECT_EQ(id.first, blk::kStatusOk);
  std::array<char, 20> got{};
  ASSERT_TRUE(mem_->read(kData, std::span<uint8_t>(reinterpret_cast<uint8_t*>(got.data()), 20)));
  EXPECT_STREQ(got.data(), "SERIAL-0123");
  EXPECT_GE(irq_.edges, 1);
}

TEST_F(BlockDeviceTest, ReadBeyondCapacityIsIoErrAndUnknownIsUnsupp) {
  create();
  bring_up();
  EXPECT_EQ(submit(blk::kTypeIn, kImageSize / 512 - 1, 1024, true).first, blk::kStatusIoErr);
  EXPECT_EQ(submit(99, 0, 0, false).first, blk::kStatusUnsupp);
  EXPECT_EQ(rd(mmio_reg::kStatus) & kStatusNeedsReset, 0U);
}

TEST_F(BlockDeviceTest, DiscardAndWriteZeroes) {
  create();
  bring_up();
  struct Seg {
    uint64_t sector;
    uint32_t num, flags;
  };
  ASSERT_TRUE(mem_->write_obj(kData, Seg{8, 16, 0}));
  EXPECT_EQ(submit(blk::kTypeWriteZeroes, 0, sizeof(Seg), false).first, blk::kStatusOk);
  EXPECT_EQ(image_bytes(8 * 512, 16 * 512), std::string(16 * 512, '\0'));
  ASSERT_TRUE(mem_->write_obj(kData, Seg{64, 8, 0}));
  EXPECT_EQ(submit(blk::kTypeDiscard, 0, sizeof(Seg), false).first, blk::kStatusOk);
  EXPECT_EQ(image_bytes(64 * 512, 8 * 512), std::string(8 * 512, '\0'));
  EXPECT_EQ(image_bytes(72 * 512, 512), std::string(512, '\x5a'));
}

TEST_F(BlockDeviceTest, ReadonlyDriveRejectsWrites) {
  drive_.readonly = true;
  create();
  bring_up();
  EXPECT_EQ(submit(blk::kTypeOut, 0, 512, false).first, blk::kStatusIoErr);
  EXPECT_EQ(image_bytes(0, 512), std::string(512, '\x5a'));
  EXPECT_EQ(submit(blk::kTypeIn, 0, 512, true).first, blk::kStatusOk);
}

TEST_F(BlockDeviceTest, MalformedChainsNeedResetThenRecover) {
  struct Case {
    const char* name;
    void (*layout)(testing::FakeRing&);
  };
  const Case cases[] = {
      {"loop", [](testing::FakeRing& r) {
         r.write_desc(0, kHdr, 16, kDescFlagNext, 1);
         r.write_desc(1, kStatusBuf, 1, kDescFlagNext | kDescFlagWrite, 0);
       }},
      {"huge length", [](testing::FakeRing& r) { r.write_desc(0, kHdr, 0x80000000, 0, 0); }},
      {"beyond ram", [](testing::FakeRing& r) { r.write_desc(0, 0x7fff0000, 16, 0, 0); }},
      {"no writable status", [](testing::FakeRing& r) { r.write_desc(0, kHdr, 16, 0, 0); }},
  };
  create();
  for (const auto& c : cases) {
    ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, 8);
    ASSERT_TRUE(mem_->fill(0x10000, 0, 0x10000));
    bring_up();
    c.layout(*ring_);
    ring_->publish(0);
    wr(kQueueNotify, 0);
    EXPECT_TRUE(rd(mmio_reg::kStatus) & kStatusNeedsReset) << c.name;
    EXPECT_TRUE(rd(kInterruptStatus) & kInterruptConfigChange) << c.name;
  }
  // Header readable only via a writable descriptor: header fails to read → IOERR, not reset.
  ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, 8);
  ASSERT_TRUE(mem_->fill(0x10000, 0, 0x10000));
  bring_up();
  ring_->add_chain({{kHdr, 16, true}, {kStatusBuf, 1, true}});
  wr(kQueueNotify, 0);
  EXPECT_EQ(*mem_->read_obj<uint8_t>(kStatusBuf), blk::kStatusIoErr);
  EXPECT_EQ(rd(mmio_reg::kStatus) & kStatusNeedsReset, 0U);
  EXPECT_EQ(submit(blk::kTypeFlush, 0, 0, false).first, blk::kStatusOk);
}

TEST_F(BlockDeviceTest, SecondDeviceOnSameImageIsRefused) {
  create();
  auto again = BlockDevice::create(drive_, device_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace stratovirt::virtio
