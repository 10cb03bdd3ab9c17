// SPDX-License-Identifier: MulanPSL-2.0
//
// Fuzz target: the command-line parser (lexer, property parser, every option family,
// VmConfig validation). Input bytes are split into argv tokens at '\n'. Any input must
// give either a VmConfig or an Error — never a crash, hang or sanitizer report.
// libFuzzer/AFL++ entry point; tests/fuzz/standalone_main.cpp replays a corpus without them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "stratovirt/config/vm_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    char c = static_cast<char>(data[i]);
    if (c == '\n') {
      args.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) args.push_back(std::move(cur));
  auto cfg = stratovirt::config::parse_command_line(args);
  if (!cfg) {
    // Errors must carry a message that names something.
    if (cfg.error().message().empty()) __builtin_trap();
  }
  return 0;
}
