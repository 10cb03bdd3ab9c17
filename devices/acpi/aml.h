// SPDX-License-Identifier: MulanPSL-2.0
//
// AML byte-code encoders for the DSDT (ACPI 6.x spec §20, "ACPI Machine Language").
//
// Each function returns the encoding of one term as bytes, so terms nest by value:
// aml::device("COM1", aml::concat({aml::name("_HID", aml::eisa_id("PNP0501")), ...})).
// Covers what VMM tables need: name strings (root/parent prefixes, multi-segment paths),
// integer constants (Zero/One/Ones and the shortest prefix), strings, buffers, packages,
// Name, Scope, Device, Method/Return, EISA ids, and the resource descriptors of §6.4
// (IO, IRQNoFlags, Memory32Fixed, Extended Interrupt) wrapped by resource_template().
// Pure functions, any thread. Invalid names (a segment longer than four characters or
// with characters outside [A-Z0-9_]) are a programming error: they are replaced by "____"
// after an error log, since table content is fixed by the VMM, not by a guest.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace stratovirt::devices::aml {

using Bytes = std::vector<uint8_t>;

Bytes concat(std::initializer_list<Bytes> parts);
void append(Bytes& out, const Bytes& more);

// PkgLength for a body of `body_len` bytes (the encoding counts its own bytes).
Bytes pkg_length(size_t body_len);
// "\\_SB_.COM1", "_HID", "^PCI0.S08_", "" (NullName). Segments shorter than four
// characters are padded with '_'.
Bytes name_string(std::string_view path);

Bytes integer(uint64_t value);
Bytes string(std::string_view s);
Bytes buffer(std::span<const uint8_t> data);
Bytes package(std::initializer_list<Bytes> elements);
Bytes package(const std::vector<Bytes>& elements);
// Compressed EISA id ("PNP0501" -> DWord 0x0105D041) as an integer term.
Bytes eisa_id(std::string_view id);

Bytes name(std::string_view path, const Bytes& value);
Bytes scope(std::string_view path, const Bytes& body);
Bytes device(std::string_view path, const Bytes& body);
Bytes method(std::string_view path, uint8_t arg_count, bool serialized, const Bytes& body);
Bytes return_value(const Bytes& value);

// Resource descriptors (§6.4) and the template buffer that ends them with an end tag.
Bytes io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);  // Decode16
Bytes irq_no_flags(uint8_t irq);
Bytes memory32_fixed(uint32_t base, uint32_t length, bool read_write);
struct InterruptFlags {
  bool consumer = true;
  bool edge = true;  // false: level
  bool active_low = false;
  bool shared = false;
  bool wake_capable = false;
};
Bytes extended_interrupt(uint32_t gsi, InterruptFlags flags);
Bytes resource_template(std::initializer_list<Bytes> descriptors);

}  // namespace stratovirt::devices::aml
