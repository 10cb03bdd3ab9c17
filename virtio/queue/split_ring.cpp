// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/split_ring.h"

#include <atomic>

#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

Result<uint16_t> SplitRing::avail_idx() const {
  SV_ASSIGN_OR_RETURN(auto idx, mem_->read_obj<uint16_t>(avail_ + 2));
  // Ring entries written before idx must be visible once idx is (§2.7.13.3).
  std::atomic_thread_fence(std::memory_order_acquire);
  return idx;
}

Result<std::optional<DescriptorChain>> SplitRing::pop() {
  SV_ASSIGN_OR_RETURN(uint16_t idx, avail_idx());
  uint16_t pending = static_cast<uint16_t>(idx - next_avail_);
  if (pending == 0) {
    return std::optional<DescriptorChain>{};
  }
  if (pending > size_) {
    return errorf(ErrorCode::kGuest, "avail idx {} ran {} entries ahead of the device (size {})",
                  idx, pending, size_);
  }
  uint64_t slot = avail_ + 4 + uint64_t{2} * (next_avail_ % size_);
  SV_ASSIGN_OR_RETURN(uint16_t head, mem_->read_obj<uint16_t>(slot));
  SV_ASSIGN_OR_RETURN(auto chain, DescriptorChain::walk(*mem_, desc_, size_, head));
  ++next_avail_;
  if (event_idx_) {
    SV_RETURN_IF_ERROR(enable_notification(true));
  }
  return std::optional<DescriptorChain>(std::move(chain));
}

Result<void> SplitRing::push_used(uint16_t head, uint32_t len) {
  if (head >= size_) {
    return errorf(ErrorCode::kInternal, "used head {} >= queue size {}", head, size_);
  }
  uint64_t elem = used_ + 4 + uint64_t{8} * (next_used_ % size_);
  SV_RETURN_IF_ERROR(mem_->write_obj<uint32_t>(elem, head));
  SV_RETURN_IF_ERROR(mem_->write_obj<uint32_t>(elem + 4, len));
  ++next_used_;
  // The element must be visible before the index that publishes it.
  std::atomic_thread_fence(std::memory_order_release);
  return mem_->write_obj<uint16_t>(used_ + 2, next_used_);
}

Result<bool> SplitRing::needs_notification() {
  // The used idx store must be ordered before reading the driver's suppression state.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  uint16_t old = signalled_used_;
  bool valid = signalled_valid_;
  signalled_used_ = next_used_;
  signalled_valid_ = true;
  if (!event_idx_) {
    SV_ASSIGN_OR_RETURN(uint16_t flags, mem_->read_obj<uint16_t>(avail_));
    return (flags & kAvailFlagNoInterrupt) == 0;
  }
  if (!valid) {
    return true;
  }
  SV_ASSIGN_OR_RETURN(uint16_t used_event,
                      mem_->read_obj<uint16_t>(avail_ + 4 + uint64_t{2} * size_));
  // vring_need_event: notify when used_event lies in [old, new).
  uint16_t new_idx = next_used_;
  return static_cast<uint16_t>(new_idx - used_event - 1) < static_cast<uint16_t>(new_idx - old);
}

Result<void> SplitRing::enable_notification(bool enable) {
  if (event_idx_) {
    if (!enable) {
      return ok();  // the driver kicks only when it passes avail_event; just don't move it
    }
    SV_RETURN_IF_ERROR(mem_->write_obj<uint16_t>(used_ + 4 + uint64_t{8} * size_, next_avail_));
  } else {
    SV_ASSIGN_OR_RETURN(uint16_t flags, mem_->read_obj<uint16_t>(used_));
    flags = static_cast<uint16_t>(enable ? (flags & ~kUsedFlagNoNotify)
                                         : (flags | kUsedFlagNoNotify));
    SV_RETURN_IF_ERROR(mem_->write_obj<uint16_t>(used_, flags));
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return ok();
}

}  // namespace stratovirt::virtio
