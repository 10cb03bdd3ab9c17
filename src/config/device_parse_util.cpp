// SPDX-License-Identifier: MulanPSL-2.0
//
// Property helpers shared by the -device family parsers, and parse_pci_addr().
#include <bit>

#include "src/config/device_parse.h"

namespace stratovirt::config {

Result<PciAddr> parse_pci_addr(std::string_view text) {
  if (text.empty()) return make_error(ErrorCode::kInvalidArgument, "empty PCI address");
  auto dot = text.find('.');
  std::string_view slot_text = text.substr(0, dot);
  auto slot = parse_uint(slot_text);
  if (!slot) {
    return errorf(ErrorCode::kInvalidArgument, "invalid PCI address '{}' (expected slot[.function])",
                  text);
  }
  if (*slot > 31) {
    return errorf(ErrorCode::kOutOfRange, "PCI slot {} in '{}' is out of range [0, 31]", *slot,
                  text);
  }
  uint64_t function = 0;
  if (dot != std::string_view::npos) {
    auto f = parse_uint(text.substr(dot + 1));
    if (!f) {
      return errorf(ErrorCode::kInvalidArgument,
                    "invalid PCI address '{}' (expected slot[.function])", text);
    }
    if (*f > 7) {
      return errorf(ErrorCode::kOutOfRange, "PCI function {} in '{}' is out of range [0, 7]", *f,
                    text);
    }
    function = *f;
  }
  return PciAddr{static_cast<uint8_t>(*slot), static_cast<uint8_t>(function)};
}

namespace device_detail {

Result<std::string_view> pick_key(const Props& props, std::string_view primary,
                                  std::string_view alias) {
  bool has_primary = props.has(primary);
  bool has_alias = props.has(alias);
  if (has_primary && has_alias) {
    return std::unexpected(props.prop_error(
        primary, fmt::format("given twice, as '{}' and as '{}'", primary, alias)));
  }
  return has_alias ? alias : primary;
}

Result<std::optional<uint16_t>> get_queue_size(Props& props, std::string_view key, uint32_t lo,
                                               bool lo_inclusive, uint32_t hi) {
  SV_ASSIGN_OR_RETURN(auto v, props.get_uint(key));
  if (!v) return std::optional<uint16_t>{};
  bool above_lo = lo_inclusive ? *v >= lo : *v > lo;
  if (!above_lo || *v > hi || !std::has_single_bit(*v)) {
    return std::unexpected(props.prop_error(
        key, fmt::format("{} is not a power of 2 in {}{}, {}]", *v, lo_inclusive ? "[" : "(", lo,
                         hi),
        ErrorCode::kOutOfRange));
  }
  return std::optional<uint16_t>{static_cast<uint16_t>(*v)};
}

Result<uint16_t> get_block_queue_size(Props& props, std::string_view key) {
  SV_ASSIGN_OR_RETURN(auto v, get_queue_size(props, key, 2, false, 1024));
  return v.value_or(kDefaultQueueSize);
}

Result<std::optional<uint32_t>> get_num_queues(Props& props, std::string_view key) {
  SV_ASSIGN_OR_RETURN(auto v, props.get_uint(key, 1, kMaxVirtioQueues));
  if (!v) return std::optional<uint32_t>{};
  return std::optional<uint32_t>{static_cast<uint32_t>(*v)};
}

Result<std::optional<uint8_t>> get_bootindex(Props& props) {
  SV_ASSIGN_OR_RETURN(auto v, props.get_uint("bootindex", 0, 255));
  if (!v) return std::optional<uint8_t>{};
  return std::optional<uint8_t>{static_cast<uint8_t>(*v)};
}

Result<std::optional<std::string>> get_ref(Props& props, std::string_view key) {
  SV_ASSIGN_OR_RETURN(auto v, props.get_string(key, kMaxDeviceIdLen));
  if (v && v->empty()) return std::unexpected(props.prop_error(key, "must not be empty"));
  return v;
}

std::optional<std::string> bus_owner(std::string_view bus) {
  constexpr std::string_view kSuffix = ".0";
  if (bus.size() <= kSuffix.size() || !bus.ends_with(kSuffix)) return std::nullopt;
  return std::string(bus.substr(0, bus.size() - kSuffix.size()));
}

Result<void> require_function_zero(const Props& props, const DeviceConfig& dev) {
  if (dev.pci && dev.pci->addr && dev.pci->addr->function != 0) {
    return std::unexpected(props.prop_error(
        "addr", fmt::format("{} is a single-function device: function must be 0, not {}",
                            dev.driver, dev.pci->addr->function)));
  }
  return ok();
}

}  // namespace device_detail
}  // namespace stratovirt::config
