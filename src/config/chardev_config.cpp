// SPDX-License-Identifier: MulanPSL-2.0
// -chardev parser (also used for the inline forms of -serial).
#include "stratovirt/config/backend_config.h"

namespace stratovirt::config {
namespace {

constexpr size_t kMaxUnixPathLen = 107;  // sun_path holds 108 bytes with the NUL

Result<SocketBackend> parse_socket(Props& props) {
  SocketBackend s;
  SV_ASSIGN_OR_RETURN(auto path, props.get_path("path"));
  SV_ASSIGN_OR_RETURN(auto host, props.get_string("host"));
  SV_ASSIGN_OR_RETURN(auto port, props.get_uint("port", 1, 65535));
  SV_ASSIGN_OR_RETURN(auto fd, props.get_uint("fd", 0, INT32_MAX));
  int forms = (path ? 1 : 0) + ((host || port) ? 1 : 0) + (fd ? 1 : 0);
  if (forms != 1) return std::unexpected(props.error("exactly one of path, port or fd is required"));
  if (path) {
    if (path->size() > kMaxUnixPathLen) {
      return std::unexpected(props.prop_error(
          "path", fmt::format("unix socket path is longer than {} bytes", kMaxUnixPathLen)));
    }
    s.addr = UnixSocketAddr{std::move(*path)};
  } else if (fd) {
    s.addr = FdSocketAddr{static_cast<int>(*fd)};
  } else {
    if (!port) return std::unexpected(props.prop_error("port", "is required with host"));
    TcpSocketAddr t;
    if (host) t.host = std::move(*host);
    t.port = static_cast<uint16_t>(*port);
    s.addr = std::move(t);
  }
  SV_ASSIGN_OR_RETURN(auto server, props.get_bool("server"));
  s.server = server.value_or(false);
  SV_ASSIGN_OR_RETURN(auto wait, props.get_bool("wait"));
  SV_ASSIGN_OR_RETURN(auto nowait, props.get_bool("nowait"));
  if (wait && nowait) return std::unexpected(props.error("give wait or nowait, not both"));
  s.wait = wait.value_or(!nowait.value_or(false));
  if (!s.server && (wait || nowait)) {
    return std::unexpected(props.prop_error(wait ? "wait" : "nowait", "only applies to server sockets"));
  }
  if (!s.server) s.wait = false;
  return s;
}

}  // namespace

std::string_view backend_name(const ChardevBackend& b) {
  struct Namer {
    std::string_view operator()(const StdioBackend&) const { return "stdio"; }
    std::string_view operator()(const PtyBackend&) const { return "pty"; }
    std::string_view operator()(const FileBackend&) const { return "file"; }
    std::string_view operator()(const SocketBackend&) const { return "socket"; }
  };
  return std::visit(Namer{}, b);
}

Result<ChardevConfig> parse_chardev(Props& props, std::string_view default_id) {
  SV_ASSIGN_OR_RETURN(auto backend, props.get_string("backend"));
  if (!backend) return std::unexpected(props.error("missing backend (stdio, pty, socket or file)"));
  ChardevConfig c;
  SV_ASSIGN_OR_RETURN(auto id, props.get_string("id"));
  if (id) {
    if (id->empty()) return std::unexpected(props.prop_error("id", "must not be empty"));
    c.id = std::move(*id);
  } else if (!default_id.empty()) {
    c.id = std::string(default_id);
  } else {
    return std::unexpected(props.prop_error("id", "is required"));
  }
  if (*backend == "stdio") {
    SV_ASSIGN_OR_RETURN(auto sig, props.get_bool("signal"));  // QEMU: Ctrl-C handling
    (void)sig;
    c.backend = StdioBackend{};
  } else if (*backend == "pty") {
    c.backend = PtyBackend{};
  } else if (*backend == "file") {
    SV_ASSIGN_OR_RETURN(auto path, props.get_path("path"));
    if (!path) return std::unexpected(props.prop_error("path", "is required for a file chardev"));
    c.backend = FileBackend{std::move(*path)};
  } else if (*backend == "socket") {
    SV_ASSIGN_OR_RETURN(auto s, parse_socket(props));
    c.backend = std::move(s);
  } else {
    return std::unexpected(props.prop_error(
        "backend", fmt::format("unsupported backend '{}' (expected stdio, pty, socket or file)",
                               *backend),
        ErrorCode::kNotSupported));
  }
  SV_RETURN_IF_ERROR(props.finish());
  return c;
}

}  // namespace stratovirt::config
