// SPDX-License-Identifier: MulanPSL-2.0
//
// Clock: the time source behind EventLoop timers and rate limiters.
//
// Models a monotonic nanosecond counter. RealClock reads CLOCK_MONOTONIC and moves by
// itself; VirtualClock (the device test tier's `clock_step`/`clock_set`) moves only when
// told to and then notifies its watchers so that loops waiting on it re-check their
// timers. real_clock() returns a stateless process-wide instance.
// Threads: now() from any thread. VirtualClock::advance/set and watch/unwatch from any
// thread; watchers run on the advancing thread with the clock's lock held, so a watcher
// must only do something tiny (an eventfd write) and must not call back into the clock.
// Failure: none; a VirtualClock never moves backwards (set() to the past is ignored).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace stratovirt {

class Clock {
 public:
  using Watcher = std::function<void()>;
  using WatchId = uint64_t;

  virtual ~Clock() = default;

  // Nanoseconds since an arbitrary, fixed epoch. Never decreases.
  virtual std::chrono::nanoseconds now() const = 0;

  // True when now() is CLOCK_MONOTONIC: a loop may sleep in the kernel until a deadline.
  // False for a clock that moves only by explicit steps (it then notifies watchers).
  virtual bool is_monotonic() const = 0;

  // Called after every step of a non-monotonic clock; a monotonic clock never calls it.
  virtual WatchId watch(Watcher watcher) = 0;
  // After unwatch() returns, the watcher is not running and will not run again.
  virtual void unwatch(WatchId id) = 0;
};

class RealClock final : public Clock {
 public:
  std::chrono::nanoseconds now() const override;
  bool is_monotonic() const override { return true; }
  WatchId watch(Watcher) override { return 0; }
  void unwatch(WatchId) override {}
};

// The process-wide real clock (stateless).
Clock& real_clock();

class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(std::chrono::nanoseconds start = std::chrono::nanoseconds{0})
      : now_(start) {}

  std::chrono::nanoseconds now() const override;
  bool is_monotonic() const override { return false; }
  WatchId watch(Watcher watcher) override;
  void unwatch(WatchId id) override;

  // Moves time forward by `delta` and returns the new time.
  std::chrono::nanoseconds advance(std::chrono::nanoseconds delta);
  // Moves time to `t` if that is in the future; returns the (possibly unchanged) time.
  std::chrono::nanoseconds set(std::chrono::nanoseconds t);

 private:
  void notify_locked();

  mutable std::mutex mu_;
  std::chrono::nanoseconds now_;
  std::map<WatchId, Watcher> watchers_;
  WatchId next_watch_id_ = 1;
};

}  // namespace stratovirt
