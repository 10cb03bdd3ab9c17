// SPDX-License-Identifier: MulanPSL-2.0
//
// The e820 memory map handed to Linux in the zero page (ACPI spec "System Address Map",
// Linux boot_params.e820_table): low RAM up to the EBDA, the EBDA and the BIOS area
// 0xD0000-1 MiB reserved, RAM from 1 MiB to the 32-bit gap and from 4 GiB upwards.
// Pure computation; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::machine::x86 {

inline constexpr uint32_t kE820Ram = 1;
inline constexpr uint32_t kE820Reserved = 2;

struct E820Entry {
  uint64_t addr = 0;
  uint64_t size = 0;
  uint32_t type = kE820Ram;
  bool operator==(const E820Entry&) const = default;
};

// `ram` are the guest RAM ranges (the first one starts at 0 and covers at least 1 MiB).
std::vector<E820Entry> build_e820(std::span<const memory::RamRange> ram);

}  // namespace stratovirt::machine::x86
