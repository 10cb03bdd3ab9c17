// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/vm_config.h"

namespace stratovirt::config {

Result<VmConfig> build_vm_config(const RawCommandLine&) { return VmConfig{}; }
Result<void> validate_vm_config(VmConfig&) { return ok(); }
Result<VmConfig> parse_command_line(std::span<const std::string> args) {
  SV_ASSIGN_OR_RETURN(auto raw, lex_command_line(args));
  SV_ASSIGN_OR_RETURN(auto cfg, build_vm_config(raw));
  SV_RETURN_IF_ERROR(validate_vm_config(cfg));
  return cfg;
}

}  // namespace stratovirt::config
