// SPDX-License-Identifier: MulanPSL-2.0
//
// GuestAllocator: hands out guest-physical ranges of the test machine's RAM for rings and
// buffers. A bump allocator from 1 MiB (below it is where a real guest keeps firmware
// tables); nothing is freed except all at once. The bytes are not touched: the caller
// writes them through the protocol. Single-threaded test helper; running out is a bug in
// the test (it returns 0 and records a gtest failure).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

namespace stratovirt::testing {

class GuestAllocator {
 public:
  explicit GuestAllocator(uint64_t start = 0x100000, uint64_t end = 0x4000000)
      : start_(start), next_(start), end_(end) {}

  uint64_t alloc(uint64_t size, uint64_t align = 4096) {
    uint64_t addr = (next_ + align - 1) & ~(align - 1);
    if (size == 0 || addr + size > end_) {
      ADD_FAILURE() << "guest allocator exhausted (" << size << " bytes)";
      return 0;
    }
    next_ = addr + size;
    return addr;
  }
  void reset() { next_ = start_; }

 private:
  uint64_t start_, next_, end_;
};

}  // namespace stratovirt::testing
