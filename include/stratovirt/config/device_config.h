// SPDX-License-Identifier: MulanPSL-2.0
//
// Typed configs for -device: one struct per driver family, held in DeviceConfig::spec.
// Plain value types filled once by the config layer; read-only afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "stratovirt/config/props.h"

namespace stratovirt::config {

struct PciAddr {
  uint8_t slot = 0;      // 0..31
  uint8_t function = 0;  // 0..7
};
// "slot[.func]", decimal or hex each.
Result<PciAddr> parse_pci_addr(std::string_view text);

struct PciPlacement {
  std::string bus = "pcie.0";
  std::optional<PciAddr> addr;
  bool multifunction = false;
};

enum class Transport { kMmio, kPci, kOther };

// A reference from a device to another configured entity, checked by VmConfig validation.
enum class RefKind { kDrive, kNetdev, kChardev, kIothread, kRngObject, kMemdev, kBus,
                     kCameradev };
struct DeviceRef {
  RefKind kind;
  std::string id;
  std::string_view property;  // the property that holds the reference, for messages
};

struct VirtioBlkDevice {
  std::string drive;
  std::optional<std::string> iothread;
  std::optional<std::string> serial;
  std::optional<uint32_t> num_queues;
  uint16_t queue_size = 256;
  std::optional<uint8_t> bootindex;
};

// The variant of driver-specific structs. Extended per driver family in device_config.cpp
// and friends; see docs/cmdline.md for the full list of drivers and properties.
struct DeviceSpecPlaceholder {};
using DeviceSpec = std::variant<DeviceSpecPlaceholder, VirtioBlkDevice>;

struct DeviceConfig {
  std::string driver;  // as written, e.g. "virtio-blk-device"
  std::string id;
  Transport transport = Transport::kOther;
  std::optional<PciPlacement> pci;  // set for PCI drivers
  DeviceSpec spec;
};

// Parses one -device value (props' implicit key "driver" holds the driver name).
// `index` numbers devices without id= (the generated id is "<driver><index>").
Result<DeviceConfig> parse_device(Props& props, size_t index);
std::vector<DeviceRef> device_references(const DeviceConfig& dev);

}  // namespace stratovirt::config
