// SPDX-License-Identifier: MulanPSL-2.0
//
// connect_unix_stream: a blocking, close-on-exec client connection to a unix socket, for
// tests that play a QMP or chardev client. Returns an invalid UniqueFd when connect fails.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <string>

#include "stratovirt/base/unique_fd.h"

namespace stratovirt::testing {

inline UniqueFd connect_unix_stream(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

}  // namespace stratovirt::testing
