// SPDX-License-Identifier: MulanPSL-2.0
// -machine, -accel, -smp, -cpu, -m, -numa parsers.
#include "stratovirt/config/machine_config.h"

#include <algorithm>

namespace stratovirt::config {
namespace {

constexpr uint32_t kMaxCpus = 254;
constexpr uint32_t kMaxNumaNodeId = 128;

std::string human_size(uint64_t bytes) {
  if (bytes % (1ULL << 30) == 0) return fmt::format("{} GiB", bytes >> 30);
  if (bytes % (1ULL << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

}  // namespace

std::string_view to_string(MachineType t) {
  switch (t) {
    case MachineType::kNone: return "none";
    case MachineType::kMicroVm: return "microvm";
    case MachineType::kQ35: return "q35";
  }
  return "?";
}

Result<Accel> parse_accel(std::string_view value) {
  // libvirt probes with a preference list ("kvm:tcg", "kvm:mshv:tcg"); take the first one
  // this VMM has.
  size_t start = 0;
  std::vector<std::string_view> tried;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view a = value.substr(start, end - start);
    if (a == "kvm") return Accel::kKvm;
    if (a == "test") return Accel::kTest;
    tried.push_back(a);
    start = end + 1;
  }
  return errorf(ErrorCode::kNotSupported,
                "accelerator '{}' is not supported (expected kvm or test)", value);
}

Result<MachineConfig> parse_machine(Props& props, MachineConfig base) {
  MachineConfig m = base;
  SV_ASSIGN_OR_RETURN(auto type, props.get_string("type"));
  if (type) {
    std::string_view t = *type;
    if (t == "none") {
      m.type = MachineType::kNone;
    } else if (t == "microvm") {
      m.type = MachineType::kMicroVm;
    } else if (t == "q35" || t.starts_with("pc-q35")) {
      m.type = MachineType::kQ35;  // libvirt writes versioned names such as pc-q35-7.2
    } else if (t == "virt") {
      return std::unexpected(props.prop_error("type", "'virt' is an aarch64 machine",
                                              ErrorCode::kNotSupported));
    } else {
      return std::unexpected(props.prop_error(
          "type", fmt::format("unknown machine '{}' (expected none, microvm or q35)", t)));
    }
  }
  SV_ASSIGN_OR_RETURN(auto dump, props.get_bool("dump-guest-core"));
  if (dump) m.dump_guest_core = *dump;
  SV_ASSIGN_OR_RETURN(auto share, props.get_bool("mem-share"));
  if (share) m.mem_share = *share;
  SV_ASSIGN_OR_RETURN(auto accel, props.get_string("accel"));
  if (accel) {
    auto a = parse_accel(*accel);
    if (!a) return std::unexpected(props.prop_error("accel", a.error().message(), a.error().code()));
    m.accel = *a;
  }
  SV_ASSIGN_OR_RETURN(auto usb, props.get_bool("usb"));
  if (usb && *usb) {
    return std::unexpected(props.prop_error("usb", "only 'off' is supported (add a USB "
                                                   "controller with -device nec-usb-xhci)"));
  }
  SV_ASSIGN_OR_RETURN(auto acpi, props.get_bool("acpi"));
  if (acpi) m.acpi = *acpi;
  SV_ASSIGN_OR_RETURN(auto backend, props.get_string("memory-backend"));
  if (backend) m.memory_backend = std::move(*backend);
  SV_RETURN_IF_ERROR(props.finish());
  return m;
}

Result<SmpConfig> parse_smp(Props& props) {
  SV_ASSIGN_OR_RETURN(auto cpus, props.get_uint("cpus", 1, kMaxCpus));
  SV_ASSIGN_OR_RETURN(auto maxcpus, props.get_uint("maxcpus", 1, kMaxCpus));
  SV_ASSIGN_OR_RETURN(auto sockets, props.get_uint("sockets", 1, kMaxCpus));
  SV_ASSIGN_OR_RETURN(auto dies, props.get_uint("dies", 1, kMaxCpus));
  SV_ASSIGN_OR_RETURN(auto clusters, props.get_uint("clusters", 1, kMaxCpus));
  SV_ASSIGN_OR_RETURN(auto cores, props.get_uint("cores", 1, kMaxCpus));
  SV_ASSIGN_OR_RETURN(auto threads, props.get_uint("threads", 1, kMaxCpus));
  SV_RETURN_IF_ERROR(props.finish());

  SmpConfig s;
  s.dies = static_cast<uint32_t>(dies.value_or(1));
  s.clusters = static_cast<uint32_t>(clusters.value_or(1));
  s.threads = static_cast<uint32_t>(threads.value_or(1));
  // The total the topology has to describe: maxcpus, else cpus, else what the given
  // topology multiplies to.
  uint64_t total = maxcpus.value_or(cpus.value_or(0));
  if (total == 0) {
    total = sockets.value_or(1) * s.dies * s.clusters * cores.value_or(1) * s.threads;
  }
  uint64_t fixed = static_cast<uint64_t>(s.dies) * s.clusters * s.threads;
  if (sockets && cores) {
    s.sockets = static_cast<uint32_t>(*sockets);
    s.cores = static_cast<uint32_t>(*cores);
  } else if (cores) {
    s.cores = static_cast<uint32_t>(*cores);
    s.sockets = static_cast<uint32_t>(std::max<uint64_t>(1, total / (fixed * s.cores)));
  } else {
    s.sockets = static_cast<uint32_t>(sockets.value_or(1));
    s.cores = static_cast<uint32_t>(std::max<uint64_t>(1, total / (fixed * s.sockets)));
  }
  uint64_t product = static_cast<uint64_t>(s.sockets) * s.dies * s.clusters * s.cores * s.threads;
  if (product > kMaxCpus) {
    return std::unexpected(props.error(
        fmt::format("topology describes {} CPUs, more than the maximum {}", product, kMaxCpus),
        ErrorCode::kOutOfRange));
  }
  s.maxcpus = static_cast<uint32_t>(maxcpus.value_or(total));
  s.cpus = static_cast<uint32_t>(cpus.value_or(s.maxcpus));
  if (s.maxcpus < s.cpus) {
    return std::unexpected(
        props.error(fmt::format("maxcpus ({}) must be >= cpus ({})", s.maxcpus, s.cpus)));
  }
  if (product != s.maxcpus) {
    return std::unexpected(props.error(fmt::format(
        "sockets ({}) * dies ({}) * clusters ({}) * cores ({}) * threads ({}) = {} must equal "
        "maxcpus ({})",
        s.sockets, s.dies, s.clusters, s.cores, s.threads, product, s.maxcpus)));
  }
  return s;
}

Result<CpuConfig> parse_cpu(Props& props) {
  CpuConfig c;
  SV_ASSIGN_OR_RETURN(auto model, props.get_string("model"));
  if (model) {
    // Only the host model exists; libvirt's default qemu64 and QEMU's max are treated as
    // host (documented) rather than refused, so libvirt guests start.
    if (*model != "host" && *model != "max" && *model != "qemu64") {
      return std::unexpected(props.prop_error(
          "model", fmt::format("unknown CPU model '{}' (only host is supported)", *model),
          ErrorCode::kNotSupported));
    }
    c.model = std::move(*model);
  }
  SV_ASSIGN_OR_RETURN(auto pmu, props.get_bool("pmu"));
  SV_ASSIGN_OR_RETURN(auto sve, props.get_bool("sve"));
  SV_ASSIGN_OR_RETURN(auto steal, props.get_bool("kvm-steal-time"));
  SV_RETURN_IF_ERROR(props.finish());
  if (pmu.value_or(false)) {
    return std::unexpected(
        props.prop_error("pmu", "only supported on aarch64", ErrorCode::kNotSupported));
  }
  if (sve.value_or(false)) {
    return std::unexpected(
        props.prop_error("sve", "only supported on aarch64", ErrorCode::kNotSupported));
  }
  c.kvm_steal_time = steal.value_or(false);
  return c;
}

Result<MemoryConfig> parse_memory(Props& props, MemoryConfig base) {
  MemoryConfig m = base;
  SV_ASSIGN_OR_RETURN(auto size, props.get_size("size", kShiftMiB));
  SV_ASSIGN_OR_RETURN(auto maxmem, props.get_size("maxmem", kShiftMiB));
  SV_ASSIGN_OR_RETURN(auto slots, props.get_uint("slots", 0, 256));  // QEMU hotplug slots
  (void)slots;
  SV_RETURN_IF_ERROR(props.finish());
  if (size) {
    if (*size < kMinMemory || *size > kMaxMemory) {
      return std::unexpected(props.prop_error(
          "size",
          fmt::format("{} is out of range [128 MiB, 512 GiB]", human_size(*size)),
          ErrorCode::kOutOfRange));
    }
    if (*size % 4096 != 0) {
      return std::unexpected(props.prop_error("size", "must be a multiple of 4 KiB"));
    }
    m.size = *size;
  }
  if (maxmem) {
    if (*maxmem < m.size) {
      return std::unexpected(props.prop_error(
          "maxmem", fmt::format("{} must be >= size ({})", human_size(*maxmem),
                                human_size(m.size))));
    }
    if (*maxmem > kMaxMemory) {
      return std::unexpected(props.prop_error(
          "maxmem", fmt::format("{} is above 512 GiB", human_size(*maxmem)),
          ErrorCode::kOutOfRange));
    }
    m.maxmem = *maxmem;
  }
  return m;
}

Result<NumaOption> parse_numa(Props& props) {
  SV_ASSIGN_OR_RETURN(auto type, props.get_string("type"));
  NumaOption out;
  if (!type) return std::unexpected(props.error("missing type (node or dist)"));
  if (*type == "node") {
    NumaNodeConfig n;
    SV_ASSIGN_OR_RETURN(auto id, props.get_uint("nodeid", 0, kMaxNumaNodeId - 1));
    n.nodeid = static_cast<uint32_t>(id.value_or(UINT32_MAX));  // resolved by the builder
    SV_ASSIGN_OR_RETURN(auto cpus, props.get_string("cpus"));
    if (cpus) {
      auto list = parse_id_list(*cpus, kMaxCpus);
      if (!list) return std::unexpected(props.prop_error("cpus", list.error().message()));
      n.cpus = std::move(*list);
    }
    SV_ASSIGN_OR_RETURN(n.memdev, props.require_string("memdev"));
    SV_RETURN_IF_ERROR(props.finish());
    out.node = std::move(n);
  } else if (*type == "dist") {
    NumaDistConfig d;
    SV_ASSIGN_OR_RETURN(auto src, props.get_uint("src", 0, kMaxNumaNodeId - 1));
    SV_ASSIGN_OR_RETURN(auto dst, props.get_uint("dst", 0, kMaxNumaNodeId - 1));
    SV_ASSIGN_OR_RETURN(auto val, props.get_uint("val", 10, 255));
    SV_RETURN_IF_ERROR(props.finish());
    if (!src) return std::unexpected(props.prop_error("src", "is required"));
    if (!dst) return std::unexpected(props.prop_error("dst", "is required"));
    if (!val) return std::unexpected(props.prop_error("val", "is required"));
    d.src = static_cast<uint32_t>(*src);
    d.dst = static_cast<uint32_t>(*dst);
    d.val = static_cast<uint32_t>(*val);
    if (d.src == d.dst && d.val != 10) {
      return std::unexpected(props.prop_error("val", "the distance of a node to itself must be 10"));
    }
    if (d.src != d.dst && d.val <= 10) {
      return std::unexpected(props.prop_error("val", "the distance between two nodes must be > 10"));
    }
    out.dist = d;
  } else {
    return std::unexpected(props.prop_error(
        "type", fmt::format("unknown type '{}' (expected node or dist)", *type)));
  }
  return out;
}

}  // namespace stratovirt::config
