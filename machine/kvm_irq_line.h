// SPDX-License-Identifier: MulanPSL-2.0
//
// KvmIrqLine: an IrqLine on one GSI of the in-kernel irqchip (PIC + IOAPIC).
//
// set_level() is KVM_IRQ_LINE with the level; trigger() pulses the line (assert, deassert)
// for edge-triggered users. Owned by the machine next to the device it serves.
// Threads: any (KVM serialises irq injection). Failure: logged (rate-limited), since a
// device cannot act on it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "stratovirt/base/event_fd.h"
#include "stratovirt/base/event_loop.h"

#include "stratovirt/devices/irq_line.h"
#include "stratovirt/hypervisor/vm_fd.h"

namespace stratovirt::machine {

class KvmIrqLine final : public IrqLine {
 public:
  KvmIrqLine(const hypervisor::VmFd& vm, uint32_t gsi) : vm_(vm), gsi_(gsi) {}
  void set_level(bool asserted) override;
  void trigger() override;
  uint32_t gsi() const { return gsi_; }

 private:
  const hypervisor::VmFd& vm_;
  uint32_t gsi_;
};

}  // namespace stratovirt::machine

namespace stratovirt::machine {

// KvmIrqfdLine: an edge-triggered line backed by a KVM irqfd on `gsi` (virtio-mmio):
// trigger() is one eventfd write from any thread, injected by the kernel without a vCPU
// exit; set_level() falls back to KVM_IRQ_LINE. Owned by the machine; unregistered on
// destruction. Failure: create() returns the KVM_IRQFD error.
class KvmIrqfdLine final : public IrqLine {
 public:
  static Result<std::unique_ptr<KvmIrqfdLine>> create(const hypervisor::VmFd& vm, uint32_t gsi);
  ~KvmIrqfdLine() override;
  void set_level(bool asserted) override { level_.set_level(asserted); }
  void trigger() override;

 private:
  KvmIrqfdLine(const hypervisor::VmFd& vm, uint32_t gsi, EventFd fd)
      : vm_(vm), gsi_(gsi), fd_(std::move(fd)), level_(vm, gsi) {}
  const hypervisor::VmFd& vm_;
  uint32_t gsi_;
  EventFd fd_;
  KvmIrqLine level_;
};

// IoEventKick: a queue kick delivered by a KVM ioeventfd — a 4-byte guest write of
// `queue` to `addr` makes the kernel signal an eventfd instead of exiting to the vCPU
// thread; `kick` then runs on `loop` (the device's data-plane loop). Owned by the machine;
// destroyed after the loop's thread has stopped (or on the loop thread). Failure: create()
// returns the KVM_IOEVENTFD or epoll error.
class IoEventKick {
 public:
  static Result<std::unique_ptr<IoEventKick>> create(const hypervisor::VmFd& vm, uint64_t addr,
                                                     uint32_t queue, EventLoop& loop,
                                                     std::function<void()> kick);
  ~IoEventKick();
  IoEventKick(const IoEventKick&) = delete;
  IoEventKick& operator=(const IoEventKick&) = delete;

 private:
  IoEventKick(const hypervisor::VmFd& vm, hypervisor::IoEventFdSpec spec, EventLoop& loop,
              EventFd fd)
      : vm_(vm), spec_(spec), loop_(loop), fd_(std::move(fd)) {}
  const hypervisor::VmFd& vm_;
  hypervisor::IoEventFdSpec spec_;
  EventLoop& loop_;
  EventFd fd_;
  bool in_loop_ = false;
};

}  // namespace stratovirt::machine
