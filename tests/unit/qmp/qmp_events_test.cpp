// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_events.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

TEST(EventQueueTest, FormatAndTimestampFromTheWallClock) {
  int64_t now_us = 1'234'567'890'000'001;
  EventQueue q([&] { return std::chrono::microseconds(now_us); });
  q.emit("STOP");
  now_us = 7'000'999'999;
  q.emit("SHUTDOWN", shutdown_event_data(ShutdownCause::kGuestReset));
  auto lines = q.drain();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], R"({"timestamp":{"seconds":1234567890,"microseconds":1},"event":"STOP"})");
  EXPECT_EQ(lines[1], R"({"timestamp":{"seconds":7000,"microseconds":999999},"event":"SHUTDOWN",)"
                      R"("data":{"guest":true,"reason":"guest-reset"}})");
  EXPECT_TRUE(q.drain().empty());
}

TEST(EventQueueTest, RealWallClockIsNow) {
  EventQueue q;
  auto before = std::chrono::system_clock::now().time_since_epoch();
  q.emit("RESUME");
  auto e = json::parse(q.drain().at(0));
  auto s = std::chrono::seconds(e["timestamp"]["seconds"].get<int64_t>());
  EXPECT_LE(std::chrono::duration_cast<std::chrono::seconds>(before).count() - 1, s.count());
  EXPECT_LT(e["timestamp"]["microseconds"].get<int64_t>(), 1'000'000);
}

TEST(EventQueueTest, BoundedOldestDropped) {
  int64_t t = 0;
  EventQueue q([&] { return std::chrono::microseconds(t++); });
  for (size_t i = 0; i < kMaxQueuedEvents + 7; ++i) q.emit("RESET");
  EXPECT_EQ(q.size(), kMaxQueuedEvents);
  EXPECT_EQ(q.dropped(), 7u);
  auto lines = q.drain();
  ASSERT_EQ(lines.size(), kMaxQueuedEvents);
  EXPECT_EQ(json::parse(lines.front())["timestamp"]["microseconds"], 7);  // 0..6 dropped
  EXPECT_EQ(json::parse(lines.back())["timestamp"]["microseconds"], kMaxQueuedEvents + 6);
}

TEST(EventQueueTest, NotifierRunsAfterEveryEmitFromAnyThread) {
  EventQueue q;
  std::atomic<int> notified{0};
  q.set_notifier([&] {
    EXPECT_GE(q.size(), 1u);  // the event is queued before the notifier runs
    ++notified;
  });
  std::thread a([&] {
    for (int i = 0; i < 20; ++i) q.emit("STOP");
  });
  std::thread b([&] {
    for (int i = 0; i < 20; ++i) q.emit("RESUME");
  });
  a.join();
  b.join();
  EXPECT_EQ(notified.load(), 40);
  EXPECT_EQ(q.drain().size(), 40u);
  q.set_notifier({});
  q.emit("STOP");
  EXPECT_EQ(notified.load(), 40);
}

TEST(EventQueueTest, ShutdownDataNamesGuestCauses) {
  EXPECT_EQ(shutdown_event_data(ShutdownCause::kHostQmpQuit),
            json::parse(R"({"guest":false,"reason":"host-qmp-quit"})"));
  EXPECT_EQ(shutdown_event_data(ShutdownCause::kHostSignal)["reason"], "host-signal");
  EXPECT_EQ(shutdown_event_data(ShutdownCause::kGuestShutdown)["guest"], true);
  EXPECT_EQ(shutdown_event_data(ShutdownCause::kGuestPanic)["reason"], "guest-panic");
}

}  // namespace
}  // namespace stratovirt::qmp
