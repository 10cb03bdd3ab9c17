// SPDX-License-Identifier: MulanPSL-2.0
// stratovirt entry point: parse → build → run → exit code.
#include <cstdio>
#include <string>
#include <vector>

#include "stratovirt/config/vm_config.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cfg = stratovirt::config::parse_command_line(args);
  if (!cfg) {
    std::fprintf(stderr, "stratovirt: %s\n", cfg.error().to_string().c_str());
    return 1;
  }
  return 0;
}
