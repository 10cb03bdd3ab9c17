// SPDX-License-Identifier: MulanPSL-2.0
//
// VcpuFd: one KVM vCPU fd with its mmap'd kvm_run page; register access and KVM_RUN.
//
// Wraps the vCPU ioctls of Documentation/virt/kvm/api.rst §4 (KVM_RUN, GET/SET_REGS,
// SREGS, FPU, MSRS, CPUID2, LAPIC, MP_STATE) and decodes kvm_run exits into VcpuExit.
// Threads: run() and the register calls on the vCPU's own thread (before it starts, on
// the creating thread); set_immediate_exit() from any thread (a kick). Failure: ioctls
// return the errno error; run() reports EINTR/EAGAIN as VcpuExit::kInterrupted.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt::hypervisor {

struct VcpuExit {
  enum class Kind {
    kIoIn,            // port, data (fill it before the next run())
    kIoOut,           // port, data
    kMmioRead,        // addr, data (fill it before the next run())
    kMmioWrite,       // addr, data
    kHlt,
    kShutdown,        // x86 triple fault / reset
    kSystemEvent,     // event_type (KVM_SYSTEM_EVENT_*)
    kFailEntry,       // hw_reason
    kInternalError,   // suberror
    kInterrupted,     // EINTR from a kick or immediate_exit
    kOther,           // reason
  };
  Kind kind = Kind::kOther;
  uint32_t reason = 0;  // raw KVM_EXIT_* value
  uint64_t addr = 0;    // port or guest physical address
  std::span<uint8_t> data;
  uint32_t io_count = 1;      // string I/O repeats (data holds count * size bytes)
  uint64_t detail = 0;        // suberror, hw_entry_failure_reason or system event type
};

std::string_view to_string(VcpuExit::Kind kind);

class VcpuFd {
 public:
  VcpuFd(UniqueFd fd, uint32_t id, kvm_run* run, size_t run_size);
  ~VcpuFd();
  VcpuFd(VcpuFd&& o) noexcept;
  VcpuFd& operator=(VcpuFd&& o) = delete;
  VcpuFd(const VcpuFd&) = delete;
  VcpuFd& operator=(const VcpuFd&) = delete;

  [[nodiscard]] uint32_t id() const { return id_; }

  // One KVM_RUN. An I/O or MMIO read exit's data span points into kvm_run: fill it
  // before calling run() again.
  Result<VcpuExit> run();
  // Makes the next (or current, after a signal) KVM_RUN return at once with EINTR.
  void set_immediate_exit(bool on);

  Result<kvm_regs> get_regs() const;
  Result<void> set_regs(const kvm_regs& regs) const;
  Result<kvm_sregs> get_sregs() const;
  Result<void> set_sregs(const kvm_sregs& sregs) const;
  Result<kvm_fpu> get_fpu() const;
  Result<void> set_fpu(const kvm_fpu& fpu) const;
  Result<void> set_msrs(const std::vector<kvm_msr_entry>& msrs) const;
  // Reads the MSRs whose indices are set in `msrs`.
  Result<void> get_msrs(std::vector<kvm_msr_entry>& msrs) const;
  Result<void> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const;
  Result<kvm_lapic_state> get_lapic() const;
  Result<void> set_lapic(const kvm_lapic_state& lapic) const;
  Result<uint32_t> get_mp_state() const;
  Result<void> set_mp_state(uint32_t state) const;

  // "rip=... rsp=... cr0=..." for fatal-exit reports.
  std::string dump_registers() const;

 private:
  UniqueFd fd_;
  uint32_t id_;
  kvm_run* run_;
  size_t run_size_;
};

}  // namespace stratovirt::hypervisor
