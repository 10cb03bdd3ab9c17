// SPDX-License-Identifier: MulanPSL-2.0
//
// PCI platform and legacy -device parsers: pcie-root-port, vfio-pci, ivshmem-scream,
// pvpanic, isa-serial; host PCI address parsing for vfio-pci.
#include <algorithm>

#include "src/config/device_parse.h"

namespace stratovirt::config {

std::string HostPciAddr::to_string() const {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, slot, function);
}

Result<HostPciAddr> parse_host_pci_addr(std::string_view text) {
  auto bad = [&] {
    return errorf(ErrorCode::kInvalidArgument,
                  "invalid host PCI address '{}' (expected [DDDD:]BB:SS.F in hex)", text);
  };
  auto hex_field = [](std::string_view f, size_t max_digits, uint64_t& out) {
    if (f.empty() || f.size() > max_digits) return false;
    out = 0;
    for (char c : f) {
      int d = (c >= '0' && c <= '9') ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return false;
      out = out * 16 + static_cast<uint64_t>(d);
    }
    return true;
  };
  std::string_view rest = text;
  uint64_t domain = 0;
  if (std::count(text.begin(), text.end(), ':') == 2) {
    auto colon = rest.find(':');
    if (!hex_field(rest.substr(0, colon), 4, domain)) return bad();
    rest = rest.substr(colon + 1);
  }
  auto colon = rest.find(':');
  auto dot = rest.find('.');
  if (colon == std::string_view::npos || dot == std::string_view::npos || dot < colon) {
    return bad();
  }
  uint64_t bus = 0, slot = 0, function = 0;
  if (!hex_field(rest.substr(0, colon), 2, bus) ||
      !hex_field(rest.substr(colon + 1, dot - colon - 1), 2, slot) ||
      !hex_field(rest.substr(dot + 1), 1, function)) {
    return bad();
  }
  if (slot > 0x1f || function > 7) {
    return errorf(ErrorCode::kOutOfRange,
                  "host PCI address '{}': slot must be at most 1f and function at most 7", text);
  }
  return HostPciAddr{static_cast<uint16_t>(domain), static_cast<uint8_t>(bus),
                     static_cast<uint8_t>(slot), static_cast<uint8_t>(function)};
}

namespace device_detail {

Result<void> parse_root_port(Props& props, ParseState& st) {
  PcieRootPort rp;
  SV_ASSIGN_OR_RETURN(auto port, props.get_uint("port", 0, UINT8_MAX));
  if (!port) return std::unexpected(props.prop_error("port", "is required"));
  rp.port = static_cast<uint8_t>(*port);
  // libvirt's chassis number: meaningless without PCI bridges, kept for query output.
  SV_ASSIGN_OR_RETURN(auto chassis, props.get_uint("chassis", 0, UINT8_MAX));
  if (chassis) rp.chassis = static_cast<uint8_t>(*chassis);
  st.dev.spec = rp;
  return ok();
}

Result<void> parse_vfio_pci(Props& props, ParseState& st) {
  VfioPciDevice vfio;
  SV_ASSIGN_OR_RETURN(auto host, props.get_string("host"));
  SV_ASSIGN_OR_RETURN(vfio.sysfsdev, props.get_path("sysfsdev"));
  if (host.has_value() == vfio.sysfsdev.has_value()) {
    return std::unexpected(props.prop_error(
        "host", host ? "conflicts with sysfsdev (give exactly one of them)"
                     : "is required (or sysfsdev=<path>)"));
  }
  if (host) {
    auto parsed = parse_host_pci_addr(*host);
    if (!parsed) return std::unexpected(props.prop_error("host", parsed.error().message()));
    vfio.host = *parsed;
  }
  SV_ASSIGN_OR_RETURN(vfio.bootindex, get_bootindex(props));
  st.dev.spec = std::move(vfio);
  return ok();
}

Result<void> parse_ivshmem_scream(Props& props, ParseState& st) {
  IvshmemScreamDevice scream;
  SV_ASSIGN_OR_RETURN(scream.memdev, props.require_string("memdev"));
  SV_ASSIGN_OR_RETURN(auto iface,
                      props.get_enum<ScreamInterface>(
                          "interface", {{"ALSA", ScreamInterface::kAlsa},
                                        {"PulseAudio", ScreamInterface::kPulseAudio},
                                        {"Demo", ScreamInterface::kDemo},
                                        {"OhAudio", ScreamInterface::kOhAudio}}));
  if (!iface) return std::unexpected(props.prop_error("interface", "is required"));
  scream.interface = *iface;
  SV_ASSIGN_OR_RETURN(scream.playback, props.get_path("playback"));
  SV_ASSIGN_OR_RETURN(scream.record, props.get_path("record"));
  SV_ASSIGN_OR_RETURN(auto auth, props.get_bool("record-auth"));
  scream.record_auth = auth.value_or(true);
  SV_ASSIGN_OR_RETURN(auto concurrency, props.get_bool("play-concurrency"));
  scream.play_concurrency = concurrency.value_or(false);
  if (scream.interface == ScreamInterface::kDemo) {
    for (auto [key, value] : {std::pair{"playback", &scream.playback},
                              std::pair{"record", &scream.record}}) {
      if (!value->has_value()) {
        return std::unexpected(props.prop_error(key, "is required with interface=Demo"));
      }
    }
  }
  st.dev.spec = std::move(scream);
  return ok();
}

Result<void> parse_pvpanic(Props& props, ParseState& st) {
  PvpanicDevice panic;
  constexpr uint32_t kAll = kPvpanicPanicked | kPvpanicCrashLoaded | kPvpanicBsod;
  SV_ASSIGN_OR_RETURN(auto features, props.get_uint("supported-features", 0, kAll));
  if (features) panic.supported_features = static_cast<uint32_t>(*features);
  if ((panic.supported_features & kPvpanicBsod) &&
      !(panic.supported_features & kPvpanicCrashLoaded)) {
    return std::unexpected(props.prop_error(
        "supported-features",
        fmt::format("{} enables bsod (4) without crashloaded (2)", panic.supported_features)));
  }
  SV_ASSIGN_OR_RETURN(auto dump, props.get_path("dumpfile-path"));
  if (dump) panic.dumpfile_path = std::move(*dump);
  st.dev.spec = std::move(panic);
  return ok();
}

Result<void> parse_isa_serial(Props& props, ParseState& st) {
  IsaSerialDevice serial;
  SV_ASSIGN_OR_RETURN(serial.chardev, props.require_string("chardev"));
  // libvirt numbers COM ports; the machine has exactly one, at 0x3f8.
  SV_ASSIGN_OR_RETURN(auto index, props.get_uint("index", 0, 0));
  if (index) serial.index = static_cast<uint32_t>(*index);
  st.dev.spec = std::move(serial);
  return ok();
}

}  // namespace device_detail
}  // namespace stratovirt::config
