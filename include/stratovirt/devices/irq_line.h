// SPDX-License-Identifier: MulanPSL-2.0
//
// IrqLine: how a device model raises its interrupt, without knowing KVM.
//
// Implemented by the machine (KVM_IRQ_LINE for level lines, an irqfd for edge lines), by
// the test accelerator (records the line state) and by fakes in unit tests. Any thread;
// implementations are thread-safe. Failures are logged by the implementation (a device
// cannot do anything useful about them).
#pragma once

namespace stratovirt {

class IrqLine {
 public:
  virtual ~IrqLine() = default;
  // Level-triggered lines (16550 UART on the i8259/IOAPIC): assert or deassert.
  virtual void set_level(bool asserted) = 0;
  // Edge-triggered lines (virtio-mmio via irqfd): one interrupt.
  virtual void trigger() = 0;
};

}  // namespace stratovirt
