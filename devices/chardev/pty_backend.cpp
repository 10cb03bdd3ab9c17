// SPDX-License-Identifier: MulanPSL-2.0
// pty chardev: a new pseudo-terminal whose slave a user opens (screen, minicom, virsh).
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "devices/chardev/char_backends.h"
#include "devices/chardev/fd_char_backend.h"
#include "stratovirt/base/logging.h"

namespace stratovirt::devices {
namespace {

class PtyBackend final : public FdCharBackend {
 public:
  PtyBackend(EventLoop& loop, const std::string& id) : FdCharBackend(loop, id, "pty") {}
  ~PtyBackend() override { detach(); }

  Result<void> open() {
    int master = -1;
    int slave = -1;
    char name[128] = {};
    if (::openpty(&master, &slave, name, nullptr, nullptr) != 0) {
      return sys_errorf("chardev {}: openpty", id_);
    }
    UniqueFd master_fd(master);
    slave_ = UniqueFd(slave);
    (void)::fcntl(master, F_SETFD, FD_CLOEXEC);
    (void)::fcntl(slave, F_SETFD, FD_CLOEXEC);
    // Raw line discipline: the guest's bytes reach the client untouched, and no echo.
    struct termios tio;
    if (::tcgetattr(slave, &tio) == 0) {
      ::cfmakeraw(&tio);
      (void)::tcsetattr(slave, TCSANOW, &tio);
    }
    path_ = name;
    description_ = "pty:" + path_;
    std::fprintf(stderr, "char device redirected to %s (label %s)\n", path_.c_str(), id_.c_str());
    std::fflush(stderr);
    Stream s;
    s.io = std::move(master_fd);
    s.readable = true;
    return attach(std::move(s));
  }

 protected:
  void on_input_closed() override {
    // Cannot happen while we hold the slave open; if it does, stop using the pty.
    logger(kLoggerDevices)->warn("chardev {}: pty {} closed", id_, path_);
    detach();
  }

 private:
  UniqueFd slave_;  // held so the master never sees EIO/HUP when no client is attached
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<CharBackend>> open_pty_backend(const std::string& id, EventLoop& loop) {
  auto backend = std::make_unique<PtyBackend>(loop, id);
  if (auto r = backend->open(); !r) return std::unexpected(r.error());
  return std::unique_ptr<CharBackend>(std::move(backend));
}

}  // namespace stratovirt::devices
