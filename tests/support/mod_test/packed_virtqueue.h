// SPDX-License-Identifier: MulanPSL-2.0
//
// TestPackedVirtqueue: a packed virtqueue (virtio 1.2 §2.8, VIRTIO_F_RING_PACKED) laid out
// in the test machine's RAM by the driver side: one descriptor ring (addr, len, id, flags)
// plus the driver and device event suppression areas. Chains are written in ring order
// with AVAIL/USED flags following the driver's wrap counter; the head's flags are written
// last, which is what makes the chain available. Used buffers are found where the device
// wrote back a descriptor whose AVAIL and USED bits both equal the used wrap counter.
// Single-threaded test helper over the protocol.
#pragma once

#include <optional>
#include <vector>

#include "support/mod_test/virtio_mmio_driver.h"

namespace stratovirt::testing {

inline constexpr uint64_t kVirtioFRingPacked = 1ULL << 34;

class TestPackedVirtqueue {
 public:
  static constexpr uint16_t kAvail = 1 << 7, kUsed = 1 << 15;

  TestPackedVirtqueue(TestVm& vm, GuestAllocator& alloc, uint16_t size) : vm_(vm), size_(size) {
    ring_ = alloc.alloc(16ULL * size, 4096);
    driver_area_ = alloc.alloc(4, 4);
    device_area_ = alloc.alloc(4, 4);
    vm_.memset(ring_, 16ULL * size, 0);
    vm_.memset(driver_area_, 4, 0);
    vm_.memset(device_area_, 4, 0);
  }

  uint16_t size() const { return size_; }
  // As a split queue's desc/avail/used: ring, driver area, device area.
  uint64_t ring() const { return ring_; }
  uint64_t driver_area() const { return driver_area_; }
  uint64_t device_area() const { return device_area_; }

  // Makes `bufs` available as one chain with buffer id `id`; returns the id.
  uint16_t add_chain(const std::vector<GuestBuf>& bufs, uint16_t id) {
    uint16_t head_pos = next_avail_;
    uint16_t head_flags = 0;
    for (size_t k = 0; k < bufs.size(); ++k) {
      uint16_t flags = static_cast<uint16_t>((k + 1 < bufs.size() ? kDescFNext : 0) |
                                             (bufs[k].device_writes ? kDescFWrite : 0) |
                                             (avail_wrap_ ? kAvail : kUsed));
      uint64_t d = ring_ + 16ULL * next_avail_;
      vm_.writeq(d, bufs[k].addr);
      vm_.writel(d + 8, bufs[k].len);
      vm_.writew(d + 12, id);
      if (k == 0) {
        head_flags = flags;
      } else {
        vm_.writew(d + 14, flags);
      }
      if (++next_avail_ == size_) {
        next_avail_ = 0;
        avail_wrap_ = !avail_wrap_;
      }
    }
    vm_.writew(ring_ + 16ULL * head_pos + 14, head_flags);  // publish the chain
    pending_.push_back(static_cast<uint16_t>(bufs.size()));
    return id;
  }

  // The next used buffer (id, written length), if the device has written one back.
  std::optional<UsedElem> pop_used() {
    if (pending_.empty()) return std::nullopt;
    uint64_t d = ring_ + 16ULL * next_used_;
    auto flags = static_cast<uint16_t>(vm_.readw(d + 14));
    bool avail = (flags & kAvail) != 0, used = (flags & kUsed) != 0;
    if (avail != used || used != used_wrap_) return std::nullopt;
    UsedElem e{static_cast<uint32_t>(vm_.readw(d + 12)), static_cast<uint32_t>(vm_.readl(d + 8))};
    uint16_t n = pending_.front();
    pending_.erase(pending_.begin());
    next_used_ = static_cast<uint16_t>(next_used_ + n);
    if (next_used_ >= size_) {
      next_used_ = static_cast<uint16_t>(next_used_ - size_);
      used_wrap_ = !used_wrap_;
    }
    return e;
  }

 private:
  TestVm& vm_;
  uint16_t size_;
  uint64_t ring_ = 0, driver_area_ = 0, device_area_ = 0;
  uint16_t next_avail_ = 0, next_used_ = 0;
  bool avail_wrap_ = true, used_wrap_ = true;
  std::vector<uint16_t> pending_;  // descriptors per chain still in flight, in order
};

}  // namespace stratovirt::testing
