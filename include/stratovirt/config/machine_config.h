// SPDX-License-Identifier: MulanPSL-2.0
//
// Typed configs for the machine-wide options: -machine/-accel, -smp, -cpu, -m/-mem-path/
// -mem-prealloc, -numa, boot source (-kernel/-initrd/-append).
// Plain value types filled once by the config layer; read-only afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stratovirt/config/props.h"

namespace stratovirt::config {

enum class MachineType { kNone, kMicroVm, kQ35 };
enum class Accel { kKvm, kTest };

std::string_view to_string(MachineType t);

struct MachineConfig {
  MachineType type = MachineType::kMicroVm;  // no -machine ⇒ microvm (StratoVirt's rule)
  bool dump_guest_core = true;
  bool mem_share = false;
  Accel accel = Accel::kKvm;
  // microvm: announce devices through ACPI tables (distro kernels) in addition to the
  // kernel command line. Unset = decided by the machine (see docs/cmdline.md).
  std::optional<bool> acpi;
  std::optional<std::string> memory_backend;  // libvirt's memory-backend=<object id>
};

struct SmpConfig {
  uint32_t cpus = 1;
  uint32_t maxcpus = 1;
  uint32_t sockets = 1;
  uint32_t dies = 1;
  uint32_t clusters = 1;
  uint32_t cores = 1;
  uint32_t threads = 1;
};

struct CpuConfig {
  std::string model = "host";  // only "host" is modelled; qemu64/max are treated as host
  bool pmu = false;
  bool sve = false;
  bool kvm_steal_time = false;
};

inline constexpr uint64_t kMinMemory = 128ULL << 20;
inline constexpr uint64_t kMaxMemory = 512ULL << 30;
inline constexpr uint64_t kDefaultMemory = 256ULL << 20;

struct MemoryConfig {
  uint64_t size = kDefaultMemory;
  std::optional<uint64_t> maxmem;
  std::optional<std::string> mem_path;
  bool prealloc = false;
};

struct NumaNodeConfig {
  uint32_t nodeid = 0;
  std::vector<uint32_t> cpus;
  std::string memdev;
};

struct NumaDistConfig {
  uint32_t src = 0;
  uint32_t dst = 0;
  uint32_t val = 0;
};

struct BootConfig {
  std::optional<std::string> kernel;
  std::optional<std::string> initrd;
  std::string cmdline;  // -append
};

// Parsers: each consumes all properties of one option value.
Result<MachineConfig> parse_machine(Props& props, MachineConfig base);
Result<Accel> parse_accel(std::string_view value);
Result<SmpConfig> parse_smp(Props& props);
Result<CpuConfig> parse_cpu(Props& props);
Result<MemoryConfig> parse_memory(Props& props, MemoryConfig base);
// -numa node|dist: exactly one of the two results is set.
struct NumaOption {
  std::optional<NumaNodeConfig> node;
  std::optional<NumaDistConfig> dist;
};
Result<NumaOption> parse_numa(Props& props);

}  // namespace stratovirt::config
