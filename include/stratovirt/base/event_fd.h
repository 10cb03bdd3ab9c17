// SPDX-License-Identifier: MulanPSL-2.0
//
// EventFd: an owned Linux eventfd (a 64-bit counter that makes an fd readable).
//
// Used to wake event loops (posted closures), as ioeventfd/irqfd with KVM, and for
// cross-thread notifications. Created close-on-exec and non-blocking by default.
// Threads: write() from any thread; read() from the thread that polls it.
// Failure: create() and write() return the errno error; read() returns 0 when the
// counter was zero (EAGAIN), so a spurious wake-up is not an error.
#pragma once

#include <sys/eventfd.h>

#include <cstdint>

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt {

class EventFd {
 public:
  static Result<EventFd> create(unsigned int initial = 0, int flags = EFD_CLOEXEC | EFD_NONBLOCK);

  [[nodiscard]] int fd() const { return fd_.get(); }

  // Adds `value` to the counter.
  Result<void> write(uint64_t value = 1) const;
  // Returns and clears the counter; 0 when it was already zero.
  Result<uint64_t> read() const;

 private:
  explicit EventFd(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace stratovirt
