// SPDX-License-Identifier: MulanPSL-2.0
// -netdev parser.
#include "stratovirt/config/backend_config.h"

namespace stratovirt::config {
namespace {

// "a:b:c" → {"a","b","c"}; each entry an fd number or a name registered with QMP getfd.
Result<std::vector<std::string>> split_fd_list(Props& props, std::string_view key,
                                               std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view part = value.substr(start, end - start);
    if (part.empty()) return std::unexpected(props.prop_error(key, "empty entry in fd list"));
    out.emplace_back(part);
    start = end + 1;
  }
  return out;
}

}  // namespace

Result<NetdevConfig> parse_netdev(Props& props) {
  NetdevConfig n;
  SV_ASSIGN_OR_RETURN(auto type, props.get_string("type"));
  if (!type) return std::unexpected(props.error("missing type (tap or vhost-user)"));
  props.set_context(fmt::format("-netdev {}", *type));
  if (*type == "tap") {
    n.type = NetdevType::kTap;
  } else if (*type == "vhost-user") {
    n.type = NetdevType::kVhostUser;
  } else {
    return std::unexpected(props.prop_error(
        "type", "unsupported netdev type (expected tap or vhost-user)", ErrorCode::kNotSupported));
  }
  SV_ASSIGN_OR_RETURN(n.id, props.require_string("id"));
  SV_ASSIGN_OR_RETURN(n.ifname, props.get_string("ifname", 15));  // IFNAMSIZ - 1
  SV_ASSIGN_OR_RETURN(auto fd, props.get_string("fd"));
  SV_ASSIGN_OR_RETURN(auto fds, props.get_string("fds", 4096));
  if (fd && fds) return std::unexpected(props.error("fd and fds are mutually exclusive"));
  if (fd) n.fds = {*fd};
  if (fds) {
    SV_ASSIGN_OR_RETURN(n.fds, split_fd_list(props, "fds", *fds));
  }
  SV_ASSIGN_OR_RETURN(auto vhost, props.get_bool("vhost"));
  n.vhost = vhost.value_or(false);
  SV_ASSIGN_OR_RETURN(auto vhostfd, props.get_string("vhostfd"));
  SV_ASSIGN_OR_RETURN(auto vhostfds, props.get_string("vhostfds", 4096));
  if (vhostfd && vhostfds) {
    return std::unexpected(props.error("vhostfd and vhostfds are mutually exclusive"));
  }
  if (vhostfd) n.vhostfds = {*vhostfd};
  if (vhostfds) {
    SV_ASSIGN_OR_RETURN(n.vhostfds, split_fd_list(props, "vhostfds", *vhostfds));
  }
  SV_ASSIGN_OR_RETURN(auto queues, props.get_uint("queues", 1, kMaxQueuePairs));
  SV_ASSIGN_OR_RETURN(n.tap_path, props.get_path("path"));
  SV_ASSIGN_OR_RETURN(n.chardev, props.get_string("chardev"));
  SV_ASSIGN_OR_RETURN(auto macnat, props.get_bool("macnat"));
  n.macnat = macnat.value_or(false);
  // libvirt/QEMU script options: only "no" (do not run a script) is meaningful here.
  for (std::string_view key : {"script", "downscript"}) {
    SV_ASSIGN_OR_RETURN(auto script, props.get_string(key));
    if (script && *script != "no" && !script->empty()) {
      return std::unexpected(props.prop_error(key, "running scripts is not supported (use no)",
                                              ErrorCode::kNotSupported));
    }
  }
  SV_RETURN_IF_ERROR(props.finish());

  if (n.type == NetdevType::kTap) {
    if (!n.ifname && n.fds.empty()) {
      return std::unexpected(props.error("a tap needs ifname or fd/fds"));
    }
    if (n.chardev) return std::unexpected(props.prop_error("chardev", "only for vhost-user"));
    if (!n.vhostfds.empty() && !n.vhost) {
      return std::unexpected(props.prop_error("vhostfd", "needs vhost=on"));
    }
    if (!n.vhostfds.empty() && !n.fds.empty() && n.vhostfds.size() != n.fds.size()) {
      return std::unexpected(props.error(fmt::format(
          "vhostfds has {} entries but fds has {}", n.vhostfds.size(), n.fds.size())));
    }
  } else {
    if (!n.chardev) return std::unexpected(props.prop_error("chardev", "is required for vhost-user"));
    if (n.ifname || !n.fds.empty() || n.vhost || !n.vhostfds.empty() || n.macnat || n.tap_path) {
      return std::unexpected(props.error("vhost-user takes only id, chardev and queues"));
    }
  }
  if (n.fds.size() > kMaxQueuePairs) {
    return std::unexpected(props.prop_error("fds", fmt::format("at most {} fds", kMaxQueuePairs),
                                            ErrorCode::kOutOfRange));
  }
  // One fd per queue pair: the pair count grows to the number of fds.
  n.queue_pairs = static_cast<uint32_t>(
      std::max<uint64_t>(queues.value_or(1), std::max<size_t>(n.fds.size(), 1)));
  if (queues && !n.fds.empty() && *queues != n.fds.size()) {
    return std::unexpected(props.prop_error(
        "queues", fmt::format("{} does not match the {} fds given", *queues, n.fds.size())));
  }
  return n;
}

}  // namespace stratovirt::config
