// SPDX-License-Identifier: MulanPSL-2.0
//
// Host/guest channel -device parsers: virtio-serial and its ports, vhost-vsock,
// vhost-user-fs.
#include "src/config/device_parse.h"

namespace stratovirt::config::device_detail {
namespace {

constexpr uint64_t kMaxSerialPorts = 31;
constexpr uint64_t kMinGuestCid = 3;             // 0-2 are reserved (hypervisor, local, host)
constexpr uint64_t kMaxGuestCid = UINT32_MAX - 1;  // u32::MAX is VMADDR_CID_ANY
constexpr size_t kMaxFsTagLen = 35;              // virtio-fs tag field is 36 bytes

}  // namespace

Result<void> parse_virtio_serial(Props& props, ParseState& st) {
  VirtioSerialDevice serial;
  // The guidebook writes max_ports, the code max-ports: both are accepted.
  SV_ASSIGN_OR_RETURN(std::string_view key, pick_key(props, "max-ports", "max_ports"));
  SV_ASSIGN_OR_RETURN(auto max_ports, props.get_uint(key, 1, kMaxSerialPorts));
  serial.max_ports = static_cast<uint32_t>(max_ports.value_or(kMaxSerialPorts));
  if (st.dev.transport == Transport::kMmio) {
    // StratoVirt gives the mmio transport a single port.
    if (max_ports && *max_ports != 1) {
      return std::unexpected(props.prop_error(
          key, fmt::format("{} ports requested, but virtio-serial-device supports only 1 "
                           "(use virtio-serial-pci on q35 for more)",
                           *max_ports)));
    }
    serial.max_ports = 1;
  }
  st.dev.spec = serial;
  return ok();
}

Result<void> parse_serial_port(Props& props, ParseState& st) {
  VirtioSerialPort port;
  port.console = st.dev.driver == "virtconsole";
  SV_ASSIGN_OR_RETURN(port.chardev, props.require_string("chardev"));
  SV_ASSIGN_OR_RETURN(auto nr, props.get_uint("nr", 0, kMaxSerialPorts - 1));
  if (nr) port.nr = static_cast<uint32_t>(*nr);
  SV_ASSIGN_OR_RETURN(auto bus, props.get_string("bus"));
  if (bus) {
    auto owner = bus_owner(*bus);
    if (!owner) {
      return std::unexpected(props.prop_error(
          "bus", fmt::format("'{}' is not a virtio-serial bus (expected '<virtio-serial id>.0')",
                             *bus)));
    }
    port.serial_bus = std::move(*owner);
  }
  SV_ASSIGN_OR_RETURN(port.name, props.get_string("name"));
  st.dev.spec = std::move(port);
  return ok();
}

Result<void> parse_vhost_vsock(Props& props, ParseState& st) {
  VhostVsockDevice vsock;
  SV_ASSIGN_OR_RETURN(auto cid, props.get_uint("guest-cid", kMinGuestCid, kMaxGuestCid));
  if (!cid) return std::unexpected(props.prop_error("guest-cid", "is required"));
  vsock.guest_cid = *cid;
  SV_ASSIGN_OR_RETURN(auto fd, props.get_uint("vhostfd", 0, INT32_MAX));
  if (fd) vsock.vhostfd = static_cast<int32_t>(*fd);
  st.dev.spec = vsock;
  return ok();
}

Result<void> parse_vhost_user_fs(Props& props, ParseState& st) {
  VhostUserFsDevice fs;
  SV_ASSIGN_OR_RETURN(fs.chardev, props.require_string("chardev"));
  SV_ASSIGN_OR_RETURN(fs.tag, props.require_string("tag", kMaxFsTagLen));
  SV_ASSIGN_OR_RETURN(fs.queue_size, get_queue_size(props, "queue-size", 2, false, 1024));
  st.dev.spec = std::move(fs);
  return ok();
}

}  // namespace stratovirt::config::device_detail
