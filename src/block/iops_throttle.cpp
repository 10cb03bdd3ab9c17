// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/block/iops_throttle.h"

#include <algorithm>

namespace stratovirt::block {

namespace {
constexpr uint64_t kScale = 1'000'000'000;
}

IopsThrottle::IopsThrottle(uint64_t iops, const Clock& clock)
    : iops_(std::max<uint64_t>(iops, 1)),
      clock_(clock),
      credit_(iops_ * kScale),
      last_(clock.now()) {}

void IopsThrottle::refill() {
  auto now = clock_.now();
  if (now <= last_) {
    return;
  }
  uint64_t elapsed = static_cast<uint64_t>((now - last_).count());
  uint64_t cap = iops_ * kScale;
  // elapsed ns * iops tokens/s = elapsed*iops token-ns; cap the product against overflow.
  uint64_t add = elapsed >= kScale ? cap : elapsed * iops_;
  credit_ = std::min(cap, credit_ + std::min(add, cap));
  last_ = now;
}

bool IopsThrottle::try_acquire() {
  refill();
  if (credit_ < kScale) {
    return false;
  }
  credit_ -= kScale;
  return true;
}

std::chrono::nanoseconds IopsThrottle::next_ready() const {
  if (credit_ >= kScale) {
    return last_;
  }
  uint64_t missing = kScale - credit_;
  return last_ + std::chrono::nanoseconds((missing + iops_ - 1) / iops_);
}

}  // namespace stratovirt::block
