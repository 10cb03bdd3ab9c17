// SPDX-License-Identifier: MulanPSL-2.0
//
// Test-side driver helpers: guest RAM over an anonymous mapping and a split ring laid out
// in it the way a virtio driver would (descriptor table, avail ring, used ring).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "stratovirt/memory/guest_memory.h"
#include "stratovirt/virtio/split_queue.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio::testing {

inline std::unique_ptr<memory::GuestMemory> make_guest_ram(uint64_t size) {
  auto region = memory::MmapRegion::anonymous(size, memory::MmapOptions{});
  EXPECT_TRUE(region);
  auto mem = std::make_unique<memory::GuestMemory>();
  EXPECT_TRUE(mem->add_region(0, size, std::make_shared<memory::MmapRegion>(std::move(*region))));
  return mem;
}

struct Desc {
  uint64_t addr;
  uint32_t len;
  bool writable;
};

// A split ring at `base`: descriptors, then avail, then used (4 KiB aligned each).
class FakeRing {
 public:
  FakeRing(memory::GuestMemory& mem, uint64_t base, uint16_t size)
      : mem_(&mem), size_(size), desc_(base), avail_(base + 0x4000), used_(base + 0x8000) {}

  QueueConfig config() const {
    QueueConfig c;
    c.max_size = size_;
    c.size = size_;
    c.ready = true;
    c.desc_table = desc_;
    c.avail_ring = avail_;
    c.used_ring = used_;
    return c;
  }
  uint64_t desc_addr() const { return desc_; }
  uint64_t avail_addr() const { return avail_; }
  uint64_t used_addr() const { return used_; }

  void write_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    SplitDescriptor d{addr, len, flags, next};
    ASSERT_TRUE(mem_->write_obj(desc_ + uint64_t{16} * i, d));
  }
  // Lays out `chain` in free descriptors, makes it available; returns the head.
  uint16_t add_chain(const std::vector<Desc>& chain) {
    uint16_t head = next_free_;
    for (size_t i = 0; i < chain.size(); ++i) {
      uint16_t idx = static_cast<uint16_t>((next_free_ + i) % size_);
      uint16_t flags = chain[i].writable ? kDescFlagWrite : 0;
      if (i + 1 < chain.size()) flags |= kDescFlagNext;
      write_desc(idx, chain[i].addr, chain[i].len, flags, static_cast<uint16_t>((idx + 1) % size_));
    }
    next_free_ = static_cast<uint16_t>((next_free_ + chain.size()) % size_);
    publish(head);
    return head;
  }
  void publish(uint16_t head) {
    EXPECT_TRUE(mem_->write_obj<uint16_t>(avail_ + 4 + uint64_t{2} * (avail_idx_ % size_), head));
    ++avail_idx_;
    EXPECT_TRUE(mem_->write_obj<uint16_t>(avail_ + 2, avail_idx_));
  }
  void set_avail_idx(uint16_t idx) {
    avail_idx_ = idx;
    EXPECT_TRUE(mem_->write_obj<uint16_t>(avail_ + 2, idx));
  }
  void set_avail_flags(uint16_t f) { EXPECT_TRUE(mem_->write_obj<uint16_t>(avail_, f)); }
  void set_used_event(uint16_t v) {
    EXPECT_TRUE(mem_->write_obj<uint16_t>(avail_ + 4 + uint64_t{2} * size_, v));
  }
  uint16_t avail_event() const { return *mem_->read_obj<uint16_t>(used_ + 4 + uint64_t{8} * size_); }
  uint16_t used_idx() const { return *mem_->read_obj<uint16_t>(used_ + 2); }
  uint16_t used_flags() const { return *mem_->read_obj<uint16_t>(used_); }
  std::pair<uint32_t, uint32_t> used_elem(uint16_t i) const {
    uint64_t e = used_ + 4 + uint64_t{8} * (i % size_);
    return {*mem_->read_obj<uint32_t>(e), *mem_->read_obj<uint32_t>(e + 4)};
  }

 private:
  memory::GuestMemory& mem() const { return *mem_; }
  memory::GuestMemory* mem_;
  uint16_t size_;
  uint64_t desc_, avail_, used_;
  uint16_t avail_idx_ = 0;
  uint16_t next_free_ = 0;
};

}  // namespace stratovirt::virtio::testing
