// SPDX-License-Identifier: MulanPSL-2.0
//
// Monitor setup: turns the -qmp/-mon configs into bound listeners and registers the
// commands every monitor answers from the first moment (qmp_capabilities, quit).
//
// bind_monitor_listeners() binds (or adopts the inherited fd of) each monitor's socket
// chardev, in command-line order. It runs before -daemonize releases its parent, so the
// sockets exist when the parent exits 0.
// Threads: main thread at startup.
// Failure: errors name the monitor, its chardev and the address.
#pragma once

#include <functional>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/socket.h"
#include "stratovirt/config/vm_config.h"
#include "stratovirt/qmp/qmp_dispatcher.h"

namespace stratovirt::qmp {

Result<std::vector<SocketListener>> bind_monitor_listeners(const config::VmConfig& cfg);

// `request_quit` runs on the loop thread after the reply to `quit` was queued; it should
// only schedule the shutdown (e.g. post a loop stop), not tear anything down itself.
void add_basic_commands(QmpDispatcher& dispatcher, std::function<void()> request_quit);

}  // namespace stratovirt::qmp
