// SPDX-License-Identifier: MulanPSL-2.0
//
// Process signals: SIGPIPE ignored, and SIGTERM/SIGINT/SIGHUP delivered through a
// signalfd on an EventLoop so that shutdown is an ordinary, orderly loop event.
//
// ShutdownSignals blocks the three signals in the calling thread's mask (threads created
// afterwards inherit it, so create it on the main thread before any other thread) and
// reads them from a signalfd registered on the given loop. Its destructor unregisters
// the fd and restores the previous signal mask.
// Threads: create and destroy on the loop thread; the callback runs on the loop thread.
// Failure: create() returns the failing call's errno error.
#pragma once

#include <signal.h>

#include <functional>
#include <memory>

#include "stratovirt/base/error.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt {

// Writes to a closed socket or pipe then fail with EPIPE instead of killing the process.
Result<void> ignore_sigpipe();

class ShutdownSignals {
 public:
  using Callback = std::function<void(int signo)>;

  static Result<std::unique_ptr<ShutdownSignals>> create(EventLoop& loop, Callback on_signal);
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

 private:
  ShutdownSignals(EventLoop& loop, Callback cb, UniqueFd fd, sigset_t old_mask)
      : loop_(loop), callback_(std::move(cb)), fd_(std::move(fd)), old_mask_(old_mask) {}
  void on_readable();

  EventLoop& loop_;
  Callback callback_;
  UniqueFd fd_;
  sigset_t old_mask_;
};

}  // namespace stratovirt
