// SPDX-License-Identifier: MulanPSL-2.0
//
// Intel MultiProcessor Specification 1.4 table: the floating pointer structure followed by
// the configuration table (one processor entry per vCPU, BSP flagged; one ISA bus; the
// IOAPIC; ISA IRQs 0-15 on IOAPIC pins 0-15; LINT0 ExtINT and LINT1 NMI). Both checksums
// make their structure sum to zero. Placed in the last KiB of base memory (0x9FC00), one of
// the places the spec (and Linux) scans. Pure computation; any thread.
// Failure: too many vCPUs for the 1 KiB area.
#pragma once

#include <cstdint>
#include <vector>

#include "stratovirt/base/error.h"

namespace stratovirt::machine::x86 {

inline constexpr uint64_t kMpTableMaxSize = 0x400;
inline constexpr uint8_t kMpLapicVersion = 0x14;
inline constexpr uint8_t kMpIoApicVersion = 0x11;

// Bytes to write at `base` (floating pointer first, config table right after it).
Result<std::vector<uint8_t>> build_mp_table(uint32_t num_cpus, uint64_t base);


}  // namespace stratovirt::machine::x86
