// SPDX-License-Identifier: MulanPSL-2.0
//
// Kvm: the open /dev/kvm system fd (API version, capabilities, supported CPUID).
//
// Models the KVM system ioctls of Documentation/virt/kvm/api.rst §4 (KVM_GET_API_VERSION,
// KVM_CHECK_EXTENSION, KVM_GET_SUPPORTED_CPUID, KVM_GET_VCPU_MMAP_SIZE, KVM_CREATE_VM).
// Owned by whoever builds the machine; the VmFd it creates is independent of it afterwards.
// Threads: any, no internal state after open(). Failure: open() names the missing device
// ("is KVM enabled?"), a wrong API version or the first missing capability.
#pragma once

#include <linux/kvm.h>

#include <string>
#include <string_view>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"
#include "stratovirt/hypervisor/vm_fd.h"

namespace stratovirt::hypervisor {

inline constexpr int kKvmApiVersion = 12;

class Kvm {
 public:
  // Opens `path`, checks the API version and the capabilities every machine needs.
  static Result<Kvm> open(const std::string& path = "/dev/kvm");

  // KVM_CHECK_EXTENSION: 0 when absent, otherwise the capability's value (often 1).
  [[nodiscard]] int check_extension(int cap) const;
  // Error "kvm: missing capability <name>" when the capability is absent.
  Result<void> require_extension(int cap, std::string_view name) const;

  Result<std::vector<kvm_cpuid_entry2>> supported_cpuid() const;
  Result<VmFd> create_vm() const;

  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  Kvm(UniqueFd fd, size_t run_size) : fd_(std::move(fd)), vcpu_mmap_size_(run_size) {}
  UniqueFd fd_;
  size_t vcpu_mmap_size_;
};

}  // namespace stratovirt::hypervisor
