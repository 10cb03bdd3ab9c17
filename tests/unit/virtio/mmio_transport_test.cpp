// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/mmio_transport.h"

#include <gtest/gtest.h>

#include <cstring>

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
  void SetUp() override {
    auto d = std::make_unique<EchoDevice>();
    dev_ = d.get();
    t_ = std::make_unique<MmioTransport>("virtio-mmio0", std::move(d), mem_.get(), &irq_);
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
  void bring_up(uint64_t features) {
    wr(kStatus, 0);
    wr(kStatus, kStatusAcknowledge);
    wr(kStatus, kStatusAcknowledge | kStatusDriver);
    wr(kDriverFeaturesSel, 0);
    wr(kDriverFeatures, static_cast<uint32_t>(features));
    wr(kDriverFeaturesSel, 1);
    wr(kDriverFeatures, static_cast<uint32_t>(features >> 32));
    wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    ASSERT_TRUE(rd(kStatus) & kStatusFeaturesOk);
    auto c = ring_.config();
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

}  // namespace
}  // namespace stratovirt::virtio
