// SPDX-License-Identifier: MulanPSL-2.0
//
// read_crlf_line: the QMP test clients' line reader (replies and events end in "\r\n").
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <string>

namespace stratovirt::testing {

// One "\r\n"-terminated line from `fd` without the terminator; bytes after it stay in
// `buf` for the next call. Returns "" after `timeout_ms` without data, or on EOF.
inline std::string read_crlf_line(int fd, std::string& buf, int timeout_ms) {
  for (;;) {
    if (auto pos = buf.find("\r\n"); pos != std::string::npos) {
      std::string l = buf.substr(0, pos);
      buf.erase(0, pos + 2);
      return l;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return "";
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return "";
    buf.append(tmp, static_cast<size_t>(n));
  }
}

}  // namespace stratovirt::testing
