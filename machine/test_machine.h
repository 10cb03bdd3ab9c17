// SPDX-License-Identifier: MulanPSL-2.0
//
// TestMachine: the microvm under `-accel test` (device test tier, inventory §9.2), with no
// KVM, no vCPUs and no guest code.
//
// Models the microvm's device side only: guest RAM laid out as on the microvm, the MMIO
// and PIO buses, the 16550 at 0x3F8 on the -serial chardev, the virtio-mmio devices in
// their windows (IRQ 5+n), and interrupt lines that are recorded (TestIrqLines) rather
// than delivered. Time is the VirtualClock the main loop runs on: it moves only on the
// driver's clock_step/clock_set. The machine connects to the test driver's -mod-test
// socket at creation and serves the text protocol (test_protocol.h) on the main loop;
// when the driver closes it, the machine shuts down (host request, exit 0). Run states
// (created/running/paused/shut down) are bookkeeping only, so QMP lifecycle commands work.
// Threads: everything on the main loop thread. Failure: create() returns the first
// realize error (unsupported option, device open error, driver socket not reachable).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "machine/test_machine_irq.h"
#include "machine/test_protocol.h"
#include "stratovirt/base/clock.h"
#include "stratovirt/devices/char_backend.h"
#include "stratovirt/machine/machine.h"
#include "stratovirt/memory/bus.h"
#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::machine {

class VirtioMmioSet;

// What `-accel test` can realize; refuses the rest with "not supported yet".
Result<void> check_test_machine_config(const config::VmConfig& cfg);

class TestMachine final : public Machine {
 public:
  // `loop` must run on `clock`; both outlive the machine.
  static Result<std::unique_ptr<TestMachine>> create(const config::VmConfig& cfg, EventLoop& loop,
                                                     VirtualClock& clock);
  ~TestMachine() override;

  void set_shutdown_callback(ShutdownCallback callback) override;
  Result<void> start(bool paused) override;
  Result<void> pause() override;
  Result<void> resume() override;
  void request_shutdown(ShutdownReason reason, std::string detail = {}) override;
  MachineState state() const override { return state_; }
  std::optional<ShutdownEvent> shutdown_event() const override { return shutdown_; }
  std::vector<VcpuStatus> vcpus() const override { return {}; }
  virtio::BalloonControl* balloon() const override;

  TestTarget target();

 private:
  TestMachine(EventLoop& loop, VirtualClock& clock);
  Result<void> realize(const config::VmConfig& cfg);
  Result<void> realize_memory(const config::VmConfig& cfg);
  Result<void> realize_serial(const config::VmConfig& cfg);
  Result<void> realize_virtio(const config::VmConfig& cfg);

  EventLoop& loop_;
  VirtualClock& clock_;
  memory::GuestMemory memory_;
  std::unique_ptr<Bus> pio_ = Bus::create("pio");
  std::unique_ptr<Bus> mmio_ = Bus::create("mmio");
  TestIrqLines irqs_;
  std::unique_ptr<CharBackend> serial_backend_;
  std::vector<std::shared_ptr<void>> devices_;  // keeps device models alive (typed on the buses)
  std::unique_ptr<VirtioMmioSet> virtio_;
  std::unique_ptr<TestSocketClient> driver_;

  MachineState state_ = MachineState::kCreated;
  std::optional<ShutdownEvent> shutdown_;
  ShutdownCallback on_shutdown_;
};

}  // namespace stratovirt::machine
