// SPDX-License-Identifier: MulanPSL-2.0
//
// Boot debug port: guest-written progress codes, timestamped for boot-time measurement.
//
// Models StratoVirt's `boot_time` probe (a patched guest kernel writes 0x01 "kernel starts
// to boot" and 0x02 "kernel boot complete" to I/O port 0x3FF) and accepts Firecracker's
// boot-timer byte 123 ("guest boot complete", written by an init) as well. Every byte
// written is logged at info level with the time elapsed since VMM start and handed to an
// injected callback, so the machine can record boot milestones (QMP, benchmarks). Reads
// return 0xFF.
// Port 0x3FF is also the 16550's scratch register (0x3F8 + 7): where the serial port is
// present, put make_debug_port_tap(serial, 7, port) on the Bus instead of the serial (it
// forwards every access to the serial and records byte writes at offset 7); elsewhere
// (another port, an MMIO byte) the device goes on a Bus like any other (1 byte).
// Owned by the machine (shared with a tap).
// Threads: vCPU threads; the callback runs on the writing vCPU thread and must be quick.
// Logging of guest codes is rate-limited; nothing fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "stratovirt/base/clock.h"
#include "stratovirt/memory/bus.h"

namespace stratovirt::devices {

inline constexpr uint64_t kBootDebugPort = 0x3FF;
inline constexpr uint8_t kBootCodeKernelStart = 0x01;
inline constexpr uint8_t kBootCodeKernelBooted = 0x02;
inline constexpr uint8_t kBootCodeFirecrackerInit = 123;

class BootDebugPort final : public BusDevice {
 public:
  using MilestoneCallback = std::function<void(uint8_t code, std::chrono::nanoseconds elapsed)>;

  // `vmm_start` is `clock.now()` taken when the VMM started. `clock` must outlive this.
  BootDebugPort(const Clock& clock, std::chrono::nanoseconds vmm_start,
                MilestoneCallback on_code = {});

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;
  std::string_view name() const override { return "boot-debug-port"; }

  // One code from the guest: log it and report it.
  void record(uint8_t code);

  // "kernel starts to boot", "kernel boot complete", "guest init reached", or "" if unknown.
  static std::string_view describe(uint8_t code);

 private:
  const Clock& clock_;
  const std::chrono::nanoseconds vmm_start_;
  const MilestoneCallback on_code_;
};

// A BusDevice that forwards everything to `inner` and also hands byte writes at
// `tap_offset` to `port` (StratoVirt's 0x3FF probe over the UART's scratch register).
std::shared_ptr<BusDevice> make_debug_port_tap(std::shared_ptr<BusDevice> inner,
                                               uint64_t tap_offset,
                                               std::shared_ptr<BootDebugPort> port);

}  // namespace stratovirt::devices
