// SPDX-License-Identifier: MulanPSL-2.0
//
// A virtio-mmio driver and split virtqueue for the device test tier, run from the test
// through the `-mod-test` protocol (every register and ring access is one command).
//
// VirtioMmioDriver programs one virtio-mmio v2 window (virtio 1.2 §4.2.3.1 probe and
// initialisation order): magic/version/device id, 64-bit feature negotiation with
// FEATURES_OK read-back, queue setup from a GuestAllocator, DRIVER_OK, kicks, interrupt
// wait (query_intx, then InterruptStatus/ACK and eoi_intx), config space and reset.
// TestVirtqueue lays out a split ring (§2.7) in guest RAM: descriptor chains (direct or
// through an indirect table), the avail ring with used_event, the used ring with
// avail_event, and raw descriptor writes for malformed-chain tests.
// Single-threaded test helpers; protocol failures record gtest failures.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "support/mod_test/guest_allocator.h"
#include "support/mod_test/test_vm.h"

namespace stratovirt::testing {

namespace vstatus {
inline constexpr uint32_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8;
inline constexpr uint32_t kNeedsReset = 0x40, kFailed = 0x80;
}  // namespace vstatus

inline constexpr uint64_t kVirtioFVersion1 = 1ULL << 32;
inline constexpr uint64_t kVirtioFIndirect = 1ULL << 28;
inline constexpr uint64_t kVirtioFEventIdx = 1ULL << 29;

inline constexpr uint16_t kDescFNext = 1, kDescFWrite = 2, kDescFIndirect = 4;

struct GuestBuf {
  uint64_t addr = 0;
  uint32_t len = 0;
  bool device_writes = false;
};

struct UsedElem {
  uint32_t id = 0;
  uint32_t len = 0;
};

class TestVirtqueue {
 public:
  TestVirtqueue(TestVm& vm, GuestAllocator& alloc, uint16_t size);

  uint16_t size() const { return size_; }
  uint64_t desc() const { return desc_; }
  uint64_t avail() const { return avail_; }
  uint64_t used() const { return used_; }

  // Writes a chain into the descriptor table; returns its head (not yet made available).
  uint16_t add_chain(const std::vector<GuestBuf>& bufs);
  // One descriptor pointing at an indirect table holding `bufs`.
  uint16_t add_indirect(const std::vector<GuestBuf>& bufs);
  // Puts `head` in the avail ring and publishes the new avail index.
  void make_available(uint16_t head);
  // Raw descriptor i (for malformed chains).
  void write_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);

  uint16_t used_idx();
  // The next used element, if the device has pushed one since the last call.
  std::optional<UsedElem> pop_used();
  // EVENT_IDX: the driver's used_event (avail ring tail) and the device's avail_event.
  void set_used_event(uint16_t idx);
  uint16_t avail_event();
  // Avail flags (VRING_AVAIL_F_NO_INTERRUPT = 1).
  void set_avail_flags(uint16_t flags);

 private:
  uint16_t take_desc();

  TestVm& vm_;
  GuestAllocator& alloc_;
  uint16_t size_;
  uint64_t desc_ = 0, avail_ = 0, used_ = 0;
  uint16_t next_desc_ = 0;
  uint16_t avail_idx_ = 0;
  uint16_t last_used_ = 0;
};

class VirtioMmioDriver {
 public:
  VirtioMmioDriver(TestVm& vm, uint64_t base, uint32_t irq) : vm_(vm), base_(base), irq_(irq) {}

  uint32_t reg(uint64_t off) { return static_cast<uint32_t>(vm_.readl(base_ + off)); }
  void set_reg(uint64_t off, uint32_t v) { vm_.writel(base_ + off, v); }

  uint32_t magic() { return reg(0x000); }
  uint32_t version() { return reg(0x004); }
  uint32_t device_id() { return reg(0x008); }
  uint64_t device_features();
  void set_driver_features(uint64_t features);
  uint32_t status() { return reg(0x070); }
  void set_status(uint32_t s) { set_reg(0x070, s); }
  void reset() { set_status(0); }

  // ACKNOWLEDGE|DRIVER, features, FEATURES_OK; true when the device kept FEATURES_OK.
  bool negotiate(uint64_t features);
  uint32_t queue_num_max(uint32_t queue);
  // Programs queue `queue` from `vq` and sets QueueReady.
  void setup_queue(uint32_t queue, const TestVirtqueue& vq);
  void driver_ok() { set_status(status() | vstatus::kDriverOk); }
  // Reset, negotiate, set up `queues`, DRIVER_OK; true when the device is live.
  bool init(uint64_t features, const std::vector<const TestVirtqueue*>& queues);
  void kick(uint32_t queue) { set_reg(0x050, queue); }

  // Polls the interrupt line (query_intx), stepping nothing; then reads InterruptStatus,
  // acknowledges it and EOIs. Returns the status bits (0 when no interrupt came).
  uint32_t wait_interrupt(int polls = 1000);
  uint32_t interrupt_status() { return reg(0x060); }

  uint64_t config(uint64_t off, char width);

  uint64_t base() const { return base_; }
  uint32_t irq() const { return irq_; }

 private:
  TestVm& vm_;
  uint64_t base_;
  uint32_t irq_;
};

}  // namespace stratovirt::testing
