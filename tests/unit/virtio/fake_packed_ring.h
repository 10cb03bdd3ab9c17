// SPDX-License-Identifier: MulanPSL-2.0
//
// Test-side driver for a packed virtqueue (virtio 1.2 §2.8): a descriptor ring and the two
// event suppression areas in guest RAM, written the way a driver does (driver wrap counter,
// first descriptor's flags written last, buffer id in the last descriptor), and the used
// side read back the way a driver does (used wrap counter, skipping each buffer's slots).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "stratovirt/memory/guest_memory.h"
#include "stratovirt/virtio/virtio_spec.h"
#include "stratovirt/virtio/virtqueue.h"
#include "virtio/fake_ring.h"

namespace stratovirt::virtio::testing {

class FakePackedRing {
 public:
  // Descriptor ring at `base`, driver event area at base + 0x4000, device area 0x4100.
  FakePackedRing(memory::GuestMemory& mem, uint64_t base, uint16_t size)
      : mem_(&mem),
        size_(size),
        ring_(base),
        driver_(base + 0x4000),
        device_(base + 0x4100),
        slots_(size, 0) {}

  QueueConfig config() const {
    QueueConfig c;
    c.max_size = size_;
    c.size = size_;
    c.ready = true;
    c.desc_table = ring_;
    c.avail_ring = driver_;
    c.used_ring = device_;
    return c;
  }
  uint16_t size() const { return size_; }
  uint16_t next_avail() const { return next_avail_; }
  bool avail_wrap() const { return avail_wrap_; }
  uint16_t next_used() const { return next_used_; }
  bool used_wrap() const { return used_wrap_; }

  // AVAIL/USED bits that make a descriptor available under the current driver wrap counter.
  uint16_t avail_bits() const { return avail_wrap_ ? kPackedDescFlagAvail : kPackedDescFlagUsed; }
  void write_desc(uint16_t slot, const PackedDescriptor& d) {
    ASSERT_TRUE(mem_->write_obj(ring_ + uint64_t{16} * slot, d));
  }
  PackedDescriptor read_desc(uint16_t slot) const {
    return *mem_->read_obj<PackedDescriptor>(ring_ + uint64_t{16} * slot);
  }
  // Writes a descriptor at the next slot with `flags` plus the avail bits; advances.
  void push_raw(uint64_t addr, uint32_t len, uint16_t id, uint16_t flags) {
    write_desc(next_avail_, {addr, len, id, static_cast<uint16_t>(flags | avail_bits())});
    advance(next_avail_, avail_wrap_, 1);
  }

  // Makes `chain` available as buffer `id` in consecutive slots (NEXT on all but the last),
  // the first descriptor's flags last. Returns the first slot.
  uint16_t add_chain(const std::vector<Desc>& chain, uint16_t id) {
    uint16_t first = next_avail_;
    PackedDescriptor head{};
    for (size_t i = 0; i < chain.size(); ++i) {
      uint16_t flags = avail_bits() | (chain[i].writable ? kDescFlagWrite : 0);
      if (i + 1 < chain.size()) flags |= kDescFlagNext;
      PackedDescriptor d{chain[i].addr, chain[i].len, id, flags};
      if (i == 0) {
        head = d;
        d.flags = 0;  // not yet available
      }
      write_desc(next_avail_, d);
      advance(next_avail_, avail_wrap_, 1);
    }
    write_desc(first, head);
    slots_[id] = static_cast<uint16_t>(chain.size());
    return first;
  }
  // Makes an indirect table (at `table`) of `entries` available as buffer `id` (one slot).
  uint16_t add_indirect(uint64_t table, const std::vector<Desc>& entries, uint16_t id) {
    for (size_t i = 0; i < entries.size(); ++i) {
      PackedDescriptor e{entries[i].addr, entries[i].len, 0,
                         static_cast<uint16_t>(entries[i].writable ? kDescFlagWrite : 0)};
      EXPECT_TRUE(mem_->write_obj(table + 16 * i, e));
    }
    uint16_t first = next_avail_;
    push_raw(table, static_cast<uint32_t>(16 * entries.size()), id, kDescFlagIndirect);
    slots_[id] = 1;
    return first;
  }

  // The next used descriptor as (id, len, flags), or nullopt; skips the buffer's slots.
  std::optional<std::pair<uint16_t, uint32_t>> take_used(uint16_t* flags_out = nullptr) {
    PackedDescriptor d = read_desc(next_used_);
    bool used = (d.flags & kPackedDescFlagUsed) != 0;
    bool avail = (d.flags & kPackedDescFlagAvail) != 0;
    if (used != used_wrap_ || avail != used_wrap_) return std::nullopt;
    if (flags_out != nullptr) *flags_out = d.flags;
    EXPECT_LT(d.id, size_);
    EXPECT_NE(slots_[d.id], 0) << "id " << d.id << " not outstanding";
    advance(next_used_, used_wrap_, slots_[d.id]);
    slots_[d.id] = 0;
    return std::pair<uint16_t, uint32_t>{d.id, d.len};
  }

  // Driver event suppression (read by the device).
  void set_driver_event(uint16_t flags, uint16_t off = 0, bool wrap = false) {
    uint16_t off_wrap = static_cast<uint16_t>(off | (wrap ? kRingEventWrapBit : 0));
    EXPECT_TRUE(mem_->write_obj<uint32_t>(driver_, off_wrap | (uint32_t{flags} << 16)));
  }
  // Device event suppression (written by the device): (off_wrap, flags).
  std::pair<uint16_t, uint16_t> device_event() const {
    uint32_t v = *mem_->read_obj<uint32_t>(device_);
    return {static_cast<uint16_t>(v), static_cast<uint16_t>(v >> 16)};
  }

 private:
  void advance(uint16_t& pos, bool& wrap, uint16_t n) const {
    pos = static_cast<uint16_t>(pos + n);
    if (pos >= size_) {
      pos = static_cast<uint16_t>(pos - size_);
      wrap = !wrap;
    }
  }

  memory::GuestMemory* mem_;
  uint16_t size_;
  uint64_t ring_, driver_, device_;
  uint16_t next_avail_ = 0;
  bool avail_wrap_ = true;
  uint16_t next_used_ = 0;
  bool used_wrap_ = true;
  std::vector<uint16_t> slots_;  // slots of each outstanding buffer id
};

}  // namespace stratovirt::virtio::testing
