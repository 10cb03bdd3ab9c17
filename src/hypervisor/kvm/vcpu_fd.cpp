// SPDX-License-Identifier: MulanPSL-2.0
// VcpuFd: vCPU ioctls and kvm_run exit decoding.
#include "stratovirt/hypervisor/vcpu_fd.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

#include "src/hypervisor/kvm/kvm_abi.h"

namespace stratovirt::hypervisor {
namespace {

template <typename T>
Result<T> get_struct(int fd, unsigned long req, const char* what, uint32_t id) {
  T value{};
  if (::ioctl(fd, req, &value) < 0) return sys_errorf("vcpu {}: {}", id, what);
  return value;
}

Result<void> set_struct(int fd, unsigned long req, const void* value, const char* what,
                        uint32_t id) {
  if (::ioctl(fd, req, value) < 0) return sys_errorf("vcpu {}: {}", id, what);
  return ok();
}

}  // namespace

std::string_view to_string(VcpuExit::Kind kind) {
  switch (kind) {
    case VcpuExit::Kind::kIoIn: return "io-in";
    case VcpuExit::Kind::kIoOut: return "io-out";
    case VcpuExit::Kind::kMmioRead: return "mmio-read";
    case VcpuExit::Kind::kMmioWrite: return "mmio-write";
    case VcpuExit::Kind::kHlt: return "hlt";
    case VcpuExit::Kind::kShutdown: return "shutdown";
    case VcpuExit::Kind::kSystemEvent: return "system-event";
    case VcpuExit::Kind::kFailEntry: return "fail-entry";
    case VcpuExit::Kind::kInternalError: return "internal-error";
    case VcpuExit::Kind::kInterrupted: return "interrupted";
    case VcpuExit::Kind::kOther: return "other";
  }
  return "?";
}

VcpuFd::VcpuFd(UniqueFd fd, uint32_t id, kvm_run* run, size_t run_size)
    : fd_(std::move(fd)), id_(id), run_(run), run_size_(run_size) {}

VcpuFd::~VcpuFd() {
  if (run_ != nullptr) ::munmap(run_, run_size_);
}

VcpuFd::VcpuFd(VcpuFd&& o) noexcept
    : fd_(std::move(o.fd_)), id_(o.id_), run_(std::exchange(o.run_, nullptr)),
      run_size_(o.run_size_) {}

void VcpuFd::set_immediate_exit(bool on) {
  // kvm_run is shared with the kernel and written from a kicking thread: use an atomic store.
  std::atomic_ref<uint8_t>(run_->immediate_exit).store(on ? 1 : 0, std::memory_order_seq_cst);
}

Result<VcpuExit> VcpuFd::run() {
  VcpuExit exit;
  if (::ioctl(fd_.get(), KVM_RUN, 0) < 0) {
    if (errno == EINTR || errno == EAGAIN) {
      exit.kind = VcpuExit::Kind::kInterrupted;
      return exit;
    }
    return sys_errorf("vcpu {}: KVM_RUN", id_);
  }
  exit.reason = run_->exit_reason;
  auto* base = reinterpret_cast<uint8_t*>(run_);
  switch (run_->exit_reason) {
    case KVM_EXIT_IO: {
      const auto& io = run_->io;
      size_t bytes = static_cast<size_t>(io.size) * io.count;
      if (io.data_offset + bytes > run_size_) {
        return errorf(ErrorCode::kInternal, "vcpu {}: io exit data outside kvm_run", id_);
      }
      exit.kind = io.direction == KVM_EXIT_IO_OUT ? VcpuExit::Kind::kIoOut : VcpuExit::Kind::kIoIn;
      exit.addr = io.port;
      exit.io_count = io.count;
      exit.data = std::span<uint8_t>(base + io.data_offset, bytes);
      break;
    }
    case KVM_EXIT_MMIO: {
      auto& mmio = run_->mmio;
      exit.kind = mmio.is_write ? VcpuExit::Kind::kMmioWrite : VcpuExit::Kind::kMmioRead;
      exit.addr = mmio.phys_addr;
      exit.data = std::span<uint8_t>(mmio.data, std::min<size_t>(mmio.len, sizeof(mmio.data)));
      break;
    }
    case KVM_EXIT_HLT: exit.kind = VcpuExit::Kind::kHlt; break;
    case KVM_EXIT_SHUTDOWN: exit.kind = VcpuExit::Kind::kShutdown; break;
    case KVM_EXIT_SYSTEM_EVENT:
      exit.kind = VcpuExit::Kind::kSystemEvent;
      exit.detail = run_->system_event.type;
      break;
    case KVM_EXIT_FAIL_ENTRY:
      exit.kind = VcpuExit::Kind::kFailEntry;
      exit.detail = run_->fail_entry.hardware_entry_failure_reason;
      break;
    case KVM_EXIT_INTERNAL_ERROR:
      exit.kind = VcpuExit::Kind::kInternalError;
      exit.detail = run_->internal.suberror;
      break;
    case KVM_EXIT_INTR: exit.kind = VcpuExit::Kind::kInterrupted; break;
    default: exit.kind = VcpuExit::Kind::kOther; break;
  }
  return exit;
}

Result<kvm_regs> VcpuFd::get_regs() const {
  return get_struct<kvm_regs>(fd_.get(), KVM_GET_REGS, "KVM_GET_REGS", id_);
}
Result<void> VcpuFd::set_regs(const kvm_regs& regs) const {
  return set_struct(fd_.get(), KVM_SET_REGS, &regs, "KVM_SET_REGS", id_);
}
Result<kvm_sregs> VcpuFd::get_sregs() const {
  return get_struct<kvm_sregs>(fd_.get(), KVM_GET_SREGS, "KVM_GET_SREGS", id_);
}
Result<void> VcpuFd::set_sregs(const kvm_sregs& sregs) const {
  return set_struct(fd_.get(), KVM_SET_SREGS, &sregs, "KVM_SET_SREGS", id_);
}
Result<kvm_fpu> VcpuFd::get_fpu() const {
  return get_struct<kvm_fpu>(fd_.get(), KVM_GET_FPU, "KVM_GET_FPU", id_);
}
Result<void> VcpuFd::set_fpu(const kvm_fpu& fpu) const {
  return set_struct(fd_.get(), KVM_SET_FPU, &fpu, "KVM_SET_FPU", id_);
}
Result<kvm_lapic_state> VcpuFd::get_lapic() const {
  return get_struct<kvm_lapic_state>(fd_.get(), KVM_GET_LAPIC, "KVM_GET_LAPIC", id_);
}
Result<void> VcpuFd::set_lapic(const kvm_lapic_state& lapic) const {
  return set_struct(fd_.get(), KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC", id_);
}

Result<uint32_t> VcpuFd::get_mp_state() const {
  auto st = get_struct<kvm_mp_state>(fd_.get(), KVM_GET_MP_STATE, "KVM_GET_MP_STATE", id_);
  if (!st) return std::unexpected(st.error());
  return st->mp_state;
}

Result<void> VcpuFd::set_mp_state(uint32_t state) const {
  kvm_mp_state st{};
  st.mp_state = state;
  return set_struct(fd_.get(), KVM_SET_MP_STATE, &st, "KVM_SET_MP_STATE", id_);
}

Result<void> VcpuFd::set_msrs(const std::vector<kvm_msr_entry>& msrs) const {
  abi::FlexBuffer<kvm_msr_entry> buf{std::span<const kvm_msr_entry>(msrs)};
  int n = ::ioctl(fd_.get(), abi::kSetMsrs, buf.data());
  if (n < 0) return sys_errorf("vcpu {}: KVM_SET_MSRS", id_);
  if (static_cast<size_t>(n) != msrs.size()) {
    return errorf(ErrorCode::kNotSupported, "vcpu {}: KVM_SET_MSRS rejected msr {:#x}", id_,
                  msrs[static_cast<size_t>(n)].index);
  }
  return ok();
}

Result<void> VcpuFd::get_msrs(std::vector<kvm_msr_entry>& msrs) const {
  abi::FlexBuffer<kvm_msr_entry> buf{std::span<const kvm_msr_entry>(msrs)};
  int n = ::ioctl(fd_.get(), abi::kGetMsrs, buf.data());
  if (n < 0) return sys_errorf("vcpu {}: KVM_GET_MSRS", id_);
  if (static_cast<size_t>(n) != msrs.size()) {
    return errorf(ErrorCode::kNotSupported, "vcpu {}: KVM_GET_MSRS rejected msr {:#x}", id_,
                  msrs[static_cast<size_t>(n)].index);
  }
  for (uint32_t i = 0; i < msrs.size(); ++i) msrs[i] = buf.entry(i);
  return ok();
}

Result<void> VcpuFd::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const {
  abi::FlexBuffer<kvm_cpuid_entry2> buf{std::span<const kvm_cpuid_entry2>(entries)};
  return set_struct(fd_.get(), abi::kSetCpuid2, buf.data(), "KVM_SET_CPUID2", id_);
}

std::string VcpuFd::dump_registers() const {
  auto regs = get_regs();
  auto sregs = get_sregs();
  if (!regs || !sregs) return fmt::format("vcpu {}: registers unavailable", id_);
  const auto& r = *regs;
  const auto& s = *sregs;
  return fmt::format(
      "vcpu {}: rip={:#x} rsp={:#x} rflags={:#x} rax={:#x} rbx={:#x} rcx={:#x} rdx={:#x} "
      "rsi={:#x} rdi={:#x} rbp={:#x} r8={:#x} r9={:#x} r10={:#x} r11={:#x} r12={:#x} "
      "r13={:#x} r14={:#x} r15={:#x} cs={:#x}/{:#x} ss={:#x} ds={:#x} cr0={:#x} cr2={:#x} "
      "cr3={:#x} cr4={:#x} efer={:#x} apic_base={:#x}",
      id_, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9,
      r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cs.selector, s.cs.base, s.ss.selector,
      s.ds.selector, s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.apic_base);
}

}  // namespace stratovirt::hypervisor
