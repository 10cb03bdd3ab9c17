// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/rate_limiter.h"

#include <utility>

namespace stratovirt {

std::optional<uint64_t> RateLimiter::admit(std::chrono::nanoseconds now) {
  std::lock_guard lock(mu_);
  if (!last_refill_) {
    last_refill_ = now;
  } else if (refill_interval_.count() > 0 && now > *last_refill_) {
    auto gained = (now - *last_refill_) / refill_interval_;
    if (gained > 0) {
      uint64_t total = tokens_ + static_cast<uint64_t>(gained);
      tokens_ = total > burst_ ? burst_ : static_cast<uint32_t>(total);
      *last_refill_ += gained * refill_interval_;
    }
  }
  if (tokens_ == 0) {
    ++suppressed_;
    return std::nullopt;
  }
  --tokens_;
  return std::exchange(suppressed_, 0);
}

}  // namespace stratovirt
