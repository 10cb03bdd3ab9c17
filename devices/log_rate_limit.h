// SPDX-License-Identifier: MulanPSL-2.0
//
// Rate-limited logging for messages a guest (or a remote peer) can trigger.
//
// Models a per-call-site budget: at most kBurst messages per kPeriod; the rest are counted
// and the count is reported with the next message that gets through. Private to devices/.
// Threads: any; each limiter has its own small mutex. Failure: none.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include <spdlog/spdlog.h>

namespace stratovirt::devices {

class LogRateLimiter {
 public:
  static constexpr uint32_t kBurst = 10;
  static constexpr std::chrono::seconds kPeriod{5};

  // Returns true when the caller may log now. `suppressed` receives how many messages were
  // dropped since the last one allowed.
  bool allow(uint64_t& suppressed) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= kPeriod) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ >= kBurst) {
      ++suppressed_;
      return false;
    }
    ++in_window_;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point window_start_{};
  uint32_t in_window_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace stratovirt::devices

// SV_LOG_RATE_LIMITED(warn, "serial {}: bad offset {}", id, off): one limiter per call site.
#define SV_LOG_RATE_LIMITED(level, ...)                                              \
  do {                                                                               \
    static ::stratovirt::devices::LogRateLimiter sv_log_limiter_;                    \
    uint64_t sv_suppressed_ = 0;                                                     \
    if (sv_log_limiter_.allow(sv_suppressed_)) {                                     \
      if (sv_suppressed_ != 0) {                                                     \
        spdlog::level("({} similar messages suppressed)", sv_suppressed_);           \
      }                                                                              \
      spdlog::level(__VA_ARGS__);                                                    \
    }                                                                                \
  } while (0)
