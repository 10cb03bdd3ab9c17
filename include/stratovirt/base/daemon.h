// SPDX-License-Identifier: MulanPSL-2.0
//
// Daemon: `-daemonize`, with the parent released only once the daemon is ready.
//
// start() double-forks (fork, setsid, fork). The original parent never returns from it:
// it waits on a pipe and exits 0 when the daemon calls notify_ready(), or prints the
// daemon's error ("stratovirt: <message>") and exits 1 on notify_failure() or when the
// daemon dies first. libvirt relies on this: when the parent exits 0 the QMP socket(s)
// and the pidfile exist. The intermediate child exits at once. start() returns in the
// daemon (the grandchild), still in the original working directory so that relative
// paths (the pidfile) can be opened; detach() then does chdir("/"), umask(027) and points
// stdin/stdout/stderr at /dev/null.
// Threads: call before any thread exists (fork copies only the calling thread).
// Failure: start() fails in the foreground (nothing forked yet) or reports through the
// pipe; errors after start() must be passed to notify_failure().
#pragma once

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt {

class Daemon {
 public:
  static Result<Daemon> start();

  Daemon(Daemon&&) noexcept = default;
  Daemon& operator=(Daemon&&) noexcept = default;

  Result<void> detach();
  // Releases the original parent with exit status 0.
  void notify_ready();
  // Makes the original parent print `error` and exit 1.
  void notify_failure(const Error& error);

 private:
  explicit Daemon(UniqueFd status_pipe) : status_pipe_(std::move(status_pipe)) {}
  UniqueFd status_pipe_;  // write end; closed once the parent has been told
};

}  // namespace stratovirt
