// SPDX-License-Identifier: MulanPSL-2.0
//
// Queries about the running VM, answered from MachineControl: query-cpus (Kata reads the
// vCPU thread ids from it), query-cpus-fast, query-hotpluggable-cpus, query-iothreads,
// query-chardev (libvirt finds pty paths there), query-balloon and balloon.
#include <fmt/format.h>

#include "qmp/commands.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

constexpr std::string_view kNoBalloon = "No balloon device has been activated";

std::string qom_path(uint32_t index) {
  return fmt::format("/machine/unattached/device[{}]", index);
}

struct BalloonArgs {
  int64_t value = 0;
  static constexpr std::array<ArgSpec, 1> kSpec{{{"value", ArgType::kInt}}};
  static BalloonArgs from_json(const json& a) { return {req_int(a, "value")}; }
};

}  // namespace

json cpu_props_json(const CpuProps& p) {
  json props = {{"core-id", p.core_id}, {"thread-id", p.thread_id}, {"socket-id", p.socket_id}};
  if (p.die_id) props["die-id"] = *p.die_id;
  return props;
}

void register_vm_query_commands(QmpDispatcher& d, const CommandEnv& env) {
  MachineControl& machine = env.machine;

  // Removed from QEMU 6.0 but still what Kata's StratoVirt driver sends.
  d.add<NoArgs>("query-cpus", "[CpuInfo]", [&machine](const NoArgs&, QmpSession&) -> QmpResult {
    json list = json::array();
    bool first = true;
    for (const auto& v : machine.vcpus()) {
      list.push_back({{"CPU", v.index},
                      {"current", first},
                      {"halted", v.halted},
                      {"qom_path", qom_path(v.index)},
                      {"thread_id", v.thread_id},
                      {"arch", "x86"},
                      {"props", cpu_props_json(v.props)}});
      first = false;
    }
    return list;
  });

  d.add<NoArgs>("query-cpus-fast", "[CpuInfoFast]",
                [&machine](const NoArgs&, QmpSession&) -> QmpResult {
                  json list = json::array();
                  for (const auto& v : machine.vcpus()) {
                    list.push_back({{"cpu-index", v.index},
                                    {"qom-path", qom_path(v.index)},
                                    {"thread-id", v.thread_id},
                                    {"props", cpu_props_json(v.props)},
                                    {"target", "x86_64"}});
                  }
                  return list;
                });

  d.add<NoArgs>("query-hotpluggable-cpus", "[HotpluggableCPU]",
                [&machine](const NoArgs&, QmpSession&) -> QmpResult {
                  auto cpus = machine.hotpluggable_cpus();
                  if (!cpus) return generic_error("machine does not support hot-plugging CPUs");
                  json list = json::array();
                  for (const auto& c : *cpus) {
                    json e = {{"type", c.type},
                              {"vcpus-count", c.vcpus_count},
                              {"props", cpu_props_json(c.props)}};
                    if (c.qom_path) e["qom-path"] = *c.qom_path;
                    list.push_back(std::move(e));
                  }
                  return list;
                });

  d.add<NoArgs>("query-iothreads", "[IOThreadInfo]",
                [&machine](const NoArgs&, QmpSession&) -> QmpResult {
                  json list = json::array();
                  for (const auto& t : machine.iothreads()) {
                    list.push_back({{"id", t.id},
                                    {"thread-id", t.thread_id},
                                    {"poll-max-ns", 0},
                                    {"poll-grow", 0},
                                    {"poll-shrink", 0},
                                    {"aio-max-batch", 0}});
                  }
                  return list;
                });

  d.add<NoArgs>("query-chardev", "[ChardevInfo]",
                [&machine](const NoArgs&, QmpSession&) -> QmpResult {
                  json list = json::array();
                  for (const auto& c : machine.chardevs()) {
                    list.push_back({{"label", c.label},
                                    {"filename", c.filename},
                                    {"frontend-open", c.frontend_open}});
                  }
                  return list;
                });

  d.add<NoArgs>("query-balloon", "BalloonInfo",
                [&machine](const NoArgs&, QmpSession&) -> QmpResult {
                  auto actual = machine.balloon_actual();
                  if (!actual) return qmp_error(kDeviceNotActive, std::string(kNoBalloon));
                  return json{{"actual", *actual}};
                });

  d.add<BalloonArgs>("balloon", "EmptyObject",
                     [&machine](const BalloonArgs& a, QmpSession&) -> QmpResult {
                       if (!machine.balloon_actual()) {
                         return qmp_error(kDeviceNotActive, std::string(kNoBalloon));
                       }
                       if (a.value <= 0) return generic_error("Parameter 'value' expects a size");
                       if (auto r = machine.set_balloon_target(static_cast<uint64_t>(a.value)); !r) {
                         return generic_error(r.error().message());
                       }
                       return json::object();
                     });
}

}  // namespace stratovirt::qmp
