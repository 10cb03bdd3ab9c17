// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/daemon.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace stratovirt {
namespace {

constexpr char kReady = 'R';
constexpr char kFailed = 'E';

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nobody left to tell
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// The original parent: wait for the daemon's verdict and exit with it.
[[noreturn]] void wait_for_daemon(pid_t child, UniqueFd read_end) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::string message;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(read_end.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<size_t>(n));
    if (message.front() == kReady) ::_exit(0);
  }
  if (!message.empty() && message.front() == kFailed) {
    std::fprintf(stderr, "stratovirt: %s\n", message.substr(1).c_str());
  } else {
    std::fprintf(stderr, "stratovirt: the daemon exited before it finished starting up\n");
  }
  ::_exit(1);
}

}  // namespace

Result<Daemon> Daemon::start() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return sys_errorf("daemonize: pipe");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);

  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) return sys_errorf("daemonize: fork");
  if (child > 0) {
    write_end.reset();
    wait_for_daemon(child, std::move(read_end));
  }

  // Intermediate child: new session, then fork so the daemon is no session leader and
  // can never acquire a controlling terminal.
  read_end.reset();
  if (::setsid() < 0) {
    write_all(write_end.get(), fmt::format("{}daemonize: setsid: {}", kFailed,
                                           std::strerror(errno)));
    ::_exit(1);
  }
  pid_t grandchild = ::fork();
  if (grandchild < 0) {
    write_all(write_end.get(), fmt::format("{}daemonize: second fork: {}", kFailed,
                                           std::strerror(errno)));
    ::_exit(1);
  }
  if (grandchild > 0) ::_exit(0);
  return Daemon(std::move(write_end));
}

Result<void> Daemon::detach() {
  if (::chdir("/") < 0) return sys_errorf("daemonize: chdir /");
  ::umask(027);
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd) return sys_errorf("daemonize: open /dev/null");
  for (int target : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::dup2(null_fd.get(), target) < 0) return sys_errorf("daemonize: dup2 /dev/null");
  }
  return ok();
}

void Daemon::notify_ready() {
  if (!status_pipe_) return;
  write_all(status_pipe_.get(), std::string_view(&kReady, 1));
  status_pipe_.reset();
}

void Daemon::notify_failure(const Error& error) {
  if (!status_pipe_) return;
  write_all(status_pipe_.get(), std::string(1, kFailed) + error.to_string());
  status_pipe_.reset();
}

}  // namespace stratovirt
