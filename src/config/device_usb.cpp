// SPDX-License-Identifier: MulanPSL-2.0
//
// USB -device parsers: the xHCI controller and the devices plugged into it.
#include "src/config/device_parse.h"

namespace stratovirt::config::device_detail {
namespace {

constexpr uint64_t kMaxXhciPorts = 254;
constexpr uint64_t kMaxUsbAddr = 127;

// A USB port path: "1" or "1.2.3", each hop 1..255.
bool valid_usb_port(std::string_view port) {
  if (port.empty()) return false;
  size_t start = 0;
  while (start <= port.size()) {
    size_t dot = port.find('.', start);
    if (dot == std::string_view::npos) dot = port.size();
    auto hop = parse_uint(port.substr(start, dot - start));
    if (!hop || *hop == 0 || *hop > 255) return false;
    start = dot + 1;
  }
  return true;
}

Result<void> parse_usb_placement(Props& props, DeviceConfig& dev) {
  UsbPlacement usb;
  SV_ASSIGN_OR_RETURN(usb.bus, get_ref(props, "bus"));
  if (usb.bus && !bus_owner(*usb.bus)) {
    return std::unexpected(props.prop_error(
        "bus", fmt::format("'{}' is not a USB bus (expected '<xhci id>.0')", *usb.bus)));
  }
  SV_ASSIGN_OR_RETURN(usb.port, props.get_string("port"));
  if (usb.port && !valid_usb_port(*usb.port)) {
    return std::unexpected(props.prop_error(
        "port", fmt::format("'{}' is not a USB port path (expected e.g. 1 or 1.2)", *usb.port)));
  }
  dev.usb = std::move(usb);
  return ok();
}

}  // namespace

Result<void> parse_usb_xhci(Props& props, ParseState& st) {
  UsbXhciController xhci;
  SV_ASSIGN_OR_RETURN(auto p2, props.get_uint("p2", 1, kMaxXhciPorts));
  if (p2) xhci.p2 = static_cast<uint8_t>(*p2);
  SV_ASSIGN_OR_RETURN(auto p3, props.get_uint("p3", 1, kMaxXhciPorts));
  if (p3) xhci.p3 = static_cast<uint8_t>(*p3);
  SV_ASSIGN_OR_RETURN(xhci.iothread, get_ref(props, "iothread"));
  SV_ASSIGN_OR_RETURN(xhci.streams, props.get_bool("streams"));
  st.dev.spec = std::move(xhci);
  return ok();
}

Result<void> parse_usb_hid(Props& props, ParseState& st) {
  UsbHidDevice hid;
  if (st.dev.driver == "usb-tablet") hid.kind = UsbHidKind::kTablet;
  if (st.dev.driver == "usb-consumer") hid.kind = UsbHidKind::kConsumer;
  SV_RETURN_IF_ERROR(parse_usb_placement(props, st.dev));
  st.dev.spec = hid;
  return ok();
}

Result<void> parse_usb_storage(Props& props, ParseState& st) {
  UsbStorageDevice storage;
  storage.uas = st.dev.driver == "usb-uas";
  SV_ASSIGN_OR_RETURN(storage.drive, props.require_string("drive"));
  SV_ASSIGN_OR_RETURN(storage.bootindex, get_bootindex(props));
  SV_RETURN_IF_ERROR(parse_usb_placement(props, st.dev));
  st.dev.spec = std::move(storage);
  return ok();
}

Result<void> parse_usb_camera(Props& props, ParseState& st) {
  UsbCameraDevice cam;
  SV_ASSIGN_OR_RETURN(cam.cameradev, get_ref(props, "cameradev"));
  SV_ASSIGN_OR_RETURN(cam.backend,
                      props.get_enum<CameraBackendKind>(
                          "backend", {{"v4l2", CameraBackendKind::kV4l2},
                                      {"demo", CameraBackendKind::kDemo}}));
  SV_ASSIGN_OR_RETURN(cam.path, props.get_path("path"));
  SV_ASSIGN_OR_RETURN(cam.iothread, get_ref(props, "iothread"));
  if (cam.cameradev && (cam.backend || cam.path)) {
    return std::unexpected(props.prop_error(
        cam.backend ? "backend" : "path", "conflicts with cameradev (use one form)"));
  }
  if (!cam.cameradev && !cam.backend) {
    return std::unexpected(
        props.prop_error("cameradev", "is required (or the older backend=v4l2|demo form)"));
  }
  if (cam.backend == CameraBackendKind::kV4l2 && !cam.path) {
    return std::unexpected(props.prop_error("path", "is required with backend=v4l2"));
  }
  if (cam.backend == CameraBackendKind::kDemo && cam.path) {
    return std::unexpected(props.prop_error("path", "is not used with backend=demo"));
  }
  SV_RETURN_IF_ERROR(parse_usb_placement(props, st.dev));
  st.dev.spec = std::move(cam);
  return ok();
}

Result<void> parse_usb_host(Props& props, ParseState& st) {
  UsbHostDevice host;
  SV_ASSIGN_OR_RETURN(auto bus, props.get_uint("hostbus", 0, UINT8_MAX));
  if (bus) host.hostbus = static_cast<uint8_t>(*bus);
  SV_ASSIGN_OR_RETURN(auto addr, props.get_uint("hostaddr", 0, kMaxUsbAddr));
  if (addr) host.hostaddr = static_cast<uint8_t>(*addr);
  SV_ASSIGN_OR_RETURN(host.hostport, props.get_string("hostport"));
  if (host.hostport && !valid_usb_port(*host.hostport)) {
    return std::unexpected(props.prop_error(
        "hostport", fmt::format("'{}' is not a USB port path (expected e.g. 1 or 1.2)",
                                *host.hostport)));
  }
  SV_ASSIGN_OR_RETURN(auto vendor, props.get_uint("vendorid", 0, UINT16_MAX));
  if (vendor) host.vendorid = static_cast<uint16_t>(*vendor);
  SV_ASSIGN_OR_RETURN(auto product, props.get_uint("productid", 0, UINT16_MAX));
  if (product) host.productid = static_cast<uint16_t>(*product);
  SV_ASSIGN_OR_RETURN(auto bufs, props.get_uint("isobufs", 1, UINT32_MAX));
  if (bufs) host.isobufs = static_cast<uint32_t>(*bufs);
  SV_ASSIGN_OR_RETURN(auto bsize, props.get_uint("isobsize", 1, UINT32_MAX));
  if (bsize) host.isobsize = static_cast<uint32_t>(*bsize);

  bool by_id = host.vendorid != 0 && host.productid != 0;
  bool by_port = host.hostbus != 0 && host.hostport;
  bool by_addr = host.hostbus != 0 && host.hostaddr != 0;
  if (!by_id && !by_port && !by_addr) {
    return std::unexpected(props.error(
        "usb-host needs vendorid and productid, hostbus and hostport, or hostbus and hostaddr "
        "to select the host device"));
  }
  SV_RETURN_IF_ERROR(parse_usb_placement(props, st.dev));
  st.dev.spec = std::move(host);
  return ok();
}

}  // namespace stratovirt::config::device_detail
