// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/packed_ring.h"

#include <atomic>
#include <utility>

#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

namespace {

constexpr uint64_t kLenOffset = 8, kIdOffset = 12, kFlagsOffset = 14;

bool available(uint16_t flags, bool wrap) {
  return ((flags & kPackedDescFlagAvail) != 0) == wrap &&
         ((flags & kPackedDescFlagUsed) != 0) != wrap;
}

void advance(uint16_t& pos, bool& wrap, uint16_t slots, uint16_t size) {
  uint32_t next = uint32_t{pos} + slots;
  if (next >= size) {
    next -= size;
    wrap = !wrap;
  }
  pos = static_cast<uint16_t>(next);
}

}  // namespace

Result<std::optional<DescriptorChain>> PackedRing::pop() {
  SV_ASSIGN_OR_RETURN(uint16_t flags,
                      mem_->read_obj<uint16_t>(ring_ + uint64_t{16} * next_avail_ + kFlagsOffset));
  if (!available(flags, avail_wrap_)) {
    return std::optional<DescriptorChain>{};
  }
  // The rest of the buffer was written before the first descriptor's flags (§2.8.21.1).
  std::atomic_thread_fence(std::memory_order_acquire);
  SV_ASSIGN_OR_RETURN(auto buf,
                      DescriptorChain::walk_packed(*mem_, ring_, size_, next_avail_, avail_wrap_));
  uint16_t id = buf.chain.head();
  if (slots_in_flight_ + buf.slots > size_) {
    return errorf(ErrorCode::kGuest, "packed ring: {} slots in flight + {} exceed size {}",
                  slots_in_flight_, buf.slots, size_);
  }
  if (slots_by_id_[id] != 0) {
    return errorf(ErrorCode::kGuest, "packed ring: buffer id {} made available while in flight",
                  id);
  }
  slots_by_id_[id] = buf.slots;
  slots_in_flight_ += buf.slots;
  advance(next_avail_, avail_wrap_, buf.slots, size_);
  if (event_idx_ && notify_enabled_) {
    SV_RETURN_IF_ERROR(enable_notification(true));
  }
  return std::optional<DescriptorChain>(std::move(buf.chain));
}

Result<void> PackedRing::push_used(uint16_t head, uint32_t len) {
  if (head >= size_ || slots_by_id_[head] == 0) {
    return errorf(ErrorCode::kInternal, "packed ring: buffer id {} is not in flight", head);
  }
  uint64_t desc = ring_ + uint64_t{16} * next_used_;
  SV_RETURN_IF_ERROR(mem_->write_obj<uint32_t>(desc + kLenOffset, len));
  SV_RETURN_IF_ERROR(mem_->write_obj<uint16_t>(desc + kIdOffset, head));
  uint16_t flags = used_wrap_ ? (kPackedDescFlagAvail | kPackedDescFlagUsed) : 0;
  if (len > 0) {
    flags |= kDescFlagWrite;  // §2.8.3: the device wrote into the buffer
  }
  // id and len must be visible before the flags that make the descriptor used.
  std::atomic_thread_fence(std::memory_order_release);
  SV_RETURN_IF_ERROR(mem_->write_obj<uint16_t>(desc + kFlagsOffset, flags));
  uint16_t slots = std::exchange(slots_by_id_[head], 0);
  slots_in_flight_ -= slots;
  used_since_check_ += slots;
  advance(next_used_, used_wrap_, slots, size_);
  return ok();
}

Result<bool> PackedRing::needs_notification() {
  // The used flags store must be ordered before reading the driver's suppression state.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  uint32_t delta = std::exchange(used_since_check_, 0);
  bool checked = std::exchange(checked_, true);
  SV_ASSIGN_OR_RETURN(uint32_t area, mem_->read_obj<uint32_t>(driver_));
  auto off_wrap = static_cast<uint16_t>(area);
  auto mode = static_cast<uint16_t>((area >> 16) & 3);
  if (mode == kRingEventFlagsDisable) {
    return false;
  }
  if (mode != kRingEventFlagsDesc || !event_idx_ || !checked) {
    return true;  // ENABLE; DESC without EVENT_IDX and the reserved value 3 count as ENABLE
  }
  if (delta == 0) {
    return false;
  }
  if (delta >= size_) {
    return true;  // a whole lap since the last check: the event slot was passed
  }
  // Notify when the slot (off, wrap) was made used since the last check: place it on the
  // current lap (or the previous one if its wrap counter differs) and test [old, new).
  int event = off_wrap & ~kRingEventWrapBit;
  if (((off_wrap & kRingEventWrapBit) != 0) != used_wrap_) {
    event -= size_;
  }
  int now = next_used_;
  int before = now - static_cast<int>(delta);
  return before <= event && event < now;
}

Result<void> PackedRing::enable_notification(bool enable) {
  notify_enabled_ = enable;
  uint16_t mode = kRingEventFlagsDisable;
  uint16_t off_wrap = 0;
  if (enable && event_idx_) {
    mode = kRingEventFlagsDesc;
    off_wrap = static_cast<uint16_t>(next_avail_ | (avail_wrap_ ? kRingEventWrapBit : 0));
  } else if (enable) {
    mode = kRingEventFlagsEnable;
  }
  // One 32-bit store: the driver never sees DESC with a stale offset.
  SV_RETURN_IF_ERROR(mem_->write_obj<uint32_t>(device_, off_wrap | (uint32_t{mode} << 16)));
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return ok();
}

}  // namespace stratovirt::virtio
