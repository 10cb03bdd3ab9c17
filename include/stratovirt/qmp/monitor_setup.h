// SPDX-License-Identifier: MulanPSL-2.0
//
// Monitor setup: turns the -qmp/-mon configs into bound listeners, and describes the
// monitors' chardevs for query-chardev.
//
// bind_monitor_listeners() binds (or adopts the inherited fd of) each monitor's socket
// chardev, in command-line order. It runs before -daemonize releases its parent, so the
// sockets exist when the parent exits 0.
// Threads: main thread at startup.
// Failure: errors name the monitor, its chardev and the address.
#pragma once

#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/socket.h"
#include "stratovirt/config/vm_config.h"
#include "stratovirt/qmp/machine_control.h"

namespace stratovirt::qmp {

Result<std::vector<SocketListener>> bind_monitor_listeners(const config::VmConfig& cfg);

// The monitors' socket chardevs as query-chardev reports them ("unix:<path>,server=on").
std::vector<ChardevInfo> monitor_chardevs(const config::VmConfig& cfg);

}  // namespace stratovirt::qmp
