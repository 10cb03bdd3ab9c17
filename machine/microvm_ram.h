// SPDX-License-Identifier: MulanPSL-2.0
//
// add_microvm_ram: the guest RAM of a microvm-layout machine (KVM microvm, -accel test).
//
// Allocates the host backing that -m / -mem-path / -mem-prealloc / -machine memory-backend=
// ask for and maps it at StratoVirt's microvm addresses (memory::microvm_ram_ranges: from 0
// up to 3 GiB, the rest from 4 GiB) into `memory`. The caller registers the regions with its
// accelerator (KVM memslots) if it has one. Main thread, at realize time.
// Failure: a backend whose size differs from -m, or the allocation error with the size as
// context.
#pragma once

#include "stratovirt/base/error.h"
#include "stratovirt/config/vm_config.h"
#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::machine {

Result<void> add_microvm_ram(const config::VmConfig& cfg, memory::GuestMemory& memory);

}  // namespace stratovirt::machine
