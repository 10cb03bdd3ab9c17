// SPDX-License-Identifier: MulanPSL-2.0
//
// PidFile: `-pidfile <path>`, the locked file holding this process's pid.
//
// Opened close-on-exec, write-locked with fcntl(F_SETLK) for the process's lifetime (so
// a second instance using the same path fails at once instead of overwriting it), then
// truncated and filled with "<pid>\n". The destructor removes the file if the path still
// names the file this instance locked, then releases the lock. POSIX record locks belong
// to a process and are not inherited by fork(): create it in the process that stays.
// Threads: main thread. Failure: errors name the path; a held lock names the holder's pid.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt {

class PidFile {
 public:
  static Result<PidFile> create(const std::string& path);

  PidFile(PidFile&& other) noexcept
      : path_(std::exchange(other.path_, {})), fd_(std::move(other.fd_)) {}
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  ~PidFile();

  const std::string& path() const { return path_; }

 private:
  PidFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::string path_;
  UniqueFd fd_;
};

}  // namespace stratovirt
