// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/rate_limiter.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace stratovirt {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, BurstThenOnePerIntervalWithSuppressedCount) {
  RateLimiter limiter(3, 100ms);
  auto t = 5s;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.admit(t), 0u);
  EXPECT_FALSE(limiter.admit(t));
  EXPECT_FALSE(limiter.admit(t + 99ms));
  // One token back after a full interval; it reports the two refused events.
  EXPECT_EQ(limiter.admit(t + 100ms), 2u);
  EXPECT_FALSE(limiter.admit(t + 150ms));
  EXPECT_EQ(limiter.admit(t + 200ms), 1u);
}

TEST(RateLimiterTest, RefillIsCappedAtTheBurst) {
  RateLimiter limiter(2, 1s);
  EXPECT_TRUE(limiter.admit(0s));
  EXPECT_TRUE(limiter.admit(0s));
  EXPECT_FALSE(limiter.admit(0s));
  auto later = 1h;  // thousands of intervals: still only `burst` tokens
  EXPECT_TRUE(limiter.admit(later));
  EXPECT_TRUE(limiter.admit(later));
  EXPECT_FALSE(limiter.admit(later));
}

TEST(RateLimiterTest, PartialIntervalsAccumulate) {
  RateLimiter limiter(1, 100ms);
  EXPECT_TRUE(limiter.admit(0ms));
  EXPECT_FALSE(limiter.admit(60ms));
  EXPECT_FALSE(limiter.admit(90ms));
  EXPECT_TRUE(limiter.admit(100ms));  // 60 + 40: the interval counts from the last refill
  EXPECT_FALSE(limiter.admit(190ms));
  EXPECT_TRUE(limiter.admit(200ms));
}

TEST(RateLimiterTest, LogMacroLimitsEachCallSite) {
  std::ostringstream out;
  auto ostream = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  auto log = std::make_shared<spdlog::logger>("rl-test", ostream);
  log->set_pattern("%v");
  for (int i = 0; i < 50; ++i) SV_LOG_RATELIMITED(log, spdlog::level::warn, "flood {}", i);
  std::string text = out.str();
  EXPECT_NE(text.find("flood 0\n"), std::string::npos);
  EXPECT_NE(text.find("flood 9\n"), std::string::npos);
  EXPECT_EQ(text.find("flood 10\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace stratovirt
