// SPDX-License-Identifier: MulanPSL-2.0
//
// VmConfig: the whole command line as one typed, validated value.
//
// Built once from argv on the main thread (build_vm_config), then cross-checked
// (validate_vm_config: ids unique and resolvable, stdio users, machine requirements,
// NUMA sums, limits). Past this point nothing sees a key=value string. Errors name the
// option, the property and the reason; building touches nothing on disk.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stratovirt/config/backend_config.h"
#include "stratovirt/config/cmdline.h"
#include "stratovirt/config/device_config.h"
#include "stratovirt/config/machine_config.h"
#include "stratovirt/config/misc_config.h"

namespace stratovirt::config {

struct VmConfig {
  std::optional<std::string> name;
  std::optional<std::array<uint8_t, 16>> uuid;
  MachineConfig machine;
  SmpConfig smp;
  CpuConfig cpu;
  MemoryConfig memory;
  std::vector<NumaNodeConfig> numa_nodes;
  std::vector<NumaDistConfig> numa_dists;
  BootConfig boot;

  std::vector<ObjectConfig> objects;
  std::vector<DriveConfig> drives;    // if=none (incl. folded -blockdev nodes)
  std::vector<DriveConfig> pflashes;  // if=pflash, sorted by unit
  std::vector<NetdevConfig> netdevs;
  std::vector<ChardevConfig> chardevs;
  std::vector<DeviceConfig> devices;

  std::optional<SerialConfig> serial;
  std::vector<MonitorConfig> monitors;
  std::optional<IncomingConfig> incoming;

  LogConfig log;
  bool daemonize = false;
  std::optional<std::string> pidfile;
  bool disable_seccomp = false;
  bool freeze_cpu = false;  // -S
  std::vector<TraceConfig> traces;
  GlobalConfig global;
  SmbiosConfig smbios;
  std::optional<DisplayConfig> display;
  std::optional<VncConfig> vnc;
  std::optional<uint32_t> hardware_signature;
  bool battery = false;
  bool no_shutdown = false;
  std::optional<std::string> mod_test;  // device test tier socket

  std::vector<std::string> ignored_options;  // accepted for compatibility, no effect
  std::vector<std::string> extra_args;       // after "--"

  // Lookups by id (nullptr when absent).
  const ObjectConfig* find_object(std::string_view id) const;
  const DriveConfig* find_drive(std::string_view id) const;
  const NetdevConfig* find_netdev(std::string_view id) const;
  const ChardevConfig* find_chardev(std::string_view id) const;
  const DeviceConfig* find_device(std::string_view id) const;
};

// Parses every option into VmConfig (per-option checks only).
Result<VmConfig> build_vm_config(const RawCommandLine& raw);
// Cross-option validation; may fill derived defaults (smp topology, memory from numa).
Result<void> validate_vm_config(VmConfig& cfg);
// lex + build + validate.
Result<VmConfig> parse_command_line(std::span<const std::string> args);

}  // namespace stratovirt::config
