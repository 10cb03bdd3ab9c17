// SPDX-License-Identifier: MulanPSL-2.0
//
// -device entry point: the driver table, the properties every driver shares (id, PCI
// placement, romfile, virtio-pci compatibility flags) and device_references().
#include "stratovirt/config/device_config.h"

#include <array>

#include "src/config/device_parse.h"

namespace stratovirt::config {
namespace {

using device_detail::FamilyParser;
using device_detail::ParseState;
namespace dd = device_detail;

struct DriverEntry {
  std::string_view name;
  Transport transport;
  FamilyParser parse;
  bool virtio;  // accepts the virtio-pci compatibility flags disable-legacy/disable-modern
};

constexpr Transport kMmio = Transport::kMmio;
constexpr Transport kPci = Transport::kPci;
constexpr Transport kOther = Transport::kOther;

constexpr std::array kDrivers = {
    DriverEntry{"virtio-blk-device", kMmio, dd::parse_virtio_blk, true},
    DriverEntry{"virtio-blk-pci", kPci, dd::parse_virtio_blk, true},
    DriverEntry{"vhost-user-blk-device", kMmio, dd::parse_vhost_user_blk, true},
    DriverEntry{"vhost-user-blk-pci", kPci, dd::parse_vhost_user_blk, true},
    DriverEntry{"virtio-scsi-pci", kPci, dd::parse_virtio_scsi, true},
    DriverEntry{"scsi-hd", kOther, dd::parse_scsi_disk, false},
    DriverEntry{"scsi-cd", kOther, dd::parse_scsi_disk, false},
    DriverEntry{"virtio-net-device", kMmio, dd::parse_virtio_net, true},
    DriverEntry{"virtio-net-pci", kPci, dd::parse_virtio_net, true},
    DriverEntry{"virtio-serial-device", kMmio, dd::parse_virtio_serial, true},
    DriverEntry{"virtio-serial-pci", kPci, dd::parse_virtio_serial, true},
    DriverEntry{"virtconsole", kOther, dd::parse_serial_port, false},
    DriverEntry{"virtserialport", kOther, dd::parse_serial_port, false},
    DriverEntry{"vhost-vsock-device", kMmio, dd::parse_vhost_vsock, true},
    DriverEntry{"vhost-vsock-pci", kPci, dd::parse_vhost_vsock, true},
    DriverEntry{"vhost-user-fs-device", kMmio, dd::parse_vhost_user_fs, true},
    DriverEntry{"vhost-user-fs-pci", kPci, dd::parse_vhost_user_fs, true},
    DriverEntry{"virtio-rng-device", kMmio, dd::parse_virtio_rng, true},
    DriverEntry{"virtio-rng-pci", kPci, dd::parse_virtio_rng, true},
    DriverEntry{"virtio-balloon-device", kMmio, dd::parse_virtio_balloon, true},
    DriverEntry{"virtio-balloon-pci", kPci, dd::parse_virtio_balloon, true},
    DriverEntry{"virtio-mem-device", kMmio, dd::parse_virtio_mem, true},
    DriverEntry{"virtio-mem-pci", kPci, dd::parse_virtio_mem, true},
    DriverEntry{"virtio-pmem-device", kMmio, dd::parse_virtio_pmem, true},
    DriverEntry{"virtio-pmem-pci", kPci, dd::parse_virtio_pmem, true},
    DriverEntry{"virtio-input-device", kMmio, dd::parse_virtio_input, true},
    DriverEntry{"virtio-input-pci", kPci, dd::parse_virtio_input, true},
    DriverEntry{"virtio-multitouch-device", kMmio, dd::parse_virtio_multitouch, true},
    DriverEntry{"virtio-multitouch-pci", kPci, dd::parse_virtio_multitouch, true},
    DriverEntry{"virtio-gpu-pci", kPci, dd::parse_virtio_gpu, true},
    DriverEntry{"vhost-user-gpu-pci", kPci, dd::parse_vhost_user_gpu, true},
    DriverEntry{"ramfb", kOther, dd::parse_ramfb, false},
    DriverEntry{"pcie-root-port", kPci, dd::parse_root_port, false},
    DriverEntry{"vfio-pci", kPci, dd::parse_vfio_pci, false},
    DriverEntry{"ivshmem-scream", kPci, dd::parse_ivshmem_scream, false},
    DriverEntry{"pvpanic", kPci, dd::parse_pvpanic, false},
    DriverEntry{"nec-usb-xhci", kPci, dd::parse_usb_xhci, false},
    DriverEntry{"usb-kbd", kOther, dd::parse_usb_hid, false},
    DriverEntry{"usb-tablet", kOther, dd::parse_usb_hid, false},
    DriverEntry{"usb-consumer", kOther, dd::parse_usb_hid, false},
    DriverEntry{"usb-storage", kOther, dd::parse_usb_storage, false},
    DriverEntry{"usb-uas", kOther, dd::parse_usb_storage, false},
    DriverEntry{"usb-camera", kOther, dd::parse_usb_camera, false},
    DriverEntry{"usb-host", kOther, dd::parse_usb_host, false},
    DriverEntry{"isa-serial", kOther, dd::parse_isa_serial, false},
};

const DriverEntry* find_driver(std::string_view name) {
  for (const auto& e : kDrivers) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// QEMU spellings: "virtio-blk-mmio" (Kata, QMP) is "virtio-blk-device"; qemu-xhci is the
// NEC controller's QEMU-generic name.
const DriverEntry* resolve_driver(std::string_view written) {
  if (const auto* e = find_driver(written)) return e;
  if (written == "qemu-xhci") return find_driver("nec-usb-xhci");
  constexpr std::string_view kMmioSuffix = "-mmio";
  if (written.ends_with(kMmioSuffix)) {
    std::string canonical(written.substr(0, written.size() - kMmioSuffix.size()));
    canonical += "-device";
    const auto* e = find_driver(canonical);
    if (e != nullptr && e->transport == Transport::kMmio) return e;
  }
  return nullptr;
}

std::string_view pci_variant_hint(std::string_view driver) {
  return driver.ends_with("-device") ? "the -pci variant on q35" : "a PCI driver on q35";
}

Result<void> parse_placement(Props& props, const DriverEntry& entry, ParseState& st) {
  DeviceConfig& dev = st.dev;
  if (entry.transport == Transport::kPci) {
    PciPlacement pci;
    SV_ASSIGN_OR_RETURN(auto bus, dd::get_ref(props, "bus"));
    if (bus) pci.bus = std::move(*bus);
    SV_ASSIGN_OR_RETURN(auto addr, props.get_string("addr"));
    if (addr) {
      auto parsed = parse_pci_addr(*addr);
      if (!parsed) return std::unexpected(props.prop_error("addr", parsed.error().message()));
      pci.addr = *parsed;
    }
    SV_ASSIGN_OR_RETURN(auto mf, props.get_bool("multifunction"));
    pci.multifunction = mf.value_or(false);
    dev.pci = std::move(pci);
    return ok();
  }
  // virtio-blk-mmio keeps addr= as Kata's hot-plug slot; its family parser reads it.
  bool slot_addr = st.written == "virtio-blk-mmio";
  for (std::string_view key : {"bus", "addr", "multifunction"}) {
    if (!props.has(key)) continue;
    if (entry.transport == Transport::kMmio) {
      if (key == "addr" && slot_addr) continue;
      return std::unexpected(props.prop_error(
          key, fmt::format("virtio-mmio devices have no PCI placement (use {})",
                           pci_variant_hint(entry.name))));
    }
    if (key != "bus") {
      return std::unexpected(
          props.prop_error(key, fmt::format("{} is not a PCI device", entry.name)));
    }
  }
  return ok();
}

// Properties libvirt/Kata send that carry no meaning here; see docs/cmdline-devices.md.
Result<void> parse_compat_props(Props& props, const DriverEntry& entry) {
  if (entry.transport == Transport::kOther) return ok();
  SV_ASSIGN_OR_RETURN(auto romfile, props.get_string("romfile", 4096));
  if (romfile && !romfile->empty()) {
    return std::unexpected(props.prop_error(
        "romfile", "option ROMs are not supported (only an empty romfile is accepted)"));
  }
  if (!entry.virtio || entry.transport != Transport::kPci) return ok();
  // virtio-pci here is modern-only: disable-legacy is moot, disable-modern=on impossible.
  SV_ASSIGN_OR_RETURN(auto no_legacy, props.get_bool("disable-legacy"));
  (void)no_legacy;
  SV_ASSIGN_OR_RETURN(auto no_modern, props.get_bool("disable-modern"));
  if (no_modern.value_or(false)) {
    return std::unexpected(props.prop_error(
        "disable-modern", "virtio-pci devices are modern-only; legacy virtio is not supported"));
  }
  return ok();
}

}  // namespace

Result<DeviceConfig> parse_device(Props& props, size_t index) {
  SV_ASSIGN_OR_RETURN(std::string written, props.require_string("driver"));
  props.set_context(fmt::format("-device {}", written));
  const DriverEntry* entry = resolve_driver(written);
  if (entry == nullptr) {
    return std::unexpected(props.error(fmt::format(
        "unknown driver '{}' (see docs/cmdline-devices.md for the supported drivers)", written)));
  }
  DeviceConfig dev;
  dev.driver = std::string(entry->name);
  dev.transport = entry->transport;
  SV_ASSIGN_OR_RETURN(auto id, props.get_string("id", kMaxDeviceIdLen));
  if (id && id->empty()) return std::unexpected(props.prop_error("id", "must not be empty"));
  dev.id = id ? std::move(*id) : fmt::format("{}{}", entry->name, index);

  ParseState st{dev, written};
  SV_RETURN_IF_ERROR(parse_placement(props, *entry, st));
  SV_RETURN_IF_ERROR(parse_compat_props(props, *entry));
  SV_RETURN_IF_ERROR(entry->parse(props, st));
  SV_RETURN_IF_ERROR(props.finish());
  return dev;
}

std::vector<DeviceRef> device_references(const DeviceConfig& dev) {
  std::vector<DeviceRef> refs;
  auto add = [&refs](RefKind kind, const std::optional<std::string>& id,
                     std::string_view property) {
    if (id && !id->empty()) refs.push_back(DeviceRef{kind, *id, property});
  };
  if (dev.pci && dev.pci->bus != kPciRootBus) add(RefKind::kBus, dev.pci->bus, "bus");
  if (dev.usb && dev.usb->bus) add(RefKind::kBus, dd::bus_owner(*dev.usb->bus), "bus");

  const DeviceSpec& s = dev.spec;
  if (auto* b = std::get_if<VirtioBlkDevice>(&s)) {
    add(RefKind::kDrive, b->drive, "drive");
    add(RefKind::kIothread, b->iothread, "iothread");
  } else if (auto* vb = std::get_if<VhostUserBlkDevice>(&s)) {
    add(RefKind::kChardev, vb->chardev, "chardev");
  } else if (auto* sc = std::get_if<VirtioScsiController>(&s)) {
    add(RefKind::kIothread, sc->iothread, "iothread");
  } else if (auto* sd = std::get_if<ScsiDevice>(&s)) {
    add(RefKind::kBus, sd->controller, "bus");
    add(RefKind::kDrive, sd->drive, "drive");
  } else if (auto* n = std::get_if<VirtioNetDevice>(&s)) {
    add(RefKind::kNetdev, n->netdev, "netdev");
    add(RefKind::kIothread, n->iothread, "iothread");
    add(RefKind::kIothread, n->rx_iothread, "rx-iothread");
    add(RefKind::kIothread, n->tx_iothread, "tx-iothread");
  } else if (auto* p = std::get_if<VirtioSerialPort>(&s)) {
    add(RefKind::kChardev, p->chardev, "chardev");
    add(RefKind::kBus, p->serial_bus, "bus");
  } else if (auto* fs = std::get_if<VhostUserFsDevice>(&s)) {
    add(RefKind::kChardev, fs->chardev, "chardev");
  } else if (auto* r = std::get_if<VirtioRngDevice>(&s)) {
    add(RefKind::kRngObject, r->rng, "rng");
  } else if (auto* m = std::get_if<VirtioMemDevice>(&s)) {
    add(RefKind::kMemdev, m->memdev, "memdev");
  } else if (auto* pm = std::get_if<VirtioPmemDevice>(&s)) {
    add(RefKind::kMemdev, pm->memdev, "memdev");
  } else if (auto* g = std::get_if<VhostUserGpuDevice>(&s)) {
    add(RefKind::kChardev, g->chardev, "chardev");
  } else if (auto* sh = std::get_if<IvshmemScreamDevice>(&s)) {
    add(RefKind::kMemdev, sh->memdev, "memdev");
  } else if (auto* x = std::get_if<UsbXhciController>(&s)) {
    add(RefKind::kIothread, x->iothread, "iothread");
  } else if (auto* us = std::get_if<UsbStorageDevice>(&s)) {
    add(RefKind::kDrive, us->drive, "drive");
  } else if (auto* c = std::get_if<UsbCameraDevice>(&s)) {
    add(RefKind::kCameradev, c->cameradev, "cameradev");
    add(RefKind::kIothread, c->iothread, "iothread");
  } else if (auto* is = std::get_if<IsaSerialDevice>(&s)) {
    add(RefKind::kChardev, is->chardev, "chardev");
  }
  return refs;
}

}  // namespace stratovirt::config
