// SPDX-License-Identifier: MulanPSL-2.0
// Cross-option validation of a VmConfig: references, uniqueness, machine rules, NUMA.
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include "stratovirt/config/vm_config.h"

namespace stratovirt::config {
namespace {

constexpr size_t kMaxIothreads = 8;
constexpr size_t kMaxNumaNodes = 8;
constexpr size_t kMaxAppendParamLen = 255;

template <typename T, typename F>
Result<void> check_unique(std::string_view option, const std::vector<T>& items, F get_id) {
  std::set<std::string_view> seen;
  for (const auto& item : items) {
    std::string_view id = get_id(item);
    if (!seen.insert(id).second) {
      return errorf(ErrorCode::kAlreadyExists, "{}: id '{}' is used more than once", option, id);
    }
  }
  return ok();
}

std::string_view ref_option(RefKind k) {
  switch (k) {
    case RefKind::kDrive: return "-drive";
    case RefKind::kNetdev: return "-netdev";
    case RefKind::kChardev: return "-chardev";
    case RefKind::kIothread: return "-object iothread";
    case RefKind::kRngObject: return "-object rng-random";
    case RefKind::kMemdev: return "-object memory-backend-*";
    case RefKind::kBus: return "a bus";
    case RefKind::kCameradev: return "-cameradev";
  }
  return "?";
}

// The file behind a drive/kernel must exist and be a regular file (or block device).
Result<void> check_file(std::string_view what, const std::string& path, bool allow_block) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return sys_errorf("{}: {}", what, path);
  if (S_ISREG(st.st_mode) || (allow_block && S_ISBLK(st.st_mode))) return ok();
  return errorf(ErrorCode::kInvalidArgument, "{}: {} is not a regular file{}", what, path,
                allow_block ? " or block device" : "");
}

bool is_iothread(const ObjectConfig* o) { return o && std::holds_alternative<IothreadObject>(*o); }
bool is_rng(const ObjectConfig* o) { return o && std::holds_alternative<RngRandomObject>(*o); }
const MemoryBackendObject* as_memdev(const ObjectConfig* o) {
  return o ? std::get_if<MemoryBackendObject>(o) : nullptr;
}

Result<void> check_device_refs(const VmConfig& cfg, std::map<std::string, std::string>& chardev_users) {
  for (const auto& dev : cfg.devices) {
    for (const auto& ref : device_references(dev)) {
      auto fail = [&](std::string_view why) {
        return errorf(ErrorCode::kNotFound, "-device {} (id {}): property '{}': {} '{}' {}",
                      dev.driver, dev.id, ref.property, ref_option(ref.kind), ref.id, why);
      };
      switch (ref.kind) {
        case RefKind::kDrive:
          if (!cfg.find_drive(ref.id)) return fail("not found");
          break;
        case RefKind::kNetdev:
          if (!cfg.find_netdev(ref.id)) return fail("not found");
          break;
        case RefKind::kChardev: {
          if (!cfg.find_chardev(ref.id)) return fail("not found");
          auto [it, fresh] = chardev_users.emplace(ref.id, fmt::format("-device {}", dev.id));
          if (!fresh) return fail(fmt::format("is already used by {}", it->second));
          break;
        }
        case RefKind::kIothread:
          if (!is_iothread(cfg.find_object(ref.id))) return fail("not found");
          break;
        case RefKind::kRngObject:
          if (!is_rng(cfg.find_object(ref.id))) return fail("not found");
          break;
        case RefKind::kMemdev:
          if (!as_memdev(cfg.find_object(ref.id))) return fail("not found");
          break;
        case RefKind::kBus:
          break;  // buses are devices: checked by validate_devices
        case RefKind::kCameradev:
          return fail("not found (-cameradev is not supported)");
      }
    }
  }
  return ok();
}

Result<void> check_numa(VmConfig& cfg) {
  if (cfg.numa_nodes.empty()) {
    if (!cfg.numa_dists.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "-numa dist: needs -numa node options");
    }
    return ok();
  }
  if (cfg.numa_nodes.size() > kMaxNumaNodes) {
    return errorf(ErrorCode::kOutOfRange, "-numa: at most {} nodes (got {})", kMaxNumaNodes,
                  cfg.numa_nodes.size());
  }
  std::set<uint32_t> ids;
  std::set<uint32_t> cpus_seen;
  std::set<std::string> memdevs;
  uint64_t total = 0;
  for (const auto& node : cfg.numa_nodes) {
    if (!ids.insert(node.nodeid).second) {
      return errorf(ErrorCode::kAlreadyExists, "-numa node: nodeid {} is used more than once", node.nodeid);
    }
    const auto* mem = as_memdev(cfg.find_object(node.memdev));
    if (!mem) {
      return errorf(ErrorCode::kNotFound, "-numa node {}: property 'memdev': memory backend '{}' not found",
                    node.nodeid, node.memdev);
    }
    if (!memdevs.insert(node.memdev).second) {
      return errorf(ErrorCode::kAlreadyExists, "-numa node {}: memdev '{}' is used by two nodes",
                    node.nodeid, node.memdev);
    }
    total += mem->size;
    for (uint32_t cpu : node.cpus) {
      if (cpu >= cfg.smp.maxcpus) {
        return errorf(ErrorCode::kOutOfRange, "-numa node {}: cpu {} is beyond maxcpus ({})",
                      node.nodeid, cpu, cfg.smp.maxcpus);
      }
      if (!cpus_seen.insert(cpu).second) {
        return errorf(ErrorCode::kAlreadyExists, "-numa node {}: cpu {} is already in another node",
                      node.nodeid, cpu);
      }
    }
  }
  if (total != cfg.memory.size) {
    return errorf(ErrorCode::kInvalidArgument,
                  "-numa: node memory adds up to {} MiB but -m is {} MiB", total >> 20,
                  cfg.memory.size >> 20);
  }
  std::set<std::pair<uint32_t, uint32_t>> dist_seen;
  for (const auto& d : cfg.numa_dists) {
    if (!ids.count(d.src) || !ids.count(d.dst)) {
      return errorf(ErrorCode::kNotFound, "-numa dist: node {} does not exist",
                    ids.count(d.src) ? d.dst : d.src);
    }
    if (!dist_seen.insert({d.src, d.dst}).second) {
      return errorf(ErrorCode::kAlreadyExists, "-numa dist: src={} dst={} given twice", d.src, d.dst);
    }
  }
  return ok();
}

Result<void> check_chardevs(const VmConfig& cfg, std::map<std::string, std::string>& users) {
  auto use = [&](const std::string& id, std::string user) -> Result<void> {
    if (!cfg.find_chardev(id)) {
      return errorf(ErrorCode::kNotFound, "{}: chardev '{}' not found", user, id);
    }
    auto [it, fresh] = users.emplace(id, user);
    if (!fresh) {
      return errorf(ErrorCode::kAlreadyExists, "{}: chardev '{}' is already used by {}", user, id, it->second);
    }
    return ok();
  };
  if (cfg.serial) SV_RETURN_IF_ERROR(use(cfg.serial->chardev, "-serial"));
  for (const auto& mon : cfg.monitors) {
    std::string who = mon.id.starts_with("qmp-monitor") ? "-qmp" : fmt::format("-mon {}", mon.id);
    SV_RETURN_IF_ERROR(use(mon.chardev, who));
    const auto* c = cfg.find_chardev(mon.chardev);
    const auto* sock = std::get_if<SocketBackend>(&c->backend);
    if (!sock || (!sock->server && !std::holds_alternative<FdSocketAddr>(sock->addr))) {
      return errorf(ErrorCode::kInvalidArgument, "{}: chardev '{}' must be a listening socket (server)",
                    who, mon.chardev);
    }
    if (sock->wait && !std::holds_alternative<FdSocketAddr>(sock->addr)) {
      return errorf(ErrorCode::kInvalidArgument, "{}: chardev '{}' needs nowait", who, mon.chardev);
    }
    if (mon.iothread && !is_iothread(cfg.find_object(*mon.iothread))) {
      return errorf(ErrorCode::kNotFound, "{}: iothread '{}' not found", who, *mon.iothread);
    }
  }
  for (const auto& n : cfg.netdevs) {
    if (!n.chardev) continue;
    SV_RETURN_IF_ERROR(use(*n.chardev, fmt::format("-netdev {}", n.id)));
    const auto* sock = std::get_if<SocketBackend>(&cfg.find_chardev(*n.chardev)->backend);
    if (!sock || !std::holds_alternative<UnixSocketAddr>(sock->addr)) {
      return errorf(ErrorCode::kInvalidArgument, "-netdev {}: chardev '{}' must be a unix socket",
                    n.id, *n.chardev);
    }
  }
  return ok();
}

Result<void> check_drives(const VmConfig& cfg) {
  // A writable image may be opened by only one drive (QEMU-style image locking).
  std::map<std::string, std::pair<std::string, bool>> by_path;  // path → (id, readonly)
  auto all = cfg.drives;
  all.insert(all.end(), cfg.pflashes.begin(), cfg.pflashes.end());
  for (const auto& d : all) {
    SV_RETURN_IF_ERROR(check_file(fmt::format("-drive {}: property 'file'", d.id), d.file, true));
    auto [it, fresh] = by_path.emplace(d.file, std::make_pair(d.id, d.readonly));
    if (!fresh && !(it->second.second && d.readonly)) {
      return errorf(ErrorCode::kAlreadyExists,
                    "-drive {}: file {} is already used by drive '{}' (only read-only drives may share a file)",
                    d.id, d.file, it->second.first);
    }
  }
  std::set<uint32_t> units;
  for (const auto& p : cfg.pflashes) {
    if (!units.insert(*p.unit).second) {
      return errorf(ErrorCode::kAlreadyExists, "-drive if=pflash: unit {} given twice", *p.unit);
    }
  }
  if (!cfg.pflashes.empty() && cfg.machine.type != MachineType::kQ35) {
    return errorf(ErrorCode::kInvalidArgument, "-drive if=pflash: only the q35 machine has pflash");
  }
  if (!cfg.pflashes.empty() && !units.count(0)) {
    return make_error(ErrorCode::kInvalidArgument, "-drive if=pflash: unit 1 needs unit 0 (the firmware code)");
  }
  return ok();
}

Result<void> check_process(const VmConfig& cfg) {
  size_t stdio_users = 0;
  for (const auto& c : cfg.chardevs) {
    if (std::holds_alternative<StdioBackend>(c.backend)) ++stdio_users;
  }
  if (stdio_users > 1) {
    return make_error(ErrorCode::kInvalidArgument, "-chardev: at most one chardev may use stdio");
  }
  if (cfg.daemonize && stdio_users > 0) {
    return make_error(ErrorCode::kInvalidArgument, "-daemonize: cannot be used with a stdio chardev or -serial stdio");
  }
  if (cfg.daemonize && cfg.log.enabled && !cfg.log.file) {
    return make_error(ErrorCode::kInvalidArgument, "-daemonize: -D without a log file would log to a closed stderr; give -D <file>");
  }
  if (cfg.monitors.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a management interface is required: give -qmp unix:<path>,server,nowait or -mon");
  }
  if (cfg.mod_test && cfg.machine.accel != Accel::kTest) {
    return make_error(ErrorCode::kInvalidArgument, "-mod-test: needs -accel test (or -machine accel=test)");
  }
  if (cfg.machine.accel == Accel::kTest && !cfg.mod_test) {
    return make_error(ErrorCode::kInvalidArgument, "-accel test: needs -mod-test <socket>");
  }
  size_t iothreads = std::count_if(cfg.objects.begin(), cfg.objects.end(),
                                   [](const ObjectConfig& o) { return std::holds_alternative<IothreadObject>(o); });
  if (iothreads > kMaxIothreads) {
    return errorf(ErrorCode::kOutOfRange, "-object iothread: at most {} iothreads (got {})", kMaxIothreads, iothreads);
  }
  if (cfg.vnc && cfg.vnc->tls_creds &&
      !(cfg.find_object(*cfg.vnc->tls_creds) &&
        std::holds_alternative<TlsCredsX509Object>(*cfg.find_object(*cfg.vnc->tls_creds)))) {
    return errorf(ErrorCode::kNotFound, "-vnc: property 'tls-creds': object '{}' not found", *cfg.vnc->tls_creds);
  }
  if (cfg.vnc && cfg.vnc->sasl_authz &&
      !(cfg.find_object(*cfg.vnc->sasl_authz) &&
        std::holds_alternative<AuthzSimpleObject>(*cfg.find_object(*cfg.vnc->sasl_authz)))) {
    return errorf(ErrorCode::kNotFound, "-vnc: property 'sasl-authz': object '{}' not found", *cfg.vnc->sasl_authz);
  }
  return ok();
}

Result<void> check_machine(VmConfig& cfg) {
  const auto type = cfg.machine.type;
  // Under -accel test (device test tier) there is no guest code: no kernel needed.
  if (type == MachineType::kMicroVm && !cfg.boot.kernel && cfg.machine.accel != Accel::kTest) {
    return make_error(ErrorCode::kInvalidArgument, "-machine microvm: needs -kernel (microvm boots a kernel directly)");
  }
  if (cfg.boot.kernel) SV_RETURN_IF_ERROR(check_file("-kernel", *cfg.boot.kernel, false));
  if (cfg.boot.initrd) {
    if (!cfg.boot.kernel) return make_error(ErrorCode::kInvalidArgument, "-initrd: needs -kernel");
    SV_RETURN_IF_ERROR(check_file("-initrd", *cfg.boot.initrd, false));
  }
  if (!cfg.boot.cmdline.empty() && !cfg.boot.kernel) {
    return make_error(ErrorCode::kInvalidArgument, "-append: needs -kernel");
  }
  size_t start = 0;
  const std::string& cl = cfg.boot.cmdline;
  while (start < cl.size()) {
    size_t end = cl.find(' ', start);
    if (end == std::string::npos) end = cl.size();
    if (end - start > kMaxAppendParamLen) {
      return errorf(ErrorCode::kInvalidArgument, "-append: parameter '{}...' is longer than {} characters",
                    cl.substr(start, 20), kMaxAppendParamLen);
    }
    start = end + 1;
  }
  if (cfg.machine.memory_backend) {
    const auto* mem = as_memdev(cfg.find_object(*cfg.machine.memory_backend));
    if (!mem) {
      return errorf(ErrorCode::kNotFound, "-machine: property 'memory-backend': memory backend '{}' not found",
                    *cfg.machine.memory_backend);
    }
    if (mem->size != cfg.memory.size) {
      return errorf(ErrorCode::kInvalidArgument,
                    "-machine: memory-backend '{}' has {} MiB but -m is {} MiB",
                    mem->id, mem->size >> 20, cfg.memory.size >> 20);
    }
  }
  if (cfg.memory.mem_path && !cfg.numa_nodes.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "-mem-path: cannot be combined with -numa (use memory-backend-file)");
  }
  if (type == MachineType::kNone && (cfg.boot.kernel || !cfg.drives.empty() || cfg.serial)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "-machine none: runs no guest; -kernel, -drive and -serial are not allowed");
  }
  return ok();
}

}  // namespace

Result<void> validate_vm_config(VmConfig& cfg) {
  SV_RETURN_IF_ERROR(check_unique("-object", cfg.objects,
                                  [](const ObjectConfig& o) -> std::string_view { return object_id(o); }));
  std::vector<DriveConfig> all_drives = cfg.drives;
  all_drives.insert(all_drives.end(), cfg.pflashes.begin(), cfg.pflashes.end());
  SV_RETURN_IF_ERROR(check_unique("-drive", all_drives, [](const DriveConfig& d) -> std::string_view { return d.id; }));
  SV_RETURN_IF_ERROR(check_unique("-netdev", cfg.netdevs, [](const NetdevConfig& d) -> std::string_view { return d.id; }));
  SV_RETURN_IF_ERROR(check_unique("-chardev", cfg.chardevs, [](const ChardevConfig& d) -> std::string_view { return d.id; }));
  SV_RETURN_IF_ERROR(check_unique("-device", cfg.devices, [](const DeviceConfig& d) -> std::string_view { return d.id; }));
  SV_RETURN_IF_ERROR(check_process(cfg));
  SV_RETURN_IF_ERROR(check_machine(cfg));
  std::map<std::string, std::string> chardev_users;
  SV_RETURN_IF_ERROR(check_chardevs(cfg, chardev_users));
  SV_RETURN_IF_ERROR(check_drives(cfg));
  SV_RETURN_IF_ERROR(check_numa(cfg));
  SV_RETURN_IF_ERROR(check_device_refs(cfg, chardev_users));
  SV_RETURN_IF_ERROR(validate_devices(cfg.devices, cfg.machine.type, cfg.smp.cpus));
  for (const auto& obj : cfg.objects) {
    if (const auto* rng = std::get_if<RngRandomObject>(&obj)) {
      struct stat st {};
      if (::stat(rng->filename.c_str(), &st) != 0) {
        return sys_errorf("-object rng-random {}: property 'filename': {}", rng->id, rng->filename);
      }
      if (!S_ISCHR(st.st_mode)) {
        return errorf(ErrorCode::kInvalidArgument,
                      "-object rng-random {}: property 'filename': {} is not a character device",
                      rng->id, rng->filename);
      }
    }
  }
  return ok();
}

}  // namespace stratovirt::config
