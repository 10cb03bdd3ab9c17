// SPDX-License-Identifier: MulanPSL-2.0
// -incoming, -trace, -global, -smbios, -uuid, -display and -vnc parsers.
#include "stratovirt/config/misc_config.h"

namespace stratovirt::config {
namespace {

Result<void> check_ipv4_port(std::string_view what, std::string_view addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return errorf(ErrorCode::kInvalidArgument, "{}: expected <ip>:<port>, got '{}'", what, addr);
  }
  auto port = parse_uint(addr.substr(colon + 1));
  if (!port || *port == 0 || *port > 65535) {
    return errorf(ErrorCode::kInvalidArgument, "{}: invalid port in '{}'", what, addr);
  }
  return ok();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads every listed string field of one SMBIOS structure.
template <typename T>
Result<void> read_strings(Props& props, T& out,
                          std::initializer_list<std::pair<std::string_view, std::optional<std::string> T::*>> fields) {
  for (const auto& [key, member] : fields) {
    SV_ASSIGN_OR_RETURN(out.*member, props.get_string(key));
  }
  return ok();
}

}  // namespace

Result<IncomingConfig> parse_incoming(std::string_view value) {
  IncomingConfig c;
  auto colon = value.find(':');
  if (colon == std::string_view::npos) {
    return errorf(ErrorCode::kInvalidArgument,
                  "-incoming: expected tcp:<ip>:<port>, unix:<path> or file:<dir>, got '{}'", value);
  }
  std::string_view scheme = value.substr(0, colon);
  std::string_view rest = value.substr(colon + 1);
  if (scheme == "tcp") {
    c.kind = IncomingKind::kTcp;
    SV_RETURN_IF_ERROR(check_ipv4_port("-incoming", rest));
    c.address = std::string(rest);
  } else if (scheme == "unix") {
    c.kind = IncomingKind::kUnix;
    if (rest.empty()) return make_error(ErrorCode::kInvalidArgument, "-incoming: empty unix path");
    c.address = std::string(rest);
  } else if (scheme == "file") {
    c.kind = IncomingKind::kFile;
    SV_ASSIGN_OR_RETURN(auto props, Props::parse("-incoming file", rest, "path"));
    SV_ASSIGN_OR_RETURN(auto path, props.get_path("path"));
    if (!path) return std::unexpected(props.error("missing directory"));
    c.address = std::move(*path);
    SV_ASSIGN_OR_RETURN(auto mapped, props.get_bool("mapped"));
    c.mapped = mapped.value_or(true);
    SV_RETURN_IF_ERROR(props.finish());
  } else {
    return errorf(ErrorCode::kInvalidArgument,
                  "-incoming: unknown scheme '{}' (expected tcp, unix or file)", scheme);
  }
  return c;
}

Result<TraceConfig> parse_trace(Props& props) {
  TraceConfig t;
  SV_ASSIGN_OR_RETURN(t.file, props.get_path("file"));
  SV_ASSIGN_OR_RETURN(t.type, props.get_enum<TraceType>("type", {{"all", TraceType::kAll},
                                                                 {"events", TraceType::kEvents},
                                                                 {"scopes", TraceType::kScopes}}));
  SV_RETURN_IF_ERROR(props.finish());
  if (!t.file && !t.type) return std::unexpected(props.error("needs file= or type="));
  return t;
}

Result<void> parse_global(std::string_view value, GlobalConfig& out) {
  auto eq = value.find('=');
  if (eq == std::string_view::npos) {
    return errorf(ErrorCode::kInvalidArgument, "-global: expected <driver>.<property>=<value>");
  }
  std::string_view key = value.substr(0, eq);
  std::string_view val = value.substr(eq + 1);
  if (key != "pcie-root-port.fast-unplug") {
    return errorf(ErrorCode::kNotSupported,
                  "-global: '{}' is not supported (only pcie-root-port.fast-unplug)", key);
  }
  if (val != "0" && val != "1") {
    return errorf(ErrorCode::kInvalidArgument,
                  "-global: pcie-root-port.fast-unplug: invalid value '{}' (expected 0 or 1)", val);
  }
  if (out.pcie_root_port_fast_unplug) {
    return errorf(ErrorCode::kInvalidArgument, "-global: pcie-root-port.fast-unplug given twice");
  }
  out.pcie_root_port_fast_unplug = val == "1";
  return ok();
}

Result<std::array<uint8_t, 16>> parse_uuid(std::string_view text) {
  std::array<uint8_t, 16> out{};
  constexpr std::array<size_t, 5> kGroups = {8, 4, 4, 4, 12};
  size_t pos = 0;
  size_t byte = 0;
  for (size_t g = 0; g < kGroups.size(); ++g) {
    if (g > 0) {
      if (pos >= text.size() || text[pos] != '-') break;
      ++pos;
    }
    for (size_t i = 0; i < kGroups[g]; i += 2) {
      if (pos + 1 >= text.size()) {
        return errorf(ErrorCode::kInvalidArgument, "'{}' is not a UUID (8-4-4-4-12 hex digits)", text);
      }
      int hi = hex_digit(text[pos]);
      int lo = hex_digit(text[pos + 1]);
      if (hi < 0 || lo < 0) {
        return errorf(ErrorCode::kInvalidArgument, "'{}' is not a UUID (8-4-4-4-12 hex digits)", text);
      }
      out[byte++] = static_cast<uint8_t>(hi << 4 | lo);
      pos += 2;
    }
  }
  if (byte != 16 || pos != text.size()) {
    return errorf(ErrorCode::kInvalidArgument, "'{}' is not a UUID (8-4-4-4-12 hex digits)", text);
  }
  return out;
}

Result<void> parse_smbios(Props& props, SmbiosConfig& out) {
  SV_ASSIGN_OR_RETURN(auto type, props.get_uint("type", 0, 255));
  if (!type) return std::unexpected(props.prop_error("type", "is required (0, 1, 2, 3, 4 or 17)"));
  props.set_context(fmt::format("-smbios type={}", *type));
  auto twice = [&] { return std::unexpected(props.error("given more than once")); };
  switch (*type) {
    case 0: {
      if (out.type0) return twice();
      SmbiosType0 t;
      SV_RETURN_IF_ERROR(read_strings<SmbiosType0>(
          props, t, {{"vendor", &SmbiosType0::vendor}, {"version", &SmbiosType0::version},
                     {"date", &SmbiosType0::date}}));
      out.type0 = std::move(t);
      break;
    }
    case 1: {
      if (out.type1) return twice();
      SmbiosType1 t;
      SV_RETURN_IF_ERROR(read_strings<SmbiosType1>(
          props, t, {{"manufacturer", &SmbiosType1::manufacturer}, {"product", &SmbiosType1::product},
                     {"version", &SmbiosType1::version}, {"serial", &SmbiosType1::serial},
                     {"sku", &SmbiosType1::sku}, {"family", &SmbiosType1::family}}));
      SV_ASSIGN_OR_RETURN(auto uuid, props.get_string("uuid"));
      if (uuid) {
        auto u = parse_uuid(*uuid);
        if (!u) return std::unexpected(props.prop_error("uuid", u.error().message()));
        t.uuid = *u;
      }
      out.type1 = std::move(t);
      break;
    }
    case 2: {
      if (out.type2) return twice();
      SmbiosType2 t;
      SV_RETURN_IF_ERROR(read_strings<SmbiosType2>(
          props, t, {{"manufacturer", &SmbiosType2::manufacturer}, {"product", &SmbiosType2::product},
                     {"version", &SmbiosType2::version}, {"serial", &SmbiosType2::serial},
                     {"asset", &SmbiosType2::asset}, {"location", &SmbiosType2::location}}));
      out.type2 = std::move(t);
      break;
    }
    case 3: {
      if (out.type3) return twice();
      SmbiosType3 t;
      SV_RETURN_IF_ERROR(read_strings<SmbiosType3>(
          props, t, {{"manufacturer", &SmbiosType3::manufacturer}, {"version", &SmbiosType3::version},
                     {"serial", &SmbiosType3::serial}, {"sku", &SmbiosType3::sku},
                     {"asset", &SmbiosType3::asset}}));
      out.type3 = std::move(t);
      break;
    }
    case 4: {
      if (out.type4) return twice();
      SmbiosType4 t;
      SV_RETURN_IF_ERROR(read_strings<SmbiosType4>(
          props, t, {{"manufacturer", &SmbiosType4::manufacturer}, {"version", &SmbiosType4::version},
                     {"serial", &SmbiosType4::serial}, {"asset", &SmbiosType4::asset},
                     {"sock_pfx", &SmbiosType4::sock_pfx}, {"part", &SmbiosType4::part}}));
      SV_ASSIGN_OR_RETURN(t.max_speed, props.get_uint("max-speed", 0, 65535));
      SV_ASSIGN_OR_RETURN(t.current_speed, props.get_uint("current-speed", 0, 65535));
      out.type4 = std::move(t);
      break;
    }
    case 17: {
      if (out.type17) return twice();
      SmbiosType17 t;
      SV_RETURN_IF_ERROR(read_strings<SmbiosType17>(
          props, t, {{"manufacturer", &SmbiosType17::manufacturer}, {"serial", &SmbiosType17::serial},
                     {"asset", &SmbiosType17::asset}, {"loc_pfx", &SmbiosType17::loc_pfx},
                     {"part", &SmbiosType17::part}, {"bank", &SmbiosType17::bank}}));
      SV_ASSIGN_OR_RETURN(t.speed, props.get_uint("speed", 0, 65535));
      out.type17 = std::move(t);
      break;
    }
    default:
      return std::unexpected(props.prop_error(
          "type", fmt::format("{} is not supported (expected 0, 1, 2, 3, 4 or 17)", *type),
          ErrorCode::kNotSupported));
  }
  SV_RETURN_IF_ERROR(props.finish());
  return ok();
}

Result<DisplayConfig> parse_display(Props& props) {
  DisplayConfig d;
  SV_ASSIGN_OR_RETURN(auto type, props.get_enum<DisplayType>(
                                     "type", {{"none", DisplayType::kNone}, {"gtk", DisplayType::kGtk}}));
  d.type = type.value_or(DisplayType::kNone);
  SV_ASSIGN_OR_RETURN(d.app_name, props.get_string("app-name"));
  if (!d.app_name) {
    SV_ASSIGN_OR_RETURN(d.app_name, props.get_string("appname"));
  }
  SV_ASSIGN_OR_RETURN(auto fs, props.get_bool("full-screen"));
  d.full_screen = fs.value_or(false);
  SV_RETURN_IF_ERROR(props.finish());
  if (d.type == DisplayType::kNone && (d.app_name || d.full_screen)) {
    return std::unexpected(props.error("app-name/full-screen need a display (gtk)"));
  }
  return d;
}

Result<VncConfig> parse_vnc(Props& props) {
  VncConfig v;
  SV_ASSIGN_OR_RETURN(auto addr, props.get_string("addr"));
  if (!addr) return std::unexpected(props.error("missing <ip>:<display>"));
  auto colon = addr->rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return std::unexpected(props.error(fmt::format("expected <ip>:<display>, got '{}'", *addr)));
  }
  v.ip = addr->substr(0, colon);
  auto display = parse_uint(std::string_view(*addr).substr(colon + 1));
  if (!display || *display > 59635) {
    return std::unexpected(props.error(fmt::format("invalid display number in '{}' (0..59635)", *addr)));
  }
  v.display = static_cast<uint32_t>(*display);
  SV_ASSIGN_OR_RETURN(v.tls_creds, props.get_string("tls-creds"));
  SV_ASSIGN_OR_RETURN(auto sasl, props.get_bool("sasl"));
  v.sasl = sasl.value_or(false);
  SV_ASSIGN_OR_RETURN(v.sasl_authz, props.get_string("sasl-authz"));
  SV_RETURN_IF_ERROR(props.finish());
  if (v.sasl_authz && !v.sasl) return std::unexpected(props.prop_error("sasl-authz", "needs sasl"));
  return v;
}

}  // namespace stratovirt::config
