// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/acpi/power_registers.h"

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::devices {
namespace {
constexpr uint8_t kSlpEn = 0x20;
constexpr uint8_t kSlpTypShift = 2;
constexpr uint8_t kSlpTypMask = 0x07;
constexpr uint8_t kWakSts = 0x80;
}  // namespace

AcpiPowerRegisters::AcpiPowerRegisters(std::function<void()> on_poweroff,
                                       std::function<void()> on_reset)
    : on_poweroff_(std::move(on_poweroff)), on_reset_(std::move(on_reset)) {}

void AcpiPowerRegisters::read(uint64_t offset, std::span<uint8_t> data) {
  for (size_t i = 0; i < data.size(); ++i) {
    uint64_t reg = offset + i;
    data[i] = reg == kSleepStatusOffset ? sleep_status_.load() : 0;
  }
}

void AcpiPowerRegisters::write(uint64_t offset, std::span<const uint8_t> data) {
  for (size_t i = 0; i < data.size(); ++i) write_byte(offset + i, data[i]);
}

void AcpiPowerRegisters::write_byte(uint64_t reg, uint8_t value) {
  switch (reg) {
    case kSleepControlOffset: {
      if (!(value & kSlpEn)) return;
      uint8_t slp_typ = (value >> kSlpTypShift) & kSlpTypMask;
      if (slp_typ == kSlpTypS5) {
        if (on_poweroff_) on_poweroff_();
      } else {
        SV_LOG_RATELIMITED(logger(kLoggerDevices), spdlog::level::warn,
                           "acpi: sleep type {} requested; only S5 (poweroff) is supported",
                           slp_typ);
      }
      return;
    }
    case kSleepStatusOffset:
      sleep_status_.fetch_and(static_cast<uint8_t>(~(value & kWakSts)));
      return;
    case kResetOffset:
      if (value == kResetValue) {
        if (on_reset_) on_reset_();
      } else {
        SV_LOG_RATELIMITED(logger(kLoggerDevices), spdlog::level::warn,
                           "acpi: reset register written with {:#04x}, expected {:#04x}", value,
                           kResetValue);
      }
      return;
    default:
      return;
  }
}

}  // namespace stratovirt::devices
