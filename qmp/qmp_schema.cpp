// SPDX-License-Identifier: MulanPSL-2.0
//
// query-qmp-schema: QEMU's SchemaInfo array for the commands in the dispatcher.
//
// Commands come from the dispatcher itself (their ArgSpecs become the argument object, their
// "returns" the ret-type), so the schema cannot advertise a command or an argument that
// does not exist. The named return types are described in kTypes below; builtins and
// array types are generated on demand. libvirt walks this array by name
// ("query-kvm/ret-type/present"), so every referenced name has an entry.
#include <set>

#include "qmp/commands.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

struct Member {
  std::string_view name;
  std::string_view type;
  bool optional = false;
};

struct NamedType {
  std::string_view name;
  std::vector<Member> members;             // object types
  std::vector<std::string_view> values{};  // enum types (members empty)
  bool is_enum = false;
};

const std::vector<NamedType>& named_types() {
  static const std::vector<NamedType> kTypes = {
      {"EmptyObject", {}},
      {"StatusInfo", {{"running", "bool"}, {"singlestep", "bool"}, {"status", "RunState"}}},
      {"RunState", {}, {"prelaunch", "running", "paused", "shutdown", "internal-error",
                        "guest-panicked"}, true},
      {"ShutdownCause", {}, {"host-error", "host-qmp-quit", "host-qmp-system-reset",
                             "host-signal", "guest-shutdown", "guest-reset", "guest-panic"},
       true},
      {"VersionTriple", {{"major", "int"}, {"minor", "int"}, {"micro", "int"}}},
      {"VersionInfo", {{"qemu", "VersionTriple"}, {"package", "str"}}},
      {"CommandInfo", {{"name", "str"}}},
      {"EventInfo", {{"name", "str"}}},
      {"SchemaInfo", {{"name", "str"}, {"meta-type", "str"}}},
      {"TargetInfo", {{"arch", "str"}}},
      {"KvmInfo", {{"enabled", "bool"}, {"present", "bool"}}},
      {"MachineInfo",
       {{"name", "str"}, {"is-default", "bool", true}, {"cpu-max", "int"},
        {"hotpluggable-cpus", "bool"}, {"numa-mem-supported", "bool"}, {"deprecated", "bool"},
        {"default-ram-id", "str", true}}},
      {"CpuDefinitionInfo",
       {{"name", "str"}, {"migration-safe", "bool", true}, {"static", "bool"},
        {"unavailable-features", "[str]", true}, {"typename", "str"}, {"deprecated", "bool"}}},
      {"CommandLineParameterType", {}, {"string", "boolean", "number", "size"}, true},
      {"CommandLineParameterInfo", {{"name", "str"}, {"type", "CommandLineParameterType"}}},
      {"CommandLineOptionInfo", {{"option", "str"}, {"parameters", "[CommandLineParameterInfo]"}}},
      {"MigrationCapabilityStatus", {{"capability", "str"}, {"state", "bool"}}},
      {"TpmModel", {}, {}, true},
      {"TpmType", {}, {}, true},
      {"CpuInstanceProperties",
       {{"socket-id", "int", true}, {"die-id", "int", true}, {"core-id", "int", true},
        {"thread-id", "int", true}}},
      {"CpuInfo",
       {{"CPU", "int"}, {"current", "bool"}, {"halted", "bool"}, {"qom_path", "str"},
        {"thread_id", "int"}, {"arch", "str"}, {"props", "CpuInstanceProperties", true}}},
      {"CpuInfoFast",
       {{"cpu-index", "int"}, {"qom-path", "str"}, {"thread-id", "int"},
        {"props", "CpuInstanceProperties", true}, {"target", "str"}}},
      {"HotpluggableCPU",
       {{"type", "str"}, {"vcpus-count", "int"}, {"props", "CpuInstanceProperties"},
        {"qom-path", "str", true}}},
      {"IOThreadInfo",
       {{"id", "str"}, {"thread-id", "int"}, {"poll-max-ns", "int"}, {"poll-grow", "int"},
        {"poll-shrink", "int"}, {"aio-max-batch", "int"}}},
      {"ChardevInfo", {{"label", "str"}, {"filename", "str"}, {"frontend-open", "bool"}}},
      {"BalloonInfo", {{"actual", "int"}}},
      {"ImageInfo",
       {{"filename", "str"}, {"format", "str"}, {"virtual-size", "int"},
        {"actual-size", "int", true}}},
      {"BlockdevCacheInfo", {{"writeback", "bool"}, {"direct", "bool"}, {"no-flush", "bool"}}},
      {"BlockDeviceInfo",
       {{"file", "str"}, {"node-name", "str", true}, {"ro", "bool"}, {"drv", "str"},
        {"backing_file_depth", "int"}, {"encrypted", "bool"}, {"detect_zeroes", "str"},
        {"bps", "int"}, {"bps_rd", "int"}, {"bps_wr", "int"}, {"iops", "int"},
        {"iops_rd", "int"}, {"iops_wr", "int"}, {"write_threshold", "int"},
        {"cache", "BlockdevCacheInfo"}, {"aio", "str", true}, {"image", "ImageInfo"}}},
      {"BlockInfo",
       {{"device", "str"}, {"qdev", "str", true}, {"type", "str"}, {"removable", "bool"},
        {"locked", "bool"}, {"inserted", "BlockDeviceInfo", true}, {"io-status", "str", true}}},
      {"MigrationInfo", {{"status", "str", true}}},
      {"ObjectTypeInfo", {{"name", "str"}, {"abstract", "bool", true}, {"parent", "str", true}}},
      {"ObjectPropertyInfo",
       {{"name", "str"}, {"type", "str"}, {"description", "str", true},
        {"default-value", "any", true}}},
  };
  return kTypes;
}

// Event data types: SHUTDOWN and RESET carry {guest, reason}, BALLOON_CHANGED {actual}; the
// others nothing.
std::string_view event_arg_type(std::string_view event) {
  if (event == "BALLOON_CHANGED") return "BalloonInfo";
  return event == "SHUTDOWN" || event == "RESET" ? "q_obj_SHUTDOWN-arg" : "EmptyObject";
}

const NamedType* find_named(std::string_view name) {
  for (const auto& t : named_types()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool is_builtin(std::string_view t) {
  return t == "str" || t == "int" || t == "bool" || t == "number" || t == "any" || t == "null";
}

std::string_view json_type(std::string_view builtin) {
  if (builtin == "str") return "string";
  if (builtin == "int") return "int";
  if (builtin == "bool") return "boolean";
  if (builtin == "number") return "number";
  if (builtin == "null") return "null";
  return "value";
}

json members_json(const std::vector<Member>& members) {
  json list = json::array();
  for (const auto& m : members) {
    json e = {{"name", std::string(m.name)}, {"type", std::string(m.type)}};
    if (m.optional) e["default"] = nullptr;
    list.push_back(std::move(e));
  }
  return list;
}

// Collects type entries reachable from `name` into `out` (each once).
class SchemaWriter {
 public:
  void object(std::string name, const std::vector<Member>& members) {
    if (!seen_.insert(name).second) return;
    for (const auto& m : members) type(m.type);
    out_.push_back({{"name", name}, {"meta-type", "object"}, {"members", members_json(members)}});
  }

  // False when `name` is neither builtin, array nor a known named type.
  bool type(std::string_view name) {
    std::string key(name);
    if (seen_.count(key) != 0) return true;
    if (is_builtin(name)) {
      seen_.insert(key);
      out_.push_back({{"name", key}, {"meta-type", "builtin"},
                      {"json-type", std::string(json_type(name))}});
      return true;
    }
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
      std::string_view element = name.substr(1, name.size() - 2);
      bool known = type(element);
      seen_.insert(key);
      out_.push_back({{"name", key}, {"meta-type", "array"},
                      {"element-type", std::string(element)}});
      return known;
    }
    const NamedType* t = find_named(name);
    if (t == nullptr) {
      unresolved_.push_back(key);
      return false;
    }
    if (!t->is_enum) {
      object(key, t->members);
      return true;
    }
    seen_.insert(key);
    json values = json::array();
    json members = json::array();
    for (auto v : t->values) {
      values.push_back(std::string(v));
      members.push_back({{"name", std::string(v)}});
    }
    out_.push_back({{"name", key}, {"meta-type", "enum"}, {"values", values},
                    {"members", members}});
    return true;
  }

  void add(json entry) { out_.push_back(std::move(entry)); }
  json take() { return std::move(out_); }
  const std::vector<std::string>& unresolved() const { return unresolved_; }

 private:
  json out_ = json::array();
  std::set<std::string> seen_;
  std::vector<std::string> unresolved_;
};

void write_schema(const QmpDispatcher& d, SchemaWriter& w) {
  for (const auto& [name, cmd] : d.commands()) {
    std::string arg_type = "q_obj_" + name + "-arg";
    std::vector<Member> members;
    for (const auto& a : cmd.args) members.push_back({a.name, schema_type(a.type), a.optional});
    w.object(arg_type, members);
    w.type(cmd.returns);
    w.add({{"name", name}, {"meta-type", "command"}, {"arg-type", arg_type},
           {"ret-type", cmd.returns}, {"allow-oob", false}});
  }
  w.object("q_obj_SHUTDOWN-arg", {{"guest", "bool"}, {"reason", "ShutdownCause"}});
  w.type("EmptyObject");
  for (auto event : known_events()) {
    w.add({{"name", std::string(event)}, {"meta-type", "event"},
           {"arg-type", std::string(event_arg_type(event))}});
  }
}

}  // namespace

json build_schema(const QmpDispatcher& d) {
  SchemaWriter w;
  write_schema(d, w);
  return w.take();
}

std::vector<std::string> unresolved_schema_types(const QmpDispatcher& d) {
  SchemaWriter w;
  write_schema(d, w);
  return w.unresolved();
}

}  // namespace stratovirt::qmp
