// SPDX-License-Identifier: MulanPSL-2.0
//
// NoneMachineControl: MachineControl for `-machine none` (libvirt's capability probe).
//
// No guest, no vCPUs, no devices; only the run state behaves as QEMU's does for a machine
// without CPUs: "prelaunch" with -S, else "running"; stop/cont move between running and
// paused (stop before the first cont changes nothing); system_reset leaves a stopped
// machine in "prelaunch"; a shutdown enters "shutdown" and tells the listener. The
// chardevs it reports (the monitors' sockets) are given at construction.
// Threads: main loop thread. Failure: cont after a shutdown asks for a reset.
#pragma once

#include <vector>

#include "stratovirt/qmp/machine_control.h"

namespace stratovirt::qmp {

class NoneMachineControl final : public MachineControl {
 public:
  NoneMachineControl(bool start_paused, std::vector<ChardevInfo> chardevs,
                     ShutdownListener listener);

  RunState run_state() const override { return state_; }
  Result<void> pause() override;
  Result<void> resume() override;
  void request_shutdown(ShutdownCause cause) override;
  Result<void> request_powerdown() override;
  Result<ResetOutcome> request_reset() override;

  std::vector<VcpuInfo> vcpus() const override { return {}; }
  std::optional<std::vector<HotpluggableCpu>> hotpluggable_cpus() const override {
    return std::nullopt;
  }
  std::vector<IothreadInfo> iothreads() const override { return {}; }
  std::vector<ChardevInfo> chardevs() const override { return chardevs_; }
  std::optional<uint64_t> balloon_actual() const override { return std::nullopt; }
  Result<void> set_balloon_target(uint64_t) override;

 private:
  RunState state_;
  std::vector<ChardevInfo> chardevs_;
  ShutdownListener listener_;
  bool shut_down_ = false;
};

}  // namespace stratovirt::qmp
