// SPDX-License-Identifier: MulanPSL-2.0
//
// SplitRing: the split virtqueue layout (virtio 1.2 §2.7) as a device runs it.
//
// Descriptor table, available ring (driver area) and used ring (device area) at the
// addresses QueueConfig::activate validated. pop() reads avail->idx and walks the next
// chain (DescriptorChain::walk); push_used() writes a used element and then used->idx;
// needs_notification() implements VRING_AVAIL_F_NO_INTERRUPT or, with VIRTIO_F_EVENT_IDX,
// the used_event test (§2.7.7, §2.7.10); enable_notification() writes VRING_USED_F_NO_NOTIFY
// or avail_event. Owned by one data-plane thread through Virtqueue. Failure: guest
// inconsistencies are kGuest errors; nothing asserts on guest values.
#pragma once

#include <cstdint>
#include <optional>

#include "stratovirt/base/error.h"
#include "stratovirt/memory/guest_memory.h"
#include "stratovirt/virtio/descriptor_chain.h"

namespace stratovirt::virtio {

class SplitRing {
 public:
  // Addresses and size are already validated (QueueConfig::activate).
  SplitRing(const memory::GuestMemory* mem, uint16_t size, uint64_t desc, uint64_t avail,
            uint64_t used, bool event_idx)
      : mem_(mem), size_(size), desc_(desc), avail_(avail), used_(used), event_idx_(event_idx) {}

  [[nodiscard]] uint16_t size() const { return size_; }
  [[nodiscard]] bool event_idx() const { return event_idx_; }
  [[nodiscard]] uint16_t next_avail() const { return next_avail_; }
  [[nodiscard]] uint16_t next_used() const { return next_used_; }

  Result<std::optional<DescriptorChain>> pop();
  Result<void> push_used(uint16_t head, uint32_t len);
  Result<bool> needs_notification();
  Result<void> enable_notification(bool enable);

 private:
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
