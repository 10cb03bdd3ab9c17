// SPDX-License-Identifier: MulanPSL-2.0
// stdio chardev: stdin/stdout with the terminal in raw mode while the backend lives.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>

#include "devices/chardev/char_backends.h"
#include "devices/chardev/fd_char_backend.h"

namespace stratovirt::devices {
namespace {

// What restore_stdio_terminal() needs, kept in plain globals so a signal handler can use it.
std::atomic<bool> g_stdio_in_use{false};
std::atomic<bool> g_termios_saved{false};
std::atomic<bool> g_flags_saved{false};
struct termios g_saved_termios;
int g_saved_stdin_flags = 0;
int g_saved_stdout_flags = 0;

class StdioBackend final : public FdCharBackend {
 public:
  StdioBackend(EventLoop& loop, const std::string& id) : FdCharBackend(loop, id, "stdio") {}
  ~StdioBackend() override {
    detach();
    restore_stdio_terminal();
    g_stdio_in_use.store(false);
  }

  Result<void> open() {
    g_saved_stdin_flags = ::fcntl(STDIN_FILENO, F_GETFL);
    g_saved_stdout_flags = ::fcntl(STDOUT_FILENO, F_GETFL);
    g_flags_saved.store(true);
    if (::isatty(STDIN_FILENO)) {
      struct termios tio;
      if (::tcgetattr(STDIN_FILENO, &tio) == 0) {
        g_saved_termios = tio;
        g_termios_saved.store(true);
        ::cfmakeraw(&tio);
        tio.c_oflag |= OPOST;  // keep output processing so host-side "\n" still works
        tio.c_cc[VMIN] = 1;
        tio.c_cc[VTIME] = 0;
        if (::tcsetattr(STDIN_FILENO, TCSANOW, &tio) != 0) {
          return sys_errorf("chardev {}: tcsetattr(stdin)", id_);
        }
      }
    }
    int in = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    if (in < 0) return sys_errorf("chardev {}: dup(stdin)", id_);
    UniqueFd in_fd(in);
    int out = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (out < 0) return sys_errorf("chardev {}: dup(stdout)", id_);
    Stream s;
    s.io = std::move(in_fd);
    s.out = UniqueFd(out);
    s.readable = true;
    return attach(std::move(s));
  }

 protected:
  // EOF on stdin (e.g. </dev/null redirection ended): keep writing to stdout.
  void on_input_closed() override { stop_input(); }

 private:
  void stop_input();
};

void StdioBackend::stop_input() {
  // Re-attach stdout alone: stdin is closed (our duplicate), output keeps its buffer policy.
  int out = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  Stream s;
  s.io = UniqueFd(out);
  s.readable = false;
  (void)attach(std::move(s));
}

}  // namespace

void restore_stdio_terminal() {
  if (g_termios_saved.exchange(false)) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  if (g_flags_saved.exchange(false)) {
    ::fcntl(STDIN_FILENO, F_SETFL, g_saved_stdin_flags);
    ::fcntl(STDOUT_FILENO, F_SETFL, g_saved_stdout_flags);
  }
}

Result<std::unique_ptr<CharBackend>> open_stdio_backend(const std::string& id, EventLoop& loop) {
  if (g_stdio_in_use.exchange(true)) {
    return errorf(ErrorCode::kAlreadyExists, "chardev {}: stdio is already used by another chardev",
                  id);
  }
  auto backend = std::make_unique<StdioBackend>(loop, id);
  if (auto r = backend->open(); !r) {
    return std::unexpected(r.error());
  }
  return std::unique_ptr<CharBackend>(std::move(backend));
}

}  // namespace stratovirt::devices
