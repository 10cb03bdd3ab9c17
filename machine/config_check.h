// SPDX-License-Identifier: MulanPSL-2.0
//
// What the machine layer can realize today: every option of a VmConfig that this build
// cannot honour is refused with "<thing>: not supported yet" (or a reason), never ignored.
// Pure check on the main thread before anything is created.
#pragma once

#include "stratovirt/base/error.h"
#include "stratovirt/config/vm_config.h"

namespace stratovirt::machine {

Result<void> check_microvm_config(const config::VmConfig& cfg);

}  // namespace stratovirt::machine
