// SPDX-License-Identifier: MulanPSL-2.0
//
// human-monitor-command: the few HMP commands tools send through QMP (info status,
// info version, info cpus), printed as QEMU prints them ("\r\n" line ends). Any other
// HMP command is refused with GenericError rather than pretended.
#include <sstream>

#include "qmp/commands.h"
#include "stratovirt/qmp/qmp_version.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

struct HmpArgs {
  std::string command_line;
  std::optional<int64_t> cpu_index;
  static constexpr std::array<ArgSpec, 2> kSpec{
      {{"command-line", ArgType::kString}, {"cpu-index", ArgType::kInt, true}}};
  static HmpArgs from_json(const json& a) {
    return {req_string(a, "command-line"), opt_int(a, "cpu-index")};
  }
};

// The command's words, whitespace-separated.
std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string info_status(RunState s) {
  std::string text = s == RunState::kRunning ? "VM status: running" : "VM status: paused";
  if (s != RunState::kRunning && s != RunState::kPaused) {
    text += fmt::format(" ({})", to_string(s));
  }
  return text + "\r\n";
}

std::string info_cpus(const std::vector<VcpuInfo>& vcpus) {
  std::string text;
  bool first = true;
  for (const auto& v : vcpus) {
    text += fmt::format("{} CPU #{}: thread_id={}\r\n", first ? '*' : ' ', v.index, v.thread_id);
    first = false;
  }
  return text;
}

}  // namespace

void register_hmp_commands(QmpDispatcher& d, const CommandEnv& env) {
  MachineControl& machine = env.machine;
  d.add<HmpArgs>("human-monitor-command", "str",
                 [&machine](const HmpArgs& a, QmpSession&) -> QmpResult {
                   auto w = words(a.command_line);
                   if (w.size() == 2 && w[0] == "info") {
                     if (w[1] == "status") return info_status(machine.run_state());
                     if (w[1] == "version") {
                       return fmt::format("{}.{}.{} (StratoVirt-cpp {})\r\n", kQemuMajor,
                                          kQemuMinor, kQemuMicro, SV_VERSION);
                     }
                     if (w[1] == "cpus") return info_cpus(machine.vcpus());
                   }
                   return generic_error(fmt::format(
                       "HMP command '{}' is not supported (only info status|version|cpus)",
                       a.command_line));
                 });
}

}  // namespace stratovirt::qmp
