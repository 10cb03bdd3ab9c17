// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_events.h"

#include <array>

namespace stratovirt::qmp {
namespace {

constexpr std::array<std::string_view, 6> kEvents = {"SHUTDOWN", "RESET",     "STOP",
                                                     "RESUME",   "POWERDOWN", "BALLOON_CHANGED"};

}  // namespace

std::chrono::microseconds system_wall_clock() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
}

std::span<const std::string_view> known_events() { return kEvents; }

nlohmann::json shutdown_event_data(ShutdownCause cause) {
  return {{"guest", is_guest(cause)}, {"reason", std::string(to_string(cause))}};
}

EventQueue::EventQueue(WallClock wall_clock) : wall_clock_(std::move(wall_clock)) {}

void EventQueue::emit(std::string_view name, const nlohmann::json& data) {
  auto now = wall_clock_().count();
  nlohmann::ordered_json event;
  event["timestamp"]["seconds"] = now / 1000000;
  event["timestamp"]["microseconds"] = now % 1000000;
  event["event"] = name;
  if (!data.is_null()) event["data"] = data;
  std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    if (events_.size() >= kMaxQueuedEvents) {
      events_.pop_front();
      ++dropped_;
    }
    events_.push_back(std::move(line));
    notify = notifier_;
  }
  if (notify) notify();
}

std::vector<std::string> EventQueue::drain() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out(std::make_move_iterator(events_.begin()),
                               std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

void EventQueue::set_notifier(std::function<void()> notifier) {
  std::lock_guard lock(mu_);
  notifier_ = std::move(notifier);
}

size_t EventQueue::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

uint64_t EventQueue::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace stratovirt::qmp
