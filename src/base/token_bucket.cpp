// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/token_bucket.h"

#include <algorithm>

namespace stratovirt {

using u128 = unsigned __int128;

TokenBucket::TokenBucket(uint64_t max_tokens, std::chrono::milliseconds period, const Clock& clock)
    : max_tokens_(std::max<uint64_t>(max_tokens, 1)),
      period_ns_(std::max<u128>(static_cast<u128>(
                     std::chrono::duration_cast<std::chrono::nanoseconds>(period).count()), 1)),
      clock_(clock),
      credit_(static_cast<u128>(max_tokens_) * period_ns_),
      last_(clock.now()) {}

void TokenBucket::refill() {
  auto now = clock_.now();
  if (now <= last_) {
    return;
  }
  u128 elapsed = static_cast<u128>((now - last_).count());
  last_ = now;
  u128 cap = static_cast<u128>(max_tokens_) * period_ns_;
  u128 room = cap - credit_;
  // elapsed * max_tokens may exceed 128 bits only for absurd gaps; compare by division.
  if (elapsed >= room / max_tokens_ + 1) {
    credit_ = cap;
  } else {
    credit_ = std::min(cap, credit_ + elapsed * max_tokens_);
  }
}

uint64_t TokenBucket::available() {
  refill();
  return static_cast<uint64_t>(credit_ / period_ns_);
}

void TokenBucket::take(uint64_t tokens) {
  refill();
  u128 cost = static_cast<u128>(tokens) * period_ns_;
  credit_ = cost >= credit_ ? 0 : credit_ - cost;
}

std::chrono::nanoseconds TokenBucket::time_until(uint64_t tokens) {
  refill();
  u128 need = static_cast<u128>(std::min(tokens, max_tokens_)) * period_ns_;
  if (credit_ >= need) {
    return std::chrono::nanoseconds{0};
  }
  u128 ns = (need - credit_ + max_tokens_ - 1) / max_tokens_;
  return std::chrono::nanoseconds{static_cast<int64_t>(ns)};
}

}  // namespace stratovirt
