// SPDX-License-Identifier: MulanPSL-2.0
// Kvm: /dev/kvm system fd.
#include "stratovirt/hypervisor/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <memory>

#include "src/hypervisor/kvm/kvm_abi.h"

namespace stratovirt::hypervisor {
namespace {

struct RequiredCap {
  int cap;
  const char* name;
};

// Capabilities every x86 machine relies on.
constexpr RequiredCap kRequiredCaps[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
};

}  // namespace

Result<Kvm> Kvm::open(const std::string& path) {
  int raw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (raw < 0) {
    int err = errno;
    if (err == ENOENT) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("{}: No such file or directory — is KVM enabled?", path),
                        err);
    }
    if (err == EACCES || err == EPERM) {
      return make_error(ErrorCode::kIo,
                        fmt::format("{}: permission denied — is this user in the kvm group?",
                                    path),
                        err);
    }
    return make_error(ErrorCode::kIo, fmt::format("open {}", path), err);
  }
  UniqueFd fd(raw);
  int version = ::ioctl(fd.get(), KVM_GET_API_VERSION, 0);
  if (version < 0) return sys_errorf("{}: KVM_GET_API_VERSION", path);
  if (version != kKvmApiVersion) {
    return errorf(ErrorCode::kNotSupported, "{}: KVM API version {} (need {})", path, version,
                  kKvmApiVersion);
  }
  int run_size = ::ioctl(fd.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (run_size < 0) return sys_errorf("{}: KVM_GET_VCPU_MMAP_SIZE", path);
  if (static_cast<size_t>(run_size) < sizeof(kvm_run)) {
    return errorf(ErrorCode::kInternal, "{}: vcpu mmap size {} too small", path, run_size);
  }
  Kvm kvm(std::move(fd), static_cast<size_t>(run_size));
  for (const auto& req : kRequiredCaps) {
    SV_RETURN_IF_ERROR(kvm.require_extension(req.cap, req.name));
  }
  return kvm;
}

int Kvm::check_extension(int cap) const {
  int r = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap);
  return r < 0 ? 0 : r;
}

Result<void> Kvm::require_extension(int cap, std::string_view name) const {
  if (check_extension(cap) <= 0) {
    return errorf(ErrorCode::kNotSupported, "kvm: missing capability {}", name);
  }
  return ok();
}

Result<std::vector<kvm_cpuid_entry2>> Kvm::supported_cpuid() const {
  // Grow the buffer until KVM stops answering E2BIG.
  for (uint32_t n = 128; n <= 4096; n *= 2) {
    abi::FlexBuffer<kvm_cpuid_entry2> buf(n);
    if (::ioctl(fd_.get(), abi::kGetSupportedCpuid, buf.data()) == 0) {
      std::vector<kvm_cpuid_entry2> out;
      for (uint32_t i = 0; i < buf.header()->count && i < n; ++i) out.push_back(buf.entry(i));
      return out;
    }
    if (errno != E2BIG) return sys_errorf("kvm: KVM_GET_SUPPORTED_CPUID");
  }
  return errorf(ErrorCode::kInternal, "kvm: KVM_GET_SUPPORTED_CPUID: table too large");
}

Result<VmFd> Kvm::create_vm() const {
  int raw = -1;
  // KVM_CREATE_VM can fail transiently with EINTR.
  do {
    raw = ::ioctl(fd_.get(), KVM_CREATE_VM, 0);
  } while (raw < 0 && errno == EINTR);
  if (raw < 0) return sys_errorf("kvm: KVM_CREATE_VM");
  return VmFd(UniqueFd(raw), vcpu_mmap_size_);
}

}  // namespace stratovirt::hypervisor
