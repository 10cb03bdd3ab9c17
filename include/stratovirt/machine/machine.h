// SPDX-License-Identifier: MulanPSL-2.0
//
// Machine: the control interface of one VM, for main() and (later) QMP.
//
// Built from the validated VmConfig and the main EventLoop: memory, irqchip, devices, the
// guest kernel and the vCPUs are all realized by create(), so every configuration error
// (unsupported option, missing kernel, too much memory) surfaces there, before the loop
// runs. Lifecycle: created -> running <-> paused -> shut down. A guest reboot (reboot=k,
// triple fault, ACPI reset) and a guest poweroff (ACPI S5) shut the machine down with exit
// code 0 (StratoVirt's microvm rule "reboot = shutdown"); a fatal vCPU error shuts it down
// with exit code 2 after logging the exit reason and registers. The shutdown callback runs
// once, on the main loop thread.
// Threads: every method from the main loop thread. Failure: create() returns the first
// error; pause/resume fail only in the wrong state.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/config/vm_config.h"

namespace stratovirt::virtio {
class BalloonControl;  // stratovirt/virtio/balloon_device.h
}

namespace stratovirt::machine {

enum class MachineState { kCreated, kRunning, kPaused, kShutdown };

enum class ShutdownReason {
  kGuestReset,     // i8042 0xFE, triple fault, ACPI reset register: exit 0
  kGuestPoweroff,  // ACPI sleep register S5: exit 0
  kGuestPanic,     // a panic device report: exit 0 (none wired yet)
  kHostRequest,    // request_shutdown() (QMP quit, system_powerdown, signal): exit 0
  kFatalError,     // a vCPU could not go on: exit 2
};

struct ShutdownEvent {
  ShutdownReason reason = ShutdownReason::kHostRequest;
  int exit_code = 0;
  std::string detail;
};

// One vCPU as management sees it (QMP query-cpus / query-cpus-fast).
struct VcpuStatus {
  uint32_t index = 0;
  int64_t host_tid = 0;  // 0 until the vCPU thread has started
};

// One -object iothread (QMP query-iothreads).
struct IoThreadStatus {
  std::string id;
  int64_t host_tid = 0;  // 0 until the thread has started
};

// One chardev a device of the machine uses (QMP query-chardev: libvirt finds the serial's
// pty path there).
struct ChardevStatus {
  std::string id;
  std::string description;  // "pty:/dev/pts/3", "unix:/path,server=on", "file:/path", ...
};

std::string_view to_string(MachineState s);
std::string_view to_string(ShutdownReason r);

class Machine {
 public:
  using ShutdownCallback = std::function<void(const ShutdownEvent&)>;

  // Builds the machine the config names (microvm today). `loop` must outlive it.
  static Result<std::unique_ptr<Machine>> create(const config::VmConfig& config, EventLoop& loop);

  virtual ~Machine() = default;  // stops and joins the vCPU threads

  // Called once, on the loop thread, when the machine shuts down for any reason.
  virtual void set_shutdown_callback(ShutdownCallback callback) = 0;
  // Starts the vCPU threads: running, or parked with `paused` (-S).
  virtual Result<void> start(bool paused) = 0;
  virtual Result<void> pause() = 0;
  virtual Result<void> resume() = 0;
  // Stops the vCPUs and reports `reason` through the shutdown callback (once).
  virtual void request_shutdown(ShutdownReason reason, std::string detail = {}) = 0;

  virtual MachineState state() const = 0;
  virtual std::optional<ShutdownEvent> shutdown_event() const = 0;
  // Every created vCPU, in index order.
  virtual std::vector<VcpuStatus> vcpus() const = 0;
  // Every -object iothread, in command-line order (none on machines without them).
  virtual std::vector<IoThreadStatus> iothreads() const { return {}; }
  // The chardevs the machine's own devices opened (the -serial one today).
  virtual std::vector<ChardevStatus> chardevs() const { return {}; }
  // The -device virtio-balloon-device, or nullptr (QMP balloon/query-balloon). Lives as
  // long as the machine.
  virtual virtio::BalloonControl* balloon() const { return nullptr; }
};

}  // namespace stratovirt::machine
