// SPDX-License-Identifier: MulanPSL-2.0
//
// Fuzz target: the QMP stream path — QmpFramer splitting a byte stream (fed in chunks whose
// sizes come from the input) into messages, and QmpDispatcher answering each one with the
// full command table over a -machine none MachineControl. Every message must be answered
// with exactly one JSON object holding "return" or "error" — never a crash, hang, throw or
// sanitizer report. The first input byte picks the chunk size (1..16, 0 = all at once).
// libFuzzer/AFL++ entry point; tests/fuzz/standalone_main.cpp replays a corpus without them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "qmp/qmp_framer.h"
#include "stratovirt/qmp/none_machine_control.h"
#include "stratovirt/qmp/qmp_commands.h"

namespace {

using namespace stratovirt;

constexpr size_t kMaxMessage = 64 * 1024;

void check_reply(const std::string& line) {
  auto reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object()) __builtin_trap();
  if (reply.contains("return") == reply.contains("error")) __builtin_trap();
  if (reply.contains("error")) {
    const auto& e = reply["error"];
    if (!e.is_object() || !e.value("class", nlohmann::json()).is_string() ||
        !e.value("desc", nlohmann::json()).is_string() || e["desc"].get<std::string>().empty()) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = data[0] % 17;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  config::VmConfig cfg;
  qmp::NoneMachineControl machine(false, {}, [](const qmp::ShutdownCause&) {});
  qmp::EventQueue events;
  qmp::FdRegistry fds;
  qmp::CommandEnv env{machine, events, fds, cfg, [] { return false; }};
  qmp::QmpDispatcher dispatcher;
  qmp::register_commands(dispatcher, env);
  qmp::QmpSession session;
  qmp::QmpFramer framer(kMaxMessage);

  size_t pos = 0;
  while (pos < stream.size() && !framer.overflowed()) {
    size_t n = chunk == 0 ? stream.size() - pos : std::min(chunk, stream.size() - pos);
    framer.feed(stream.substr(pos, n));
    pos += n;
    while (auto msg = framer.next()) check_reply(dispatcher.handle_message(*msg, session));
  }
  (void)events.drain();
  return 0;
}
