// SPDX-License-Identifier: MulanPSL-2.0
//
// MachineControl: the narrow interface QMP drives a VM through.
//
// Models what QEMU's QMP lifecycle and query commands need from a machine: the run state
// (QEMU's RunState names), pause/resume, host-requested shutdown/powerdown/reset with a
// cause, vCPU and topology information, iothreads, chardevs and the balloon. QMP owns the
// events (STOP/RESUME/POWERDOWN/RESET are emitted by the command handlers from the state
// change they observe); an implementation reports every shutdown, whoever caused it,
// through the ShutdownListener it was built with, exactly once. Implementations:
// NoneMachineControl (-machine none) and an adapter over machine::Machine.
// Threads: every method on the main loop thread; the listener runs there too.
// Failure: pause/resume/powerdown/reset return an Error whose message is shown to the
// QMP client as a GenericError.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/config/machine_config.h"

namespace stratovirt::qmp {

// QEMU's RunState values that this VMM can be in.
enum class RunState {
  kPrelaunch,      // -S, not started yet
  kRunning,
  kPaused,         // stop
  kShutdown,       // guest or host shut it down; needs a reset to run again
  kInternalError,  // a fatal vCPU error
  kGuestPanicked,
};
std::string_view to_string(RunState state);
// Whether `cont` must be refused until system_reset ("Resetting the Virtual Machine is
// required").
bool needs_reset(RunState state);

// QEMU's ShutdownCause values (the SHUTDOWN event's "reason").
enum class ShutdownCause {
  kHostError,
  kHostQmpQuit,
  kHostQmpSystemReset,
  kHostSignal,
  kGuestShutdown,
  kGuestReset,
  kGuestPanic,
};
std::string_view to_string(ShutdownCause cause);
bool is_guest(ShutdownCause cause);

using ShutdownListener = std::function<void(ShutdownCause cause)>;

// x86 CPU topology ids (QEMU's CpuInstanceProperties; die-id only when dies > 1).
struct CpuProps {
  uint32_t socket_id = 0;
  std::optional<uint32_t> die_id;
  uint32_t core_id = 0;
  uint32_t thread_id = 0;
};

struct VcpuInfo {
  uint32_t index = 0;
  int64_t thread_id = 0;  // host tid of the vCPU thread
  bool halted = false;
  CpuProps props;
};

struct HotpluggableCpu {
  std::string type;  // QOM type, "host-x86_64-cpu"
  uint32_t vcpus_count = 1;
  CpuProps props;
  std::optional<std::string> qom_path;  // present for CPUs that are plugged
};

struct IothreadInfo {
  std::string id;
  int64_t thread_id = 0;
};

struct ChardevInfo {
  std::string label;     // the chardev id
  std::string filename;  // "pty:/dev/pts/3", "unix:/path,server=on", ...
  bool frontend_open = true;
};

enum class ResetOutcome {
  kReset,     // the machine was reset: QMP emits RESET
  kShutdown,  // this machine shuts down on reset (microvm): reported via the listener
};

class MachineControl {
 public:
  virtual ~MachineControl() = default;

  virtual RunState run_state() const = 0;
  virtual Result<void> pause() = 0;
  virtual Result<void> resume() = 0;
  // Shuts the machine down; the listener is told (once) with `cause`.
  virtual void request_shutdown(ShutdownCause cause) = 0;
  // ACPI power button (or whatever powerdown means on this machine).
  virtual Result<void> request_powerdown() = 0;
  virtual Result<ResetOutcome> request_reset() = 0;

  virtual std::vector<VcpuInfo> vcpus() const = 0;
  // nullopt: this machine cannot hot-plug CPUs.
  virtual std::optional<std::vector<HotpluggableCpu>> hotpluggable_cpus() const = 0;
  virtual std::vector<IothreadInfo> iothreads() const = 0;
  virtual std::vector<ChardevInfo> chardevs() const = 0;
  // nullopt: no balloon device is active.
  virtual std::optional<uint64_t> balloon_actual() const = 0;
  virtual Result<void> set_balloon_target(uint64_t bytes) = 0;
};

// The slots of an x86 `smp` topology in cpu-index order; slots with an entry in `online`
// (matched by index) carry a qom-path. For query-hotpluggable-cpus on microvm.
std::vector<HotpluggableCpu> topology_cpus(const config::SmpConfig& smp,
                                           const std::vector<VcpuInfo>& online);
// The topology ids of cpu `index` under `smp`.
CpuProps cpu_props(const config::SmpConfig& smp, uint32_t index);

}  // namespace stratovirt::qmp
