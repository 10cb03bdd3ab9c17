// SPDX-License-Identifier: MulanPSL-2.0
//
// Boot-time descriptor and page tables in guest RAM for entering Linux in long mode:
// a flat GDT (null, null, 64-bit code 0x10, data 0x18) at 0x500, an empty IDT at 0x520 and
// identity page tables for the first 1 GiB (PML4 0x9000 -> PDPT 0xA000 -> PD 0xB000 with
// 512 2 MiB pages). Also the kvm_segment values the vCPU's hidden descriptor caches need.
// Main thread, while the machine is built. Failure: guest RAM too small for the tables.
#pragma once

#include <linux/kvm.h>

#include <array>
#include <cstdint>

#include "stratovirt/base/error.h"
#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::machine::x86 {

// GDT entries (flags in the access/flags layout of Intel SDM Vol. 3A 3.4.5).
inline constexpr std::array<uint64_t, 4> kBootGdt = {
    0,
    0,
    0x00AF9B000000FFFFULL,  // code: base 0, limit 4 GiB, present, exec/read, L=1, G=1
    0x00CF93000000FFFFULL,  // data: base 0, limit 4 GiB, present, read/write, D/B=1, G=1
};

// Decodes a GDT descriptor into the cache format KVM_SET_SREGS takes.
kvm_segment segment_from_descriptor(uint64_t descriptor, uint16_t selector);

Result<void> write_boot_tables(const memory::GuestMemory& mem);

}  // namespace stratovirt::machine::x86
