// SPDX-License-Identifier: MulanPSL-2.0
//
// System control port B (I/O 0x61), the minimum old kernels need.
//
// Models the PC/AT port B as StratoVirt's microvm does: bit 5 (PIT channel 2 output /
// refresh toggle) always reads 1, so a PIT-based TSC calibration loop that waits for it
// ends at once; bits 0..3 (speaker gate and data, parity/channel check enables) keep what
// the guest wrote; everything else reads 0. No speaker, no NMI sources.
// Owned by the machine; put on the PIO Bus at 0x61 (1 byte). Threads: vCPU threads
// (atomic state). Nothing fails.
#pragma once

#include <atomic>
#include <cstdint>

#include "stratovirt/memory/bus.h"

namespace stratovirt::devices {

inline constexpr uint64_t kSystemControlPortB = 0x61;

class SystemControlPortB final : public BusDevice {
 public:
  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;
  std::string_view name() const override { return "port61"; }

 private:
  std::atomic<uint8_t> latch_{0};
};

}  // namespace stratovirt::devices
