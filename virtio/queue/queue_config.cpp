// SPDX-License-Identifier: MulanPSL-2.0
#include <algorithm>
#include <bit>

#include "stratovirt/virtio/virtio_spec.h"
#include "stratovirt/virtio/virtqueue.h"

namespace stratovirt::virtio {

namespace {

// Split ring areas (§2.7): flags + idx + ring[size] (+ event word).
uint64_t desc_bytes(uint16_t size) {
  return uint64_t{16} * size;
}
uint64_t avail_bytes(uint16_t size) {
  return 6 + uint64_t{2} * size;
}
uint64_t used_bytes(uint16_t size) {
  return 6 + uint64_t{8} * size;
}
// Packed event suppression areas (§2.8.10.1): off_wrap + flags.
constexpr uint64_t kEventAreaBytes = 4;

Result<void> check_area(const memory::GuestMemory& mem, const char* what, uint64_t addr,
                        uint64_t len, uint64_t align) {
  if (addr % align != 0) {
    return errorf(ErrorCode::kGuest, "queue {} {:#x} not {}-byte aligned", what, addr, align);
  }
  if (!mem.contains(addr, len)) {
    return errorf(ErrorCode::kGuest, "queue {} {:#x}+{:#x} outside guest RAM", what, addr, len);
  }
  return ok();
}

}  // namespace

Result<Virtqueue> QueueConfig::activate(const memory::GuestMemory& mem, bool event_idx,
                                        bool packed) const {
  if (!ready) {
    return errorf(ErrorCode::kGuest, "queue not ready");
  }
  if (packed) {
    if (size == 0 || size > max_size || size > kMaxPackedQueueSize) {
      return errorf(ErrorCode::kGuest, "packed queue size {} invalid (1..{})", size,
                    std::min(max_size, kMaxPackedQueueSize));
    }
    SV_RETURN_IF_ERROR(check_area(mem, "descriptor ring", desc_table, desc_bytes(size), 16));
    SV_RETURN_IF_ERROR(check_area(mem, "driver event area", avail_ring, kEventAreaBytes, 4));
    SV_RETURN_IF_ERROR(check_area(mem, "device event area", used_ring, kEventAreaBytes, 4));
    return Virtqueue(PackedRing(&mem, size, desc_table, avail_ring, used_ring, event_idx));
  }
  if (size == 0 || !std::has_single_bit(size) || size > max_size) {
    return errorf(ErrorCode::kGuest, "queue size {} invalid (power of two <= {})", size, max_size);
  }
  SV_RETURN_IF_ERROR(check_area(mem, "descriptor table", desc_table, desc_bytes(size), 16));
  SV_RETURN_IF_ERROR(check_area(mem, "available ring", avail_ring, avail_bytes(size), 2));
  SV_RETURN_IF_ERROR(check_area(mem, "used ring", used_ring, used_bytes(size), 4));
  return Virtqueue(SplitRing(&mem, size, desc_table, avail_ring, used_ring, event_idx));
}

}  // namespace stratovirt::virtio
