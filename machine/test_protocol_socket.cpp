// SPDX-License-Identifier: MulanPSL-2.0
// The VMM end of the `-mod-test` socket: connect, frame messages, reply.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "machine/test_protocol.h"
#include "stratovirt/base/logging.h"
#include "stratovirt/base/socket.h"

namespace stratovirt::machine {
namespace {

// A unix stream socket delivers one small send() whole; only a large `write` message may
// arrive in pieces. For such a message, wait this long for each next piece.
constexpr size_t kSplitThreshold = 4096;
constexpr int kIncompleteWaitMs = 2000;
// A message larger than the biggest `write` is garbage: dropped with an error reply.
constexpr size_t kMaxMessage = kTestMaxAccess * 2 + 256;

}  // namespace

Result<std::unique_ptr<TestSocketClient>> TestSocketClient::connect(
    const std::string& path, EventLoop& loop, TestTarget target, std::function<void()> on_close) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return errorf(ErrorCode::kInvalidArgument, "-mod-test {}: socket path too long", path);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_errorf("-mod-test {}: socket", path);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return sys_errorf("-mod-test {}: cannot connect to the test driver", path);
  }
  SV_RETURN_IF_ERROR(set_nonblock(fd.get()));
  std::unique_ptr<TestSocketClient> client(
      new TestSocketClient(std::move(fd), loop, target, std::move(on_close)));
  TestSocketClient* self = client.get();
  SV_RETURN_IF_ERROR(loop.add_fd(self->fd_.get(), EPOLLIN | EPOLLRDHUP,
                                 [self](uint32_t) { self->on_readable(); }));
  logger(kLoggerMachine)->info("test driver connected on {}", path);
  return client;
}

TestSocketClient::~TestSocketClient() {
  if (!closed_) loop_.remove_fd(fd_.get());
}

bool TestSocketClient::fill() {
  char tmp[65536];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), tmp, sizeof(tmp), 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      if (buf_.size() > kMaxMessage) return true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

void TestSocketClient::on_readable() {
  if (closed_) return;
  bool alive = fill();
  // A large `write` may arrive in pieces: wait (bounded) for the rest of its data.
  while (alive && buf_.size() >= kSplitThreshold && buf_.size() <= kMaxMessage &&
         buf_.find('\n') == std::string::npos && test_command_incomplete(buf_)) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, kIncompleteWaitMs) <= 0) break;
    alive = fill();
  }
  process();
  if (!alive) close();
}

void TestSocketClient::process() {
  if (buf_.size() > kMaxMessage) {
    buf_.clear();
    reply("ERR message too long");
    return;
  }
  // "\n"-terminated lines first (blank lines are skipped); what is left without a newline
  // is one whole message.
  size_t pos;
  while ((pos = buf_.find('\n')) != std::string::npos) {
    std::string line = buf_.substr(0, pos);
    buf_.erase(0, pos + 1);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    reply(execute_test_command(line, target_));
    if (closed_) return;
  }
  // A message of blanks still gets its reply ("Unsupported command"): the driver waits.
  if (!buf_.empty()) {
    std::string message = std::move(buf_);
    buf_.clear();
    reply(execute_test_command(message, target_));
  }
}

void TestSocketClient::reply(const std::string& line) {
  if (closed_) return;
  std::string out = line + "\r\n";
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::send(fd_.get(), out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_.get(), POLLOUT, 0};
      if (::poll(&p, 1, 10000) > 0) continue;
    }
    logger(kLoggerMachine)->warn("test socket: reply lost, closing");
    close();
    return;
  }
}

void TestSocketClient::close() {
  if (closed_) return;
  closed_ = true;
  loop_.remove_fd(fd_.get());
  logger(kLoggerMachine)->info("test driver disconnected");
  if (on_close_) on_close_();
}

}  // namespace stratovirt::machine
