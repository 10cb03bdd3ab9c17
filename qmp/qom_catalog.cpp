// SPDX-License-Identifier: MulanPSL-2.0
#include "qmp/qom_catalog.h"

#include <array>

namespace stratovirt::qmp {
namespace {

using P = QomProperty;
constexpr QomKind kDev = QomKind::kDevice;
constexpr QomKind kObj = QomKind::kObject;

// Shared by every PCI driver; virtio-pci adds the legacy/modern switches.
#define SV_PCI_PROPS P{"addr", "str"}, P{"multifunction", "bool"}, P{"romfile", "str"}
#define SV_VIRTIO_PCI_PROPS SV_PCI_PROPS, P{"disable-legacy", "OnOffAuto"}, P{"disable-modern", "bool"}

constexpr std::array kBlkMmio = {P{"drive", "str"},     P{"iothread", "link<iothread>"},
                                 P{"num-queues", "uint16"}, P{"serial", "str"},
                                 P{"queue-size", "uint16"}, P{"bootindex", "int32"}};
constexpr std::array kBlkPci = {P{"drive", "str"},     P{"iothread", "link<iothread>"},
                                P{"num-queues", "uint16"}, P{"serial", "str"},
                                P{"queue-size", "uint16"}, P{"bootindex", "int32"},
                                SV_VIRTIO_PCI_PROPS};
constexpr std::array kVhostUserBlkMmio = {P{"chardev", "str"}, P{"num-queues", "uint16"},
                                          P{"queue-size", "uint16"}, P{"bootindex", "int32"}};
constexpr std::array kVhostUserBlkPci = {P{"chardev", "str"}, P{"num-queues", "uint16"},
                                         P{"queue-size", "uint16"}, P{"bootindex", "int32"},
                                         SV_VIRTIO_PCI_PROPS};
constexpr std::array kScsiPci = {P{"iothread", "link<iothread>"}, P{"num_queues", "uint32"},
                                 P{"queue-size", "uint16"}, SV_VIRTIO_PCI_PROPS};
constexpr std::array kScsiDisk = {P{"drive", "str"},    P{"channel", "uint32"},
                                  P{"scsi-id", "uint32"}, P{"lun", "uint32"},
                                  P{"serial", "str"},   P{"bootindex", "int32"}};
constexpr std::array kNetMmio = {P{"netdev", "str"},      P{"mac", "str"},
                                 P{"mq", "bool"},         P{"vectors", "uint32"},
                                 P{"queue-size", "uint16"}, P{"iothread", "link<iothread>"},
                                 P{"bootindex", "int32"}};
constexpr std::array kNetPci = {P{"netdev", "str"},      P{"mac", "str"},
                                P{"mq", "bool"},         P{"vectors", "uint32"},
                                P{"queue-size", "uint16"}, P{"iothread", "link<iothread>"},
                                P{"bootindex", "int32"}, SV_VIRTIO_PCI_PROPS};
constexpr std::array kSerialMmio = {P{"max_ports", "uint32"}};
constexpr std::array kSerialPci = {P{"max_ports", "uint32"}, SV_VIRTIO_PCI_PROPS};
constexpr std::array kSerialPort = {P{"chardev", "str"}, P{"nr", "uint32"}, P{"name", "str"}};
constexpr std::array kVsockMmio = {P{"guest-cid", "uint64"}, P{"vhostfd", "str"}};
constexpr std::array kVsockPci = {P{"guest-cid", "uint64"}, P{"vhostfd", "str"},
                                  SV_VIRTIO_PCI_PROPS};
constexpr std::array kFsMmio = {P{"chardev", "str"}, P{"tag", "str"}, P{"queue-size", "uint16"}};
constexpr std::array kFsPci = {P{"chardev", "str"}, P{"tag", "str"}, P{"queue-size", "uint16"},
                               SV_VIRTIO_PCI_PROPS};
constexpr std::array kRngMmio = {P{"rng", "link<rng-backend>"}, P{"max-bytes", "uint64"},
                                 P{"period", "uint64"}};
constexpr std::array kRngPci = {P{"rng", "link<rng-backend>"}, P{"max-bytes", "uint64"},
                                P{"period", "uint64"}, SV_VIRTIO_PCI_PROPS};
constexpr std::array kBalloonMmio = {P{"deflate-on-oom", "bool"},
                                     P{"free-page-reporting", "bool"}};
constexpr std::array kBalloonPci = {P{"deflate-on-oom", "bool"}, P{"free-page-reporting", "bool"},
                                    SV_VIRTIO_PCI_PROPS};
constexpr std::array kRootPort = {P{"chassis", "uint8"}, P{"port", "uint8"}, SV_PCI_PROPS};
constexpr std::array kVfio = {P{"host", "str"}, P{"sysfsdev", "str"}, P{"bootindex", "int32"},
                              SV_PCI_PROPS};
constexpr std::array kPvpanic = {P{"supported-features", "uint64"}, SV_PCI_PROPS};
constexpr std::array kXhci = {P{"p2", "uint32"}, P{"p3", "uint32"}, SV_PCI_PROPS};
constexpr std::array<P, 0> kNone = {};
constexpr std::array kUsbStorage = {P{"drive", "str"}, P{"bootindex", "int32"}};
constexpr std::array kIsaSerial = {P{"chardev", "str"}, P{"index", "uint32"}};

constexpr std::array kIothread = {P{"poll-max-ns", "int"}};
constexpr std::array kMemRam = {P{"size", "int"}, P{"host-nodes", "int"}, P{"share", "bool"},
                                P{"prealloc", "bool"}, P{"dump-guest-core", "bool"}};
constexpr std::array kMemFile = {P{"size", "int"},     P{"mem-path", "string"},
                                 P{"host-nodes", "int"}, P{"share", "bool"},
                                 P{"prealloc", "bool"}, P{"dump-guest-core", "bool"}};
constexpr std::array kRngRandom = {P{"filename", "string"}};
constexpr std::array kSecret = {P{"data", "string"}, P{"file", "string"}, P{"format", "string"}};

#undef SV_VIRTIO_PCI_PROPS
#undef SV_PCI_PROPS

const std::array kTypes = {
    QomType{"virtio-blk-device", "virtio-device", kDev, kBlkMmio},
    QomType{"virtio-blk-pci", "virtio-pci", kDev, kBlkPci},
    QomType{"vhost-user-blk-device", "virtio-device", kDev, kVhostUserBlkMmio},
    QomType{"vhost-user-blk-pci", "virtio-pci", kDev, kVhostUserBlkPci},
    QomType{"virtio-scsi-pci", "virtio-pci", kDev, kScsiPci},
    QomType{"scsi-hd", "scsi-disk-base", kDev, kScsiDisk},
    QomType{"scsi-cd", "scsi-disk-base", kDev, kScsiDisk},
    QomType{"virtio-net-device", "virtio-device", kDev, kNetMmio},
    QomType{"virtio-net-pci", "virtio-pci", kDev, kNetPci},
    QomType{"virtio-serial-device", "virtio-device", kDev, kSerialMmio},
    QomType{"virtio-serial-pci", "virtio-pci", kDev, kSerialPci},
    QomType{"virtconsole", "virtserialport", kDev, kSerialPort},
    QomType{"virtserialport", "virtio-serial-port", kDev, kSerialPort},
    QomType{"vhost-vsock-device", "virtio-device", kDev, kVsockMmio},
    QomType{"vhost-vsock-pci", "virtio-pci", kDev, kVsockPci},
    QomType{"vhost-user-fs-device", "virtio-device", kDev, kFsMmio},
    QomType{"vhost-user-fs-pci", "virtio-pci", kDev, kFsPci},
    QomType{"virtio-rng-device", "virtio-device", kDev, kRngMmio},
    QomType{"virtio-rng-pci", "virtio-pci", kDev, kRngPci},
    QomType{"virtio-balloon-device", "virtio-device", kDev, kBalloonMmio},
    QomType{"virtio-balloon-pci", "virtio-pci", kDev, kBalloonPci},
    QomType{"pcie-root-port", "pcie-root-port-base", kDev, kRootPort},
    QomType{"vfio-pci", "pci-device", kDev, kVfio},
    QomType{"pvpanic", "pci-device", kDev, kPvpanic},
    QomType{"nec-usb-xhci", "base-xhci", kDev, kXhci},
    QomType{"qemu-xhci", "base-xhci", kDev, kXhci},
    QomType{"usb-kbd", "usb-hid", kDev, kNone},
    QomType{"usb-tablet", "usb-hid", kDev, kNone},
    QomType{"usb-storage", "usb-device", kDev, kUsbStorage},
    QomType{"isa-serial", "isa-device", kDev, kIsaSerial},
    QomType{"iothread", "object", kObj, kIothread},
    QomType{"memory-backend-ram", "memory-backend", kObj, kMemRam},
    QomType{"memory-backend-file", "memory-backend", kObj, kMemFile},
    QomType{"memory-backend-memfd", "memory-backend", kObj, kMemRam},
    QomType{"rng-random", "rng-backend", kObj, kRngRandom},
    QomType{"secret", "secret-common", kObj, kSecret},
};

}  // namespace

std::span<const QomType> qom_types() { return kTypes; }

const QomType* find_qom_type(std::string_view name) {
  for (const auto& t : kTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace stratovirt::qmp
