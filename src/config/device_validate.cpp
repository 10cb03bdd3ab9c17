// SPDX-License-Identifier: MulanPSL-2.0
//
// validate_devices(): the checks that need the whole device list and the machine type.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "src/config/device_parse.h"

namespace stratovirt::config {
namespace device_detail {

Error device_error(const DeviceConfig& dev, std::string_view message, ErrorCode code) {
  return Error(code, fmt::format("-device {} '{}': {}", dev.driver, dev.id, message));
}

Error device_prop_error(const DeviceConfig& dev, std::string_view key, std::string_view message,
                        ErrorCode code) {
  return Error(code,
               fmt::format("-device {} '{}': property '{}': {}", dev.driver, dev.id, key, message));
}

namespace {

// microvm: IRQs 5..15; 5-8 are the 4 replaceable virtio-blk slots, 9-10 the 2 virtio-net
// slots, other virtio-mmio devices take 11..15.
constexpr size_t kMicroBlkSlots = 4;
constexpr size_t kMicroNetSlots = 2;
constexpr size_t kMicroOtherSlots = 5;

template <typename T>
const DeviceConfig* find_first(const std::vector<DeviceConfig>& devices) {
  for (const auto& d : devices) {
    if (std::holds_alternative<T>(d.spec)) return &d;
  }
  return nullptr;
}

Result<void> check_ids(const std::vector<DeviceConfig>& devices) {
  std::map<std::string_view, const DeviceConfig*> seen;
  for (const auto& dev : devices) {
    auto [it, inserted] = seen.emplace(dev.id, &dev);
    if (!inserted) {
      return std::unexpected(device_prop_error(
          dev, "id", fmt::format("'{}' is already used by -device {}", dev.id, it->second->driver),
          ErrorCode::kAlreadyExists));
    }
  }
  return ok();
}

Result<void> check_machine(const DeviceConfig& dev, MachineType machine) {
  if (machine == MachineType::kNone) {
    return std::unexpected(device_error(dev, "-machine none takes no devices"));
  }
  if (dev.transport == Transport::kMmio && machine != MachineType::kMicroVm) {
    return std::unexpected(device_error(
        dev, fmt::format("virtio-mmio devices need -machine microvm (use the -pci variant on {})",
                         to_string(machine))));
  }
  if (dev.transport == Transport::kPci && machine != MachineType::kQ35) {
    return std::unexpected(device_error(
        dev, fmt::format("PCI devices need -machine q35 ({} has no PCI bus)", to_string(machine))));
  }
  return ok();
}

// Drivers a VM may have at most once.
Result<void> check_singletons(const std::vector<DeviceConfig>& devices) {
  auto key = [](const DeviceConfig& d) -> std::string_view {
    if (std::holds_alternative<VirtioSerialDevice>(d.spec)) return "virtio-serial device";
    if (std::holds_alternative<VhostVsockDevice>(d.spec)) return "vhost-vsock device";
    if (std::holds_alternative<UsbXhciController>(d.spec)) return "USB controller";
    if (std::holds_alternative<IsaSerialDevice>(d.spec)) return "legacy serial port";
    if (std::holds_alternative<UsbCameraDevice>(d.spec)) return "usb-camera";
    if (auto* h = std::get_if<UsbHidDevice>(&d.spec)) {
      return h->kind == UsbHidKind::kKeyboard ? "usb-kbd"
             : h->kind == UsbHidKind::kTablet ? "usb-tablet"
                                              : std::string_view{};
    }
    return {};
  };
  std::map<std::string_view, const DeviceConfig*> seen;
  for (const auto& dev : devices) {
    std::string_view k = key(dev);
    if (k.empty()) continue;
    auto [it, inserted] = seen.emplace(k, &dev);
    if (!inserted) {
      return std::unexpected(device_error(
          dev, fmt::format("only one {} is supported ('{}' is already configured)", k,
                           it->second->id),
          ErrorCode::kAlreadyExists));
    }
  }
  return ok();
}

Result<void> check_serial_ports(std::vector<DeviceConfig>& devices) {
  const DeviceConfig* serial_dev = find_first<VirtioSerialDevice>(devices);
  std::vector<DeviceConfig*> ports;
  for (auto& d : devices) {
    if (std::holds_alternative<VirtioSerialPort>(d.spec)) ports.push_back(&d);
  }
  if (ports.empty()) return ok();
  if (serial_dev == nullptr) {
    return std::unexpected(device_error(
        *ports.front(), "needs a virtio-serial-device or virtio-serial-pci to attach to",
        ErrorCode::kNotFound));
  }
  const auto& serial = std::get<VirtioSerialDevice>(serial_dev->spec);
  const DeviceConfig* with_nr = nullptr;
  const DeviceConfig* without_nr = nullptr;
  for (auto* d : ports) {
    const auto& port = std::get<VirtioSerialPort>(d->spec);
    if (port.serial_bus && *port.serial_bus != serial_dev->id) {
      return std::unexpected(device_prop_error(
          *d, "bus", fmt::format("'{}.0' is not a virtio-serial bus (the virtio-serial device "
                                 "is '{}')",
                                 *port.serial_bus, serial_dev->id),
          ErrorCode::kNotFound));
    }
    (port.nr ? with_nr : without_nr) = d;
  }
  if (ports.size() > serial.max_ports) {
    return std::unexpected(device_error(
        *ports[serial.max_ports],
        fmt::format("virtio-serial '{}' has max-ports {}, but {} ports are configured",
                    serial_dev->id, serial.max_ports, ports.size()),
        ErrorCode::kOutOfRange));
  }
  if (with_nr && without_nr) {
    return std::unexpected(device_prop_error(
        *without_nr, "nr",
        fmt::format("is missing while '{}' sets it: if one port sets nr, all must", with_nr->id)));
  }
  if (without_nr) {
    // Numbering: the first virtconsole takes port 0 (hvc0); other ports count up from 1.
    uint32_t next = 1;
    bool console_done = false;
    for (auto* d : ports) {
      auto& port = std::get<VirtioSerialPort>(d->spec);
      if (port.console && !console_done) {
        port.nr = 0;
        console_done = true;
      } else {
        port.nr = next++;
      }
    }
  }
  std::map<uint32_t, const DeviceConfig*> used;
  for (auto* d : ports) {
    const auto& port = std::get<VirtioSerialPort>(d->spec);
    if (*port.nr == 0 && !port.console) {
      return std::unexpected(device_prop_error(*d, "nr", "port 0 is reserved for a virtconsole"));
    }
    if (*port.nr >= serial.max_ports) {
      return std::unexpected(device_prop_error(
          *d, "nr", fmt::format("{} is out of range [0, {}] (max-ports of '{}' is {})", *port.nr,
                                serial.max_ports - 1, serial_dev->id, serial.max_ports),
          ErrorCode::kOutOfRange));
    }
    auto [it, inserted] = used.emplace(*port.nr, d);
    if (!inserted) {
      return std::unexpected(device_prop_error(
          *d, "nr", fmt::format("port {} is already used by '{}'", *port.nr, it->second->id),
          ErrorCode::kAlreadyExists));
    }
  }
  return ok();
}

Result<void> check_usb(const std::vector<DeviceConfig>& devices) {
  const DeviceConfig* xhci_dev = find_first<UsbXhciController>(devices);
  std::set<std::string> ports;
  for (const auto& dev : devices) {
    if (!dev.usb) continue;
    if (xhci_dev == nullptr) {
      return std::unexpected(device_error(
          dev, "needs a USB controller (-device nec-usb-xhci or qemu-xhci)", ErrorCode::kNotFound));
    }
    if (dev.usb->bus && bus_owner(*dev.usb->bus) != xhci_dev->id) {
      return std::unexpected(device_prop_error(
          dev, "bus", fmt::format("'{}' is not the bus of USB controller '{}' ('{}.0')",
                                  *dev.usb->bus, xhci_dev->id, xhci_dev->id),
          ErrorCode::kNotFound));
    }
    if (!dev.usb->port) continue;
    const auto& xhci = std::get<UsbXhciController>(xhci_dev->spec);
    uint64_t root = parse_uint(dev.usb->port->substr(0, dev.usb->port->find('.'))).value_or(0);
    uint32_t total = uint32_t{xhci.p2} + xhci.p3;
    if (root > total) {
      return std::unexpected(device_prop_error(
          dev, "port", fmt::format("root port {} is out of range [1, {}] (p2 + p3 of '{}')", root,
                                   total, xhci_dev->id),
          ErrorCode::kOutOfRange));
    }
    if (!ports.insert(*dev.usb->port).second) {
      return std::unexpected(device_prop_error(
          dev, "port", fmt::format("USB port {} is already in use", *dev.usb->port),
          ErrorCode::kAlreadyExists));
    }
  }
  return ok();
}

Result<void> check_scsi(const std::vector<DeviceConfig>& devices) {
  std::map<std::tuple<std::string, uint8_t, uint8_t, uint16_t>, const DeviceConfig*> luns;
  for (const auto& dev : devices) {
    const auto* disk = std::get_if<ScsiDevice>(&dev.spec);
    if (disk == nullptr) continue;
    auto ctrl = std::find_if(devices.begin(), devices.end(), [&](const DeviceConfig& d) {
      return d.id == disk->controller && std::holds_alternative<VirtioScsiController>(d.spec);
    });
    if (ctrl == devices.end()) {
      return std::unexpected(device_prop_error(
          dev, "bus", fmt::format("'{}.0' needs a virtio-scsi-pci with id '{}'", disk->controller,
                                  disk->controller),
          ErrorCode::kNotFound));
    }
    auto key = std::make_tuple(disk->controller, disk->channel, disk->scsi_id, disk->lun);
    auto [it, inserted] = luns.emplace(key, &dev);
    if (!inserted) {
      return std::unexpected(device_prop_error(
          dev, "lun", fmt::format("{} target {} lun {} is already used by '{}'", disk->controller,
                                  disk->scsi_id, disk->lun, it->second->id),
          ErrorCode::kAlreadyExists));
    }
  }
  return ok();
}

Result<void> check_microvm_slots(const std::vector<DeviceConfig>& devices) {
  size_t blk = 0, net = 0, other = 0;
  std::map<uint8_t, const DeviceConfig*> slots;
  for (const auto& dev : devices) {
    if (dev.transport != Transport::kMmio) continue;
    if (const auto* b = std::get_if<VirtioBlkDevice>(&dev.spec)) {
      if (++blk > kMicroBlkSlots) {
        return std::unexpected(device_error(
            dev, fmt::format("microvm supports at most {} virtio-blk devices (its replaceable "
                             "block slots, IRQs 5-8)",
                             kMicroBlkSlots),
            ErrorCode::kOutOfRange));
      }
      if (b->mmio_slot) {
        auto [it, inserted] = slots.emplace(*b->mmio_slot, &dev);
        if (!inserted) {
          return std::unexpected(device_prop_error(
              dev, "addr", fmt::format("block slot {} is already used by '{}'", *b->mmio_slot,
                                       it->second->id),
              ErrorCode::kAlreadyExists));
        }
      }
    } else if (std::holds_alternative<VirtioNetDevice>(dev.spec)) {
      if (++net > kMicroNetSlots) {
        return std::unexpected(device_error(
            dev, fmt::format("microvm supports at most {} virtio-net devices (its replaceable "
                             "net slots, IRQs 9-10)",
                             kMicroNetSlots),
            ErrorCode::kOutOfRange));
      }
    } else if (++other > kMicroOtherSlots) {
      return std::unexpected(device_error(
          dev, fmt::format("microvm supports at most {} virtio-mmio devices besides virtio-blk "
                           "and virtio-net (IRQs 11-15)",
                           kMicroOtherSlots),
          ErrorCode::kOutOfRange));
    }
  }
  return ok();
}

void fill_queue_defaults(std::vector<DeviceConfig>& devices, MachineType machine,
                         uint32_t nr_cpus) {
  uint32_t dflt = machine == MachineType::kMicroVm
                      ? 1
                      : std::clamp(nr_cpus, uint32_t{1}, kMaxVirtioQueues);
  for (auto& dev : devices) {
    if (auto* b = std::get_if<VirtioBlkDevice>(&dev.spec); b && !b->num_queues) {
      b->num_queues = dflt;
    }
    if (auto* v = std::get_if<VhostUserBlkDevice>(&dev.spec); v && !v->num_queues) {
      v->num_queues = dflt;
    }
  }
}

}  // namespace
}  // namespace device_detail

Result<void> validate_devices(std::vector<DeviceConfig>& devices, MachineType machine,
                              uint32_t nr_cpus) {
  namespace dd = device_detail;
  SV_RETURN_IF_ERROR(dd::check_ids(devices));
  for (const auto& dev : devices) SV_RETURN_IF_ERROR(dd::check_machine(dev, machine));
  SV_RETURN_IF_ERROR(dd::check_singletons(devices));
  SV_RETURN_IF_ERROR(dd::check_serial_ports(devices));
  SV_RETURN_IF_ERROR(dd::check_usb(devices));
  SV_RETURN_IF_ERROR(dd::check_scsi(devices));
  if (machine == MachineType::kMicroVm) SV_RETURN_IF_ERROR(dd::check_microvm_slots(devices));
  if (machine == MachineType::kQ35) SV_RETURN_IF_ERROR(dd::validate_pci_topology(devices));
  dd::fill_queue_defaults(devices, machine, nr_cpus);
  return ok();
}

}  // namespace stratovirt::config
