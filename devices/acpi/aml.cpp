// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/acpi/aml.h"

#include "stratovirt/base/logging.h"

namespace stratovirt::devices::aml {
namespace {

constexpr uint8_t kZeroOp = 0x00;
constexpr uint8_t kOneOp = 0x01;
constexpr uint8_t kNameOp = 0x08;
constexpr uint8_t kBytePrefix = 0x0A;
constexpr uint8_t kWordPrefix = 0x0B;
constexpr uint8_t kDWordPrefix = 0x0C;
constexpr uint8_t kStringPrefix = 0x0D;
constexpr uint8_t kQWordPrefix = 0x0E;
constexpr uint8_t kScopeOp = 0x10;
constexpr uint8_t kBufferOp = 0x11;
constexpr uint8_t kPackageOp = 0x12;
constexpr uint8_t kMethodOp = 0x14;
constexpr uint8_t kDualNamePrefix = 0x2E;
constexpr uint8_t kMultiNamePrefix = 0x2F;
constexpr uint8_t kExtOpPrefix = 0x5B;
constexpr uint8_t kDeviceOp = 0x82;
constexpr uint8_t kRootChar = 0x5C;
constexpr uint8_t kParentPrefixChar = 0x5E;
constexpr uint8_t kReturnOp = 0xA4;
constexpr uint8_t kOnesOp = 0xFF;

void put_le(Bytes& out, uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

bool valid_segment_char(char c, bool first) {
  if (c == '_' || (c >= 'A' && c <= 'Z')) return true;
  return !first && c >= '0' && c <= '9';
}

void put_segment(Bytes& out, std::string_view seg) {
  bool ok = !seg.empty() && seg.size() <= 4;
  for (size_t i = 0; ok && i < seg.size(); ++i) ok = valid_segment_char(seg[i], i == 0);
  if (!ok) {
    logger(kLoggerDevices)->error("aml: invalid name segment '{}'", seg);
    seg = "____";
  }
  for (size_t i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(i < seg.size() ? seg[i] : '_'));
}

Bytes with_pkg_length(std::initializer_list<uint8_t> ops, const Bytes& body) {
  Bytes out(ops);
  append(out, pkg_length(body.size()));
  append(out, body);
  return out;
}

}  // namespace

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

Bytes pkg_length(size_t body_len) {
  // The length counts the PkgLength bytes themselves: 1 byte up to 63, then 2..4 bytes
  // (lead byte: count of following bytes in bits 7:6, low nibble in bits 3:0).
  if (body_len + 1 <= 0x3F) return {static_cast<uint8_t>(body_len + 1)};
  for (int extra = 1; extra <= 3; ++extra) {
    size_t total = body_len + 1 + static_cast<size_t>(extra);
    if (total < (size_t{1} << (4 + 8 * extra))) {
      Bytes out;
      out.push_back(static_cast<uint8_t>((extra << 6) | (total & 0x0F)));
      for (int i = 0; i < extra; ++i) out.push_back(static_cast<uint8_t>(total >> (4 + 8 * i)));
      return out;
    }
  }
  logger(kLoggerDevices)->error("aml: package of {} bytes is too large", body_len);
  return {0};
}

Bytes name_string(std::string_view path) {
  Bytes out;
  if (!path.empty() && path.front() == '\\') {
    out.push_back(kRootChar);
    path.remove_prefix(1);
  }
  while (!path.empty() && path.front() == '^') {
    out.push_back(kParentPrefixChar);
    path.remove_prefix(1);
  }
  std::vector<std::string_view> segs;
  while (!path.empty()) {
    size_t dot = path.find('.');
    segs.push_back(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  if (segs.empty()) {
    out.push_back(0x00);  // NullName
  } else if (segs.size() == 2) {
    out.push_back(kDualNamePrefix);
  } else if (segs.size() > 2) {
    out.push_back(kMultiNamePrefix);
    out.push_back(static_cast<uint8_t>(segs.size()));
  }
  for (auto s : segs) put_segment(out, s);
  return out;
}

Bytes integer(uint64_t value) {
  Bytes out;
  if (value == 0) return {kZeroOp};
  if (value == 1) return {kOneOp};
  if (value == ~uint64_t{0}) return {kOnesOp};
  if (value <= 0xFF) {
    out.push_back(kBytePrefix);
    put_le(out, value, 1);
  } else if (value <= 0xFFFF) {
    out.push_back(kWordPrefix);
    put_le(out, value, 2);
  } else if (value <= 0xFFFFFFFF) {
    out.push_back(kDWordPrefix);
    put_le(out, value, 4);
  } else {
    out.push_back(kQWordPrefix);
    put_le(out, value, 8);
  }
  return out;
}

Bytes string(std::string_view s) {
  Bytes out{kStringPrefix};
  for (char c : s) out.push_back(static_cast<uint8_t>(c & 0x7F));
  out.push_back(0);
  return out;
}

Bytes buffer(std::span<const uint8_t> data) {
  Bytes body = integer(data.size());
  body.insert(body.end(), data.begin(), data.end());
  return with_pkg_length({kBufferOp}, body);
}

Bytes package(const std::vector<Bytes>& elements) {
  Bytes body{static_cast<uint8_t>(elements.size())};
  for (const auto& e : elements) append(body, e);
  return with_pkg_length({kPackageOp}, body);
}

Bytes package(std::initializer_list<Bytes> elements) {
  return package(std::vector<Bytes>(elements));
}

Bytes eisa_id(std::string_view id) {
  if (id.size() != 7) {
    logger(kLoggerDevices)->error("aml: bad EISA id '{}'", id);
    return integer(0);
  }
  auto hex = [](char c) -> uint32_t {
    if (c >= '0' && c <= '9') return static_cast<uint32_t>(c - '0');
    if (c >= 'A' && c <= 'F') return static_cast<uint32_t>(c - 'A' + 10);
    return 0;
  };
  auto letter = [](char c) { return static_cast<uint32_t>(c - '@') & 0x1F; };
  uint32_t b0 = (letter(id[0]) << 2) | (letter(id[1]) >> 3);
  uint32_t b1 = ((letter(id[1]) & 0x07) << 5) | letter(id[2]);
  uint32_t b2 = (hex(id[3]) << 4) | hex(id[4]);
  uint32_t b3 = (hex(id[5]) << 4) | hex(id[6]);
  Bytes out{kDWordPrefix};
  put_le(out, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24), 4);
  return out;
}

Bytes name(std::string_view path, const Bytes& value) {
  Bytes out{kNameOp};
  append(out, name_string(path));
  append(out, value);
  return out;
}

Bytes scope(std::string_view path, const Bytes& body) {
  return with_pkg_length({kScopeOp}, concat({name_string(path), body}));
}

Bytes device(std::string_view path, const Bytes& body) {
  return with_pkg_length({kExtOpPrefix, kDeviceOp}, concat({name_string(path), body}));
}

Bytes method(std::string_view path, uint8_t arg_count, bool serialized, const Bytes& body) {
  uint8_t flags = static_cast<uint8_t>((arg_count & 0x07) | (serialized ? 0x08 : 0));
  return with_pkg_length({kMethodOp}, concat({name_string(path), Bytes{flags}, body}));
}

Bytes return_value(const Bytes& value) { return concat({Bytes{kReturnOp}, value}); }

Bytes io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length) {
  Bytes out{0x47, 0x01};  // small item 0x08, 7 bytes; 16-bit decode
  put_le(out, min, 2);
  put_le(out, max, 2);
  out.push_back(alignment);
  out.push_back(length);
  return out;
}

Bytes irq_no_flags(uint8_t irq) {
  uint16_t mask = irq < 16 ? static_cast<uint16_t>(1u << irq) : 0;
  Bytes out{0x22};  // small item 0x04, 2 bytes
  put_le(out, mask, 2);
  return out;
}

Bytes memory32_fixed(uint32_t base, uint32_t length, bool read_write) {
  Bytes out{0x86, 0x09, 0x00, static_cast<uint8_t>(read_write ? 1 : 0)};
  put_le(out, base, 4);
  put_le(out, length, 4);
  return out;
}

Bytes extended_interrupt(uint32_t gsi, InterruptFlags f) {
  uint8_t flags = static_cast<uint8_t>((f.consumer ? 0x01 : 0) | (f.edge ? 0x02 : 0) |
                                       (f.active_low ? 0x04 : 0) | (f.shared ? 0x08 : 0) |
                                       (f.wake_capable ? 0x10 : 0));
  Bytes out{0x89, 0x06, 0x00, flags, 0x01};
  put_le(out, gsi, 4);
  return out;
}

Bytes resource_template(std::initializer_list<Bytes> descriptors) {
  Bytes data;
  for (const auto& d : descriptors) append(data, d);
  data.push_back(0x79);  // end tag
  data.push_back(0x00);  // checksum 0: "treat as correct"
  return buffer(data);
}

}  // namespace stratovirt::devices::aml
