// SPDX-License-Identifier: MulanPSL-2.0
#include "virtio/device/rng/byte_bucket.h"

#include <algorithm>

namespace stratovirt::virtio {

using u128 = unsigned __int128;

ByteBucket::ByteBucket(uint64_t max_bytes, std::chrono::milliseconds period, const Clock& clock)
    : max_bytes_(std::max<uint64_t>(max_bytes, 1)),
      period_ns_(std::max<u128>(static_cast<u128>(
                     std::chrono::duration_cast<std::chrono::nanoseconds>(period).count()), 1)),
      clock_(clock),
      credit_(static_cast<u128>(max_bytes_) * period_ns_),
      last_(clock.now()) {}

void ByteBucket::refill() {
  auto now = clock_.now();
  if (now <= last_) {
    return;
  }
  u128 elapsed = static_cast<u128>((now - last_).count());
  last_ = now;
  u128 cap = static_cast<u128>(max_bytes_) * period_ns_;
  u128 room = cap - credit_;
  // elapsed * max_bytes may exceed 128 bits only for absurd gaps; compare by division.
  if (elapsed >= room / max_bytes_ + 1) {
    credit_ = cap;
  } else {
    credit_ = std::min(cap, credit_ + elapsed * max_bytes_);
  }
}

uint64_t ByteBucket::available() {
  refill();
  return static_cast<uint64_t>(credit_ / period_ns_);
}

void ByteBucket::take(uint64_t bytes) {
  refill();
  u128 cost = static_cast<u128>(bytes) * period_ns_;
  credit_ = cost >= credit_ ? 0 : credit_ - cost;
}

std::chrono::nanoseconds ByteBucket::time_until(uint64_t bytes) {
  refill();
  u128 need = static_cast<u128>(std::min(bytes, max_bytes_)) * period_ns_;
  if (credit_ >= need) {
    return std::chrono::nanoseconds{0};
  }
  u128 ns = (need - credit_ + max_bytes_ - 1) / max_bytes_;
  return std::chrono::nanoseconds{static_cast<int64_t>(ns)};
}

}  // namespace stratovirt::virtio
