// SPDX-License-Identifier: MulanPSL-2.0
//
// EventLoop: one epoll-based loop (the main loop, or one per -object iothread).
//
// Owns an epoll fd, a wake eventfd for posted closures and a timer list driven by the
// loop's Clock (real time, or the virtual clock of the device test tier). fd handlers,
// timers and posted closures all run on the loop's own thread. post() and stop() may be
// called from any thread; everything else only from the loop thread (or before run()).
// Handler errors are the handler's business: the loop never throws and keeps running;
// run() fails only when epoll itself fails.
//
// Timers: a deadline is clock().now() + delay. With the real clock the loop sleeps in the
// kernel (timerfd) until the earliest deadline; with a VirtualClock it sleeps until an fd,
// a post() or a clock step wakes it. Due timers run in deadline order (ties: creation
// order); a timer added by a timer callback runs at the earliest on the next pass.
// next_timer_deadline()/run_due_timers() let a test driver step a virtual clock and fire
// what became due synchronously (QEMU qtest's clock_step semantics).
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "stratovirt/base/clock.h"
#include "stratovirt/base/error.h"

namespace stratovirt {

class EventLoop {
 public:
  using FdHandler = std::function<void(uint32_t epoll_events)>;
  using TimerId = uint64_t;

  // A loop driven by real_clock().
  static Result<std::unique_ptr<EventLoop>> create(std::string name);
  // A loop driven by `clock`, which must outlive the loop.
  static Result<std::unique_ptr<EventLoop>> create(std::string name, Clock& clock);
  virtual ~EventLoop() = default;

  const std::string& name() const { return name_; }

  // Registers `fd` (not owned) for `events` (EPOLLIN, EPOLLOUT, ...). One handler per fd.
  virtual Result<void> add_fd(int fd, uint32_t events, FdHandler handler) = 0;
  virtual Result<void> modify_fd(int fd, uint32_t events) = 0;
  // Safe to call from inside the fd's own handler.
  virtual void remove_fd(int fd) = 0;

  // Runs `fn` once after `delay` on the loop thread. Ids are never 0.
  virtual TimerId add_timer(std::chrono::nanoseconds delay, std::function<void()> fn) = 0;
  // Cancelling an id that already fired or was cancelled does nothing.
  virtual void cancel_timer(TimerId id) = 0;

  virtual const Clock& clock() const = 0;
  // Earliest pending deadline (clock time), if any timer is pending.
  virtual std::optional<std::chrono::nanoseconds> next_timer_deadline() const = 0;
  // Runs every timer due at clock().now(); returns how many ran. Loop thread only.
  virtual size_t run_due_timers() = 0;

  // Thread-safe: queue `fn` to run on the loop thread.
  virtual void post(std::function<void()> fn) = 0;

  // Runs until stop(). Returns the error only if epoll fails.
  virtual Result<void> run() = 0;
  // Thread-safe: makes run() return after the current iteration.
  virtual void stop() = 0;

  virtual bool in_loop_thread() const = 0;

 protected:
  explicit EventLoop(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

}  // namespace stratovirt
