// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <utility>

namespace stratovirt {

Result<void> set_cloexec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
    return sys_errorf("fcntl(fd {}, FD_CLOEXEC)", fd);
  }
  return ok();
}

Result<void> set_nonblock(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return sys_errorf("fcntl(fd {}, O_NONBLOCK)", fd);
  }
  return ok();
}

namespace {

// Removes a leftover socket node; refuses to touch anything that is not a socket.
Result<void> remove_stale_socket(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return ok();
    return sys_errorf("unix socket {}: stat", path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return errorf(ErrorCode::kAlreadyExists,
                  "unix socket {}: path exists and is not a socket", path);
  }
  if (::unlink(path.c_str()) < 0) return sys_errorf("unix socket {}: remove stale socket", path);
  return ok();
}

}  // namespace

Result<SocketListener> SocketListener::bind_unix(const std::string& path, int backlog) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty()) return errorf(ErrorCode::kInvalidArgument, "unix socket path is empty");
  if (path.size() >= sizeof(addr.sun_path)) {
    return errorf(ErrorCode::kInvalidArgument,
                  "unix socket path {} is too long ({} bytes, at most {})", path, path.size(),
                  sizeof(addr.sun_path) - 1);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());

  int raw = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (raw < 0) return sys_errorf("unix socket {}: socket", path);
  UniqueFd fd(raw);
  SV_RETURN_IF_ERROR(remove_stale_socket(path));

  // The node's mode comes from the umask at bind() time: 0177 gives 0600 with no window.
  mode_t old_mask = ::umask(0177);
  int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc < 0) {
    errno = bind_errno;
    return sys_errorf("unix socket {}: bind", path);
  }
  SocketListener listener(std::move(fd), "unix:" + path);
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) {
    listener.unix_path_ = path;
    listener.node_dev_ = st.st_dev;
    listener.node_ino_ = st.st_ino;
  }
  if (::listen(listener.fd(), backlog) < 0) return sys_errorf("unix socket {}: listen", path);
  return listener;
}

Result<SocketListener> SocketListener::bind_tcp(const std::string& host, uint16_t port,
                                                int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int gai = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
  if (gai != 0) {
    return errorf(ErrorCode::kInvalidArgument, "tcp socket {}:{}: cannot resolve host: {}",
                  host, port, ::gai_strerror(gai));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
  UniqueFd fd(::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                       res->ai_protocol));
  if (!fd) return sys_errorf("tcp socket {}:{}: socket", host, port);
  int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
    return sys_errorf("tcp socket {}:{}: SO_REUSEADDR", host, port);
  }
  if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) < 0) {
    return sys_errorf("tcp socket {}:{}: bind", host, port);
  }
  if (::listen(fd.get(), backlog) < 0) return sys_errorf("tcp socket {}:{}: listen", host, port);

  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  uint16_t bound_port = port;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    if (bound.ss_family == AF_INET) {
      bound_port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    } else if (bound.ss_family == AF_INET6) {
      bound_port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
  }
  SocketListener listener(std::move(fd), fmt::format("tcp:{}:{}", host, bound_port));
  listener.tcp_port_ = bound_port;
  return listener;
}

Result<SocketListener> SocketListener::adopt_fd(int raw) {
  if (raw < 0) return errorf(ErrorCode::kInvalidArgument, "socket fd {} is invalid", raw);
  struct stat st{};
  if (::fstat(raw, &st) < 0) return sys_errorf("socket fd {}: not an open file descriptor", raw);
  if (!S_ISSOCK(st.st_mode)) {
    return errorf(ErrorCode::kInvalidArgument, "socket fd {}: not a socket", raw);
  }
  int listening = 0;
  socklen_t len = sizeof(listening);
  if (::getsockopt(raw, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0) {
    return sys_errorf("socket fd {}: getsockopt(SO_ACCEPTCONN)", raw);
  }
  if (!listening) {
    return errorf(ErrorCode::kInvalidArgument, "socket fd {}: not a listening socket", raw);
  }
  UniqueFd fd(raw);
  SV_RETURN_IF_ERROR(set_cloexec(fd.get()));
  SV_RETURN_IF_ERROR(set_nonblock(fd.get()));
  return SocketListener(std::move(fd), fmt::format("fd:{}", raw));
}

SocketListener::SocketListener(SocketListener&& other) noexcept
    : fd_(std::move(other.fd_)),
      description_(std::move(other.description_)),
      unix_path_(std::exchange(other.unix_path_, {})),
      node_dev_(other.node_dev_),
      node_ino_(other.node_ino_),
      tcp_port_(other.tcp_port_) {}

SocketListener& SocketListener::operator=(SocketListener&& other) noexcept {
  if (this != &other) {
    remove_node();
    fd_ = std::move(other.fd_);
    description_ = std::move(other.description_);
    unix_path_ = std::exchange(other.unix_path_, {});
    node_dev_ = other.node_dev_;
    node_ino_ = other.node_ino_;
    tcp_port_ = other.tcp_port_;
  }
  return *this;
}

SocketListener::~SocketListener() { remove_node(); }

void SocketListener::remove_node() {
  if (unix_path_.empty()) return;
  // Only remove the node this listener created, not one a later instance put there.
  struct stat st{};
  if (::lstat(unix_path_.c_str(), &st) == 0 && st.st_dev == node_dev_ &&
      st.st_ino == node_ino_) {
    ::unlink(unix_path_.c_str());
  }
  unix_path_.clear();
}

Result<UniqueFd> SocketListener::accept() const {
  for (;;) {
    int raw = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (raw >= 0) return UniqueFd(raw);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return UniqueFd();
    return sys_errorf("{}: accept", description_);
  }
}

}  // namespace stratovirt
