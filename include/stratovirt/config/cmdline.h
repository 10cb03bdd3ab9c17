// SPDX-License-Identifier: MulanPSL-2.0
//
// Command-line lexer: argv → ordered list of (option, value) by StratoVirt's rules.
//
// Options are single-dash (`-machine`); the value is the next argv token. `-append` takes
// all following tokens that do not start with '-' (joined with spaces). `-D` and the
// libvirt-compatibility options take an optional value. `--` ends option parsing; the rest
// is kept as extra args. A non-repeatable option given twice is an error. Knows nothing of
// option syntax inside values (that is Props) nor of semantics (that is VmConfig).
// Main thread only; pure function of its input.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stratovirt/base/error.h"

namespace stratovirt::config {

enum class Arity {
  kFlag,           // no value
  kValue,          // exactly one value (the next token)
  kOptionalValue,  // the next token when it does not start with '-'
  kMulti,          // all following tokens not starting with '-', joined with ' '
};

struct OptionSpec {
  std::string_view name;     // canonical name without the dash
  std::string_view alias;    // another accepted spelling, or empty
  Arity arity;
  bool repeatable;
  bool ignored;              // accepted for libvirt/QEMU compatibility, has no effect
  std::string_view usage;    // one-line help; empty hides it from -help
};

std::span<const OptionSpec> option_table();
const OptionSpec* find_option(std::string_view name);

struct RawOption {
  std::string name;                  // canonical name
  std::optional<std::string> value;  // absent for flags
};

struct RawCommandLine {
  std::vector<RawOption> options;     // in command-line order
  std::vector<std::string> extra_args;  // after "--"
  bool help = false;
  bool version = false;
};

// `args` excludes argv[0].
Result<RawCommandLine> lex_command_line(std::span<const std::string> args);

// The text printed by -help.
std::string usage_text();

}  // namespace stratovirt::config
