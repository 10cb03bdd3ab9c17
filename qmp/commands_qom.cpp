// SPDX-License-Identifier: MulanPSL-2.0
//
// QOM introspection for libvirt's capability probe: qom-list-types, device-list-properties
// and qom-list-properties, answered from the QomCatalog (what src/config parses); qom-list
// of /machine/peripheral (the -device ids) for libvirt's domain start.
#include <algorithm>
#include <array>

#include "qmp/commands.h"
#include "qmp/qom_catalog.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

struct ListTypesArgs {
  std::optional<std::string> implements;
  std::optional<bool> abstract;
  static constexpr std::array<ArgSpec, 2> kSpec{
      {{"implements", ArgType::kString, true}, {"abstract", ArgType::kBool, true}}};
  static ListTypesArgs from_json(const json& a) {
    return {opt_string(a, "implements"), opt_bool(a, "abstract")};
  }
};

struct PathArgs {
  std::string path;
  static constexpr std::array<ArgSpec, 1> kSpec{{{"path", ArgType::kString}}};
  static PathArgs from_json(const json& a) { return {req_string(a, "path")}; }
};

struct TypenameArgs {
  std::string type_name;
  static constexpr std::array<ArgSpec, 1> kSpec{{{"typename", ArgType::kString}}};
  static TypenameArgs from_json(const json& a) { return {req_string(a, "typename")}; }
};

json properties_json(const QomType& t) {
  json list = json::array();
  for (const auto& p : t.properties) {
    list.push_back({{"name", std::string(p.name)}, {"type", std::string(p.type)}});
  }
  return list;
}

// Machine classes ("<machine>-machine", QEMU's QOM names) for the machines query-machines
// lists, with the -machine properties src/config parses. libvirt 9.0 always asks
// qom-list-properties for "none-machine" and walks the answer as a list without checking
// for DeviceNotFound first, so a missing class crashes libvirtd: these must answer.
constexpr std::array<std::string_view, 3> kMachineClasses = {"none-machine", "microvm-machine",
                                                             "q35-machine"};
constexpr std::array<QomProperty, 4> kMachineProps = {
    {{"dump-guest-core", "bool"}, {"usb", "bool"}, {"memory-backend", "string"},
     {"mem-share", "bool"}}};

bool is_machine_class(std::string_view name) {
  return std::ranges::find(kMachineClasses, name) != kMachineClasses.end();
}

// "implements" is matched against the type and its direct parent (the catalog keeps no
// deeper hierarchy); the base classes themselves are abstract and never listed.
bool implements(const QomType& t, std::string_view iface) {
  return t.name == iface || t.parent == iface ||
         (iface == "device" && t.kind == QomKind::kDevice) ||
         (iface == "object");
}

}  // namespace

void register_qom_commands(QmpDispatcher& d, const CommandEnv& env) {
  // The composition tree as far as clients walk it: libvirt lists /machine/peripheral at
  // every domain start (the -device ids) and gives up on the domain when qom-list fails.
  // Other paths are not modelled: DeviceNotFound, as QEMU answers for a missing path.
  const config::VmConfig& cfg = env.config;
  d.add<PathArgs>("qom-list", "[ObjectPropertyInfo]",
                  [&cfg](const PathArgs& a, QmpSession&) -> QmpResult {
                    json list = json::array();
                    if (a.path == "/machine/peripheral") {
                      for (const auto& dev : cfg.devices) {
                        list.push_back({{"name", dev.id}, {"type", "child<" + dev.driver + ">"}});
                      }
                      return list;
                    }
                    if (a.path == "/machine/peripheral-anon") return list;
                    return qmp_error(kDeviceNotFound, fmt::format("Device '{}' not found", a.path));
                  });

  d.add<ListTypesArgs>("qom-list-types", "[ObjectTypeInfo]",
                       [](const ListTypesArgs& a, QmpSession&) -> QmpResult {
                         json list = json::array();
                         for (const auto& t : qom_types()) {
                           if (a.implements && !implements(t, *a.implements)) continue;
                           list.push_back({{"name", std::string(t.name)},
                                           {"parent", std::string(t.parent)}});
                         }
                         return list;
                       });

  d.add<TypenameArgs>("device-list-properties", "[ObjectPropertyInfo]",
                      [](const TypenameArgs& a, QmpSession&) -> QmpResult {
                        const QomType* t = find_qom_type(a.type_name);
                        if (t == nullptr) {
                          return qmp_error(kDeviceNotFound,
                                           fmt::format("Device '{}' not found", a.type_name));
                        }
                        if (t->kind != QomKind::kDevice) {
                          return generic_error(
                              fmt::format("Parameter 'typename' expects device type"));
                        }
                        return properties_json(*t);
                      });

  d.add<TypenameArgs>("qom-list-properties", "[ObjectPropertyInfo]",
                      [](const TypenameArgs& a, QmpSession&) -> QmpResult {
                        if (is_machine_class(a.type_name)) {
                          json list = json::array();
                          for (const auto& p : kMachineProps) {
                            list.push_back({{"name", std::string(p.name)},
                                            {"type", std::string(p.type)}});
                          }
                          return list;
                        }
                        const QomType* t = find_qom_type(a.type_name);
                        if (t == nullptr) {
                          return qmp_error(kDeviceNotFound,
                                           fmt::format("Class '{}' not found", a.type_name));
                        }
                        return properties_json(*t);
                      });
}

}  // namespace stratovirt::qmp
