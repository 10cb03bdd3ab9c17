// SPDX-License-Identifier: MulanPSL-2.0
//
// The probes libvirt and govmm run on a new emulator: query-version, query-commands,
// query-events, query-qmp-schema, query-target, query-kvm, query-machines,
// query-cpu-definitions, query-command-line-options, query-migrate-capabilities (and
// migrate-set-capabilities, which libvirt sends at every start),
// query-tpm-models, query-tpm-types. Each answer describes this build as it is.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <memory>

#include "qmp/commands.h"
#include "stratovirt/base/unique_fd.h"
#include "stratovirt/qmp/qmp_version.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

constexpr int kKvmApiVersion = 12;
constexpr int kMaxCpus = 254;  // src/config: -smp limit

#if defined(__x86_64__)
constexpr std::string_view kTargetArch = "x86_64";
#elif defined(__aarch64__)
constexpr std::string_view kTargetArch = "aarch64";
#else
constexpr std::string_view kTargetArch = "unknown";
#endif

struct LineParam {
  std::string_view name;
  std::string_view type;  // CommandLineParameterType
};
struct LineOption {
  std::string_view option;
  std::vector<LineParam> params;
};

// Options whose parameters src/config parses (verified by qmp_probe_commands_test).
const std::vector<LineOption>& line_options() {
  static const std::vector<LineOption> kOptions = {
      {"drive",
       {{"id", "string"}, {"file", "string"}, {"if", "string"}, {"unit", "number"},
        {"format", "string"}, {"media", "string"}, {"readonly", "boolean"},
        {"direct", "boolean"}, {"aio", "string"}, {"discard", "string"},
        {"detect-zeroes", "string"}, {"throttling.iops-total", "number"},
        {"l2-cache-size", "size"}, {"refcount-cache-size", "size"}}},
      {"machine",
       {{"type", "string"}, {"accel", "string"}, {"dump-guest-core", "boolean"},
        {"mem-share", "boolean"}, {"usb", "boolean"}, {"acpi", "boolean"},
        {"memory-backend", "string"}}},
  };
  return kOptions;
}

json option_json(const LineOption& o) {
  json params = json::array();
  for (const auto& p : o.params) {
    params.push_back({{"name", std::string(p.name)}, {"type", std::string(p.type)}});
  }
  return {{"option", std::string(o.option)}, {"parameters", std::move(params)}};
}

struct LineOptionArgs {
  std::optional<std::string> option;
  static constexpr std::array<ArgSpec, 1> kSpec{{{"option", ArgType::kString, true}}};
  static LineOptionArgs from_json(const json& a) { return {opt_string(a, "option")}; }
};

struct MigrateCapsArgs {
  json capabilities;
  static constexpr std::array<ArgSpec, 1> kSpec{{{"capabilities", ArgType::kAny}}};
  static MigrateCapsArgs from_json(const json& a) { return {a.at("capabilities")}; }
};

json machine_json(std::string_view name, int cpu_max, bool is_default,
                  std::optional<std::string_view> ram_id) {
  json m = {{"name", std::string(name)},     {"cpu-max", cpu_max},
            {"hotpluggable-cpus", false},    {"numa-mem-supported", false},
            {"deprecated", false}};
  if (is_default) m["is-default"] = true;
  if (ram_id) m["default-ram-id"] = std::string(*ram_id);
  return m;
}

}  // namespace

bool probe_kvm(const char* path) {
  UniqueFd fd(::open(path, O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return false;
  return ::ioctl(fd.get(), KVM_GET_API_VERSION, 0) == kKvmApiVersion;
}

void register_probe_commands(QmpDispatcher& d, const CommandEnv& env) {
  d.add<NoArgs>("query-version", "VersionInfo",
                [](const NoArgs&, QmpSession&) -> QmpResult { return version_json(); });

  d.add<NoArgs>("query-commands", "[CommandInfo]", [&d](const NoArgs&, QmpSession&) -> QmpResult {
    json list = json::array();
    for (const auto& [name, cmd] : d.commands()) list.push_back({{"name", name}});
    return list;
  });

  d.add<NoArgs>("query-events", "[EventInfo]", [](const NoArgs&, QmpSession&) -> QmpResult {
    json list = json::array();
    for (auto name : known_events()) list.push_back({{"name", std::string(name)}});
    return list;
  });

  d.add<NoArgs>("query-qmp-schema", "[SchemaInfo]",
                [&d](const NoArgs&, QmpSession&) -> QmpResult { return build_schema(d); });

  d.add<NoArgs>("query-target", "TargetInfo", [](const NoArgs&, QmpSession&) -> QmpResult {
    return json{{"arch", std::string(kTargetArch)}};
  });

  auto kvm_present = env.kvm_present;
  bool kvm_accel = env.config.machine.accel == config::Accel::kKvm;
  d.add<NoArgs>("query-kvm", "KvmInfo",
                [kvm_present, kvm_accel](const NoArgs&, QmpSession&) -> QmpResult {
                  bool present = kvm_present ? kvm_present() : probe_kvm();
                  return json{{"enabled", present && kvm_accel}, {"present", present}};
                });

  d.add<NoArgs>("query-machines", "[MachineInfo]", [](const NoArgs&, QmpSession&) -> QmpResult {
    return json::array({machine_json("none", 1, false, std::nullopt),
                        machine_json("microvm", kMaxCpus, true, "microvm.ram"),
                        machine_json("q35", kMaxCpus, false, "pc.ram")});
  });

  // -cpu accepts "host" (qemu64/max are read as host); that is the one model there is.
  d.add<NoArgs>("query-cpu-definitions", "[CpuDefinitionInfo]",
                [](const NoArgs&, QmpSession&) -> QmpResult {
                  return json::array({{{"name", "host"},
                                       {"typename", "host-x86_64-cpu"},
                                       {"unavailable-features", json::array()},
                                       {"static", false},
                                       {"migration-safe", false},
                                       {"deprecated", false}}});
                });

  d.add<LineOptionArgs>("query-command-line-options", "[CommandLineOptionInfo]",
                        [](const LineOptionArgs& a, QmpSession&) -> QmpResult {
                          json list = json::array();
                          for (const auto& o : line_options()) {
                            if (!a.option || *a.option == o.option) list.push_back(option_json(o));
                          }
                          if (a.option && list.empty()) {
                            return generic_error("Invalid parameter 'option'");
                          }
                          return list;
                        });

  // The one migration capability is "events" (MIGRATION events while a migration runs; none
  // can run in this build). libvirt 9.0 turns it on at every domain start and gives up on
  // the domain when migrate-set-capabilities fails.
  auto migration_events = std::make_shared<bool>(false);
  d.add<NoArgs>("query-migrate-capabilities", "[MigrationCapabilityStatus]",
                [migration_events](const NoArgs&, QmpSession&) -> QmpResult {
                  return json::array({{{"capability", "events"}, {"state", *migration_events}}});
                });
  d.add<MigrateCapsArgs>(
      "migrate-set-capabilities", "EmptyObject",
      [migration_events](const MigrateCapsArgs& a, QmpSession&) -> QmpResult {
        if (!a.capabilities.is_array()) {
          return std::unexpected(invalid_parameter_type("capabilities", "array"));
        }
        std::optional<bool> events;
        for (const auto& c : a.capabilities) {
          if (!c.is_object() || !c.contains("capability") || !c.contains("state")) {
            return generic_error("Parameter 'capabilities' expects {capability, state} objects");
          }
          if (!c["capability"].is_string() || !c["state"].is_boolean()) {
            return std::unexpected(
                invalid_parameter_type(c["capability"].is_string() ? "state" : "capability",
                                       c["capability"].is_string() ? "boolean" : "string"));
          }
          if (c["capability"] != "events") {
            return generic_error(fmt::format("Parameter 'capability' does not accept value '{}'",
                                             c["capability"].get<std::string>()));
          }
          events = c["state"].get<bool>();
        }
        if (events) *migration_events = *events;
        return json::object();
      });

  // No TPM model or TPM backend exists in this build.
  auto empty_list = [](const NoArgs&, QmpSession&) -> QmpResult { return json::array(); };
  d.add<NoArgs>("query-tpm-models", "[TpmModel]", empty_list);
  d.add<NoArgs>("query-tpm-types", "[TpmType]", empty_list);
}

}  // namespace stratovirt::qmp
