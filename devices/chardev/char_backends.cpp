// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/chardev/char_backends.h"

#include <variant>

namespace stratovirt::devices {

Result<std::unique_ptr<CharBackend>> open_char_backend(const config::ChardevConfig& config,
                                                       EventLoop& loop) {
  const std::string& id = config.id;
  return std::visit(
      [&](const auto& b) -> Result<std::unique_ptr<CharBackend>> {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, config::StdioBackend>) {
          return open_stdio_backend(id, loop);
        } else if constexpr (std::is_same_v<T, config::PtyBackend>) {
          return open_pty_backend(id, loop);
        } else if constexpr (std::is_same_v<T, config::FileBackend>) {
          return open_file_backend(id, b, loop);
        } else {
          return open_socket_backend(id, b, loop);
        }
      },
      config.backend);
}

}  // namespace stratovirt::devices
