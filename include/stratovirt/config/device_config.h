// SPDX-License-Identifier: MulanPSL-2.0
//
// Typed configs for -device: one struct per driver family, held in DeviceConfig::spec.
//
// Models every driver of StratoVirt's -device option (guidebook §2, inventory §2.7) plus the
// spellings libvirt and Kata send (JSON objects, QEMU's `*-mmio` names, `qemu-xhci`,
// `isa-serial`). parse_device() checks one device on its own (types, ranges, defaults);
// validate_devices() checks the set against the machine (ids, buses, slots, counts) and fills
// the defaults that depend on it. The reference for every property is
// docs/cmdline-devices.md. Owned by the config layer (h1); plain value types filled once on
// the main thread and read-only afterwards. Errors read
// "-device <driver>: property '<key>': <reason>"; nothing here touches the host.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "stratovirt/config/machine_config.h"
#include "stratovirt/config/props.h"

namespace stratovirt::config {

inline constexpr size_t kMaxDeviceIdLen = 255;
inline constexpr uint32_t kMaxVirtioQueues = 32;
inline constexpr uint16_t kDefaultQueueSize = 256;
inline constexpr std::string_view kPciRootBus = "pcie.0";

struct PciAddr {
  uint8_t slot = 0;      // 0..31
  uint8_t function = 0;  // 0..7
  bool operator==(const PciAddr&) const = default;
};
// "slot[.func]", decimal or 0x-hex each (e.g. "3", "0x1f.0x7").
Result<PciAddr> parse_pci_addr(std::string_view text);

struct PciPlacement {
  std::string bus = std::string(kPciRootBus);  // "pcie.0" or a pcie-root-port id
  std::optional<PciAddr> addr;                 // filled by validate_devices when absent
  bool multifunction = false;
};

// Where a USB device plugs in: bus "<xhci id>.0" and a port path ("1", "1.2").
struct UsbPlacement {
  std::optional<std::string> bus;
  std::optional<std::string> port;
};

enum class Transport { kMmio, kPci, kOther };

// A reference from a device to another configured entity, checked by VmConfig validation.
// For kBus the id is the device that provides the bus (a pcie-root-port, virtio-scsi-pci,
// xhci or virtio-serial id), not the bus name.
enum class RefKind { kDrive, kNetdev, kChardev, kIothread, kRngObject, kMemdev, kBus,
                     kCameradev };
struct DeviceRef {
  RefKind kind;
  std::string id;
  std::string_view property;  // the property that holds the reference, for messages
};

struct MacAddr {
  std::array<uint8_t, 6> bytes{};
  bool operator==(const MacAddr&) const = default;
  std::string to_string() const;  // "52:54:00:12:34:56"
};
// "xx:xx:xx:xx:xx:xx"; multicast and all-zero addresses are rejected.
Result<MacAddr> parse_mac(std::string_view text);

// Host PCI function for vfio-pci host=: "[DDDD:]BB:SS.F" in hex.
struct HostPciAddr {
  uint16_t domain = 0;
  uint8_t bus = 0;
  uint8_t slot = 0;
  uint8_t function = 0;
  std::string to_string() const;  // "0000:1a:00.3"
};
Result<HostPciAddr> parse_host_pci_addr(std::string_view text);

// ---- block ------------------------------------------------------------------------------

// virtio-blk-device / virtio-blk-pci (alias virtio-blk-mmio).
struct VirtioBlkDevice {
  std::string drive;
  std::optional<std::string> iothread;
  std::optional<std::string> serial;    // ≤ 20 characters
  std::optional<uint32_t> num_queues;   // 1..32; validate_devices fills the default
  uint16_t queue_size = kDefaultQueueSize;
  std::optional<uint8_t> bootindex;     // 0..255
  std::optional<uint8_t> mmio_slot;     // virtio-blk-mmio addr=/lun= (Kata hot-plug), 0..3
};

// vhost-user-blk-device / vhost-user-blk-pci.
struct VhostUserBlkDevice {
  std::string chardev;
  std::optional<uint32_t> num_queues;  // 1..32; validate_devices fills the default
  uint16_t queue_size = kDefaultQueueSize;
  std::optional<uint8_t> bootindex;
};

// virtio-scsi-pci.
struct VirtioScsiController {
  std::optional<std::string> iothread;
  uint32_t num_queues = 1;  // 1..32
  uint16_t queue_size = kDefaultQueueSize;
};

// scsi-hd / scsi-cd on bus "<controller>.0".
struct ScsiDevice {
  bool cdrom = false;
  std::string controller;  // virtio-scsi-pci id
  uint8_t channel = 0;     // only 0
  uint8_t scsi_id = 0;     // 0..255 (0..31 when bootable)
  uint16_t lun = 0;        // 0..255 (0..7 when bootable)
  std::string drive;
  std::optional<std::string> serial;
  std::optional<uint8_t> bootindex;
  std::optional<std::string> device_id;  // libvirt's device_id (kept, no effect)
};

// ---- network ----------------------------------------------------------------------------

// virtio-net-device / virtio-net-pci.
struct VirtioNetDevice {
  std::string netdev;
  std::optional<MacAddr> mac;
  std::optional<std::string> iothread;
  std::optional<std::string> rx_iothread;  // defaults to iothread
  std::optional<std::string> tx_iothread;  // defaults to iothread
  bool mq = false;
  uint16_t queue_size = kDefaultQueueSize;  // power of 2 in [256, 4096]
  std::optional<uint8_t> bootindex;         // libvirt; kept, no effect
  std::optional<uint32_t> vectors;          // libvirt; kept, no effect
};

// ---- host/guest channels ----------------------------------------------------------------

// virtio-serial-device / virtio-serial-pci.
struct VirtioSerialDevice {
  uint32_t max_ports = 31;  // 1..31; always 1 on virtio-mmio
};

// virtconsole / virtserialport.
struct VirtioSerialPort {
  bool console = false;
  std::string chardev;
  std::optional<uint32_t> nr;             // validate_devices numbers ports without nr
  std::optional<std::string> serial_bus;  // bus=<virtio-serial id>.0 (libvirt), id part only
  std::optional<std::string> name;        // libvirt's port name (kept)
};

// vhost-vsock-device / vhost-vsock-pci.
struct VhostVsockDevice {
  uint64_t guest_cid = 0;          // 3..4294967294
  std::optional<int32_t> vhostfd;  // inherited /dev/vhost-vsock fd
};

// vhost-user-fs-device / vhost-user-fs-pci.
struct VhostUserFsDevice {
  std::string chardev;
  std::string tag;  // 1..35 characters
  std::optional<uint16_t> queue_size;
};

// virtio-rng-device / virtio-rng-pci.
struct VirtioRngDevice {
  std::string rng;                      // rng-random object id
  std::optional<uint64_t> max_bytes;    // with period: 64 ≤ max_bytes*1000/period ≤ 1e9
  std::optional<uint64_t> period_ms;
};

// ---- memory -----------------------------------------------------------------------------

// virtio-balloon-device / virtio-balloon-pci.
struct VirtioBalloonDevice {
  bool deflate_on_oom = false;
  bool free_page_reporting = false;
  bool auto_balloon = false;
  uint32_t membuf_percent = 50;    // 20..80
  uint32_t monitor_interval = 10;  // seconds, 5..300
};

inline constexpr uint64_t kDefaultMemBlockSize = 32ULL << 20;

// virtio-mem-device / virtio-mem-pci.
struct VirtioMemDevice {
  std::string memdev;
  std::optional<uint64_t> memaddr;
  uint64_t requested_size = 0;
  uint64_t block_size = kDefaultMemBlockSize;  // power of 2
  std::optional<uint16_t> node;
  bool unplugged_inaccessible = false;
};

// virtio-pmem-device / virtio-pmem-pci.
struct VirtioPmemDevice {
  std::string memdev;
  std::optional<uint64_t> memaddr;  // 2 MiB aligned
};

// ---- input and display ------------------------------------------------------------------

// virtio-input-device / virtio-input-pci.
struct VirtioInputDevice {
  std::string evdev;  // host /dev/input/eventN
};

enum class TouchType { kScreen, kPad };
// virtio-multitouch-device / virtio-multitouch-pci.
struct VirtioMultitouchDevice {
  std::optional<std::string> serial;
  uint32_t x = 0x7fff;
  uint32_t y = 0x7fff;
  TouchType touch_type = TouchType::kScreen;
};

// virtio-gpu-pci.
struct VirtioGpuDevice {
  uint32_t max_outputs = 1;  // 1..16
  bool edid = true;
  uint32_t xres = 1024;
  uint32_t yres = 768;
  uint64_t max_hostmem = 256ULL << 20;
  bool enable_bar0 = false;
  uint32_t cursor_size = 128;
};

// vhost-user-gpu-pci.
struct VhostUserGpuDevice {
  std::string chardev;
  uint32_t max_outputs = 1;  // 1..16
  bool edid = true;
  uint32_t xres = 1024;
  uint32_t yres = 768;
  uint32_t num_queues = 2;
  uint16_t queue_size = kDefaultQueueSize;
  bool virgl = false;
};

// ramfb (aarch64 only).
struct RamfbDevice {
  bool install = false;
};

// ---- PCI platform devices ---------------------------------------------------------------

// pcie-root-port: its id names the secondary bus.
struct PcieRootPort {
  uint8_t port = 0;
  std::optional<uint8_t> chassis;  // libvirt; kept, no effect
};

// vfio-pci: exactly one of host / sysfsdev.
struct VfioPciDevice {
  std::optional<HostPciAddr> host;
  std::optional<std::string> sysfsdev;
  std::optional<uint8_t> bootindex;  // libvirt; kept, no effect
};

enum class ScreamInterface { kAlsa, kPulseAudio, kDemo, kOhAudio };
// ivshmem-scream.
struct IvshmemScreamDevice {
  std::string memdev;
  ScreamInterface interface = ScreamInterface::kDemo;
  std::optional<std::string> playback;  // required for Demo
  std::optional<std::string> record;    // required for Demo
  bool record_auth = true;
  bool play_concurrency = false;
};

inline constexpr uint32_t kPvpanicPanicked = 1u << 0;
inline constexpr uint32_t kPvpanicCrashLoaded = 1u << 1;
inline constexpr uint32_t kPvpanicBsod = 1u << 2;
// pvpanic (PCI).
struct PvpanicDevice {
  uint32_t supported_features = kPvpanicPanicked | kPvpanicCrashLoaded;
  std::string dumpfile_path = "./";
};

// ---- USB --------------------------------------------------------------------------------

// nec-usb-xhci (alias qemu-xhci).
struct UsbXhciController {
  uint8_t p2 = 4;  // USB 2 ports, 1..254
  uint8_t p3 = 4;  // USB 3 ports, 1..254
  std::optional<std::string> iothread;
  std::optional<bool> streams;
};

enum class UsbHidKind { kKeyboard, kTablet, kConsumer };
// usb-kbd / usb-tablet / usb-consumer.
struct UsbHidDevice {
  UsbHidKind kind = UsbHidKind::kKeyboard;
};

// usb-storage / usb-uas.
struct UsbStorageDevice {
  bool uas = false;
  std::string drive;
  std::optional<uint8_t> bootindex;  // libvirt; kept, no effect
};

enum class CameraBackendKind { kV4l2, kDemo };
// usb-camera: cameradev=<-cameradev id>, or the older backend=/path= form.
struct UsbCameraDevice {
  std::optional<std::string> cameradev;
  std::optional<CameraBackendKind> backend;
  std::optional<std::string> path;
  std::optional<std::string> iothread;
};

// usb-host: vendorid+productid, hostbus+hostport or hostbus+hostaddr select the device.
struct UsbHostDevice {
  uint8_t hostbus = 0;
  uint8_t hostaddr = 0;  // 0..127
  std::optional<std::string> hostport;
  uint16_t vendorid = 0;
  uint16_t productid = 0;
  uint32_t isobufs = 4;
  uint32_t isobsize = 32;
};

// ---- legacy -----------------------------------------------------------------------------

// isa-serial as libvirt writes it: the 16550 at 0x3f8 on a chardev.
struct IsaSerialDevice {
  std::string chardev;
  std::optional<uint32_t> index;  // libvirt; only 0 exists
};

using DeviceSpec =
    std::variant<VirtioBlkDevice, VhostUserBlkDevice, VirtioScsiController, ScsiDevice,
                 VirtioNetDevice, VirtioSerialDevice, VirtioSerialPort, VhostVsockDevice,
                 VhostUserFsDevice, VirtioRngDevice, VirtioBalloonDevice, VirtioMemDevice,
                 VirtioPmemDevice, VirtioInputDevice, VirtioMultitouchDevice, VirtioGpuDevice,
                 VhostUserGpuDevice, RamfbDevice, PcieRootPort, VfioPciDevice,
                 IvshmemScreamDevice, PvpanicDevice, UsbXhciController, UsbHidDevice,
                 UsbStorageDevice, UsbCameraDevice, UsbHostDevice, IsaSerialDevice>;

struct DeviceConfig {
  std::string driver;  // canonical name: aliases resolved (virtio-blk-mmio → virtio-blk-device)
  std::string id;      // as given, or "<driver><index>" when id= is absent
  Transport transport = Transport::kOther;
  std::optional<PciPlacement> pci;  // set for PCI drivers
  std::optional<UsbPlacement> usb;  // set for USB devices (not the controller)
  DeviceSpec spec;
};

// Parses one -device value (props' implicit key "driver" holds the driver name).
// `index` numbers devices without id= (the generated id is "<driver><index>").
Result<DeviceConfig> parse_device(Props& props, size_t index);

// Every entity `dev` names (drive=, netdev=, chardev=, iothread=, rng=, memdev=, cameradev=,
// non-root PCI bus=, scsi/usb/virtio-serial bus=) with the property that holds it.
std::vector<DeviceRef> device_references(const DeviceConfig& dev);

// Cross-device checks for one machine: unique ids, transport vs machine, singletons, buses,
// PCI slots, virtio-serial ports, microvm IRQ budget. Fills PCI addresses left unset,
// virtio-serial port numbers and num-queues defaults (which depend on nr_cpus).
Result<void> validate_devices(std::vector<DeviceConfig>& devices, MachineType machine,
                              uint32_t nr_cpus);

}  // namespace stratovirt::config
