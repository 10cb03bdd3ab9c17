// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/acpi/microvm_acpi.h"

#include <fmt/format.h>

#include "devices/acpi/aml.h"
#include "devices/acpi/power_registers.h"

namespace stratovirt::devices {
namespace {

constexpr uint64_t kTableAlign = 16;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

aml::Bytes com1(const MicroVmAcpiParams& p) {
  return aml::device(
      "COM1", aml::concat({
                  aml::name("_HID", aml::eisa_id("PNP0501")),
                  aml::name("_UID", aml::integer(1)),
                  aml::name("_STA", aml::integer(0x0F)),
                  aml::name("_CRS", aml::resource_template({
                                        aml::io(p.serial_port, p.serial_port, 1, 8),
                                        aml::irq_no_flags(p.serial_irq),
                                    })),
              }));
}

aml::Bytes virtio_mmio(size_t index, const VirtioMmioWindow& w) {
  aml::InterruptFlags flags;  // consumer, edge, active-high, exclusive
  return aml::device(
      fmt::format("VR{:02X}", index),
      aml::concat({
          aml::name("_HID", aml::string("LNRO0005")),
          aml::name("_UID", aml::integer(index)),
          aml::name("_CRS", aml::resource_template({
                                aml::memory32_fixed(static_cast<uint32_t>(w.base), w.size, true),
                                aml::extended_interrupt(w.irq, flags),
                            })),
      }));
}

}  // namespace

const AcpiBlob* AcpiTables::find(std::string_view signature) const {
  for (const auto& b : blobs) {
    if (b.signature == signature) return &b;
  }
  return nullptr;
}

std::vector<uint8_t> build_microvm_dsdt_aml(const MicroVmAcpiParams& params) {
  aml::Bytes sb;
  if (params.serial) aml::append(sb, com1(params));
  for (size_t i = 0; i < params.virtio_mmio.size(); ++i) {
    aml::append(sb, virtio_mmio(i, params.virtio_mmio[i]));
  }
  return aml::concat({
      aml::scope("_SB", sb),
      aml::name("_S5", aml::package({aml::integer(AcpiPowerRegisters::kSlpTypS5),
                                       aml::integer(0)})),
  });
}

Result<AcpiTables> build_microvm_acpi(const MicroVmAcpiParams& params, uint64_t base_gpa,
                                      uint64_t limit_gpa) {
  if (params.cpu_count == 0 || params.cpu_count > 255) {
    return errorf(ErrorCode::kInvalidArgument, "acpi: {} vCPUs cannot be described (1..255)",
                  params.cpu_count);
  }
  for (const auto& w : params.virtio_mmio) {
    if (w.base + w.size > 0x1'0000'0000ULL) {
      return errorf(ErrorCode::kInvalidArgument,
                    "acpi: virtio-mmio window {:#x} is above 4 GiB", w.base);
    }
  }

  AcpiTables out;
  uint64_t cursor = base_gpa;
  auto place = [&](std::string signature, acpi::Bytes bytes) -> uint64_t {
    uint64_t gpa = cursor;
    cursor = align_up(gpa + bytes.size(), kTableAlign);
    out.blobs.push_back({std::move(signature), gpa, std::move(bytes)});
    return gpa;
  };

  // RSDP first (its content depends on the XSDT address, patched in at the end).
  place("RSD PTR ", acpi::Bytes(acpi::kRsdpSize, 0));
  uint64_t dsdt = place("DSDT", acpi::build_dsdt(build_microvm_dsdt_aml(params)));

  acpi::FadtParams fadt;
  fadt.dsdt_addr = dsdt;
  if (params.announce_i8042) fadt.iapc_boot_arch |= acpi::kBootArch8042;
  uint16_t port = params.power_regs_port;
  fadt.sleep_control = acpi::GenericAddress::io_byte(
      static_cast<uint16_t>(port + AcpiPowerRegisters::kSleepControlOffset));
  fadt.sleep_status = acpi::GenericAddress::io_byte(
      static_cast<uint16_t>(port + AcpiPowerRegisters::kSleepStatusOffset));
  fadt.reset_reg = acpi::GenericAddress::io_byte(
      static_cast<uint16_t>(port + AcpiPowerRegisters::kResetOffset));
  fadt.reset_value = AcpiPowerRegisters::kResetValue;
  uint64_t facp = place("FACP", acpi::build_fadt(fadt));

  acpi::MadtParams madt;
  madt.cpu_count = params.cpu_count;
  madt.overrides = params.interrupt_overrides;
  uint64_t apic = place("APIC", acpi::build_madt(madt));

  uint64_t xsdt = place("XSDT", acpi::build_xsdt({facp, apic}));
  out.blobs.front().bytes = acpi::build_rsdp(xsdt);
  out.rsdp_addr = base_gpa;
  const auto& last = out.blobs.back();
  out.total_size = last.gpa + last.bytes.size() - base_gpa;
  if (base_gpa + out.total_size > limit_gpa) {
    return errorf(ErrorCode::kInvalidArgument,
                  "acpi: tables need {} bytes at {:#x}, more than fit below {:#x}",
                  out.total_size, base_gpa, limit_gpa);
  }
  return out;
}

}  // namespace stratovirt::devices
