// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/block/iops_throttle.h"

#include <gtest/gtest.h>

namespace stratovirt::block {
namespace {

using std::chrono::milliseconds;

TEST(IopsThrottle, BurstThenRateOverVirtualClock) {
  VirtualClock clock;
  IopsThrottle t(10, clock);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(t.try_acquire()) << i;
  EXPECT_FALSE(t.try_acquire());
  EXPECT_EQ(t.next_ready(), milliseconds(100));
  clock.advance(milliseconds(99));
  EXPECT_FALSE(t.try_acquire());
  clock.advance(milliseconds(1));
  EXPECT_TRUE(t.try_acquire());
  EXPECT_FALSE(t.try_acquire());
  // A long idle period refills only one second's worth.
  clock.advance(std::chrono::seconds(100));
  int n = 0;
  while (t.try_acquire()) ++n;
  EXPECT_EQ(n, 10);
}

TEST(IopsThrottle, SustainedRateMatchesLimit) {
  VirtualClock clock;
  IopsThrottle t(1000, clock);
  int n = 0;
  for (int ms = 0; ms < 5000; ++ms) {
    while (t.try_acquire()) ++n;
    clock.advance(milliseconds(1));
  }
  EXPECT_EQ(n, 1000 + 4999);  // initial burst + 1 per ms
}

}  // namespace
}  // namespace stratovirt::block
