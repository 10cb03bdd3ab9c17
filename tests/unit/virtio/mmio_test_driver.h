// SPDX-License-Identifier: MulanPSL-2.0
//
// MmioTestDriver: a virtio driver in a test, talking to one device through its virtio-mmio
// window the way Linux's virtio_mmio does (status handshake, feature negotiation, queue
// programming from FakeRings, kicks, reset). Used by the rng and console device tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stratovirt/virtio/mmio_transport.h"
#include "virtio/fake_ring.h"

namespace stratovirt::virtio::testing {

class CountingIrq : public IrqLine {
 public:
  void set_level(bool) override {}
  void trigger() override { ++edges; }
  int edges = 0;
};

class MmioTestDriver {
 public:
  MmioTestDriver(std::unique_ptr<VirtioDevice> device, memory::GuestMemory* mem)
      : transport_(std::make_unique<MmioTransport>("virtio-test", std::move(device), mem,
                                                   &irq_)) {}

  uint32_t rd(uint64_t off) {
    uint32_t v = 0;
    transport_->read(off, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), 4));
    return v;
  }
  void wr(uint64_t off, uint32_t v) {
    transport_->write(off, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&v), 4));
  }
  template <typename T>
  T config(uint64_t off) {
    T v{};
    transport_->read(mmio_reg::kConfig + off,
                     std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), sizeof(T)));
    return v;
  }
  template <typename T>
  void write_config(uint64_t off, T v) {
    transport_->write(mmio_reg::kConfig + off,
                      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&v), sizeof(T)));
  }
  uint64_t device_features() {
    wr(mmio_reg::kDeviceFeaturesSel, 0);
    uint64_t lo = rd(mmio_reg::kDeviceFeatures);
    wr(mmio_reg::kDeviceFeaturesSel, 1);
    return lo | (uint64_t{rd(mmio_reg::kDeviceFeatures)} << 32);
  }
  uint32_t queue_num_max(uint32_t q) {
    wr(mmio_reg::kQueueSel, q);
    return rd(mmio_reg::kQueueNumMax);
  }
  // Resets, accepts `features` (default: everything offered), programs rings[i] as queue i
  // and sets DRIVER_OK. Returns whether the device came up without NEEDS_RESET.
  bool bring_up(const std::vector<FakeRing*>& rings, std::optional<uint64_t> features = {}) {
    using namespace mmio_reg;  // NOLINT(google-build-using-namespace)
    wr(kStatus, 0);
    wr(kStatus, kStatusAcknowledge | kStatusDriver);
    uint64_t f = features.value_or(device_features());
    wr(kDriverFeaturesSel, 0);
    wr(kDriverFeatures, static_cast<uint32_t>(f));
    wr(kDriverFeaturesSel, 1);
    wr(kDriverFeatures, static_cast<uint32_t>(f >> 32));
    wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    if ((rd(kStatus) & kStatusFeaturesOk) == 0) {
      return false;
    }
    for (size_t i = 0; i < rings.size(); ++i) {
      auto c = rings[i]->config();
      wr(kQueueSel, static_cast<uint32_t>(i));
      wr(kQueueNum, c.size);
      wr(kQueueDescLow, static_cast<uint32_t>(c.desc_table));
      wr(kQueueDriverLow, static_cast<uint32_t>(c.avail_ring));
      wr(kQueueDeviceLow, static_cast<uint32_t>(c.used_ring));
      wr(kQueueReady, 1);
    }
    wr(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    return !needs_reset() && transport_->activated();
  }
  void kick(uint32_t queue) { wr(mmio_reg::kQueueNotify, queue); }
  bool needs_reset() { return (rd(mmio_reg::kStatus) & kStatusNeedsReset) != 0; }
  void reset() { wr(mmio_reg::kStatus, 0); }
  uint32_t interrupt_status() { return rd(mmio_reg::kInterruptStatus); }
  void ack_interrupts() { wr(mmio_reg::kInterruptAck, interrupt_status()); }
  int irq_edges() const { return irq_.edges; }
  MmioTransport& transport() { return *transport_; }

 private:
  CountingIrq irq_;
  std::unique_ptr<MmioTransport> transport_;
};

// Copies guest memory at [addr, addr+len) into a string.
inline std::string guest_bytes(const memory::GuestMemory& mem, uint64_t addr, size_t len) {
  std::string s(len, '\0');
  EXPECT_TRUE(mem.read(addr, std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), len)));
  return s;
}

inline void put_guest_bytes(memory::GuestMemory& mem, uint64_t addr, std::string_view s) {
  EXPECT_TRUE(mem.write(addr, std::span<const uint8_t>(
                                  reinterpret_cast<const uint8_t*>(s.data()), s.size())));
}

}  // namespace stratovirt::virtio::testing
