// SPDX-License-Identifier: MulanPSL-2.0
//
// ACPI table builders: the common header and checksum, RSDP, XSDT, FADT, MADT, DSDT.
//
// Encodes the structures of ACPI 6.x chapter 5 (§5.2.5 RSDP v2, §5.2.6 header, §5.2.8
// XSDT, §5.2.9 FADT revision 6 in its hardware-reduced form, §5.2.12 MADT revision 5
// with Local APIC, I/O APIC, Interrupt Source Override and Local APIC NMI entries,
// §5.2.11.1 DSDT around caller-built AML). Every table gets its length and checksum
// filled in. Pure functions, any thread, no failure (inputs are VMM-chosen constants).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "stratovirt/base/byte_sum.h"

namespace stratovirt::devices::acpi {

using Bytes = std::vector<uint8_t>;

inline constexpr std::string_view kOemId = "STRATO";        // 6 bytes
inline constexpr std::string_view kOemTableId = "STRATOVM";  // 8 bytes
inline constexpr std::string_view kCreatorId = "SVCP";       // 4 bytes
inline constexpr uint32_t kCreatorRevision = 1;
inline constexpr size_t kHeaderSize = 36;
inline constexpr size_t kRsdpSize = 36;
inline constexpr size_t kFadtSize = 276;


// A table: header (signature, revision, OEM fields) followed by `body`; length and
// checksum filled in.
Bytes make_table(std::string_view signature, uint8_t revision, const Bytes& body);

Bytes build_rsdp(uint64_t xsdt_addr);
Bytes build_xsdt(const std::vector<uint64_t>& table_addrs);

// Generic Address Structure (§5.2.3.2).
struct GenericAddress {
  uint8_t space_id = 0;  // 0 system memory, 1 system I/O
  uint8_t bit_width = 0;
  uint8_t bit_offset = 0;
  uint8_t access_size = 0;  // 1 byte, 2 word, 3 dword, 4 qword
  uint64_t address = 0;
  static GenericAddress io_byte(uint16_t port) { return {1, 8, 0, 1, port}; }
};

inline constexpr uint16_t kBootArchLegacyDevices = 1 << 0;
inline constexpr uint16_t kBootArch8042 = 1 << 1;
inline constexpr uint16_t kBootArchVgaNotPresent = 1 << 2;
inline constexpr uint16_t kBootArchMsiNotSupported = 1 << 3;
inline constexpr uint16_t kBootArchCmosRtcNotPresent = 1 << 5;

struct FadtParams {
  uint64_t dsdt_addr = 0;
  uint16_t iapc_boot_arch = kBootArchVgaNotPresent | kBootArchCmosRtcNotPresent;
  GenericAddress sleep_control;
  GenericAddress sleep_status;
  GenericAddress reset_reg;
  uint8_t reset_value = 0;
};
// Revision 6.3, HW_REDUCED_ACPI | RESET_REG_SUP | WBINVD; no FACS, no PM blocks.
Bytes build_fadt(const FadtParams& p);

struct InterruptOverride {
  uint8_t source;  // ISA IRQ
  uint32_t gsi;
  uint16_t flags;  // MPS INTI flags: polarity bits 1:0, trigger bits 3:2
};
struct MadtParams {
  uint32_t cpu_count = 1;  // Local APICs with ids and processor UIDs 0..n-1, enabled
  uint32_t lapic_addr = 0xFEE00000;
  uint8_t ioapic_id = 0;
  uint32_t ioapic_addr = 0xFEC00000;
  uint32_t ioapic_gsi_base = 0;
  std::vector<InterruptOverride> overrides;
  bool pcat_compat = true;  // dual 8259s present (KVM's in-kernel PIC)
};
Bytes build_madt(const MadtParams& p);

Bytes build_dsdt(const Bytes& aml);

}  // namespace stratovirt::devices::acpi
