// SPDX-License-Identifier: MulanPSL-2.0
//
// VmFd: one KVM virtual machine (memslots, in-kernel irqchip/PIT, IRQ lines, irqfd,
// ioeventfd, GSI routing, vCPU creation).
//
// Wraps the VM ioctls of Documentation/virt/kvm/api.rst §4. The fds passed to
// irqfd/ioeventfd calls are borrowed: the caller keeps them open while registered.
// Threads: memslot/irqfd/ioeventfd changes from the main thread; irq_line() from any
// thread (KVM serialises it). Failure: every call returns the errno error naming the ioctl.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"
#include "stratovirt/hypervisor/vcpu_fd.h"

namespace stratovirt::hypervisor {

struct IoEventFdSpec {
  uint64_t addr = 0;
  uint32_t len = 0;  // 0 (any width), 1, 2, 4 or 8
  bool pio = false;
  std::optional<uint64_t> datamatch;
};

class VmFd {
 public:
  VmFd(UniqueFd fd, size_t vcpu_mmap_size) : fd_(std::move(fd)), vcpu_mmap_size_(vcpu_mmap_size) {}

  // KVM_SET_USER_MEMORY_REGION; size 0 deletes the slot.
  Result<void> set_memory_region(uint32_t slot, uint64_t guest_addr, uint64_t size,
                                 void* host_addr, bool readonly = false) const;
  Result<void> set_tss_addr(uint64_t addr) const;
  Result<void> set_identity_map_addr(uint64_t addr) const;
  // KVM_CREATE_IRQCHIP (PIC + IOAPIC + LAPICs, default GSI routing of pins 0..23).
  Result<void> create_irqchip() const;
  // KVM_CREATE_PIT2, with the speaker port left to userspace (KVM_PIT_SPEAKER_DUMMY).
  Result<void> create_pit2() const;
  Result<void> irq_line(uint32_t irq, bool level) const;
  Result<void> register_irqfd(int event_fd, uint32_t gsi) const;
  Result<void> unregister_irqfd(int event_fd, uint32_t gsi) const;
  Result<void> register_ioeventfd(int event_fd, const IoEventFdSpec& spec) const;
  Result<void> unregister_ioeventfd(int event_fd, const IoEventFdSpec& spec) const;
  Result<void> set_gsi_routing(const std::vector<kvm_irq_routing_entry>& entries) const;
  Result<void> signal_msi(uint64_t address, uint32_t data) const;
  Result<VcpuFd> create_vcpu(uint32_t id) const;

  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  size_t vcpu_mmap_size_;
};

}  // namespace stratovirt::hypervisor
