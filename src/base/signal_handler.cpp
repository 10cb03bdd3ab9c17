// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/signal_handler.h"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace stratovirt {

Result<void> ignore_sigpipe() {
  struct sigaction sa{};
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGPIPE, &sa, nullptr) < 0) return sys_errorf("sigaction(SIGPIPE, SIG_IGN)");
  return ok();
}

Result<std::unique_ptr<ShutdownSignals>> ShutdownSignals::create(EventLoop& loop,
                                                                 Callback on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigset_t old_mask;
  int rc = ::pthread_sigmask(SIG_BLOCK, &set, &old_mask);
  if (rc != 0) {
    errno = rc;
    return sys_errorf("pthread_sigmask(SIG_BLOCK)");
  }
  int raw = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (raw < 0) {
    auto err = sys_errorf("signalfd");
    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return err;
  }
  std::unique_ptr<ShutdownSignals> signals(
      new ShutdownSignals(loop, std::move(on_signal), UniqueFd(raw), old_mask));
  ShutdownSignals* self = signals.get();
  SV_RETURN_IF_ERROR(loop.add_fd(raw, EPOLLIN, [self](uint32_t) { self->on_readable(); }));
  return signals;
}

ShutdownSignals::~ShutdownSignals() {
  loop_.remove_fd(fd_.get());
  ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void ShutdownSignals::on_readable() {
  for (;;) {
    signalfd_siginfo info{};
    ssize_t n = ::read(fd_.get(), &info, sizeof(info));
    if (n != static_cast<ssize_t>(sizeof(info))) {
      if (n < 0 && errno == EINTR) continue;
      return;  // EAGAIN: drained
    }
    callback_(static_cast<int>(info.ssi_signo));
  }
}

}  // namespace stratovirt
