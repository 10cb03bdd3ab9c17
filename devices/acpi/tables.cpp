// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/acpi/tables.h"

namespace stratovirt::devices::acpi {
namespace {

void put_le(Bytes& out, uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void put_le_at(Bytes& out, size_t off, uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out[off + static_cast<size_t>(i)] = static_cast<uint8_t>(value >> (8 * i));
}

void put_str(Bytes& out, std::string_view s, size_t width) {
  for (size_t i = 0; i < width; ++i) out.push_back(i < s.size() ? static_cast<uint8_t>(s[i]) : ' ');
}

void put_gas(Bytes& out, size_t off, const GenericAddress& g) {
  out[off] = g.space_id;
  out[off + 1] = g.bit_width;
  out[off + 2] = g.bit_offset;
  out[off + 3] = g.access_size;
  put_le_at(out, off + 4, g.address, 8);
}

constexpr uint32_t kFadtWbinvd = 1u << 0;
constexpr uint32_t kFadtResetRegSup = 1u << 10;
constexpr uint32_t kFadtHwReducedAcpi = 1u << 20;

}  // namespace

Bytes make_table(std::string_view signature, uint8_t revision, const Bytes& body) {
  Bytes t;
  t.reserve(kHeaderSize + body.size());
  put_str(t, signature, 4);
  put_le(t, kHeaderSize + body.size(), 4);
  t.push_back(revision);
  t.push_back(0);  // checksum, below
  put_str(t, kOemId, 6);
  put_str(t, kOemTableId, 8);
  put_le(t, 1, 4);  // OEM revision
  put_str(t, kCreatorId, 4);
  put_le(t, kCreatorRevision, 4);
  t.insert(t.end(), body.begin(), body.end());
  t[9] = static_cast<uint8_t>(-byte_sum(t));
  return t;
}

Bytes build_rsdp(uint64_t xsdt_addr) {
  Bytes r;
  put_str(r, "RSD PTR ", 8);
  r.push_back(0);  // checksum over the first 20 bytes
  put_str(r, kOemId, 6);
  r.push_back(2);    // revision: ACPI 2.0+ (XSDT)
  put_le(r, 0, 4);   // RsdtAddress: no RSDT
  put_le(r, kRsdpSize, 4);
  put_le(r, xsdt_addr, 8);
  r.push_back(0);  // extended checksum over all 36 bytes
  put_le(r, 0, 3);
  r[8] = static_cast<uint8_t>(-byte_sum(std::span(r).first(20)));
  r[32] = static_cast<uint8_t>(-byte_sum(r));
  return r;
}

Bytes build_xsdt(const std::vector<uint64_t>& table_addrs) {
  Bytes body;
  for (uint64_t a : table_addrs) put_le(body, a, 8);
  return make_table("XSDT", 1, body);
}

Bytes build_fadt(const FadtParams& p) {
  Bytes body(kFadtSize - kHeaderSize, 0);
  auto at = [](size_t table_off) { return table_off - kHeaderSize; };
  if (p.dsdt_addr <= 0xFFFFFFFF) put_le_at(body, at(40), p.dsdt_addr, 4);  // DSDT
  put_le_at(body, at(109), p.iapc_boot_arch, 2);
  put_le_at(body, at(112), kFadtWbinvd | kFadtResetRegSup | kFadtHwReducedAcpi, 4);
  put_gas(body, at(116), p.reset_reg);
  body[at(128)] = p.reset_value;
  body[at(131)] = 3;  // FADT minor version: 6.3
  put_le_at(body, at(140), p.dsdt_addr, 8);  // X_DSDT
  put_gas(body, at(244), p.sleep_control);
  put_gas(body, at(256), p.sleep_status);
  return make_table("FACP", 6, body);
}

Bytes build_madt(const MadtParams& p) {
  Bytes body;
  put_le(body, p.lapic_addr, 4);
  put_le(body, p.pcat_compat ? 1 : 0, 4);
  for (uint32_t i = 0; i < p.cpu_count; ++i) {
    body.push_back(0);  // Processor Local APIC
    body.push_back(8);
    body.push_back(static_cast<uint8_t>(i));  // ACPI processor UID
    body.push_back(static_cast<uint8_t>(i));  // APIC id
    put_le(body, 1, 4);                       // enabled
  }
  body.push_back(1);  // I/O APIC
  body.push_back(12);
  body.push_back(p.ioapic_id);
  body.push_back(0);
  put_le(body, p.ioapic_addr, 4);
  put_le(body, p.ioapic_gsi_base, 4);
  for (const auto& o : p.overrides) {
    body.push_back(2);  // Interrupt Source Override
    body.push_back(10);
    body.push_back(0);  // bus: ISA
    body.push_back(o.source);
    put_le(body, o.gsi, 4);
    put_le(body, o.flags, 2);
  }
  body.push_back(4);  // Local APIC NMI: all processors, LINT1
  body.push_back(6);
  body.push_back(0xFF);
  put_le(body, 0, 2);
  body.push_back(1);
  return make_table("APIC", 5, body);
}

Bytes build_dsdt(const Bytes& aml) { return make_table("DSDT", 2, aml); }

}  // namespace stratovirt::devices::acpi
