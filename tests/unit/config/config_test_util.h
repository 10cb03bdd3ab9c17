// SPDX-License-Identifier: MulanPSL-2.0
// Helpers for config tests: parse a command line, with files created on demand.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "stratovirt/config/vm_config.h"
#include "support/temp_dir.h"

namespace stratovirt::config::testing {

// Parses `args`; "@name" anywhere in a token is replaced by the path of a temp file
// created on first use (so -kernel/-drive file checks pass).
class CmdlineFixture {
 public:
  Result<VmConfig> parse(std::vector<std::string> args) {
    for (auto& a : args) {
      size_t pos;
      while ((pos = a.find('@')) != std::string::npos) {
        size_t end = pos + 1;
        while (end < a.size() && (isalnum(static_cast<unsigned char>(a[end])) || a[end] == '_' || a[end] == '.' || a[end] == '-')) ++end;
        std::string name = a.substr(pos + 1, end - pos - 1);
        a.replace(pos, end - pos, dir_.write(name, "data"));
      }
    }
    return parse_command_line(args);
  }
  // Same, with a QMP monitor appended (validation requires one). Without -machine and
  // -kernel the line would be an (invalid) kernel-less microvm, so q35 is chosen.
  Result<VmConfig> parse_qmp(std::vector<std::string> args) {
    if (std::find(args.begin(), args.end(), "-machine") == args.end() &&
        std::find(args.begin(), args.end(), "-kernel") == args.end()) {
      args.insert(args.begin(), {"-machine", "q35"});
    }
    args.push_back("-qmp");
    args.push_back("unix:" + dir_.file("qmp.sock") + ",server,nowait");
    return parse(std::move(args));
  }
  const stratovirt::testing::TempDir& dir() const { return dir_; }

 private:
  stratovirt::testing::TempDir dir_;
};

}  // namespace stratovirt::config::testing
