// SPDX-License-Identifier: MulanPSL-2.0
//
// EventQueue: QMP events waiting to be written to the monitor clients.
//
// An event is {"timestamp":{"seconds":s,"microseconds":us},"event":"NAME","data":{...}}
// with wall-clock time taken when it is emitted (QEMU's format; "data" only when given).
// The queue is bounded: past kMaxQueuedEvents the oldest event is dropped (and counted),
// so a VM that emits while no client reads cannot grow memory. The QmpServer drains it
// from the main loop whenever the notifier fires and writes each event to every
// connected client; events emitted while nobody is connected wait for the next client.
// Threads: emit() from any thread; drain() and set_notifier() on the main loop thread.
// Failure: none (dropping the oldest event is the overflow policy).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "stratovirt/qmp/machine_control.h"

namespace stratovirt::qmp {

inline constexpr size_t kMaxQueuedEvents = 50;

// Microseconds since the Unix epoch.
using WallClock = std::function<std::chrono::microseconds()>;
std::chrono::microseconds system_wall_clock();

// Every event this build can emit (query-events, query-qmp-schema).
std::span<const std::string_view> known_events();

// {"guest":bool,"reason":"<cause>"} for SHUTDOWN; RESET carries the same members.
nlohmann::json shutdown_event_data(ShutdownCause cause);

class EventQueue {
 public:
  explicit EventQueue(WallClock wall_clock = system_wall_clock);

  // Queues one event; `data` null means no "data" member.
  void emit(std::string_view name, const nlohmann::json& data = nullptr);
  // All queued event lines (no CRLF), oldest first; the queue is then empty.
  std::vector<std::string> drain();
  // Called after every emit(), outside the queue's lock. Empty to unset.
  void set_notifier(std::function<void()> notifier);

  size_t size() const;
  uint64_t dropped() const;

 private:
  WallClock wall_clock_;
  mutable std::mutex mu_;
  std::deque<std::string> events_;
  uint64_t dropped_ = 0;
  std::function<void()> notifier_;
};

}  // namespace stratovirt::qmp
