// SPDX-License-Identifier: MulanPSL-2.0
//
// Socket helpers: fd flags and SocketListener (a listening unix or tcp stream socket).
//
// A unix listener replaces a stale socket file at its path (never a non-socket file),
// creates the socket node with mode 0600, and its owner's destructor removes the node if
// it still is the one this listener created. A listener may also adopt an inherited fd
// that is already listening (libvirt's `-chardev socket,fd=N,server=on`). Listening fds
// are close-on-exec and non-blocking; accepted fds too.
// Threads: create on the main thread at startup (binding a unix socket changes the
// process umask for the duration of bind()); accept() on the thread that polls the fd.
// Failure: errors name the path/address and the failing call.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt {

Result<void> set_cloexec(int fd);
Result<void> set_nonblock(int fd);

class SocketListener {
 public:
  static Result<SocketListener> bind_unix(const std::string& path, int backlog = 16);
  // `host` is a numeric IPv4/IPv6 address or a name; port 0 picks a free port.
  static Result<SocketListener> bind_tcp(const std::string& host, uint16_t port,
                                         int backlog = 16);
  // Takes ownership of `fd`, which must be a listening stream socket.
  static Result<SocketListener> adopt_fd(int fd);

  SocketListener(SocketListener&& other) noexcept;
  SocketListener& operator=(SocketListener&& other) noexcept;
  SocketListener(const SocketListener&) = delete;
  SocketListener& operator=(const SocketListener&) = delete;
  ~SocketListener();

  [[nodiscard]] int fd() const { return fd_.get(); }
  // "unix:<path>", "tcp:<host>:<port>" or "fd:<n>", for messages.
  const std::string& description() const { return description_; }
  // The bound tcp port (useful after binding port 0); 0 for other kinds.
  uint16_t tcp_port() const { return tcp_port_; }

  // Accepts one pending connection (close-on-exec, non-blocking). An empty UniqueFd when
  // none is pending (EAGAIN).
  Result<UniqueFd> accept() const;

  // Forgets the unix socket node so the destructor leaves it on disk (used by a forked
  // parent that must not remove its child's socket).
  void release_path() { unix_path_.clear(); }

 private:
  SocketListener(UniqueFd fd, std::string description) : fd_(std::move(fd)),
      description_(std::move(description)) {}
  void remove_node();

  UniqueFd fd_;
  std::string description_;
  std::string unix_path_;  // non-empty: remove this node on destruction
  dev_t node_dev_ = 0;
  ino_t node_ino_ = 0;
  uint16_t tcp_port_ = 0;
};

}  // namespace stratovirt
