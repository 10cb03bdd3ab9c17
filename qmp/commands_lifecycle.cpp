// SPDX-License-Identifier: MulanPSL-2.0
//
// Lifecycle commands: qmp_capabilities, quit, stop, cont, system_powerdown, system_reset,
// query-status. The events (STOP, RESUME, POWERDOWN, RESET) follow the state change the
// handler observes, as QEMU emits them: no STOP for a machine that was not running.
#include "qmp/commands.h"

#include "stratovirt/base/logging.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

struct CapabilitiesArgs {
  std::optional<json> enable;
  static constexpr std::array<ArgSpec, 1> kSpec{{{"enable", ArgType::kAny, true}}};
  static CapabilitiesArgs from_json(const json& a) {
    auto it = a.find("enable");
    return {it == a.end() ? std::nullopt : std::optional<json>(*it)};
  }
};

QmpResult error_from(const Error& e) { return generic_error(e.message()); }

}  // namespace

void register_lifecycle_commands(QmpDispatcher& d, const CommandEnv& env) {
  // Negotiation is optional here (StratoVirt's rule); no capability can be enabled.
  d.add<CapabilitiesArgs>("qmp_capabilities", "EmptyObject",
                          [](const CapabilitiesArgs& a, QmpSession&) -> QmpResult {
                            if (a.enable && !a.enable->is_array()) {
                              return std::unexpected(invalid_parameter_type("enable", "array"));
                            }
                            if (a.enable && !a.enable->empty()) {
                              const json& cap = a.enable->front();
                              return generic_error(fmt::format(
                                  "Capability '{}' not available",
                                  cap.is_string() ? cap.get<std::string>() : cap.dump()));
                            }
                            return json::object();
                          });

  MachineControl& machine = env.machine;
  EventQueue& events = env.events;

  d.add<NoArgs>("quit", "EmptyObject", [&machine](const NoArgs&, QmpSession&) -> QmpResult {
    logger(kLoggerQmp)->info("quit requested over QMP, shutting down");
    machine.request_shutdown(ShutdownCause::kHostQmpQuit);
    return json::object();
  });

  d.add<NoArgs>("stop", "EmptyObject",
                [&machine, &events](const NoArgs&, QmpSession&) -> QmpResult {
                  bool was_running = machine.run_state() == RunState::kRunning;
                  if (auto r = machine.pause(); !r) return error_from(r.error());
                  if (was_running && machine.run_state() != RunState::kRunning) {
                    events.emit("STOP");
                  }
                  return json::object();
                });

  d.add<NoArgs>("cont", "EmptyObject",
                [&machine, &events](const NoArgs&, QmpSession&) -> QmpResult {
                  bool was_running = machine.run_state() == RunState::kRunning;
                  if (auto r = machine.resume(); !r) return error_from(r.error());
                  if (!was_running && machine.run_state() == RunState::kRunning) {
                    events.emit("RESUME");
                  }
                  return json::object();
                });

  d.add<NoArgs>("system_powerdown", "EmptyObject",
                [&machine, &events](const NoArgs&, QmpSession&) -> QmpResult {
                  // First the event: on a machine where powerdown is an immediate power-off
                  // the SHUTDOWN that follows must come after it.
                  events.emit("POWERDOWN");
                  if (auto r = machine.request_powerdown(); !r) return error_from(r.error());
                  return json::object();
                });

  d.add<NoArgs>("system_reset", "EmptyObject",
                [&machine, &events](const NoArgs&, QmpSession&) -> QmpResult {
                  auto r = machine.request_reset();
                  if (!r) return error_from(r.error());
                  if (*r == ResetOutcome::kReset) {
                    events.emit("RESET", shutdown_event_data(ShutdownCause::kHostQmpSystemReset));
                  }
                  return json::object();
                });

  d.add<NoArgs>("query-status", "StatusInfo", [&machine](const NoArgs&, QmpSession&) -> QmpResult {
    RunState s = machine.run_state();
    return json{{"running", s == RunState::kRunning},
                {"singlestep", false},
                {"status", std::string(to_string(s))}};
  });
}

}  // namespace stratovirt::qmp
