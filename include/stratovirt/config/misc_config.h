// SPDX-License-Identifier: MulanPSL-2.0
//
// Typed configs for process-level and small options: -serial, -qmp/-mon, -incoming, -D,
// -trace, -global, -smbios, -display, -vnc. Plain value types; read-only after parsing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stratovirt/config/backend_config.h"
#include "stratovirt/config/props.h"

namespace stratovirt::config {

// Legacy 16550 serial: the chardev it is wired to (an inline spec creates one).
struct SerialConfig {
  std::string chardev;
};

// A QMP monitor listening on a socket chardev (-qmp creates the chardev itself).
struct MonitorConfig {
  std::string id;
  std::string chardev;
  std::optional<std::string> iothread;
};

enum class IncomingKind { kTcp, kUnix, kFile };
struct IncomingConfig {
  IncomingKind kind = IncomingKind::kFile;
  std::string address;  // "ip:port", socket path or template directory
  bool mapped = true;   // file: mmap the memory template instead of reading it
};
Result<IncomingConfig> parse_incoming(std::string_view value);

struct LogConfig {
  bool enabled = false;                // -D given
  std::optional<std::string> file;     // -D <file>; stderr otherwise
};

enum class TraceType { kAll, kEvents, kScopes };
struct TraceConfig {
  std::optional<std::string> file;  // one event/scope name pattern per line
  std::optional<TraceType> type;
};
Result<TraceConfig> parse_trace(Props& props);

struct GlobalConfig {
  std::optional<bool> pcie_root_port_fast_unplug;
};
Result<void> parse_global(std::string_view value, GlobalConfig& out);

struct SmbiosType0 {
  std::optional<std::string> vendor, version, date;
};
struct SmbiosType1 {
  std::optional<std::string> manufacturer, product, version, serial, sku, family;
  std::optional<std::array<uint8_t, 16>> uuid;
};
struct SmbiosType2 {
  std::optional<std::string> manufacturer, product, version, serial, asset, location;
};
struct SmbiosType3 {
  std::optional<std::string> manufacturer, version, serial, sku, asset;
};
struct SmbiosType4 {
  std::optional<std::string> manufacturer, version, serial, asset, sock_pfx, part;
  std::optional<uint64_t> max_speed, current_speed;
};
struct SmbiosType17 {
  std::optional<std::string> manufacturer, serial, asset, loc_pfx, part, bank;
  std::optional<uint64_t> speed;
};
struct SmbiosConfig {
  std::optional<SmbiosType0> type0;
  std::optional<SmbiosType1> type1;
  std::optional<SmbiosType2> type2;
  std::optional<SmbiosType3> type3;
  std::optional<SmbiosType4> type4;
  std::optional<SmbiosType17> type17;
};
// Merges one -smbios option into `out` (a type given twice is an error).
Result<void> parse_smbios(Props& props, SmbiosConfig& out);

// "8-4-4-4-12" hex → 16 bytes.
Result<std::array<uint8_t, 16>> parse_uuid(std::string_view text);

enum class DisplayType { kNone, kGtk };
struct DisplayConfig {
  DisplayType type = DisplayType::kNone;
  std::optional<std::string> app_name;
  bool full_screen = false;
};
Result<DisplayConfig> parse_display(Props& props);

struct VncConfig {
  std::string ip;
  uint32_t display = 0;  // port = 5900 + display
  std::optional<std::string> tls_creds;
  bool sasl = false;
  std::optional<std::string> sasl_authz;
};
Result<VncConfig> parse_vnc(Props& props);

}  // namespace stratovirt::config
