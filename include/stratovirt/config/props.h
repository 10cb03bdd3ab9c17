// SPDX-License-Identifier: MulanPSL-2.0
//
// Props: the properties of one option value, parsed once and consumed by typed getters.
//
// Parses QEMU/StratoVirt option syntax — `[type=]value,key=value,flag,...` with `,,` as an
// escaped comma — or the JSON object form libvirt uses (`{"driver":"...","id":"..."}`).
// Each getter removes the key it reads, so finish() can reject unknown keys. Every error
// names the option context (e.g. "-device virtio-blk-device"), the property and the reason.
// Value type, used only while building a VmConfig on the main thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stratovirt/base/error.h"

namespace stratovirt::config {

struct Prop {
  std::string key;
  std::string value;
  bool bare = false;  // written as a lone token ("server"), value is "on"
};

// Binary size suffix multipliers; `default_shift` is applied to plain numbers.
inline constexpr unsigned kShiftBytes = 0;
inline constexpr unsigned kShiftKiB = 10;
inline constexpr unsigned kShiftMiB = 20;

class Props {
 public:
  // Parses `text`. When `implicit_key` is non-empty, a leading token without '=' is stored
  // under that key (`-device virtio-blk-device,...` → driver=virtio-blk-device). Later
  // bare tokens become flags with value "on". A text starting with '{' is parsed as JSON;
  // then the implicit key is looked up under `json_type_key` (e.g. "driver", "qom-type").
  static Result<Props> parse(std::string context, std::string_view text,
                             std::string_view implicit_key = {},
                             std::string_view json_type_key = {});

  Props() = default;
  Props(std::string context, std::vector<Prop> props)
      : context_(std::move(context)), props_(std::move(props)) {}

  const std::string& context() const { return context_; }
  void set_context(std::string context) { context_ = std::move(context); }
  bool has(std::string_view key) const;
  bool empty() const { return props_.empty(); }
  bool from_json() const { return from_json_; }

  // Raw string value; consumes the key. Length is limited to `max_len` characters.
  Result<std::optional<std::string>> get_string(std::string_view key, size_t max_len = 255);
  Result<std::string> require_string(std::string_view key, size_t max_len = 255);
  // A host path (≤ 4096 characters).
  Result<std::optional<std::string>> get_path(std::string_view key);
  // on/off/true/false/yes/no (also 1/0).
  Result<std::optional<bool>> get_bool(std::string_view key);
  // Decimal or 0x-hex unsigned integer within [min, max].
  Result<std::optional<uint64_t>> get_uint(std::string_view key, uint64_t min = 0,
                                           uint64_t max = UINT64_MAX);
  // Size with optional K/M/G/T suffix (binary); plain numbers are shifted by default_shift.
  Result<std::optional<uint64_t>> get_size(std::string_view key, unsigned default_shift);

  // One of a fixed set of names.
  template <typename E>
  Result<std::optional<E>> get_enum(std::string_view key,
                                    std::initializer_list<std::pair<std::string_view, E>> names) {
    auto raw = get_string(key);
    if (!raw) return std::unexpected(std::move(raw).error());
    if (!*raw) return std::optional<E>{};
    for (const auto& [name, value] : names) {
      if (**raw == name) return std::optional<E>{value};
    }
    std::string expected;
    size_t i = 0;
    for (const auto& [name, value] : names) {
      (void)value;
      expected += (i == 0 ? "" : (i + 1 == names.size() ? " or " : ", "));
      expected += name;
      ++i;
    }
    return std::unexpected(prop_error(key, fmt::format("invalid value '{}' (expected {})",
                                                       **raw, expected)));
  }

  // Fails when any key was not consumed.
  Result<void> finish() const;

  // "<context>: <message>" / "<context>: property '<key>': <message>".
  Error error(std::string message, ErrorCode code = ErrorCode::kInvalidArgument) const;
  Error prop_error(std::string_view key, std::string message,
                   ErrorCode code = ErrorCode::kInvalidArgument) const;

 private:
  std::optional<Prop> take(std::string_view key);

  std::string context_;
  std::vector<Prop> props_;
  bool from_json_ = false;
};

// Free helpers shared by parsers (also unit tested directly).
Result<uint64_t> parse_uint(std::string_view text);
Result<uint64_t> parse_size(std::string_view text, unsigned default_shift);
Result<bool> parse_bool(std::string_view text);
// "a-b:c:d-e" → sorted unique list; used by -numa cpus= and host-nodes=.
Result<std::vector<uint32_t>> parse_id_list(std::string_view text, uint32_t max_exclusive);

}  // namespace stratovirt::config
