// SPDX-License-Identifier: MulanPSL-2.0
// e820 map for direct Linux boot.
#include "machine/x86_64/boot/e820.h"

#include "machine/x86_64/boot/boot_layout.h"

namespace stratovirt::machine::x86 {

std::vector<E820Entry> build_e820(std::span<const memory::RamRange> ram) {
  std::vector<E820Entry> map;
  map.push_back({0, kEbdaStart, kE820Ram});
  map.push_back({kEbdaStart, kLowRamEnd - kEbdaStart, kE820Reserved});
  map.push_back({kBiosAreaStart, kHighMemStart - kBiosAreaStart, kE820Reserved});
  for (const auto& r : ram) {
    uint64_t start = r.guest_addr;
    uint64_t end = r.guest_addr + r.size;
    if (start < kHighMemStart) start = kHighMemStart;  // below 1 MiB is described above
    if (end > start) map.push_back({start, end - start, kE820Ram});
  }
  return map;
}

}  // namespace stratovirt::machine::x86
