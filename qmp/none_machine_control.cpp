// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/none_machine_control.h"

namespace stratovirt::qmp {

NoneMachineControl::NoneMachineControl(bool start_paused, std::vector<ChardevInfo> chardevs,
                                       ShutdownListener listener)
    : state_(start_paused ? RunState::kPrelaunch : RunState::kRunning),
      chardevs_(std::move(chardevs)),
      listener_(std::move(listener)) {}

// QEMU's vm_stop(): only a running machine stops; otherwise nothing changes.
Result<void> NoneMachineControl::pause() {
  if (state_ == RunState::kRunning) state_ = RunState::kPaused;
  return ok();
}

Result<void> NoneMachineControl::resume() {
  if (needs_reset(state_)) {
    return make_error(ErrorCode::kInvalidArgument, "Resetting the Virtual Machine is required");
  }
  state_ = RunState::kRunning;
  return ok();
}

void NoneMachineControl::request_shutdown(ShutdownCause cause) {
  state_ = RunState::kShutdown;
  if (shut_down_) return;
  shut_down_ = true;
  if (listener_) listener_(cause);
}

// No ACPI, no guest: the power button has nobody to press it for (QMP still emits
// POWERDOWN, as QEMU does).
Result<void> NoneMachineControl::request_powerdown() { return ok(); }

// QEMU: after a reset a machine that is not running is in prelaunch.
Result<ResetOutcome> NoneMachineControl::request_reset() {
  if (state_ != RunState::kRunning) state_ = RunState::kPrelaunch;
  return ResetOutcome::kReset;
}

Result<void> NoneMachineControl::set_balloon_target(uint64_t) {
  return make_error(ErrorCode::kNotFound, "No balloon device has been activated");
}

}  // namespace stratovirt::qmp
