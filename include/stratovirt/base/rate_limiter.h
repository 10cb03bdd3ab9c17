// SPDX-License-Identifier: MulanPSL-2.0
//
// RateLimiter: a token bucket for events a guest (or a client) can trigger at will, and
// SV_LOG_RATELIMITED, which gives every log call site its own bucket.
//
// A bucket holds up to `burst` tokens and gains one every `refill_interval`; each admitted
// event takes one. Refused events are counted and the count is handed to the next
// admitted one ("N similar messages suppressed"). Time is passed in (Clock::now()), so
// tests drive it without sleeping.
// Threads: admit() is safe from any thread (vCPU threads share a call site's bucket).
// Failure: none.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "stratovirt/base/clock.h"

namespace stratovirt {

class RateLimiter {
 public:
  RateLimiter(uint32_t burst, std::chrono::nanoseconds refill_interval)
      : burst_(burst), refill_interval_(refill_interval), tokens_(burst) {}

  // nullopt: refused. Otherwise the number of events refused since the last admitted one.
  std::optional<uint64_t> admit(std::chrono::nanoseconds now);

 private:
  std::mutex mu_;
  const uint32_t burst_;
  const std::chrono::nanoseconds refill_interval_;
  uint32_t tokens_;
  std::optional<std::chrono::nanoseconds> last_refill_;
  uint64_t suppressed_ = 0;
};

// Per call site: 10 messages at once, then one per second.
inline constexpr uint32_t kLogRateBurst = 10;
inline constexpr std::chrono::seconds kLogRateInterval{1};

}  // namespace stratovirt

// SV_LOG_RATELIMITED(logger, spdlog::level::warn, "virtio-blk {}: bad descriptor", id);
#define SV_LOG_RATELIMITED(logger, lvl, ...)                                               \
  do {                                                                                     \
    static ::stratovirt::RateLimiter sv_log_rl_(::stratovirt::kLogRateBurst,               \
                                                ::stratovirt::kLogRateInterval);           \
    if (auto sv_admit_ = sv_log_rl_.admit(::stratovirt::real_clock().now())) {             \
      (logger)->log(lvl, __VA_ARGS__);                                                     \
      if (*sv_admit_ > 0) (logger)->log(lvl, "({} similar messages suppressed)", *sv_admit_); \
    }                                                                                      \
  } while (0)
