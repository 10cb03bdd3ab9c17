// SPDX-License-Identifier: MulanPSL-2.0
#include "qmp/leak_bucket.h"

#include <gtest/gtest.h>

namespace stratovirt::qmp {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(LeakBucketTest, BurstOfRateThenOnePerInterval) {
  LeakBucket b(100);
  nanoseconds t{5'000'000'000};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(b.admit(t)) << i;
  EXPECT_FALSE(b.admit(t));
  EXPECT_FALSE(b.admit(t + milliseconds(9)));
  EXPECT_TRUE(b.admit(t + milliseconds(10)));
  EXPECT_FALSE(b.admit(t + milliseconds(10)));
}

TEST(LeakBucketTest, RefusedRequestsCostNothing) {
  LeakBucket b(100);
  nanoseconds t{0};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(b.admit(t));
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(b.admit(t));
  EXPECT_TRUE(b.admit(t + milliseconds(10)));  // not pushed back by the refusals
}

TEST(LeakBucketTest, EmptiesAfterOneSecondAndLeaksExactly) {
  LeakBucket b(100);
  nanoseconds t{0};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(b.admit(t));
  // Many tiny steps add up exactly (no rounding loss per call).
  for (int i = 1; i <= 10'000; ++i) (void)b.admit(t + nanoseconds(i));
  t += milliseconds(1000);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(b.admit(t)) << i;
  EXPECT_FALSE(b.admit(t));
}

TEST(LeakBucketTest, SteadyRateAtTheLimitIsNeverThrottled) {
  LeakBucket b(100);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.admit(milliseconds(10) * i)) << i;
}

TEST(LeakBucketTest, ClockGoingBackwardsDoesNotRefill) {
  LeakBucket b(2);
  EXPECT_TRUE(b.admit(milliseconds(1000)));
  EXPECT_TRUE(b.admit(milliseconds(1000)));
  EXPECT_FALSE(b.admit(milliseconds(0)));
}

}  // namespace
}  // namespace stratovirt::qmp
