// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/monitor_setup.h"

#include <variant>

namespace stratovirt::qmp {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

Result<SocketListener> bind_socket(const config::SocketBackend& socket) {
  return std::visit(
      Overloaded{
          [](const config::UnixSocketAddr& a) { return SocketListener::bind_unix(a.path); },
          [](const config::TcpSocketAddr& a) { return SocketListener::bind_tcp(a.host, a.port); },
          [](const config::FdSocketAddr& a) { return SocketListener::adopt_fd(a.fd); },
      },
      socket.addr);
}

}  // namespace

Result<std::vector<SocketListener>> bind_monitor_listeners(const config::VmConfig& cfg) {
  std::vector<SocketListener> listeners;
  for (const auto& monitor : cfg.monitors) {
    const config::ChardevConfig* chardev = cfg.find_chardev(monitor.chardev);
    if (chardev == nullptr) {
      return errorf(ErrorCode::kNotFound, "monitor {}: chardev '{}' does not exist", monitor.id,
                    monitor.chardev);
    }
    const auto* socket = std::get_if<config::SocketBackend>(&chardev->backend);
    if (socket == nullptr || !socket->server) {
      return errorf(ErrorCode::kInvalidArgument,
                    "monitor {}: chardev '{}' must be a server socket (server=on,wait=off)",
                    monitor.id, monitor.chardev);
    }
    auto listener = bind_socket(*socket);
    if (!listener) return std::unexpected(listener.error().with_context("monitor " + monitor.id));
    listeners.push_back(std::move(*listener));
  }
  return listeners;
}

std::vector<ChardevInfo> monitor_chardevs(const config::VmConfig& cfg) {
  std::vector<ChardevInfo> out;
  for (const auto& monitor : cfg.monitors) {
    const config::ChardevConfig* chardev = cfg.find_chardev(monitor.chardev);
    if (chardev == nullptr) continue;
    const auto* socket = std::get_if<config::SocketBackend>(&chardev->backend);
    if (socket == nullptr) continue;
    std::string address = std::visit(
        Overloaded{
            [](const config::UnixSocketAddr& a) { return "unix:" + a.path; },
            [](const config::TcpSocketAddr& a) {
              return fmt::format("tcp:{}:{}", a.host, a.port);
            },
            [](const config::FdSocketAddr& a) { return fmt::format("fd:{}", a.fd); },
        },
        socket->addr);
    out.push_back(ChardevInfo{chardev->id, address + (socket->server ? ",server=on" : ""), true});
  }
  return out;
}

}  // namespace stratovirt::qmp
