// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/clock.h"

#include <time.h>

namespace stratovirt {

std::chrono::nanoseconds RealClock::now() const {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
}

Clock& real_clock() {
  static RealClock clock;  // stateless: holds no mutable data
  return clock;
}

std::chrono::nanoseconds VirtualClock::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

Clock::WatchId VirtualClock::watch(Watcher watcher) {
  std::lock_guard lock(mu_);
  WatchId id = next_watch_id_++;
  watchers_.emplace(id, std::move(watcher));
  return id;
}

void VirtualClock::unwatch(WatchId id) {
  std::lock_guard lock(mu_);
  watchers_.erase(id);
}

std::chrono::nanoseconds VirtualClock::advance(std::chrono::nanoseconds delta) {
  std::lock_guard lock(mu_);
  if (delta.count() > 0) {
    now_ += delta;
    notify_locked();
  }
  return now_;
}

std::chrono::nanoseconds VirtualClock::set(std::chrono::nanoseconds t) {
  std::lock_guard lock(mu_);
  if (t > now_) {
    now_ = t;
    notify_locked();
  }
  return now_;
}

void VirtualClock::notify_locked() {
  for (auto& [id, watcher] : watchers_) watcher();
}

}  // namespace stratovirt
