// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/block/iops_throttle.h"

namespace stratovirt::block {

IopsThrottle::IopsThrottle(uint64_t iops, const Clock& clock)
    : clock_(clock), bucket_(iops, std::chrono::seconds(1), clock) {}

bool IopsThrottle::try_acquire() {
  if (bucket_.available() < 1) {
    return false;
  }
  bucket_.take(1);
  return true;
}

std::chrono::nanoseconds IopsThrottle::next_ready() {
  return clock_.now() + bucket_.time_until(1);
}

}  // namespace stratovirt::block
