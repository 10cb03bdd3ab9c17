// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/props.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

namespace stratovirt::config {
namespace {

constexpr size_t kMaxPathLen = 4096;

// Splits on ',' honouring ",," as an escaped comma.
std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',') {
      if (i + 1 < text.size() && text[i + 1] == ',') {
        cur.push_back(',');
        ++i;
        continue;
      }
      out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur.push_back(text[i]);
  }
  out.push_back(std::move(cur));
  return out;
}

Result<std::string> json_scalar_to_string(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return std::string(v.get<bool>() ? "on" : "off");
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return make_error(ErrorCode::kInvalidArgument, "value must be a string, number or boolean");
}

// Flattens nested objects with '.' ("throttling": {"iops-total": 5} → throttling.iops-total).
Result<void> flatten_json(const std::string& context, const nlohmann::json& obj,
                          const std::string& prefix, std::vector<Prop>& out) {
  for (const auto& [key, value] : obj.items()) {
    std::string full = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) {
      SV_RETURN_IF_ERROR(flatten_json(context, value, full, out));
      continue;
    }
    auto s = json_scalar_to_string(value);
    if (!s) {
      return errorf(ErrorCode::kInvalidArgument, "{}: property '{}': {}", context, full,
                    s.error().message());
    }
    out.push_back(Prop{full, std::move(*s), false});
  }
  return ok();
}

}  // namespace

Result<Props> Props::parse(std::string context, std::string_view text,
                           std::string_view implicit_key, std::string_view json_type_key) {
  std::vector<Prop> props;
  bool json = !text.empty() && text.front() == '{';
  if (json) {
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      return errorf(ErrorCode::kInvalidArgument, "{}: invalid JSON object", context);
    }
    SV_RETURN_IF_ERROR(flatten_json(context, doc, "", props));
    if (!implicit_key.empty() && !json_type_key.empty() && implicit_key != json_type_key) {
      for (auto& p : props) {
        if (p.key == json_type_key) p.key = std::string(implicit_key);
      }
    }
  } else {
    if (text.empty()) return errorf(ErrorCode::kInvalidArgument, "{}: missing value", context);
    auto tokens = split_commas(text);
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string& tok = tokens[i];
      if (tok.empty()) {
        // A trailing comma is harmless; an empty token in the middle is not.
        if (i + 1 == tokens.size() && i > 0) continue;
        return errorf(ErrorCode::kInvalidArgument, "{}: empty property in '{}'", context, text);
      }
      auto eq = tok.find('=');
      if (eq == std::string::npos) {
        if (i == 0 && !implicit_key.empty()) {
          props.push_back(Prop{std::string(implicit_key), tok, false});
        } else {
          props.push_back(Prop{tok, "on", true});
        }
        continue;
      }
      if (eq == 0) {
        return errorf(ErrorCode::kInvalidArgument, "{}: property name missing in '{}'", context,
                      tok);
      }
      props.push_back(Prop{tok.substr(0, eq), tok.substr(eq + 1), false});
    }
  }
  // A key given twice is ambiguous: reject it rather than pick one.
  for (size_t i = 0; i < props.size(); ++i) {
    for (size_t j = i + 1; j < props.size(); ++j) {
      if (props[i].key == props[j].key) {
        return errorf(ErrorCode::kInvalidArgument, "{}: property '{}' given more than once",
                      context, props[i].key);
      }
    }
  }
  Props out(std::move(context), std::move(props));
  out.from_json_ = json;
  return out;
}

bool Props::has(std::string_view key) const {
  return std::any_of(props_.begin(), props_.end(), [&](const Prop& p) { return p.key == key; });
}

std::optional<Prop> Props::take(std::string_view key) {
  auto it = std::find_if(props_.begin(), props_.end(), [&](const Prop& p) { return p.key == key; });
  if (it == props_.end()) return std::nullopt;
  Prop p = std::move(*it);
  props_.erase(it);
  return p;
}

Error Props::error(std::string message, ErrorCode code) const {
  return Error(code, fmt::format("{}: {}", context_, message));
}

Error Props::prop_error(std::string_view key, std::string message, ErrorCode code) const {
  return Error(code, fmt::format("{}: property '{}': {}", context_, key, message));
}

Result<std::optional<std::string>> Props::get_string(std::string_view key, size_t max_len) {
  auto p = take(key);
  if (!p) return std::optional<std::string>{};
  if (p->bare) return std::unexpected(prop_error(key, "a value is required"));
  if (p->value.size() > max_len) {
    return std::unexpected(
        prop_error(key, fmt::format("value is longer than {} characters", max_len)));
  }
  return std::optional<std::string>{std::move(p->value)};
}

Result<std::string> Props::require_string(std::string_view key, size_t max_len) {
  SV_ASSIGN_OR_RETURN(auto v, get_string(key, max_len));
  if (!v) return std::unexpected(prop_error(key, "is required"));
  if (v->empty()) return std::unexpected(prop_error(key, "must not be empty"));
  return std::move(*v);
}

Result<std::optional<std::string>> Props::get_path(std::string_view key) {
  SV_ASSIGN_OR_RETURN(auto v, get_string(key, kMaxPathLen));
  if (v && v->empty()) return std::unexpected(prop_error(key, "path must not be empty"));
  return v;
}

Result<std::optional<bool>> Props::get_bool(std::string_view key) {
  auto p = take(key);
  if (!p) return std::optional<bool>{};
  auto b = parse_bool(p->value);
  if (!b) return std::unexpected(prop_error(key, b.error().message()));
  return std::optional<bool>{*b};
}

Result<std::optional<uint64_t>> Props::get_uint(std::string_view key, uint64_t min,
                                                uint64_t max) {
  auto p = take(key);
  if (!p) return std::optional<uint64_t>{};
  if (p->bare) return std::unexpected(prop_error(key, "a value is required"));
  auto v = parse_uint(p->value);
  if (!v) return std::unexpected(prop_error(key, v.error().message()));
  if (*v < min || *v > max) {
    return std::unexpected(prop_error(
        key, fmt::format("{} is out of range [{}, {}]", *v, min, max), ErrorCode::kOutOfRange));
  }
  return std::optional<uint64_t>{*v};
}

Result<std::optional<uint64_t>> Props::get_size(std::string_view key, unsigned default_shift) {
  auto p = take(key);
  if (!p) return std::optional<uint64_t>{};
  if (p->bare) return std::unexpected(prop_error(key, "a value is required"));
  auto v = parse_size(p->value, default_shift);
  if (!v) return std::unexpected(prop_error(key, v.error().message()));
  return std::optional<uint64_t>{*v};
}

Result<void> Props::finish() const {
  if (props_.empty()) return ok();
  const Prop& p = props_.front();
  return std::unexpected(prop_error(p.key, "unknown property"));
}

Result<uint64_t> parse_uint(std::string_view text) {
  if (text.empty()) return make_error(ErrorCode::kInvalidArgument, "empty number");
  int base = 10;
  std::string_view digits = text;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    digits = text.substr(2);
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec == std::errc::result_out_of_range) {
    return errorf(ErrorCode::kOutOfRange, "'{}' is too large", text);
  }
  if (ec != std::errc() || ptr != digits.data() + digits.size()) {
    return errorf(ErrorCode::kInvalidArgument, "'{}' is not a valid unsigned number", text);
  }
  return value;
}

Result<uint64_t> parse_size(std::string_view text, unsigned default_shift) {
  if (text.empty()) return make_error(ErrorCode::kInvalidArgument, "empty size");
  unsigned shift = default_shift;
  std::string_view digits = text;
  char last = text.back();
  switch (last) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    case 'T': case 't': shift = 40; break;
    case 'B': case 'b': shift = 0; break;
    default: break;
  }
  if (last < '0' || last > '9') digits = text.substr(0, text.size() - 1);
  // Only plain decimal digits form a size: "1.5G" or "-1" are errors.
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(),
                                      [](char c) { return c >= '0' && c <= '9'; })) {
    return errorf(ErrorCode::kInvalidArgument,
                  "'{}' is not a valid size (expected an integer with optional K, M, G or T)",
                  text);
  }
  SV_ASSIGN_OR_RETURN(uint64_t n, parse_uint(digits));
  if (shift > 0 && n > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return errorf(ErrorCode::kOutOfRange, "size '{}' is too large", text);
  }
  return n << shift;
}

Result<bool> parse_bool(std::string_view text) {
  if (text == "on" || text == "true" || text == "yes" || text == "1") return true;
  if (text == "off" || text == "false" || text == "no" || text == "0") return false;
  return errorf(ErrorCode::kInvalidArgument, "invalid value '{}' (expected on or off)", text);
}

Result<std::vector<uint32_t>> parse_id_list(std::string_view text, uint32_t max_exclusive) {
  std::vector<uint32_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(start, end - start);
    if (part.empty()) return errorf(ErrorCode::kInvalidArgument, "empty range in '{}'", text);
    auto dash = part.find('-');
    SV_ASSIGN_OR_RETURN(uint64_t lo, parse_uint(part.substr(0, dash)));
    uint64_t hi = lo;
    if (dash != std::string_view::npos) {
      SV_ASSIGN_OR_RETURN(hi, parse_uint(part.substr(dash + 1)));
    }
    if (hi < lo) return errorf(ErrorCode::kInvalidArgument, "range '{}' is reversed", part);
    if (hi >= max_exclusive) {
      return errorf(ErrorCode::kOutOfRange, "{} is out of range [0, {}]", hi, max_exclusive - 1);
    }
    for (uint64_t i = lo; i <= hi; ++i) out.push_back(static_cast<uint32_t>(i));
    start = end + 1;
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    return errorf(ErrorCode::kInvalidArgument, "'{}' lists an id more than once", text);
  }
  return out;
}

}  // namespace stratovirt::config
