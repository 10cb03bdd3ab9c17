// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/event_fd.h"

#include <unistd.h>

namespace stratovirt {

Result<EventFd> EventFd::create(unsigned int initial, int flags) {
  int fd = ::eventfd(initial, flags);
  if (fd < 0) return sys_errorf("eventfd");
  return EventFd(UniqueFd(fd));
}

Result<void> EventFd::write(uint64_t value) const {
  for (;;) {
    ssize_t n = ::write(fd_.get(), &value, sizeof(value));
    if (n == static_cast<ssize_t>(sizeof(value))) return ok();
    if (n < 0 && errno == EINTR) continue;
    // EAGAIN means the counter is saturated: the reader is already woken.
    if (n < 0 && errno == EAGAIN) return ok();
    return sys_errorf("eventfd write");
  }
}

Result<uint64_t> EventFd::read() const {
  for (;;) {
    uint64_t value = 0;
    ssize_t n = ::read(fd_.get(), &value, sizeof(value));
    if (n == static_cast<ssize_t>(sizeof(value))) return value;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return uint64_t{0};
    return sys_errorf("eventfd read");
  }
}

}  // namespace stratovirt
