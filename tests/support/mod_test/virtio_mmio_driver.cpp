// SPDX-License-Identifier: MulanPSL-2.0
// The test tier's virtio-mmio driver and split virtqueue.
#include "support/mod_test/virtio_mmio_driver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace stratovirt::testing {

TestVirtqueue::TestVirtqueue(TestVm& vm, GuestAllocator& alloc, uint16_t size)
    : vm_(vm), alloc_(alloc), size_(size) {
  desc_ = alloc_.alloc(16ULL * size, 4096);
  avail_ = alloc_.alloc(6 + 2ULL * size, 4096);
  used_ = alloc_.alloc(6 + 8ULL * size, 4096);
  vm_.memset(desc_, 16ULL * size, 0);
  vm_.memset(avail_, 6 + 2ULL * size, 0);
  vm_.memset(used_, 6 + 8ULL * size, 0);
}

uint16_t TestVirtqueue::take_desc() {
  uint16_t i = next_desc_;
  next_desc_ = static_cast<uint16_t>((next_desc_ + 1) % size_);
  return i;
}

void TestVirtqueue::write_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                               uint16_t next) {
  uint64_t d = desc_ + 16ULL * i;
  vm_.writeq(d, addr);
  vm_.writel(d + 8, len);
  vm_.writew(d + 12, flags);
  vm_.writew(d + 14, next);
}

uint16_t TestVirtqueue::add_chain(const std::vector<GuestBuf>& bufs) {
  std::vector<uint16_t> ids;
  for (size_t k = 0; k < bufs.size(); ++k) ids.push_back(take_desc());
  for (size_t k = 0; k < bufs.size(); ++k) {
    bool more = k + 1 < bufs.size();
    uint16_t flags =
        static_cast<uint16_t>((more ? kDescFNext : 0) | (bufs[k].device_writes ? kDescFWrite : 0));
    write_desc(ids[k], bufs[k].addr, bufs[k].len, flags, more ? ids[k + 1] : 0);
  }
  return ids.front();
}

uint16_t TestVirtqueue::add_indirect(const std::vector<GuestBuf>& bufs) {
  uint64_t table = alloc_.alloc(16ULL * bufs.size(), 16);
  for (size_t k = 0; k < bufs.size(); ++k) {
    bool more = k + 1 < bufs.size();
    uint64_t d = table + 16ULL * k;
    vm_.writeq(d, bufs[k].addr);
    vm_.writel(d + 8, bufs[k].len);
    vm_.writew(d + 12, static_cast<uint16_t>((more ? kDescFNext : 0) |
                                             (bufs[k].device_writes ? kDescFWrite : 0)));
    vm_.writew(d + 14, more ? static_cast<uint16_t>(k + 1) : 0);
  }
  uint16_t head = take_desc();
  write_desc(head, table, static_cast<uint32_t>(16 * bufs.size()), kDescFIndirect, 0);
  return head;
}

void TestVirtqueue::make_available(uint16_t head) {
  vm_.writew(avail_ + 4 + 2ULL * (avail_idx_ % size_), head);
  ++avail_idx_;
  vm_.writew(avail_ + 2, avail_idx_);
}

uint16_t TestVirtqueue::used_idx() {
  return static_cast<uint16_t>(vm_.readw(used_ + 2));
}

std::optional<UsedElem> TestVirtqueue::pop_used() {
  if (used_idx() == last_used_) return std::nullopt;
  uint64_t e = used_ + 4 + 8ULL * (last_used_ % size_);
  UsedElem elem{static_cast<uint32_t>(vm_.readl(e)), static_cast<uint32_t>(vm_.readl(e + 4))};
  ++last_used_;
  return elem;
}

void TestVirtqueue::set_used_event(uint16_t idx) {
  vm_.writew(avail_ + 4 + 2ULL * size_, idx);
}

uint16_t TestVirtqueue::avail_event() {
  return static_cast<uint16_t>(vm_.readw(used_ + 4 + 8ULL * size_));
}

void TestVirtqueue::set_avail_flags(uint16_t flags) {
  vm_.writew(avail_, flags);
}

uint64_t VirtioMmioDriver::device_features() {
  set_reg(0x014, 0);
  uint64_t lo = reg(0x010);
  set_reg(0x014, 1);
  uint64_t hi = reg(0x010);
  return lo | (hi << 32);
}

void VirtioMmioDriver::set_driver_features(uint64_t features) {
  set_reg(0x024, 0);
  set_reg(0x020, static_cast<uint32_t>(features));
  set_reg(0x024, 1);
  set_reg(0x020, static_cast<uint32_t>(features >> 32));
}

bool VirtioMmioDriver::negotiate(uint64_t features) {
  set_status(vstatus::kAcknowledge);
  set_status(vstatus::kAcknowledge | vstatus::kDriver);
  set_driver_features(features);
  set_status(vstatus::kAcknowledge | vstatus::kDriver | vstatus::kFeaturesOk);
  return (status() & vstatus::kFeaturesOk) != 0;
}

uint32_t VirtioMmioDriver::queue_num_max(uint32_t queue) {
  set_reg(0x030, queue);
  return reg(0x034);
}

void VirtioMmioDriver::setup_queue(uint32_t queue, const TestVirtqueue& vq) {
  set_reg(0x030, queue);
  set_reg(0x038, vq.size());
  set_reg(0x080, static_cast<uint32_t>(vq.desc()));
  set_reg(0x084, static_cast<uint32_t>(vq.desc() >> 32));
  set_reg(0x090, static_cast<uint32_t>(vq.avail()));
  set_reg(0x094, static_cast<uint32_t>(vq.avail() >> 32));
  set_reg(0x0a0, static_cast<uint32_t>(vq.used()));
  set_reg(0x0a4, static_cast<uint32_t>(vq.used() >> 32));
  set_reg(0x044, 1);
}

bool VirtioMmioDriver::init(uint64_t features, const std::vector<const TestVirtqueue*>& queues) {
  reset();
  if (!negotiate(features)) return false;
  for (size_t q = 0; q < queues.size(); ++q) setup_queue(static_cast<uint32_t>(q), *queues[q]);
  driver_ok();
  return (status() & vstatus::kNeedsReset) == 0 && (status() & vstatus::kDriverOk) != 0;
}

uint32_t VirtioMmioDriver::wait_interrupt(int polls) {
  for (int i = 0; i < polls; ++i) {
    if (vm_.query_intx(irq_)) {
      uint32_t isr = interrupt_status();
      set_reg(0x064, isr);
      vm_.eoi_intx(irq_);
      return isr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}

uint64_t VirtioMmioDriver::config(uint64_t off, char width) {
  uint64_t a = base_ + 0x100 + off;
  switch (width) {
    case 'b':
      return vm_.readb(a);
    case 'w':
      return vm_.readw(a);
    case 'l':
      return vm_.readl(a);
    default:
      return vm_.readq(a);
  }
}

}  // namespace stratovirt::testing
