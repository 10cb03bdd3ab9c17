// SPDX-License-Identifier: MulanPSL-2.0
//
// MachineAdapter: MachineControl on top of machine::Machine (microvm), so QMP drives the
// real VM without the machine layer knowing QMP.
//
// Maps the machine's created/running/paused/shutdown states to QEMU run states ("prelaunch"
// until the first cont after -S; a fatal vCPU error shows as "internal-error", a guest
// panic as "guest-panicked") and its shutdown reasons to SHUTDOWN causes. It takes the
// machine's single shutdown callback and forwards every shutdown, once, to the
// ShutdownListener; the exit code stays in machine.shutdown_event(). StratoVirt's microvm
// rules: system_powerdown powers off at once (reported as a guest shutdown, as if the
// guest had obeyed the button) and system_reset is a shutdown.
// The balloon is the machine's virtio-balloon (machine::Machine::balloon()); with
// emit_balloon_events() every change of the guest's `actual` becomes a BALLOON_CHANGED
// event, emitted on the main loop. query-chardev lists the monitors given here and the
// machine's own chardevs (machine::Machine::chardevs(): the serial's pty path).
// Threads: main loop thread. Failure: the machine's pause/resume errors are passed on; a
// balloon target outside 1..RAM bytes is refused.
#pragma once

#include <optional>
#include <vector>

#include "stratovirt/config/vm_config.h"
#include "stratovirt/machine/machine.h"
#include "stratovirt/qmp/machine_control.h"
#include "stratovirt/qmp/qmp_events.h"

namespace stratovirt::qmp {

class MachineAdapter final : public MachineControl {
 public:
  // `machine` and `config` must outlive the adapter. `start_paused`: the machine was
  // started with -S.
  MachineAdapter(machine::Machine& machine, const config::VmConfig& config, bool start_paused,
                 std::vector<ChardevInfo> chardevs, ShutdownListener listener);
  ~MachineAdapter() override;
  MachineAdapter(const MachineAdapter&) = delete;
  MachineAdapter& operator=(const MachineAdapter&) = delete;

  // BALLOON_CHANGED {"actual": bytes} into `events` whenever the guest changes the balloon
  // (the device reports on a vCPU thread; the event is posted to `loop`). Both outlive the
  // machine. Nothing happens without a balloon.
  void emit_balloon_events(EventQueue& events, EventLoop& loop);

  RunState run_state() const override;
  Result<void> pause() override;
  Result<void> resume() override;
  void request_shutdown(ShutdownCause cause) override;
  Result<void> request_powerdown() override;
  Result<ResetOutcome> request_reset() override;

  std::vector<VcpuInfo> vcpus() const override;
  std::optional<std::vector<HotpluggableCpu>> hotpluggable_cpus() const override;
  std::vector<IothreadInfo> iothreads() const override;
  std::vector<ChardevInfo> chardevs() const override;
  std::optional<uint64_t> balloon_actual() const override;
  Result<void> set_balloon_target(uint64_t bytes) override;

 private:
  void on_shutdown(const machine::ShutdownEvent& event);

  machine::Machine& machine_;
  const config::VmConfig& config_;
  bool prelaunch_;
  std::vector<ChardevInfo> chardevs_;
  ShutdownListener listener_;
  std::optional<ShutdownCause> requested_;  // cause of a host-requested shutdown
  bool reported_ = false;
};

}  // namespace stratovirt::qmp
