// SPDX-License-Identifier: MulanPSL-2.0
//
// virtio-net -device parser and MAC address parsing.
#include <algorithm>

#include "src/config/device_parse.h"

namespace stratovirt::config {

std::string MacAddr::to_string() const {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes[0], bytes[1], bytes[2],
                     bytes[3], bytes[4], bytes[5]);
}

Result<MacAddr> parse_mac(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  MacAddr mac;
  bool well_formed = text.size() == 17;
  for (size_t i = 0; well_formed && i < 6; ++i) {
    int hi = hex(text[i * 3]);
    int lo = hex(text[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
      well_formed = false;
      break;
    }
    mac.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (!well_formed) {
    return errorf(ErrorCode::kInvalidArgument,
                  "invalid MAC address '{}' (expected xx:xx:xx:xx:xx:xx in hex)", text);
  }
  if (mac.bytes[0] & 0x01) {
    return errorf(ErrorCode::kInvalidArgument,
                  "MAC address '{}' is a multicast address, not usable for a NIC", text);
  }
  if (std::all_of(mac.bytes.begin(), mac.bytes.end(), [](uint8_t b) { return b == 0; })) {
    return errorf(ErrorCode::kInvalidArgument, "MAC address '{}' is all zeros", text);
  }
  return mac;
}

namespace device_detail {

Result<void> parse_virtio_net(Props& props, ParseState& st) {
  VirtioNetDevice net;
  SV_ASSIGN_OR_RETURN(net.netdev, props.require_string("netdev"));
  SV_ASSIGN_OR_RETURN(auto mac, props.get_string("mac"));
  if (mac) {
    auto parsed = parse_mac(*mac);
    if (!parsed) return std::unexpected(props.prop_error("mac", parsed.error().message()));
    net.mac = *parsed;
  }
  SV_ASSIGN_OR_RETURN(net.iothread, get_ref(props, "iothread"));
  SV_ASSIGN_OR_RETURN(net.rx_iothread, get_ref(props, "rx-iothread"));
  SV_ASSIGN_OR_RETURN(net.tx_iothread, get_ref(props, "tx-iothread"));
  SV_ASSIGN_OR_RETURN(auto mq, props.get_bool("mq"));
  net.mq = mq.value_or(false);
  SV_ASSIGN_OR_RETURN(auto qs, get_queue_size(props, "queue-size", 256, true, 4096));
  net.queue_size = qs.value_or(kDefaultQueueSize);
  SV_ASSIGN_OR_RETURN(net.bootindex, get_bootindex(props));
  // libvirt's MSI-X vector count: StratoVirt sizes the table itself.
  SV_ASSIGN_OR_RETURN(auto vectors, props.get_uint("vectors", 0, UINT32_MAX));
  if (vectors) net.vectors = static_cast<uint32_t>(*vectors);
  SV_RETURN_IF_ERROR(require_function_zero(props, st.dev));
  st.dev.spec = std::move(net);
  return ok();
}

}  // namespace device_detail
}  // namespace stratovirt::config
