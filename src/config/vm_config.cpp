// SPDX-License-Identifier: MulanPSL-2.0
// VmConfig builder: raw options (in command-line order) → typed VmConfig.
#include "stratovirt/config/vm_config.h"

#include <algorithm>

namespace stratovirt::config {
namespace {

constexpr std::string_view kSerialChardevId = "serial_chardev";

Result<Props> props_of(const RawOption& o, std::string_view implicit_key = {},
                       std::string_view json_key = {}) {
  return Props::parse(fmt::format("-{}", o.name), o.value.value_or(""), implicit_key, json_key);
}

// -qmp unix:<path>,server,nowait | tcp:<ip>:<port>,server,nowait [,iothread=<id>]
Result<void> add_qmp(VmConfig& cfg, const std::string& value) {
  SV_ASSIGN_OR_RETURN(auto props, Props::parse("-qmp", value, "addr"));
  SV_ASSIGN_OR_RETURN(auto addr, props.get_string("addr", 4096));
  if (!addr) return std::unexpected(props.error("missing unix:<path> or tcp:<ip>:<port>"));
  SocketBackend sock;
  sock.server = true;
  sock.wait = false;
  if (addr->starts_with("unix:")) {
    std::string path = addr->substr(5);
    if (path.empty()) return std::unexpected(props.error("empty unix socket path"));
    if (path.find(':') != std::string::npos) {
      return std::unexpected(props.error(fmt::format("socket path '{}' must not contain ':'", path)));
    }
    if (path.size() > 107) {
      return std::unexpected(props.error("unix socket path is longer than 107 bytes"));
    }
    sock.addr = UnixSocketAddr{std::move(path)};
  } else if (addr->starts_with("tcp:")) {
    std::string_view rest = std::string_view(*addr).substr(4);
    auto colon = rest.rfind(':');
    auto port = colon == std::string_view::npos ? Result<uint64_t>(make_error(ErrorCode::kInvalidArgument, ""))
                                                : parse_uint(rest.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) {
      return std::unexpected(props.error(fmt::format("expected tcp:<ip>:<port>, got '{}'", *addr)));
    }
    TcpSocketAddr t;
    t.host = std::string(rest.substr(0, colon));
    if (t.host.empty()) t.host = "0.0.0.0";
    t.port = static_cast<uint16_t>(*port);
    sock.addr = std::move(t);
  } else {
    return std::unexpected(
        props.error(fmt::format("expected unix:<path> or tcp:<ip>:<port>, got '{}'", *addr)));
  }
  SV_ASSIGN_OR_RETURN(auto server, props.get_bool("server"));
  SV_ASSIGN_OR_RETURN(auto nowait, props.get_bool("nowait"));
  SV_ASSIGN_OR_RETURN(auto wait, props.get_bool("wait"));
  if (!server.value_or(false)) {
    return std::unexpected(props.prop_error("server", "is required (the monitor listens)"));
  }
  bool no_wait = nowait.value_or(false) || (wait && !*wait);
  if (!no_wait) {
    return std::unexpected(props.prop_error("nowait", "is required (nowait or wait=off)"));
  }
  MonitorConfig mon;
  SV_ASSIGN_OR_RETURN(mon.iothread, props.get_string("iothread"));
  SV_RETURN_IF_ERROR(props.finish());
  size_t n = cfg.monitors.size();
  mon.id = fmt::format("qmp-monitor{}", n);
  mon.chardev = fmt::format("qmp-chardev{}", n);
  cfg.chardevs.push_back(ChardevConfig{mon.chardev, std::move(sock)});
  cfg.monitors.push_back(std::move(mon));
  return ok();
}

Result<void> add_mon(VmConfig& cfg, const RawOption& o) {
  SV_ASSIGN_OR_RETURN(auto props, props_of(o));
  MonitorConfig mon;
  SV_ASSIGN_OR_RETURN(mon.chardev, props.require_string("chardev"));
  SV_ASSIGN_OR_RETURN(auto id, props.get_string("id"));
  mon.id = id.value_or(fmt::format("monitor{}", cfg.monitors.size()));
  SV_ASSIGN_OR_RETURN(auto mode, props.get_string("mode"));
  if (mode && *mode != "control") {
    return std::unexpected(props.prop_error("mode", fmt::format("'{}' is not supported (only control)", *mode),
                                            ErrorCode::kNotSupported));
  }
  SV_RETURN_IF_ERROR(props.finish());
  cfg.monitors.push_back(std::move(mon));
  return ok();
}

Result<void> add_serial(VmConfig& cfg, const std::string& value) {
  if (value == "none") return ok();
  if (value.starts_with("chardev:")) {
    std::string id = value.substr(8);
    if (id.empty()) return make_error(ErrorCode::kInvalidArgument, "-serial: empty chardev id");
    cfg.serial = SerialConfig{std::move(id)};
    return ok();
  }
  SV_ASSIGN_OR_RETURN(auto props, Props::parse("-serial", value, "backend"));
  SV_ASSIGN_OR_RETURN(auto chardev, parse_chardev(props, kSerialChardevId));
  cfg.serial = SerialConfig{chardev.id};
  cfg.chardevs.push_back(std::move(chardev));
  return ok();
}

// libvirt's legacy serial: -device '{"driver":"isa-serial","chardev":"charserial0",...}'.
Result<void> add_isa_serial(VmConfig& cfg, Props& props) {
  props.set_context("-device isa-serial");
  SV_ASSIGN_OR_RETURN(auto chardev, props.require_string("chardev"));
  SV_ASSIGN_OR_RETURN(auto id, props.get_string("id"));
  (void)id;
  SV_ASSIGN_OR_RETURN(auto index, props.get_uint("index", 0, 0));
  (void)index;
  SV_RETURN_IF_ERROR(props.finish());
  if (cfg.serial) return std::unexpected(props.error("only one legacy serial port exists (also given by -serial)"));
  cfg.serial = SerialConfig{std::move(chardev)};
  return ok();
}

Result<void> add_name(VmConfig& cfg, const RawOption& o) {
  SV_ASSIGN_OR_RETURN(auto props, props_of(o, "guest"));
  SV_ASSIGN_OR_RETURN(auto guest, props.get_string("guest"));
  SV_ASSIGN_OR_RETURN(auto debug_threads, props.get_bool("debug-threads"));  // libvirt
  (void)debug_threads;
  SV_RETURN_IF_ERROR(props.finish());
  if (!guest || guest->empty()) return std::unexpected(props.error("empty name"));
  cfg.name = std::move(guest);
  return ok();
}

// Folds -blockdev protocol + format node pairs into drives.
Result<void> fold_blockdevs(VmConfig& cfg, std::vector<BlockdevNode>& nodes) {
  std::vector<bool> used(nodes.size(), false);
  auto find = [&](std::string_view name) -> std::optional<size_t> {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].node_name == name) return i;
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (size_t j = i + 1; j < nodes.size(); ++j) {
      if (nodes[i].node_name == nodes[j].node_name) {
        return errorf(ErrorCode::kAlreadyExists, "-blockdev: node-name '{}' used twice",
                      nodes[i].node_name);
      }
    }
  }
  auto make_drive = [](const BlockdevNode& fmt_node, const BlockdevNode* proto) -> Result<DriveConfig> {
    DriveConfig d;
    d.id = fmt_node.node_name;
    d.file = proto ? *proto->filename : *fmt_node.filename;
    d.format = fmt_node.driver == "qcow2" ? ImageFormat::kQcow2 : ImageFormat::kRaw;
    d.readonly = fmt_node.read_only.value_or(false) || (proto && proto->read_only.value_or(false));
    d.direct = fmt_node.direct.value_or(proto && proto->direct.value_or(false));
    auto aio = fmt_node.aio ? fmt_node.aio : (proto ? proto->aio : std::nullopt);
    if (aio == AioMode::kNative && !d.direct) {
      return errorf(ErrorCode::kInvalidArgument,
                    "-blockdev {}: property 'aio': native needs cache.direct=on", d.id);
    }
    d.aio = aio.value_or(d.direct ? AioMode::kNative : AioMode::kThreads);
    d.discard = fmt_node.discard.value_or(proto && proto->discard.value_or(false));
    d.detect_zeroes = fmt_node.detect_zeroes.value_or(
        proto ? proto->detect_zeroes.value_or(DetectZeroes::kOff) : DetectZeroes::kOff);
    return d;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const BlockdevNode& n = nodes[i];
    if (n.driver != "raw" && n.driver != "qcow2") continue;
    const BlockdevNode* proto = nullptr;
    if (n.file) {
      auto j = find(*n.file);
      if (!j || (nodes[*j].driver != "file" && nodes[*j].driver != "host_device")) {
        return errorf(ErrorCode::kNotFound,
                      "-blockdev {}: property 'file': no file/host_device node named '{}'",
                      n.node_name, *n.file);
      }
      used[*j] = true;
      proto = &nodes[*j];
    }
    used[i] = true;
    SV_ASSIGN_OR_RETURN(auto d, make_drive(n, proto));
    cfg.drives.push_back(std::move(d));
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (used[i]) continue;
    BlockdevNode raw = nodes[i];
    raw.driver = "raw";
    SV_ASSIGN_OR_RETURN(auto d, make_drive(raw, nullptr));
    cfg.drives.push_back(std::move(d));
  }
  return ok();
}

Result<void> apply_option(VmConfig& cfg, const RawOption& o, std::vector<BlockdevNode>& blockdevs) {
  const std::string& v = o.value.has_value() ? *o.value : std::string();
  const std::string& n = o.name;
  if (n == "name") return add_name(cfg, o);
  if (n == "machine") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "type"));
    SV_ASSIGN_OR_RETURN(cfg.machine, parse_machine(props, cfg.machine));
    return ok();
  }
  if (n == "accel") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "accel"));
    SV_ASSIGN_OR_RETURN(auto accel, props.get_string("accel"));
    SV_RETURN_IF_ERROR(props.finish());
    auto a = parse_accel(accel.value_or(""));
    if (!a) return std::unexpected(a.error().with_context("-accel"));
    cfg.machine.accel = *a;
    return ok();
  }
  if (n == "smp") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "cpus"));
    SV_ASSIGN_OR_RETURN(cfg.smp, parse_smp(props));
    return ok();
  }
  if (n == "cpu") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "model"));
    SV_ASSIGN_OR_RETURN(cfg.cpu, parse_cpu(props));
    return ok();
  }
  if (n == "m") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "size"));
    SV_ASSIGN_OR_RETURN(cfg.memory, parse_memory(props, cfg.memory));
    return ok();
  }
  if (n == "mem-path") {
    if (v.empty()) return make_error(ErrorCode::kInvalidArgument, "-mem-path: empty path");
    cfg.memory.mem_path = v;
    return ok();
  }
  if (n == "mem-prealloc") {
    cfg.memory.prealloc = true;
    return ok();
  }
  if (n == "object") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "qom-type", "qom-type"));
    SV_ASSIGN_OR_RETURN(auto obj, parse_object(props));
    cfg.objects.push_back(std::move(obj));
    return ok();
  }
  if (n == "numa") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "type"));
    SV_ASSIGN_OR_RETURN(auto numa, parse_numa(props));
    if (numa.node) {
      if (numa.node->nodeid == UINT32_MAX) numa.node->nodeid = static_cast<uint32_t>(cfg.numa_nodes.size());
      cfg.numa_nodes.push_back(std::move(*numa.node));
    }
    if (numa.dist) cfg.numa_dists.push_back(*numa.dist);
    return ok();
  }
  if (n == "kernel") {
    cfg.boot.kernel = v;
    return ok();
  }
  if (n == "initrd") {
    cfg.boot.initrd = v;
    return ok();
  }
  if (n == "append") {
    cfg.boot.cmdline = v;
    return ok();
  }
  if (n == "drive") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o));
    SV_ASSIGN_OR_RETURN(auto drive, parse_drive(props));
    (drive.interface == DriveIf::kPflash ? cfg.pflashes : cfg.drives).push_back(std::move(drive));
    return ok();
  }
  if (n == "blockdev") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o));
    SV_ASSIGN_OR_RETURN(auto node, parse_blockdev(props));
    blockdevs.push_back(std::move(node));
    return ok();
  }
  if (n == "netdev") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "type", "type"));
    SV_ASSIGN_OR_RETURN(auto netdev, parse_netdev(props));
    cfg.netdevs.push_back(std::move(netdev));
    return ok();
  }
  if (n == "chardev") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "backend", "backend"));
    SV_ASSIGN_OR_RETURN(auto chardev, parse_chardev(props));
    cfg.chardevs.push_back(std::move(chardev));
    return ok();
  }
  if (n == "device") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "driver", "driver"));
    // isa-serial is the legacy UART as libvirt writes it: the same thing as -serial.
    if (props.has("driver")) {
      Props probe = props;
      auto driver = probe.get_string("driver");
      if (driver && *driver && **driver == "isa-serial") {
        return add_isa_serial(cfg, probe);
      }
    }
    SV_ASSIGN_OR_RETURN(auto dev, parse_device(props, cfg.devices.size()));
    cfg.devices.push_back(std::move(dev));
    return ok();
  }
  if (n == "serial") return add_serial(cfg, v);
  if (n == "qmp") return add_qmp(cfg, v);
  if (n == "mon") return add_mon(cfg, o);
  if (n == "incoming") {
    SV_ASSIGN_OR_RETURN(auto inc, parse_incoming(v));
    cfg.incoming = std::move(inc);
    return ok();
  }
  if (n == "D") {
    cfg.log.enabled = true;
    if (o.value && !o.value->empty()) cfg.log.file = *o.value;
    return ok();
  }
  if (n == "pidfile") {
    if (v.empty()) return make_error(ErrorCode::kInvalidArgument, "-pidfile: empty path");
    cfg.pidfile = v;
    return ok();
  }
  if (n == "daemonize") {
    cfg.daemonize = true;
    return ok();
  }
  if (n == "disable-seccomp") {
    cfg.disable_seccomp = true;
    return ok();
  }
  if (n == "S") {
    cfg.freeze_cpu = true;
    return ok();
  }
  if (n == "trace") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o));
    SV_ASSIGN_OR_RETURN(auto t, parse_trace(props));
    cfg.traces.push_back(std::move(t));
    return ok();
  }
  if (n == "global") return parse_global(v, cfg.global);
  if (n == "smbios") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o));
    return parse_smbios(props, cfg.smbios);
  }
  if (n == "display") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "type"));
    SV_ASSIGN_OR_RETURN(auto display, parse_display(props));
    // "-display none" (libvirt passes it for every guest without <graphics>) is no display.
    if (display.type == DisplayType::kNone) {
      cfg.display.reset();
    } else {
      cfg.display = std::move(display);
    }
    return ok();
  }
  if (n == "vnc") {
    SV_ASSIGN_OR_RETURN(auto props, props_of(o, "addr"));
    SV_ASSIGN_OR_RETURN(cfg.vnc, parse_vnc(props));
    return ok();
  }
  if (n == "uuid") {
    auto u = parse_uuid(v);
    if (!u) return std::unexpected(u.error().with_context("-uuid"));
    cfg.uuid = *u;
    return ok();
  }
  if (n == "hardware-signature") {
    auto sig = parse_uint(v);
    if (!sig || *sig > UINT32_MAX) {
      return errorf(ErrorCode::kInvalidArgument, "-hardware-signature: '{}' is not a 32-bit number", v);
    }
    cfg.hardware_signature = static_cast<uint32_t>(*sig);
    return ok();
  }
  if (n == "battery") {
    cfg.battery = true;
    return ok();
  }
  if (n == "no-acpi") {
    cfg.machine.acpi = false;
    return ok();
  }
  if (n == "no-shutdown") {
    cfg.no_shutdown = true;
    return ok();
  }
  if (n == "mod-test") {
    if (v.empty()) return make_error(ErrorCode::kInvalidArgument, "-mod-test: empty socket path");
    cfg.mod_test = v;
    return ok();
  }
  const OptionSpec* spec = find_option(n);
  if (spec != nullptr && spec->ignored) {
    cfg.ignored_options.push_back(n);
    return ok();
  }
  return errorf(ErrorCode::kInternal, "-{}: option has no handler", n);
}

template <typename T, typename F>
const T* find_by_id(const std::vector<T>& v, std::string_view id, F get_id) {
  for (const auto& x : v) {
    if (get_id(x) == id) return &x;
  }
  return nullptr;
}

}  // namespace

const ObjectConfig* VmConfig::find_object(std::string_view id) const {
  return find_by_id(objects, id, [](const ObjectConfig& o) -> const std::string& { return object_id(o); });
}
const DriveConfig* VmConfig::find_drive(std::string_view id) const {
  return find_by_id(drives, id, [](const DriveConfig& d) -> const std::string& { return d.id; });
}
const NetdevConfig* VmConfig::find_netdev(std::string_view id) const {
  return find_by_id(netdevs, id, [](const NetdevConfig& d) -> const std::string& { return d.id; });
}
const ChardevConfig* VmConfig::find_chardev(std::string_view id) const {
  return find_by_id(chardevs, id, [](const ChardevConfig& d) -> const std::string& { return d.id; });
}
const DeviceConfig* VmConfig::find_device(std::string_view id) const {
  return find_by_id(devices, id, [](const DeviceConfig& d) -> const std::string& { return d.id; });
}

Result<VmConfig> build_vm_config(const RawCommandLine& raw) {
  VmConfig cfg;
  std::vector<BlockdevNode> blockdevs;
  for (const auto& o : raw.options) {
    SV_RETURN_IF_ERROR(apply_option(cfg, o, blockdevs));
  }
  SV_RETURN_IF_ERROR(fold_blockdevs(cfg, blockdevs));
  std::stable_sort(cfg.pflashes.begin(), cfg.pflashes.end(),
                   [](const DriveConfig& a, const DriveConfig& b) { return *a.unit < *b.unit; });
  cfg.extra_args = raw.extra_args;
  return cfg;
}

Result<VmConfig> parse_command_line(std::span<const std::string> args) {
  SV_ASSIGN_OR_RETURN(auto raw, lex_command_line(args));
  SV_ASSIGN_OR_RETURN(auto cfg, build_vm_config(raw));
  SV_RETURN_IF_ERROR(validate_vm_config(cfg));
  return cfg;
}

}  // namespace stratovirt::config
