// SPDX-License-Identifier: MulanPSL-2.0
//
// The ACPI tables of the x86_64 microvm: what a stock distro kernel needs to find its
// virtio-mmio devices, its COM1 and its way to power off and reset.
//
// Builds RSDP (v2) -> XSDT -> {FADT (hardware-reduced, revision 6.3) -> DSDT, MADT} for a
// guest-physical base chosen by the machine. The DSDT holds \_SB.COM1 (PNP0501, IO
// 0x3F8-0x3FF, IRQ 4) when a serial port exists, one \_SB.VRnn (_HID "LNRO0005", _UID n,
// _CRS Memory32Fixed(base, size) + Interrupt(edge, active-high, exclusive) {irq}) per
// virtio-mmio window, and \_S5 = Package {5, 0} matching AcpiPowerRegisters::kSlpTypS5.
// The FADT points SLEEP_CONTROL_REG / SLEEP_STATUS_REG / RESET_REG at an
// AcpiPowerRegisters block in I/O space. The MADT lists one enabled Local APIC per vCPU
// (APIC id = UID = index), the I/O APIC (id 0, 0xFEC00000, GSI base 0), the given
// interrupt source overrides and a LINT1 NMI.
// Use: build once at machine creation, copy every blob to its gpa, reserve
// [base_gpa, base_gpa + total_size) in the e820 map (type reserved or ACPI), and set
// boot_params.acpi_rsdp_addr = rsdp_addr. Pure, any thread.
// Failure: kInvalidArgument for 0 or more than 255 vCPUs, or tables that would not fit
// below `limit_gpa`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "devices/acpi/tables.h"
#include "stratovirt/base/error.h"

namespace stratovirt::devices {

inline constexpr uint64_t kMicroVmAcpiBase = 0xE0000;    // RSDP here (BIOS scan area too)
inline constexpr uint64_t kMicroVmAcpiLimit = 0x100000;  // tables end below 1 MiB
inline constexpr uint16_t kMicroVmPowerRegsPort = 0x600;  // AcpiPowerRegisters, 3 ports

struct VirtioMmioWindow {
  uint64_t base = 0;
  uint32_t size = 0x200;
  uint32_t irq = 0;  // GSI
};

struct MicroVmAcpiParams {
  uint32_t cpu_count = 1;
  bool serial = true;
  uint16_t serial_port = 0x3F8;
  uint8_t serial_irq = 4;
  std::vector<VirtioMmioWindow> virtio_mmio;
  uint16_t power_regs_port = kMicroVmPowerRegsPort;
  // Announce the i8042 to the guest (FADT IAPC_BOOT_ARCH bit 1). Off: Linux does not probe
  // a keyboard controller (no AUX timeouts at boot); `reboot=k` still reaches it.
  bool announce_i8042 = false;
  std::vector<acpi::InterruptOverride> interrupt_overrides;
};

struct AcpiBlob {
  std::string signature;  // "RSD PTR ", "DSDT", "FACP", "APIC", "XSDT"
  uint64_t gpa = 0;
  std::vector<uint8_t> bytes;
};

struct AcpiTables {
  uint64_t rsdp_addr = 0;
  uint64_t total_size = 0;  // from base_gpa to the end of the last table
  std::vector<AcpiBlob> blobs;
  const AcpiBlob* find(std::string_view signature) const;
};

// The DSDT's AML body (without the table header), exposed for tests and dumps.
std::vector<uint8_t> build_microvm_dsdt_aml(const MicroVmAcpiParams& params);

Result<AcpiTables> build_microvm_acpi(const MicroVmAcpiParams& params,
                                      uint64_t base_gpa = kMicroVmAcpiBase,
                                      uint64_t limit_gpa = kMicroVmAcpiLimit);

}  // namespace stratovirt::devices
