// SPDX-License-Identifier: MulanPSL-2.0
//
// QueueConfig and SplitQueue: a virtqueue as the driver programs it, and as it runs.
//
// QueueConfig holds what the driver wrote through the transport (size, ready, the three
// ring addresses; virtio 1.2 §4.2.2 for MMIO). activate() validates it against guest RAM
// (size a power of two ≤ max, alignment 16/2/4, every ring area inside RAM) and yields a
// running SplitQueue (§2.7): pop() available chains, push_used() used elements, and
// needs_notification() with VIRTIO_F_EVENT_IDX suppression (§2.7.7/§2.7.10, used_event /
// avail_event). Typestate: only a validated queue can touch the rings.
// Threads: QueueConfig belongs to the transport (vCPU threads under its lock); a
// SplitQueue belongs to one data-plane thread. Failure: guest-caused inconsistencies
// (avail index running ahead by more than the queue size, bad chains) are kGuest errors;
// the device then sets NEEDS_RESET. Nothing here asserts on guest values.
#pragma once

#include <cstdint>
#include <optional>

#include "stratovirt/base/error.h"
#include "stratovirt/memory/guest_memory.h"
#include "stratovirt/virtio/descriptor_chain.h"

namespace stratovirt::virtio {

class SplitQueue;

struct QueueConfig {
  uint16_t max_size = 256;
  uint16_t size = 256;
  bool ready = false;
  uint64_t desc_table = 0;
  uint64_t avail_ring = 0;
  uint64_t used_ring = 0;

  // Validates the programmed values; `event_idx` is the negotiated VIRTIO_F_EVENT_IDX.
  Result<SplitQueue> activate(const memory::GuestMemory& mem, bool event_idx) const;
};

class SplitQueue {
 public:
  [[nodiscard]] uint16_t size() const { return size_; }
  [[nodiscard]] bool event_idx() const { return event_idx_; }
  [[nodiscard]] uint16_t next_avail() const { return next_avail_; }
  [[nodiscard]] uint16_t next_used() const { return next_used_; }

  // The next available chain, or nullopt when the driver has published nothing new.
  Result<std::optional<DescriptorChain>> pop();
  // Publishes (head, written bytes) as the next used element and bumps used->idx.
  Result<void> push_used(uint16_t head, uint32_t len);
  // Whether the driver wants an interrupt for the used elements pushed since the last call.
  Result<bool> needs_notification();
  // With EVENT_IDX, asks for a kick when the driver passes next_avail (avail_event);
  // without, clears/sets VRING_USED_F_NO_NOTIFY.
  Result<void> enable_notification(bool enable);

 private:
  friend struct QueueConfig;
  SplitQueue(const memory::GuestMemory* mem, const QueueConfig& c, bool event_idx)
      : mem_(mem), size_(c.size), desc_(c.desc_table), avail_(c.avail_ring), used_(c.used_ring),
        event_idx_(event_idx) {}
  Result<uint16_t> avail_idx() const;

  const memory::GuestMemory* mem_;
  uint16_t size_;
  uint64_t desc_;
  uint64_t avail_;
  uint64_t used_;
  bool event_idx_;
  uint16_t next_avail_ = 0;
  uint16_t next_used_ = 0;
  uint16_t signalled_used_ = 0;  // used idx at the last needs_notification()
  bool signalled_valid_ = false;
};

}  // namespace stratovirt::virtio
