// SPDX-License-Identifier: MulanPSL-2.0
//
// PackedRing: the packed virtqueue layout (virtio 1.2 §2.8, VIRTIO_F_RING_PACKED) as a
// device runs it.
//
// One ring of 16-byte descriptors plus two 4-byte event suppression areas: the driver's
// (QueueDriver, read by the device) and the device's (QueueDevice, written by it). pop()
// takes the buffer at the next available slot when its AVAIL/USED bits say available under
// the device's copy of the driver wrap counter, walks it (DescriptorChain::walk_packed) and
// remembers how many slots the buffer id used. push_used(id, len) writes one used
// descriptor (id, len, AVAIL = USED = used wrap counter) at the next used slot and skips
// that many slots, so buffers may complete out of order (§2.8.6, §2.8.12). Event
// suppression (§2.8.10): needs_notification() reads the driver area (ENABLE, DISABLE, or
// DESC with off_wrap under VIRTIO_F_EVENT_IDX); enable_notification() and, with EVENT_IDX,
// every pop() write the device area. Owned by one data-plane thread through Virtqueue.
// Failure: guest inconsistencies (bad chains, an id already in flight, more slots in
// flight than the ring holds) are kGuest errors; completing an id that is not in flight
// is kInternal. Nothing asserts on guest values.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/memory/guest_memory.h"
#include "stratovirt/virtio/descriptor_chain.h"

namespace stratovirt::virtio {

class PackedRing {
 public:
  // Addresses and size are already validated (QueueConfig::activate).
  PackedRing(const memory::GuestMemory* mem, uint16_t size, uint64_t ring, uint64_t driver_area,
             uint64_t device_area, bool event_idx)
      : mem_(mem),
        size_(size),
        ring_(ring),
        driver_(driver_area),
        device_(device_area),
        event_idx_(event_idx),
        slots_by_id_(size, 0) {}

  [[nodiscard]] uint16_t size() const { return size_; }
  [[nodiscard]] bool event_idx() const { return event_idx_; }
  // Ring slots (0..size-1) of the next buffer to pop and of the next used descriptor.
  [[nodiscard]] uint16_t next_avail() const { return next_avail_; }
  [[nodiscard]] uint16_t next_used() const { return next_used_; }
  [[nodiscard]] bool avail_wrap() const { return avail_wrap_; }
  [[nodiscard]] bool used_wrap() const { return used_wrap_; }

  Result<std::optional<DescriptorChain>> pop();
  // `head` is the buffer id popped (DescriptorChain::head()).
  Result<void> push_used(uint16_t head, uint32_t len);
  Result<bool> needs_notification();
  // Writes the device area: DISABLE, or ENABLE (DESC at next_avail with EVENT_IDX). With
  // notifications disabled, pop() no longer moves the event offset.
  Result<void> enable_notification(bool enable);

 private:
  const memory::GuestMemory* mem_;
  uint16_t size_;
  uint64_t ring_;
  uint64_t driver_;
  uint64_t device_;
  bool event_idx_;
  uint16_t next_avail_ = 0;
  bool avail_wrap_ = true;  // both wrap counters start at 1 (§2.8.1)
  uint16_t next_used_ = 0;
  bool used_wrap_ = true;
  std::vector<uint16_t> slots_by_id_;  // ring slots of each buffer id in flight; 0: free
  uint32_t slots_in_flight_ = 0;
  uint32_t used_since_check_ = 0;  // slots made used since the last needs_notification()
  bool checked_ = false;
  bool notify_enabled_ = true;
};

}  // namespace stratovirt::virtio
