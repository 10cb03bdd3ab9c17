// SPDX-License-Identifier: MulanPSL-2.0
//
// The version this VMM reports to QMP clients (greeting and query-version).
//
// QMP clients gate features on a QEMU version, not on ours: govmm refuses major < 5 and
// libvirt refuses anything older than its minimum (4.2 for Debian 12's libvirt 9.0, 6.2
// for libvirt ≥ 11.2). We report the QEMU release whose QMP behaviour we follow (7.2.0)
// and name ourselves in "package". Constants; any thread.
#pragma once

#include <nlohmann/json.hpp>

namespace stratovirt::qmp {

inline constexpr int kQemuMajor = 7;
inline constexpr int kQemuMinor = 2;
inline constexpr int kQemuMicro = 0;

// {"qemu":{"micro":0,"minor":2,"major":7},"package":"StratoVirt-cpp <version>"}
nlohmann::ordered_json version_json();

}  // namespace stratovirt::qmp
