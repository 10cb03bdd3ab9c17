// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/mmio_transport.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "stratovirt/virtio/block_device.h"
#include "support/temp_dir.h"
#include "virtio/fake_packed_ring.h"
#include "virtio/fake_ring.h"

namespace stratovirt::virtio {
namespace {

using namespace mmio_reg;  // NOLINT(google-build-using-namespace)

class CountingIrq : public IrqLine {
 public:
  void set_level(bool) override {}
  void trigger() override { ++edges; }
  int edges = 0;
};

// Echo device: completes each chain on queue 0 with its readable length.
class EchoDevice : public VirtioDevice {
 public:
  uint32_t device_type() const override { return kDeviceIdRng; }
  uint64_t device_features() const override {
    return feature_bit(kFeatureVersion1) | feature_bit(kFeatureEventIdx) | 0x5;
  }
  uint32_t num_queues() const override { return 1; }
  uint16_t queue_max_size() const override { return 8; }
  void read_config(uint64_t offset, std::span<uint8_t> data) override {
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(offset + i);
  }
  void write_config(uint64_t offset, std::span<const uint8_t> data) override {
    last_config_write = offset + data.size();
  }
  Result<void> activate(const memory::GuestMemory&, uint64_t features,
                        std::vector<SplitQueue> queues, VirtioInterrupt* irq) override {
    if (fail_activate) return errorf(ErrorCode::kIo, "backend gone");
    accepted = features;
    queues_ = std::move(queues);
    irq_ = irq;
    ++activations;
    return ok();
  }
  void queue_notify(uint32_t) override {
    ++kicks;
    while (true) {
      auto c = queues_[0].pop();
      if (!c) {
        irq_->mark_needs_reset();
        return;
      }
      if (!c->has_value()) break;
      (void)queues_[0].push_used((*c)->head(), static_cast<uint32_t>((*c)->readable_bytes()));
    }
    if (*queues_[0].needs_notification()) irq_->signal(kInterruptUsedBuffer);
  }
  void reset() override {
    queues_.clear();
    ++resets;
  }

  bool fail_activate = false;
  uint64_t accepted = 0;
  uint64_t last_config_write = 0;
  int activations = 0, kicks = 0, resets = 0;
  std::vector<SplitQueue> queues_;
  VirtioInterrupt* irq_ = nullptr;
};

class MmioTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { make_transport({}); }
  void make_transport(MmioTransportOptions options) {
    auto d = std::make_unique<EchoDevice>();
    dev_ = d.get();
    t_ = std::make_unique<MmioTransport>("virtio-mmio0", std::move(d), mem_.get(), &irq_, options);
  }
  uint32_t rd(uint64_t off) {
    uint32_t v;
    t_->read(off, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), 4));
    return v;
  }
  void wr(uint64_t off, uint32_t v) {
    t_->write(off, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&v), 4));
  }
  // The Linux virtio-mmio probe sequence (§3.1.1, §4.2.3).
  void bring_up(uint64_t features) { bring_up(features, ring_.config()); }
  void bring_up(uint64_t features, const QueueConfig& c) {
    wr(kStatus, 0);
    wr(kStatus, kStatusAcknowledge);
    wr(kStatus, kStatusAcknowledge | kStatusDriver);
    wr(kDriverFeaturesSel, 0);
    wr(kDriverFeatures, static_cast<uint32_t>(features));
    wr(kDriverFeaturesSel, 1);
    wr(kDriverFeatures, static_cast<uint32_t>(features >> 32));
    wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    ASSERT_TRUE(rd(kStatus) & kStatusFeaturesOk);
    wr(kQueueSel, 0);
    ASSERT_EQ(rd(kQueueNumMax), 8U);
    wr(kQueueNum, c.size);
    wr(kQueueDescLow, static_cast<uint32_t>(c.desc_table));
    wr(kQueueDescHigh, 0);
    wr(kQueueDriverLow, static_cast<uint32_t>(c.avail_ring));
    wr(kQueueDriverHigh, 0);
    wr(kQueueDeviceLow, static_cast<uint32_t>(c.used_ring));
    wr(kQueueDeviceHigh, 0);
    wr(kQueueReady, 1);
    wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
  }

  std::unique_ptr<memory::GuestMemory> mem_ = testing::make_guest_ram(1 << 20);
  testing::FakeRing ring_{*mem_, 0x10000, 8};
  CountingIrq irq_;
  EchoDevice* dev_ = nullptr;
  std::unique_ptr<MmioTransport> t_;
};

TEST_F(MmioTransportTest, IdentityRegisters) {
  EXPECT_EQ(rd(kMagic), kMmioMagic);
  EXPECT_EQ(rd(kVersion), 2U);
  EXPECT_EQ(rd(kDeviceId), kDeviceIdRng);
  wr(kDeviceFeaturesSel, 0);
  EXPECT_EQ(rd(kDeviceFeatures), feature_bit(kFeatureEventIdx) | 0x5);
  wr(kDeviceFeaturesSel, 1);
  EXPECT_EQ(rd(kDeviceFeatures), 1U);  // VERSION_1 is bit 32
  wr(kDeviceFeaturesSel, 2);
  EXPECT_EQ(rd(kDeviceFeatures), 0U);
  std::array<uint8_t, 2> cfg{};
  t_->read(kConfig + 4, cfg);
  EXPECT_EQ(cfg[0], 4);
  EXPECT_EQ(cfg[1], 5);
  wr(kQueueSel, 3);
  EXPECT_EQ(rd(kQueueNumMax), 0U);  // no such queue
}

TEST_F(MmioTransportTest, NegotiationActivatesAndKickCompletes) {
  uint64_t f = feature_bit(kFeatureVersion1) | 0x1;
  bring_up(f);
  ASSERT_TRUE(t_->activated());
  EXPECT_EQ(dev_->accepted, f);
  ring_.add_chain({{0x40000, 12, false}});
  wr(kQueueNotify, 0);
  EXPECT_EQ(dev_->kicks, 1);
  EXPECT_EQ(ring_.used_idx(), 1);
  EXPECT_EQ(ring_.used_elem(0).second, 12U);
  EXPECT_EQ(irq_.edges, 1);
  EXPECT_EQ(rd(kInterruptStatus), kInterruptUsedBuffer);
  wr(kInterruptAck, kInterruptUsedBuffer);
  EXPECT_EQ(rd(kInterruptStatus), 0U);
  // Queue registers are frozen after DRIVER_OK.
  wr(kQueueNum, 4);
  wr(kQueueSel, 0);
  EXPECT_EQ(rd(kQueueReady), 1U);
}

TEST_F(MmioTransportTest, FeaturesOkRefusedForUnofferedOrLegacyFeatures) {
  wr(kStatus, kStatusAcknowledge | kStatusDriver);
  wr(kDriverFeaturesSel, 0);
  wr(kDriverFeatures, 0x2);  // bit 1 not offered
  wr(kDriverFeaturesSel, 1);
  wr(kDriverFeatures, 1);
  wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
  EXPECT_EQ(rd(kStatus) & kStatusFeaturesOk, 0U);
  wr(kDriverFeaturesSel, 0);
  wr(kDriverFeatures, 0x1);
  wr(kDriverFeaturesSel, 1);
  wr(kDriverFeatures, 0);  // no VERSION_1
  wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
  EXPECT_EQ(rd(kStatus) & kStatusFeaturesOk, 0U);
  wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusDriverOk);
  EXPECT_FALSE(t_->activated());
}

TEST_F(MmioTransportTest, BadQueueAddressSetsNeedsReset) {
  ring_ = testing::FakeRing(*mem_, (1 << 20) - 0x100, 8);  // rings run past RAM
  bring_up(feature_bit(kFeatureVersion1));
  EXPECT_FALSE(t_->activated());
  EXPECT_TRUE(rd(kStatus) & kStatusNeedsReset);
  EXPECT_EQ(rd(kInterruptStatus) & kInterruptConfigChange, kInterruptConfigChange);
  EXPECT_GE(irq_.edges, 1);
}

TEST_F(MmioTransportTest, MalformedChainSetsNeedsResetAndResetRecovers) {
  bring_up(feature_bit(kFeatureVersion1));
  ring_.write_desc(0, 0x40000, 4, kDescFlagNext, 0);  // self loop
  ring_.publish(0);
  wr(kQueueNotify, 0);
  EXPECT_TRUE(rd(kStatus) & kStatusNeedsReset);
  wr(kQueueNotify, 0);  // ignored while broken
  EXPECT_EQ(dev_->kicks, 1);
  wr(kStatus, 0);
  EXPECT_EQ(rd(kStatus), 0U);
  EXPECT_EQ(dev_->resets, 1);
  EXPECT_FALSE(t_->activated());
  // Fresh rings, re-activation.
  ring_ = testing::FakeRing(*mem_, 0x20000, 8);
  bring_up(feature_bit(kFeatureVersion1));
  EXPECT_TRUE(t_->activated());
  EXPECT_EQ(dev_->activations, 2);
  ring_.add_chain({{0x40000, 3, false}});
  wr(kQueueNotify, 0);
  EXPECT_EQ(ring_.used_elem(0).second, 3U);
}

TEST_F(MmioTransportTest, DeviceActivationFailureSetsNeedsReset) {
  dev_->fail_activate = true;
  bring_up(feature_bit(kFeatureVersion1));
  EXPECT_FALSE(t_->activated());
  EXPECT_TRUE(rd(kStatus) & kStatusNeedsReset);
}

TEST_F(MmioTransportTest, OddSizedRegisterAccessIsIgnored) {
  std::array<uint8_t, 2> two{};
  t_->read(kMagic, two);
  EXPECT_EQ(two[0], 0);
  t_->write(kStatus, std::span<const uint8_t>(two));
  EXPECT_EQ(rd(kStatus), 0U);
}

TEST_F(MmioTransportTest, RingPackedIsOfferedOnlyWhenTheMachineAsks) {
  wr(kDeviceFeaturesSel, 1);
  EXPECT_EQ(rd(kDeviceFeatures) & (feature_bit(kFeatureRingPacked) >> 32), 0U);
  // Accepting it anyway is accepting an unoffered feature: FEATURES_OK refused.
  wr(kStatus, kStatusAcknowledge | kStatusDriver);
  wr(kDriverFeaturesSel, 1);
  wr(kDriverFeatures, static_cast<uint32_t>(
                          (feature_bit(kFeatureVersion1) | feature_bit(kFeatureRingPacked)) >> 32));
  wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
  EXPECT_EQ(rd(kStatus) & kStatusFeaturesOk, 0U);

  make_transport({.packed_ring = true});
  wr(kDeviceFeaturesSel, 1);
  EXPECT_EQ(rd(kDeviceFeatures),
            (feature_bit(kFeatureVersion1) | feature_bit(kFeatureRingPacked)) >> 32);
  // Offered but not accepted: the queues stay split.
  bring_up(feature_bit(kFeatureVersion1));
  ASSERT_TRUE(t_->activated());
  EXPECT_FALSE(dev_->queues_[0].packed());
  ring_.add_chain({{0x40000, 12, false}});
  wr(kQueueNotify, 0);
  EXPECT_EQ(ring_.used_elem(0).second, 12U);
}

TEST_F(MmioTransportTest, RingPackedNegotiatedRunsPackedQueues) {
  make_transport({.packed_ring = true});
  testing::FakePackedRing ring(*mem_, 0x20000, 6);  // not a power of two
  uint64_t f = feature_bit(kFeatureVersion1) | feature_bit(kFeatureRingPacked) |
               feature_bit(kFeatureEventIdx);
  bring_up(f, ring.config());
  ASSERT_TRUE(t_->activated());
  EXPECT_EQ(dev_->accepted, f);
  ASSERT_TRUE(dev_->queues_[0].packed());
  EXPECT_EQ(dev_->queues_[0].size(), 6);
  for (int i = 0; i < 10; ++i) {
    ring.add_chain({{0x40000, static_cast<uint32_t>(10 + i), false}}, static_cast<uint16_t>(i % 6));
    wr(kQueueNotify, 0);
    auto used = ring.take_used();
    ASSERT_TRUE(used) << i;
    EXPECT_EQ(*used, (std::pair<uint16_t, uint32_t>{i % 6, 10 + i})) << i;
  }
  EXPECT_EQ(dev_->kicks, 10);
  EXPECT_GE(irq_.edges, 1);
  // EVENT_IDX: the device asks for a kick at the next slot (10 % 6 = 4, second lap: wrap 0).
  EXPECT_EQ(ring.device_event(), (std::pair<uint16_t, uint16_t>{4, kRingEventFlagsDesc}));
}

TEST_F(MmioTransportTest, MisalignedPackedEventAreaSetsNeedsReset) {
  make_transport({.packed_ring = true});
  testing::FakePackedRing ring(*mem_, 0x20000, 8);
  auto c = ring.config();
  c.avail_ring += 2;
  bring_up(feature_bit(kFeatureVersion1) | feature_bit(kFeatureRingPacked), c);
  EXPECT_FALSE(t_->activated());
  EXPECT_TRUE(rd(kStatus) & kStatusNeedsReset);
}

// virtio-blk, unchanged, over a negotiated packed ring: writes and reads through NEXT lists
// and indirect tables, several laps of the ring.
TEST(MmioPackedBlockTest, BlockRequestsOverAPackedRing) {
  struct Header {
    uint32_t type, reserved;
    uint64_t sector;
  };
  constexpr uint64_t kHdr = 0x40000, kData = 0x41000, kStatusByte = 0x48000, kTable = 0x49000;
  stratovirt::testing::TempDir dir;
  std::string image = dir.write("disk.img", std::string(1 << 20, '\x5a'));
  config::DriveConfig drive;
  drive.id = "drive0";
  drive.file = image;
  drive.direct = false;
  config::VirtioBlkDevice spec;
  spec.drive = "drive0";
  spec.num_queues = 1;
  spec.queue_size = 8;
  config::DeviceConfig device;
  device.driver = "virtio-blk-device";
  device.id = "blk0";
  device.spec = spec;
  auto dev = BlockDevice::create(drive, device);
  ASSERT_TRUE(dev) << dev.error().to_string();
  auto mem = testing::make_guest_ram(1 << 20);
  CountingIrq irq;
  MmioTransport t("virtio-blk0", std::move(*dev), mem.get(), &irq, {.packed_ring = true});
  auto rd = [&](uint64_t off) {
    uint32_t v = 0;
    t.read(off, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), 4));
    return v;
  };
  auto wr = [&](uint64_t off, uint32_t v) {
    t.write(off, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&v), 4));
  };

  wr(kStatus, kStatusAcknowledge | kStatusDriver);
  wr(kDeviceFeaturesSel, 0);
  uint64_t f = rd(kDeviceFeatures);
  wr(kDeviceFeaturesSel, 1);
  f |= uint64_t{rd(kDeviceFeatures)} << 32;
  ASSERT_TRUE(f & feature_bit(kFeatureRingPacked));
  ASSERT_TRUE(f & feature_bit(kFeatureIndirectDesc));
  wr(kDriverFeaturesSel, 0);
  wr(kDriverFeatures, static_cast<uint32_t>(f));
  wr(kDriverFeaturesSel, 1);
  wr(kDriverFeatures, static_cast<uint32_t>(f >> 32));
  wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
  ASSERT_TRUE(rd(kStatus) & kStatusFeaturesOk);
  testing::FakePackedRing ring(*mem, 0x10000, 8);
  auto c = ring.config();
  wr(kQueueSel, 0);
  wr(kQueueNum, c.size);
  wr(kQueueDescLow, static_cast<uint32_t>(c.desc_table));
  wr(kQueueDriverLow, static_cast<uint32_t>(c.avail_ring));
  wr(kQueueDeviceLow, static_cast<uint32_t>(c.used_ring));
  wr(kQueueReady, 1);
  wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
  ASSERT_EQ(rd(kStatus) & kStatusNeedsReset, 0U);

  auto image_bytes = [&](uint64_t off, size_t len) {
    std::ifstream in(image, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), {});
    return s.substr(off, len);
  };
  for (int i = 0; i < 6; ++i) {
    // Write 1 KiB at sector 2i with a NEXT list (3 slots), then read it back through an
    // indirect table (1 slot): 24 slots, three laps of the 8-slot ring.
    std::string payload(1024, static_cast<char>('a' + i));
    payload[0] = static_cast<char>(i);
    ASSERT_TRUE(mem->write(
        kData, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), 1024)));
    ASSERT_TRUE(mem->write_obj(kHdr, Header{blk::kTypeOut, 0, uint64_t(2 * i)}));
    ASSERT_TRUE(mem->write_obj<uint8_t>(kStatusByte, 0xEE));
    ring.add_chain({{kHdr, sizeof(Header), false}, {kData, 1024, false}, {kStatusByte, 1, true}},
                   static_cast<uint16_t>(2 * i % 8));
    wr(kQueueNotify, 0);
    auto used = ring.take_used();
    ASSERT_TRUE(used) << i;
    EXPECT_EQ(*used, (std::pair<uint16_t, uint32_t>{2 * i % 8, 1})) << i;
    EXPECT_EQ(*mem->read_obj<uint8_t>(kStatusByte), blk::kStatusOk) << i;
    EXPECT_EQ(image_bytes(2 * i * 512, 1024), payload) << i;

    ASSERT_TRUE(mem->fill(kData, 0, 1024));
    ASSERT_TRUE(mem->write_obj(kHdr, Header{blk::kTypeIn, 0, uint64_t(2 * i)}));
    ring.add_indirect(kTable,
                      {{kHdr, sizeof(Header), false}, {kData, 1024, true}, {kStatusByte, 1, true}},
                      static_cast<uint16_t>((2 * i + 1) % 8));
    wr(kQueueNotify, 0);
    used = ring.take_used();
    ASSERT_TRUE(used) << i;
    EXPECT_EQ(*used, (std::pair<uint16_t, uint32_t>{(2 * i + 1) % 8, 1025})) << i;
    EXPECT_EQ(*mem->read_obj<uint8_t>(kStatusByte), blk::kStatusOk) << i;
    std::string back(1024, '\0');
    ASSERT_TRUE(
        mem->read(kData, std::span<uint8_t>(reinterpret_cast<uint8_t*>(back.data()), 1024)));
    EXPECT_EQ(back, payload) << i;
  }
  EXPECT_FALSE(ring.take_used());
  EXPECT_GE(irq.edges, 1);
  EXPECT_EQ(rd(kStatus) & kStatusNeedsReset, 0U);
}

}  // namespace
}  // namespace stratovirt::virtio
