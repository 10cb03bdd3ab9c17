// SPDX-License-Identifier: MulanPSL-2.0
//
// LeakBucket: QMP flow control, `rate` requests per second per connection.
//
// The bucket's level rises by one unit per admitted request and leaks linearly at `rate`
// units per second; a request that would overflow a bucket of `rate` units is refused
// (OperationThrottled). So a burst of up to `rate` requests passes, and afterwards one
// more every 1/rate s. Time comes from the caller (the loop's Clock), so tests step it.
// Threads: the connection's loop thread. Failure: none.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace stratovirt::qmp {

class LeakBucket {
 public:
  explicit LeakBucket(uint64_t rate)
      : cost_ns_(1'000'000'000ULL / (rate == 0 ? 1 : rate)), capacity_ns_(rate * cost_ns_) {}

  // True (and the request is counted) when it fits at `now`.
  bool admit(std::chrono::nanoseconds now);

 private:
  // The level is kept in nanoseconds of leaking, so the leak is exact: one request adds
  // 1/rate s, the bucket holds 1 s.
  uint64_t cost_ns_;
  uint64_t capacity_ns_;
  uint64_t level_ns_ = 0;
  std::optional<std::chrono::nanoseconds> last_;
};

}  // namespace stratovirt::qmp
