// SPDX-License-Identifier: MulanPSL-2.0
//
// ACPI hardware-reduced sleep and reset registers (what the microvm FADT points at).
//
// Models the three byte registers of ACPI 6.x §4.8.3.7-4.8.3.8 and §4.8.3.6: offset 0
// SLEEP_CONTROL_REG (bits 2..4 SLP_TYPx, bit 5 SLP_EN; write-only, reads 0), offset 1
// SLEEP_STATUS_REG (bit 7 WAK_STS, write 1 to clear) and offset 2 RESET_REG. Writing
// SLP_EN with SLP_TYP = kSlpTypS5 (the value the DSDT's _S5 package holds) calls the
// injected poweroff callback; other sleep states are not supported (logged, ignored).
// Writing kResetValue to RESET_REG calls the reset callback. The FADT (acpi/tables.h)
// names these registers with addresses the machine chooses (I/O port block on microvm).
// Owned by the machine; put on the PIO (or MMIO) Bus, kPowerRegistersSpan bytes.
// Threads: vCPU threads; callbacks run on the writing vCPU thread with no lock held and
// must only request the shutdown/reset (post to the main loop). Nothing fails.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "stratovirt/memory/bus.h"

namespace stratovirt::devices {

class AcpiPowerRegisters final : public BusDevice {
 public:
  static constexpr uint64_t kSleepControlOffset = 0;
  static constexpr uint64_t kSleepStatusOffset = 1;
  static constexpr uint64_t kResetOffset = 2;
  static constexpr uint64_t kSpan = 3;
  static constexpr uint8_t kSlpTypS5 = 5;
  static constexpr uint8_t kResetValue = 0x42;

  AcpiPowerRegisters(std::function<void()> on_poweroff, std::function<void()> on_reset);

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;
  std::string_view name() const override { return "acpi-power-regs"; }

 private:
  void write_byte(uint64_t reg, uint8_t value);

  const std::function<void()> on_poweroff_;
  const std::function<void()> on_reset_;
  std::atomic<uint8_t> sleep_status_{0};
};

}  // namespace stratovirt::devices
