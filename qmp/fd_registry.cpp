// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/fd_registry.h"

namespace stratovirt::qmp {

void FdRegistry::add(std::string name, UniqueFd fd) {
  std::lock_guard lock(mu_);
  fds_.insert_or_assign(std::move(name), std::move(fd));
}

bool FdRegistry::close(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = fds_.find(name);
  if (it == fds_.end()) return false;
  fds_.erase(it);
  return true;
}

UniqueFd FdRegistry::take(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = fds_.find(name);
  if (it == fds_.end()) return UniqueFd();
  UniqueFd fd = std::move(it->second);
  fds_.erase(it);
  return fd;
}

bool FdRegistry::contains(std::string_view name) const {
  std::lock_guard lock(mu_);
  return fds_.find(name) != fds_.end();
}

std::vector<std::string> FdRegistry::names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, fd] : fds_) out.push_back(name);
  return out;
}

}  // namespace stratovirt::qmp
