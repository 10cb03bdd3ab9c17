// SPDX-License-Identifier: MulanPSL-2.0
//
// CharBackend: the host side of a character device (-chardev stdio|pty|file|socket).
//
// A frontend (16550 UART, virtio-console port) writes guest output with write() and
// receives host input through the handler it installs. Input is read on the event loop
// the backend was opened on; a frontend that cannot take more input returns how many
// bytes it accepted and the backend keeps the rest (no input is lost or reordered).
// write() may be called from any thread (vCPU or iothread); it never blocks the caller
// for long: a backend with no connected peer (socket server with nowait) drops output,
// a slow peer gets output dropped beyond a bounded buffer, both counted and logged
// (rate-limited). Owned by the machine; frontends hold a non-owning pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace stratovirt {

class CharBackend {
 public:
  // Returns the number of bytes the frontend accepted (0..data.size()).
  using InputHandler = std::function<size_t(std::span<const uint8_t> data)>;

  virtual ~CharBackend() = default;
  virtual void write(std::span<const uint8_t> data) = 0;
  virtual void set_input_handler(InputHandler handler) = 0;
  // Called by the frontend when it can accept input again after refusing some.
  virtual void input_ready() = 0;
  // For query-chardev / printing: e.g. "pty:/dev/pts/3", "unix:/tmp/s.sock".
  virtual std::string description() const = 0;
};

}  // namespace stratovirt
