// SPDX-License-Identifier: MulanPSL-2.0
//
// TokenBucket: at most `max` tokens per period, as a token bucket over a Clock (virtio-rng's
// max-bytes/period counts bytes; block::IopsThrottle's iops-total counts requests).
//
// Holds at most `max` tokens (one period's worth), refilled continuously at max per
// period, so over any interval T at most max + rate*T tokens are handed out. Starts full.
// Exact integer arithmetic (token-nanoseconds in 128 bits), so no drift and no overflow for
// any period the config layer accepts. Owned by one device, used under its lock or on its
// data-plane thread. No failure modes: taking more than is available is the caller's bug
// and clamps to zero.
#pragma once

#include <chrono>
#include <cstdint>

#include "stratovirt/base/clock.h"

namespace stratovirt {

class TokenBucket {
 public:
  TokenBucket(uint64_t max_tokens, std::chrono::milliseconds period, const Clock& clock);

  [[nodiscard]] uint64_t capacity() const { return max_tokens_; }
  // Whole tokens that may be handed out now.
  uint64_t available();
  void take(uint64_t tokens);
  // How long until `tokens` (≤ capacity) are available; zero when they are now.
  std::chrono::nanoseconds time_until(uint64_t tokens);

 private:
  void refill();

  uint64_t max_tokens_;
  unsigned __int128 period_ns_;
  const Clock& clock_;
  unsigned __int128 credit_;  // tokens * period_ns
  std::chrono::nanoseconds last_;
};

}  // namespace stratovirt
