// SPDX-License-Identifier: MulanPSL-2.0
//
// IopsThrottle: throttling.iops-total as a TokenBucket (iops per second) over an injected Clock.
//
// Holds at most `iops` tokens (one second's worth), refilled continuously at `iops` per
// second; each request takes one. try_acquire() says whether a request may start now;
// when not, next_ready() tells the data plane when to retry (arm a timer). Inventory §2.4.
// Owned by one block device's data plane; single thread. No failure modes.
#pragma once

#include <chrono>
#include <cstdint>

#include "stratovirt/base/clock.h"
#include "stratovirt/base/token_bucket.h"

namespace stratovirt::block {

class IopsThrottle {
 public:
  IopsThrottle(uint64_t iops, const Clock& clock);
  bool try_acquire();
  // Time at which one token will be available.
  [[nodiscard]] std::chrono::nanoseconds next_ready();

 private:
  const Clock& clock_;
  TokenBucket bucket_;  // iops tokens per second
};

}  // namespace stratovirt::block
