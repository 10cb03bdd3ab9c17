// SPDX-License-Identifier: MulanPSL-2.0
// Helpers for -device tests: parse one -device value the way the command line does.
#pragma once

#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stratovirt/config/device_config.h"

namespace stratovirt::config::testing {

inline Result<DeviceConfig> parse_dev(std::string_view text, size_t index = 0) {
  auto props = Props::parse("-device", text, "driver", "driver");
  if (!props) return std::unexpected(props.error());
  return parse_device(*props, index);
}

// The error message of a failing parse ("" when it unexpectedly succeeds).
inline std::string dev_error(std::string_view text) {
  auto d = parse_dev(text);
  return d ? std::string() : d.error().message();
}

template <typename T>
const T& spec_of(const Result<DeviceConfig>& d) {
  return std::get<T>(d->spec);
}

// Parses every line (ids default to "<driver><i>") and runs validate_devices.
inline Result<std::vector<DeviceConfig>> validate_lines(std::vector<std::string_view> lines,
                                                         MachineType machine,
                                                         uint32_t cpus = 1) {
  std::vector<DeviceConfig> devs;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto d = parse_dev(lines[i], i);
    if (!d) return std::unexpected(d.error());
    devs.push_back(std::move(*d));
  }
  auto r = validate_devices(devs, machine, cpus);
  if (!r) return std::unexpected(r.error());
  return devs;
}

inline std::string validate_error(std::vector<std::string_view> lines, MachineType machine,
                                  uint32_t cpus = 1) {
  auto r = validate_lines(std::move(lines), machine, cpus);
  return r ? std::string() : r.error().message();
}

}  // namespace stratovirt::config::testing
