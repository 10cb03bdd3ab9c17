// SPDX-License-Identifier: MulanPSL-2.0
// Machine::create: the machine type switch.
#include "stratovirt/machine/machine.h"

#include "machine/config_check.h"
#include "machine/micro_vm.h"

namespace stratovirt::machine {

std::string_view to_string(MachineState s) {
  switch (s) {
    case MachineState::kCreated: return "created";
    case MachineState::kRunning: return "running";
    case MachineState::kPaused: return "paused";
    case MachineState::kShutdown: return "shut down";
  }
  return "?";
}

std::string_view to_string(ShutdownReason r) {
  switch (r) {
    case ShutdownReason::kGuestReset: return "guest reset";
    case ShutdownReason::kGuestPoweroff: return "guest poweroff";
    case ShutdownReason::kGuestPanic: return "guest panic";
    case ShutdownReason::kHostRequest: return "host request";
    case ShutdownReason::kFatalError: return "fatal error";
  }
  return "?";
}

Result<std::unique_ptr<Machine>> Machine::create(const config::VmConfig& config, EventLoop& loop) {
  SV_RETURN_IF_ERROR(check_microvm_config(config));
  SV_ASSIGN_OR_RETURN(auto vm, MicroVm::create(config, loop));
  return std::unique_ptr<Machine>(std::move(vm));
}

}  // namespace stratovirt::machine
