// SPDX-License-Identifier: MulanPSL-2.0
//
// UniqueFd: sole owner of one file descriptor.
//
// Move-only; closes in its destructor; no implicit conversion to int. Objects store
// UniqueFd, never borrowed ints. Not thread-safe by itself (like any value type); the
// owner decides which thread uses it. close() errors are ignored (nothing to recover).
#pragma once

#include <unistd.h>

#include <utility>

namespace stratovirt {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace stratovirt
