// SPDX-License-Identifier: MulanPSL-2.0
// Placeholder: replaced by the full -device parser.
#include "stratovirt/config/device_config.h"

namespace stratovirt::config {

Result<PciAddr> parse_pci_addr(std::string_view) {
  return make_error(ErrorCode::kNotSupported, "not implemented");
}
Result<DeviceConfig> parse_device(Props& props, size_t) {
  return std::unexpected(props.error("not implemented", ErrorCode::kNotSupported));
}
std::vector<DeviceRef> device_references(const DeviceConfig&) { return {}; }

}  // namespace stratovirt::config
