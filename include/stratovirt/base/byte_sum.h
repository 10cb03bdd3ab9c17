// SPDX-License-Identifier: MulanPSL-2.0
//
// byte_sum: the 8-bit sum firmware tables are checksummed with (ACPI, MP spec, SMBIOS):
// a table is valid when all its bytes sum to 0, so its checksum byte is -byte_sum(rest).
// Pure function, any thread.
#pragma once

#include <cstdint>
#include <span>

namespace stratovirt {

inline uint8_t byte_sum(std::span<const uint8_t> bytes) {
  uint8_t sum = 0;
  for (uint8_t b : bytes) sum = static_cast<uint8_t>(sum + b);
  return sum;
}

}  // namespace stratovirt
