// SPDX-License-Identifier: MulanPSL-2.0
// socket chardev: a unix/tcp server serving one client at a time, a client, or an
// inherited socket.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "devices/chardev/char_backends.h"
#include "devices/chardev/fd_char_backend.h"
#include "stratovirt/base/logging.h"
#include "stratovirt/base/socket.h"

namespace stratovirt::devices {
namespace {

class SocketServerBackend final : public FdCharBackend {
 public:
  SocketServerBackend(EventLoop& loop, const std::string& id, SocketListener listener)
      : FdCharBackend(loop, id, listener.description() + ",server"),
        listener_(std::move(listener)) {}
  ~SocketServerBackend() override {
    detach();
    stop_listening();
  }

  Result<void> start(bool wait) {
    if (!wait) return listen_on_loop();
    std::fprintf(stderr, "stratovirt: waiting for connection on %s\n",
                 listener_.description().c_str());
    std::fflush(stderr);
    for (;;) {
      pollfd p{listener_.fd(), POLLIN, 0};
      int n = ::poll(&p, 1, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_errorf("chardev {}: poll {}", id_, listener_.description());
      SV_ASSIGN_OR_RETURN(UniqueFd client, listener_.accept());
      if (!client.valid()) continue;
      return connect_client(std::move(client));
    }
  }

 protected:
  void on_disconnect() override {
    logger(kLoggerDevices)->info("chardev {}: client left {}", id_, listener_.description());
    if (auto r = listen_on_loop(); !r) {
      logger(kLoggerDevices)->error("chardev {}: {}", id_, r.error().to_string());
    }
  }

 private:
  Result<void> listen_on_loop() {
    if (listening_) return ok();
    SV_RETURN_IF_ERROR(loop_.add_fd(listener_.fd(), EPOLLIN, [this](uint32_t) { on_accept(); }));
    listening_ = true;
    return ok();
  }

  void stop_listening() {
    if (!listening_) return;
    loop_.remove_fd(listener_.fd());
    listening_ = false;
  }

  void on_accept() {
    auto client = listener_.accept();
    if (!client) {
      logger(kLoggerDevices)->warn("chardev {}: {}", id_, client.error().to_string());
      return;
    }
    if (!client->valid()) return;
    // One client at a time: others wait in the backlog until this one leaves.
    stop_listening();
    if (auto r = connect_client(std::move(*client)); !r) {
      logger(kLoggerDevices)->error("chardev {}: {}", id_, r.error().to_string());
      (void)listen_on_loop();
    }
  }

  Result<void> connect_client(UniqueFd client) {
    logger(kLoggerDevices)->info("chardev {}: client connected on {}", id_,
                                 listener_.description());
    Stream s;
    s.io = std::move(client);
    s.readable = true;
    s.is_socket = true;
    return attach(std::move(s));
  }

  SocketListener listener_;
  bool listening_ = false;
};

// A connected socket (client mode, or an inherited connected fd). After a hang-up the
// backend stays, dropping output.
class SocketStreamBackend final : public FdCharBackend {
 public:
  SocketStreamBackend(EventLoop& loop, const std::string& id, std::string description)
      : FdCharBackend(loop, id, std::move(description)) {}
  ~SocketStreamBackend() override { detach(); }
  Result<void> start(UniqueFd fd) {
    Stream s;
    s.io = std::move(fd);
    s.readable = true;
    s.is_socket = true;
    return attach(std::move(s));
  }

 protected:
  void on_disconnect() override {
    logger(kLoggerDevices)->info("chardev {}: peer {} disconnected", id_, description_);
  }
};

Result<UniqueFd> connect_unix(const std::string& id, const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return errorf(ErrorCode::kInvalidArgument, "chardev {}: unix socket path too long: {}", id,
                  path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_errorf("chardev {}: socket", id);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return sys_errorf("chardev {}: connect unix:{}", id, path);
  }
  return fd;
}

Result<UniqueFd> connect_tcp(const std::string& id, const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port_text = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
  if (rc != 0) {
    return errorf(ErrorCode::kInvalidArgument, "chardev {}: cannot resolve {}: {}", id, host,
                  ::gai_strerror(rc));
  }
  Result<UniqueFd> result = errorf(ErrorCode::kIo, "chardev {}: no address for {}", id, host);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) continue;
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
      result = std::move(fd);
      break;
    }
    result = sys_errorf("chardev {}: connect tcp:{}:{}", id, host, port);
  }
  ::freeaddrinfo(res);
  return result;
}

bool is_listening(int fd) {
  int val = 0;
  socklen_t len = sizeof(val);
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len) == 0 && val != 0;
}

}  // namespace

Result<std::unique_ptr<CharBackend>> open_socket_backend(const std::string& id,
                                                         const config::SocketBackend& socket,
                                                         EventLoop& loop) {
  if (const auto* fd_addr = std::get_if<config::FdSocketAddr>(&socket.addr)) {
    if (fd_addr->fd < 0) {
      return errorf(ErrorCode::kInvalidArgument, "chardev {}: invalid socket fd {}", id,
                    fd_addr->fd);
    }
    int type = 0;
    socklen_t len = sizeof(type);
    if (::getsockopt(fd_addr->fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
      return sys_errorf("chardev {}: fd {} is not a socket", id, fd_addr->fd);
    }
    if (!is_listening(fd_addr->fd)) {
      auto b = std::make_unique<SocketStreamBackend>(loop, id, fmt::format("fd:{}", fd_addr->fd));
      SV_RETURN_IF_ERROR(b->start(UniqueFd(fd_addr->fd)));
      return std::unique_ptr<CharBackend>(std::move(b));
    }
    SV_ASSIGN_OR_RETURN(auto listener, SocketListener::adopt_fd(fd_addr->fd));
    auto b = std::make_unique<SocketServerBackend>(loop, id, std::move(listener));
    SV_RETURN_IF_ERROR(b->start(socket.wait));
    return std::unique_ptr<CharBackend>(std::move(b));
  }

  if (!socket.server) {
    UniqueFd fd;
    std::string desc;
    if (const auto* u = std::get_if<config::UnixSocketAddr>(&socket.addr)) {
      SV_ASSIGN_OR_RETURN(fd, connect_unix(id, u->path));
      desc = "unix:" + u->path;
    } else {
      const auto& t = std::get<config::TcpSocketAddr>(socket.addr);
      SV_ASSIGN_OR_RETURN(fd, connect_tcp(id, t.host, t.port));
      desc = fmt::format("tcp:{}:{}", t.host, t.port);
    }
    auto b = std::make_unique<SocketStreamBackend>(loop, id, desc);
    SV_RETURN_IF_ERROR(b->start(std::move(fd)));
    return std::unique_ptr<CharBackend>(std::move(b));
  }

  Result<SocketListener> listener =
      std::holds_alternative<config::UnixSocketAddr>(socket.addr)
          ? SocketListener::bind_unix(std::get<config::UnixSocketAddr>(socket.addr).path, 1)
          : SocketListener::bind_tcp(std::get<config::TcpSocketAddr>(socket.addr).host,
                                     std::get<config::TcpSocketAddr>(socket.addr).port, 1);
  if (!listener) return std::unexpected(listener.error().with_context("chardev " + id));
  auto b = std::make_unique<SocketServerBackend>(loop, id, std::move(*listener));
  SV_RETURN_IF_ERROR(b->start(socket.wait));
  return std::unique_ptr<CharBackend>(std::move(b));
}

}  // namespace stratovirt::devices
