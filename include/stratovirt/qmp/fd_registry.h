// SPDX-License-Identifier: MulanPSL-2.0
//
// FdRegistry: file descriptors a QMP client passed with SCM_RIGHTS and named with getfd.
//
// QEMU's monitor fd list: `getfd fdname=X` stores the fd that came with the command under
// X (replacing and closing an older X), `closefd fdname=X` closes it, and a later
// consumer (`-netdev tap,fds=X:Y`, `netdev_add fds=`, `vhostfds=`) takes it by name with
// take(), after which the registry no longer owns it. Owned by main(); shared by the QMP
// commands and whoever creates net backends.
// Threads: any (one mutex). Failure: a missing name is reported, never fatal.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "stratovirt/base/unique_fd.h"

namespace stratovirt::qmp {

class FdRegistry {
 public:
  // Stores `fd` under `name`; an fd stored earlier under that name is closed.
  void add(std::string name, UniqueFd fd);
  // Closes the fd named `name`; false when there is none.
  bool close(std::string_view name);
  // Hands over the fd named `name` (invalid UniqueFd when absent).
  UniqueFd take(std::string_view name);
  bool contains(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, UniqueFd, std::less<>> fds_;
};

}  // namespace stratovirt::qmp
