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
