// SPDX-License-Identifier: MulanPSL-2.0
//
// Guest-physical addresses of the x86 direct 64-bit Linux boot (StratoVirt's layout).
//
// Low memory: GDT 0x500, IDT 0x520, page tables 0x9000/0xA000/0xB000, zero page 0x7000,
// boot stack below 0x8FF0, cmdline 0x20000, MP table in the EBDA at 0x9FC00, ACPI tables in
// the BIOS area from 0xE0000; kernel at 1 MiB (bzImage) or 16 MiB (raw vmlinux); initrd
// below 0x37FFFFFF. Constants only.
#pragma once

#include <cstdint>

namespace stratovirt::machine::x86 {

inline constexpr uint64_t kGdtAddr = 0x500;
inline constexpr uint64_t kIdtAddr = 0x520;
inline constexpr uint64_t kZeroPageAddr = 0x7000;
inline constexpr uint64_t kBootStackPointer = 0x8FF0;
inline constexpr uint64_t kPml4Addr = 0x9000;
inline constexpr uint64_t kPdptAddr = 0xA000;
inline constexpr uint64_t kPdAddr = 0xB000;
inline constexpr uint64_t kCmdlineAddr = 0x20000;
inline constexpr uint64_t kCmdlineMaxSize = 0x10000;  // up to the next fixed area
inline constexpr uint64_t kEbdaStart = 0x9FC00;
inline constexpr uint64_t kMpTableAddr = kEbdaStart;
inline constexpr uint64_t kLowRamEnd = 0xA0000;        // 640 KiB
inline constexpr uint64_t kBiosAreaStart = 0xD0000;    // reserved up to 1 MiB
inline constexpr uint64_t kAcpiTablesAddr = 0xE0000;   // RSDP first (BIOS scan range)
inline constexpr uint64_t kAcpiTablesMaxSize = 0x20000;
inline constexpr uint64_t kHighMemStart = 0x100000;    // 1 MiB
inline constexpr uint64_t kBzImageLoadAddr = 0x100000;
inline constexpr uint64_t kRawVmlinuxLoadAddr = 0x1000000;
inline constexpr uint64_t kInitrdAddrMax = 0x37FFFFFF;
inline constexpr uint64_t kIdentityMapSize = 1ULL << 30;  // 512 x 2 MiB pages

inline constexpr uint16_t kBootCodeSelector = 0x10;
inline constexpr uint16_t kBootDataSelector = 0x18;

inline constexpr uint64_t kIoApicAddr = 0xFEC00000;
inline constexpr uint64_t kLapicAddr = 0xFEE00000;

}  // namespace stratovirt::machine::x86
