// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/event_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "stratovirt/base/event_fd.h"

namespace stratovirt {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<EventLoop> make_loop(Clock& clock = real_clock()) {
  auto loop = EventLoop::create("test", clock);
  EXPECT_TRUE(loop.has_value()) << loop.error().to_string();
  return std::move(*loop);
}

TEST(EventLoopTest, FdHandlerRunsWhenReadableAndCanRemoveItself) {
  auto loop = make_loop();
  auto efd = EventFd::create();
  ASSERT_TRUE(efd.has_value());
  int calls = 0;
  ASSERT_TRUE(loop->add_fd(efd->fd(), EPOLLIN, [&](uint32_t events) {
    EXPECT_TRUE(events & EPOLLIN);
    EXPECT_TRUE(loop->in_loop_thread());
    EXPECT_EQ(efd->read().value(), 5u);
    ++calls;
    loop->remove_fd(efd->fd());
    loop->stop();
  }));
  ASSERT_TRUE(efd->write(5));
  ASSERT_TRUE(loop->run());
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(loop->in_loop_thread());
  // Removed: a second registration of the same fd is allowed again.
  EXPECT_TRUE(loop->add_fd(efd->fd(), EPOLLIN, [](uint32_t) {}));
}

TEST(EventLoopTest, DuplicateAndUnknownFdAreErrors) {
  auto loop = make_loop();
  auto efd = EventFd::create();
  ASSERT_TRUE(loop->add_fd(efd->fd(), EPOLLIN, [](uint32_t) {}));
  auto dup = loop->add_fd(efd->fd(), EPOLLIN, [](uint32_t) {});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  auto mod = loop->modify_fd(12345, EPOLLIN);
  ASSERT_FALSE(mod);
  EXPECT_EQ(mod.error().code(), ErrorCode::kNotFound);
}

TEST(EventLoopTest, HandlerRemovedEarlierInTheSameBatchDoesNotRun) {
  auto loop = make_loop();
  auto a = EventFd::create();
  auto b = EventFd::create();
  std::vector<char> ran;
  // Whichever runs first removes the other; exactly one must run.
  ASSERT_TRUE(loop->add_fd(a->fd(), EPOLLIN, [&](uint32_t) {
    ran.push_back('a');
    loop->remove_fd(b->fd());
    loop->remove_fd(a->fd());
    loop->stop();
  }));
  ASSERT_TRUE(loop->add_fd(b->fd(), EPOLLIN, [&](uint32_t) {
    ran.push_back('b');
    loop->remove_fd(a->fd());
    loop->remove_fd(b->fd());
    loop->stop();
  }));
  ASSERT_TRUE(a->write());
  ASSERT_TRUE(b->write());
  ASSERT_TRUE(loop->run());
  EXPECT_EQ(ran.size(), 1u);
}

TEST(EventLoopTest, TimersFireInDeadlineOrderAndCancelWorks) {
  auto loop = make_loop();
  std::vector<int> order;
  auto start = real_clock().now();
  loop->add_timer(30ms, [&] {
    order.push_back(3);
    loop->stop();
  });
  loop->add_timer(10ms, [&] { order.push_back(1); });
  auto cancelled = loop->add_timer(20ms, [&] { order.push_back(99); });
  loop->add_timer(20ms, [&] { order.push_back(2); });
  loop->cancel_timer(cancelled);
  loop->cancel_timer(cancelled);  // twice: harmless
  ASSERT_TRUE(loop->run());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(real_clock().now() - start, 30ms);
  EXPECT_FALSE(loop->next_timer_deadline().has_value());
}

TEST(EventLoopTest, ZeroDelayTimerAddedByTimerRunsOnNextPass) {
  auto loop = make_loop();
  int count = 0;
  std::function<void()> rearm = [&] {
    if (++count < 5) {
      loop->add_timer(0ns, rearm);
    } else {
      loop->stop();
    }
  };
  loop->add_timer(0ns, rearm);
  ASSERT_TRUE(loop->run());
  EXPECT_EQ(count, 5);
}

TEST(EventLoopTest, PostFromOtherThreadsRunsOnLoopThread) {
  auto loop = make_loop();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::atomic<int> ran{0};
  int on_loop = 0;  // touched only on the loop thread
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        loop->post([&] {
          if (loop->in_loop_thread()) ++on_loop;
          if (++ran == kThreads * kPerThread) loop->stop();
        });
      }
    });
  }
  ASSERT_TRUE(loop->run());
  for (auto& t : threads) t.join();
  EXPECT_EQ(ran.load(), kThreads * kPerThread);
  EXPECT_EQ(on_loop, kThreads * kPerThread);
}

TEST(EventLoopTest, StopFromAnotherThreadWakesAnIdleLoop) {
  auto loop = make_loop();
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    loop->stop();
  });
  auto start = real_clock().now();
  ASSERT_TRUE(loop->run());
  stopper.join();
  EXPECT_GE(real_clock().now() - start, 15ms);
  // run() can be entered again after stop().
  loop->post([&] { loop->stop(); });
  ASSERT_TRUE(loop->run());
}

TEST(EventLoopVirtualClockTest, TimersFollowTheVirtualClockOnly) {
  VirtualClock clock(1000ns);
  auto loop = make_loop(clock);
  std::vector<int> fired;
  loop->add_timer(100ns, [&] { fired.push_back(1); });
  loop->add_timer(300ns, [&] { fired.push_back(2); });
  EXPECT_EQ(loop->next_timer_deadline(), 1100ns);

  EXPECT_EQ(loop->run_due_timers(), 0u);  // no time has passed
  clock.advance(99ns);
  EXPECT_EQ(loop->run_due_timers(), 0u);
  clock.advance(1ns);
  EXPECT_EQ(loop->run_due_timers(), 1u);
  EXPECT_EQ(fired, std::vector<int>{1});
  EXPECT_EQ(loop->next_timer_deadline(), 1300ns);
  clock.set(1200ns);
  clock.set(500ns);  // backwards: ignored
  EXPECT_EQ(clock.now(), 1200ns);
  EXPECT_EQ(loop->run_due_timers(), 0u);
}

TEST(EventLoopVirtualClockTest, AdvancingFromAnotherThreadWakesTheLoop) {
  VirtualClock clock;
  auto loop = make_loop(clock);
  bool fired = false;
  loop->add_timer(1s, [&] {
    fired = true;
    loop->stop();
  });
  std::thread driver([&] {
    // Real time passing must not fire a virtual timer.
    std::this_thread::sleep_for(30ms);
    clock.advance(999ms);
    std::this_thread::sleep_for(30ms);
    clock.advance(1ms);
  });
  auto start = real_clock().now();
  ASSERT_TRUE(loop->run());
  driver.join();
  EXPECT_TRUE(fired);
  EXPECT_GE(real_clock().now() - start, 50ms);
  EXPECT_EQ(clock.now(), 1s);
}

TEST(EventLoopVirtualClockTest, WatcherIsRemovedWithTheLoop) {
  VirtualClock clock;
  {
    auto loop = make_loop(clock);
  }
  clock.advance(1s);  // must not touch the destroyed loop (ASan would catch it)
  EXPECT_EQ(clock.now(), 1s);
}

}  // namespace
}  // namespace stratovirt
