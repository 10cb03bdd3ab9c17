// SPDX-License-Identifier: MulanPSL-2.0
//
// Opening -chardev backends: stdio, pty, file and socket (unix, tcp, inherited fd).
//
// open_char_backend() turns a typed config::ChardevConfig into a CharBackend bound to an
// EventLoop (input and buffered output are serviced there):
// - stdio: stdin/stdout; a terminal stdin is put in raw mode (no echo, no line editing,
//   no signals: ^C goes to the guest) and restored when the backend is destroyed, or by
//   restore_stdio_terminal() from a fatal path. At most one stdio backend at a time.
// - pty: a new pseudo-terminal; prints "char device redirected to /dev/pts/N (label ID)"
//   on stderr as QEMU does; the backend keeps the slave open so output is kept (up to the
//   pty's and our buffers) rather than lost with EIO until a client opens it.
// - file: output only, truncated on open (QEMU's default append=off).
// - socket server (unix path or tcp host:port, or an inherited listening fd): one client
//   at a time; further clients wait in the backlog until it leaves. `wait` blocks here
//   until the first client connects; `nowait` returns at once and drops output while no
//   client is connected. An inherited fd that is already connected is used as is.
// - socket client (server=off): connects at open; no reconnect.
// Threads: open on the loop's thread (or before it runs). Failure: errors name the chardev
// id and the path/address/syscall.
#pragma once

#include <memory>

#include "stratovirt/base/error.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/config/backend_config.h"
#include "stratovirt/devices/char_backend.h"

namespace stratovirt::devices {

Result<std::unique_ptr<CharBackend>> open_char_backend(const config::ChardevConfig& config,
                                                       EventLoop& loop);

Result<std::unique_ptr<CharBackend>> open_stdio_backend(const std::string& id, EventLoop& loop);
Result<std::unique_ptr<CharBackend>> open_pty_backend(const std::string& id, EventLoop& loop);
Result<std::unique_ptr<CharBackend>> open_file_backend(const std::string& id,
                                                       const config::FileBackend& file,
                                                       EventLoop& loop);
Result<std::unique_ptr<CharBackend>> open_socket_backend(const std::string& id,
                                                         const config::SocketBackend& socket,
                                                         EventLoop& loop);

// Puts the terminal back the way the stdio backend found it. Async-signal-safe; safe to
// call when nothing was changed and more than once (fatal signal handler, abort path).
void restore_stdio_terminal();

}  // namespace stratovirt::devices
