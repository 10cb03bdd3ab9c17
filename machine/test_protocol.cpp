// SPDX-License-Identifier: MulanPSL-2.0
// The `-mod-test` text protocol: parsing and execution of one command.
#include "machine/test_protocol.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace stratovirt::machine {
namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

std::string_view strip_0x(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return s;
}

// Hexadecimal, "0x" optional, at most 64 bits.
Result<uint64_t> parse_hex(std::string_view what, std::string_view token) {
  std::string_view digits = strip_0x(token);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, 16);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) {
    return errorf(ErrorCode::kInvalidArgument, "{} '{}' is not a 64-bit hex number", what, token);
  }
  return v;
}

Result<uint64_t> parse_dec(std::string_view what, std::string_view token) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v, 10);
  if (token.empty() || ec != std::errc() || p != token.data() + token.size()) {
    return errorf(ErrorCode::kInvalidArgument, "{} '{}' is not a decimal number", what, token);
  }
  return v;
}

Result<std::vector<uint8_t>> parse_hex_bytes(std::string_view token, uint64_t size) {
  std::string_view digits = strip_0x(token);
  if (digits.size() != size * 2) {
    return errorf(ErrorCode::kInvalidArgument, "data has {} hex digits, {} bytes need {}",
                  digits.size(), size, size * 2);
  }
  std::vector<uint8_t> bytes(size);
  for (uint64_t i = 0; i < size; ++i) {
    auto [p, ec] = std::from_chars(digits.data() + 2 * i, digits.data() + 2 * i + 2, bytes[i], 16);
    if (ec != std::errc() || p != digits.data() + 2 * i + 2) {
      return errorf(ErrorCode::kInvalidArgument, "data is not hex at digit {}", 2 * i);
    }
  }
  return bytes;
}

std::string hex_bytes(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "OK 0x";
  s.reserve(5 + bytes.size() * 2);
  for (uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

std::string ok_value(uint64_t v) {
  return fmt::format("OK 0x{:016x}", v);
}

Result<uint64_t> access_width(char suffix) {
  switch (suffix) {
    case 'b':
      return 1;
    case 'w':
      return 2;
    case 'l':
      return 4;
    case 'q':
      return 8;
    default:
      return errorf(ErrorCode::kInvalidArgument, "no access width '{}'", suffix);
  }
}

Result<void> check_size(uint64_t size) {
  if (size == 0 || size > kTestMaxAccess) {
    return errorf(ErrorCode::kOutOfRange, "size {:#x} is not in 1..{:#x}", size, kTestMaxAccess);
  }
  return ok();
}

// RAM if the whole range is RAM; otherwise one access of 1/2/4/8 bytes on the MMIO bus.
Result<void> mem_read(const TestTarget& t, uint64_t addr, std::span<uint8_t> out) {
  if (t.memory->contains(addr, out.size())) return t.memory->read(addr, out);
  size_t n = out.size();
  if ((n == 1 || n == 2 || n == 4 || n == 8) && t.mmio->read(addr, out)) return ok();
  return errorf(ErrorCode::kOutOfRange, "no RAM or device at {:#x}+{:#x}", addr, n);
}

Result<void> mem_write(const TestTarget& t, uint64_t addr, std::span<const uint8_t> in) {
  if (t.memory->contains(addr, in.size())) return t.memory->write(addr, in);
  size_t n = in.size();
  if ((n == 1 || n == 2 || n == 4 || n == 8) && t.mmio->write(addr, in)) return ok();
  return errorf(ErrorCode::kOutOfRange, "no RAM or device at {:#x}+{:#x}", addr, n);
}

uint64_t from_le(std::span<const uint8_t> bytes) {
  uint64_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = (v << 8) | bytes[i];
  return v;
}

void to_le(uint64_t v, std::span<uint8_t> out) {
  for (auto& b : out) {
    b = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

Result<void> check_fits(uint64_t value, uint64_t width) {
  if (width < 8 && (value >> (width * 8)) != 0) {
    return errorf(ErrorCode::kOutOfRange, "value {:#x} does not fit in {} bytes", value, width);
  }
  return ok();
}

// Runs the loop's timers that are due now, including ones those timers add at or before now.
void run_timers(const TestTarget& t) {
  if (t.loop == nullptr) return;
  for (int round = 0; round < 1024 && t.loop->run_due_timers() > 0; ++round) {
  }
}

using Words = std::vector<std::string_view>;

Result<std::string> need(const Words& w, size_t min, size_t max, std::string_view usage) {
  if (w.size() < min || w.size() > max) {
    return errorf(ErrorCode::kInvalidArgument, "usage: {}", usage);
  }
  return std::string();
}

Result<std::string> cmd_read(const TestTarget& t, const Words& w) {
  SV_RETURN_IF_ERROR(need(w, 3, 3, "read <addr> <size>"));
  SV_ASSIGN_OR_RETURN(uint64_t addr, parse_hex("address", w[1]));
  SV_ASSIGN_OR_RETURN(uint64_t size, parse_hex("size", w[2]));
  SV_RETURN_IF_ERROR(check_size(size));
  std::vector<uint8_t> bytes(size);
  SV_RETURN_IF_ERROR(mem_read(t, addr, bytes));
  return hex_bytes(bytes);
}

Result<std::string> cmd_write(const TestTarget& t, const Words& w) {
  SV_RETURN_IF_ERROR(need(w, 4, 4, "write <addr> <size> 0x<data>"));
  SV_ASSIGN_OR_RETURN(uint64_t addr, parse_hex("address", w[1]));
  SV_ASSIGN_OR_RETURN(uint64_t size, parse_hex("size", w[2]));
  SV_RETURN_IF_ERROR(check_size(size));
  SV_ASSIGN_OR_RETURN(auto bytes, parse_hex_bytes(w[3], size));
  SV_RETURN_IF_ERROR(mem_write(t, addr, bytes));
  return std::string("OK");
}

Result<std::string> cmd_read_n(const TestTarget& t, const Words& w, uint64_t width) {
  SV_RETURN_IF_ERROR(need(w, 2, 2, "read[bwlq] <addr>"));
  SV_ASSIGN_OR_RETURN(uint64_t addr, parse_hex("address", w[1]));
  uint8_t bytes[8] = {};
  SV_RETURN_IF_ERROR(mem_read(t, addr, std::span<uint8_t>(bytes, width)));
  return ok_value(from_le(std::span<const uint8_t>(bytes, width)));
}

Result<std::string> cmd_write_n(const TestTarget& t, const Words& w, uint64_t width) {
  SV_RETURN_IF_ERROR(need(w, 3, 3, "write[bwlq] <addr> <value>"));
  SV_ASSIGN_OR_RETURN(uint64_t addr, parse_hex("address", w[1]));
  SV_ASSIGN_OR_RETURN(uint64_t value, parse_hex("value", w[2]));
  SV_RETURN_IF_ERROR(check_fits(value, width));
  uint8_t bytes[8] = {};
  to_le(value, std::span<uint8_t>(bytes, width));
  SV_RETURN_IF_ERROR(mem_write(t, addr, std::span<const uint8_t>(bytes, width)));
  return std::string("OK");
}

Result<std::string> cmd_memset(const TestTarget& t, const Words& w) {
  SV_RETURN_IF_ERROR(need(w, 4, 4, "memset <addr> <size> 0x<byte>"));
  SV_ASSIGN_OR_RETURN(uint64_t addr, parse_hex("address", w[1]));
  SV_ASSIGN_OR_RETURN(uint64_t size, parse_hex("size", w[2]));
  SV_ASSIGN_OR_RETURN(uint64_t pattern, parse_hex("pattern", w[3]));
  SV_RETURN_IF_ERROR(check_size(size));
  SV_RETURN_IF_ERROR(check_fits(pattern, 1));
  if (!t.memory->contains(addr, size)) {
    return errorf(ErrorCode::kOutOfRange, "memset: {:#x}+{:#x} is not RAM", addr, size);
  }
  SV_RETURN_IF_ERROR(t.memory->fill(addr, static_cast<uint8_t>(pattern), size));
  return std::string("OK");
}

std::string ok_now(const TestTarget& t) {
  return fmt::format("OK {}", t.clock->now().count());
}

Result<std::string> cmd_clock_step(const TestTarget& t, const Words& w) {
  SV_RETURN_IF_ERROR(need(w, 1, 2, "clock_step [ns]"));
  int64_t now = t.clock->now().count();
  uint64_t step = 0;
  if (w.size() == 2) {
    SV_ASSIGN_OR_RETURN(step, parse_dec("ns", w[1]));
  } else if (t.loop != nullptr) {
    auto deadline = t.loop->next_timer_deadline();
    if (deadline && deadline->count() > now) step = static_cast<uint64_t>(deadline->count() - now);
  }
  if (step > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - now)) {
    return errorf(ErrorCode::kOutOfRange, "clock_step: {} ns overflows the clock", step);
  }
  t.clock->advance(std::chrono::nanoseconds(static_cast<int64_t>(step)));
  run_timers(t);
  return ok_now(t);
}

Result<std::string> cmd_clock_set(const TestTarget& t, const Words& w) {
  SV_RETURN_IF_ERROR(need(w, 2, 2, "clock_set <ns>"));
  SV_ASSIGN_OR_RETURN(uint64_t target, parse_dec("ns", w[1]));
  if (target > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return errorf(ErrorCode::kOutOfRange, "clock_set: {} ns overflows the clock", target);
  }
  t.clock->set(std::chrono::nanoseconds(static_cast<int64_t>(target)));
  run_timers(t);
  return ok_now(t);
}

Result<std::string> cmd_intx(const TestTarget& t, const Words& w, bool eoi) {
  SV_RETURN_IF_ERROR(need(w, 2, 2, eoi ? "eoi_intx <irq>" : "query_intx <irq>"));
  SV_ASSIGN_OR_RETURN(uint64_t irq, parse_dec("irq", w[1]));
  if (irq > 1023) return errorf(ErrorCode::kOutOfRange, "irq {} is not in 0..1023", irq);
  bool raised =
      eoi ? t.irqs->eoi(static_cast<uint32_t>(irq)) : t.irqs->query(static_cast<uint32_t>(irq));
  return std::string(raised ? "OK TRUE" : "OK FALSE");
}

// The microvm has no MSI: nothing is ever recorded.
Result<std::string> cmd_query_msix(const Words& w) {
  SV_RETURN_IF_ERROR(need(w, 3, 3, "query_msix <addr> <data>"));
  SV_RETURN_IF_ERROR(parse_dec("addr", w[1]));
  SV_RETURN_IF_ERROR(parse_dec("data", w[2]));
  return std::string("OK FALSE");
}

Result<uint16_t> parse_port(std::string_view token) {
  SV_ASSIGN_OR_RETURN(uint64_t port, parse_hex("port", token));
  if (port > 0xffff) return errorf(ErrorCode::kOutOfRange, "port {:#x} is above 0xffff", port);
  return static_cast<uint16_t>(port);
}

Result<std::string> cmd_in(const TestTarget& t, const Words& w, uint64_t width) {
  SV_RETURN_IF_ERROR(need(w, 2, 2, "in[bwl] <port>"));
  SV_ASSIGN_OR_RETURN(uint16_t port, parse_port(w[1]));
  uint8_t bytes[4];
  std::memset(bytes, 0xff, sizeof(bytes));  // an unclaimed port floats high
  (void)t.pio->read(port, std::span<uint8_t>(bytes, width));
  return ok_value(from_le(std::span<const uint8_t>(bytes, width)));
}

Result<std::string> cmd_out(const TestTarget& t, const Words& w, uint64_t width) {
  SV_RETURN_IF_ERROR(need(w, 3, 3, "out[bwl] <port> <value>"));
  SV_ASSIGN_OR_RETURN(uint16_t port, parse_port(w[1]));
  SV_ASSIGN_OR_RETURN(uint64_t value, parse_hex("value", w[2]));
  SV_RETURN_IF_ERROR(check_fits(value, width));
  uint8_t bytes[4] = {};
  to_le(value, std::span<uint8_t>(bytes, width));
  (void)t.pio->write(port, std::span<const uint8_t>(bytes, width));  // unclaimed: dropped
  return std::string("OK");
}

// nullopt: not a command of this protocol.
std::optional<Result<std::string>> dispatch(const TestTarget& t, const Words& w) {
  std::string_view c = w[0];
  if (c == "read") return cmd_read(t, w);
  if (c == "write") return cmd_write(t, w);
  if (c == "memset") return cmd_memset(t, w);
  if (c == "clock_step") return cmd_clock_step(t, w);
  if (c == "clock_set") return cmd_clock_set(t, w);
  if (c == "query_intx") return cmd_intx(t, w, false);
  if (c == "eoi_intx") return cmd_intx(t, w, true);
  if (c == "query_msix") return cmd_query_msix(w);
  if (c.size() == 5 && c.starts_with("read")) {
    if (auto width = access_width(c[4])) return cmd_read_n(t, w, *width);
  }
  if (c.size() == 6 && c.starts_with("write")) {
    if (auto width = access_width(c[5])) return cmd_write_n(t, w, *width);
  }
  if (c.size() == 3 && c.starts_with("in") && c[2] != 'q') {
    if (auto width = access_width(c[2])) return cmd_in(t, w, *width);
  }
  if (c.size() == 4 && c.starts_with("out") && c[3] != 'q') {
    if (auto width = access_width(c[3])) return cmd_out(t, w, *width);
  }
  return std::nullopt;
}

}  // namespace

std::string execute_test_command(std::string_view command, const TestTarget& target) {
  Words words = split_words(command);
  if (words.empty()) return "Unsupported command";
  auto result = dispatch(target, words);
  if (!result) return "Unsupported command";
  if (!*result) return "ERR " + result->error().to_string();
  return std::move(**result);
}

bool test_command_incomplete(std::string_view buf) {
  Words w = split_words(buf);
  if (w.empty() || w[0] != "write" || w.size() > 4) return false;
  if (w.size() < 4) return true;  // the data word has not started yet
  auto size = parse_hex("size", w[2]);
  if (!size || *size == 0 || *size > kTestMaxAccess) return false;
  return strip_0x(w[3]).size() < *size * 2;
}

}  // namespace stratovirt::machine
