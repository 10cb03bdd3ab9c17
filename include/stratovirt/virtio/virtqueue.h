// SPDX-License-Identifier: MulanPSL-2.0
//
// QueueConfig and Virtqueue: a virtqueue as the driver programs it, and as it runs.
//
// QueueConfig holds what the driver wrote through the transport (size, ready, the three
// area addresses; virtio 1.2 §4.2.2 for MMIO). activate() validates it against guest RAM
// for the negotiated layout and yields a running Virtqueue: split (§2.7: size a power of
// two ≤ max, descriptor table / available ring / used ring aligned 16/2/4) or packed
// (VIRTIO_F_RING_PACKED, §2.8: any size 1..max ≤ 32768, descriptor ring 16-aligned, driver
// and device event suppression areas 4-aligned, 4 bytes each). Typestate: only a validated
// queue can touch the rings. Virtqueue has one API over both layouts (SplitRing,
// PackedRing): pop() a DescriptorChain, push_used(head, len) where head is the chain's
// head(), needs_notification(), enable_notification(); devices need not know the layout.
// Threads: QueueConfig belongs to the transport (vCPU threads under its lock); a
// Virtqueue belongs to one data-plane thread. Failure: guest-caused inconsistencies are
// kGuest errors (the device then sets NEEDS_RESET). Nothing here asserts on guest values.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

#include "stratovirt/base/error.h"
#include "stratovirt/memory/guest_memory.h"
#include "stratovirt/virtio/descriptor_chain.h"
#include "stratovirt/virtio/packed_ring.h"
#include "stratovirt/virtio/split_ring.h"

namespace stratovirt::virtio {

class Virtqueue;

struct QueueConfig {
  uint16_t max_size = 256;
  uint16_t size = 256;
  bool ready = false;
  uint64_t desc_table = 0;  // split: descriptor table; packed: descriptor ring
  uint64_t avail_ring = 0;  // driver area: split available ring / packed driver event area
  uint64_t used_ring = 0;   // device area: split used ring / packed device event area

  // Validates the programmed values; `event_idx` is the negotiated VIRTIO_F_EVENT_IDX,
  // `packed` the negotiated VIRTIO_F_RING_PACKED.
  Result<Virtqueue> activate(const memory::GuestMemory& mem, bool event_idx,
                             bool packed = false) const;
};

class Virtqueue {
 public:
  [[nodiscard]] bool packed() const { return std::holds_alternative<PackedRing>(ring_); }
  [[nodiscard]] uint16_t size() const {
    return std::visit([](const auto& r) { return r.size(); }, ring_);
  }
  [[nodiscard]] bool event_idx() const {
    return std::visit([](const auto& r) { return r.event_idx(); }, ring_);
  }
  // Split: free-running 16-bit ring indices; packed: ring slots (wrap counters aside).
  [[nodiscard]] uint16_t next_avail() const {
    return std::visit([](const auto& r) { return r.next_avail(); }, ring_);
  }
  [[nodiscard]] uint16_t next_used() const {
    return std::visit([](const auto& r) { return r.next_used(); }, ring_);
  }

  // The next available chain, or nullopt when the driver has published nothing new.
  Result<std::optional<DescriptorChain>> pop() {
    return std::visit([](auto& r) { return r.pop(); }, ring_);
  }
  // Publishes (head, written bytes) as used: split element + used->idx, packed used
  // descriptor. Chains may complete in any order.
  Result<void> push_used(uint16_t head, uint32_t len) {
    return std::visit([&](auto& r) { return r.push_used(head, len); }, ring_);
  }
  // Whether the driver wants an interrupt for the buffers used since the last call.
  Result<bool> needs_notification() {
    return std::visit([](auto& r) { return r.needs_notification(); }, ring_);
  }
  // Asks the driver for (or spares it) available buffer notifications.
  Result<void> enable_notification(bool enable) {
    return std::visit([&](auto& r) { return r.enable_notification(enable); }, ring_);
  }

 private:
  friend struct QueueConfig;
  explicit Virtqueue(SplitRing r) : ring_(std::move(r)) {}
  explicit Virtqueue(PackedRing r) : ring_(std::move(r)) {}

  std::variant<SplitRing, PackedRing> ring_;
};

}  // namespace stratovirt::virtio
