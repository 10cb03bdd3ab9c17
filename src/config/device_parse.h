// SPDX-License-Identifier: MulanPSL-2.0
//
// Private to the -device parser: the per-family parse functions that device_config.cpp
// dispatches to, and the property helpers they share (queue sizes, aliases, bootindex).
// Each family parser consumes its own properties from Props and stores its struct in
// dev.spec; parse_device() has already consumed driver/id and the PCI placement and calls
// Props::finish() afterwards. Main thread only; errors name the property.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stratovirt/config/device_config.h"

namespace stratovirt::config::device_detail {

struct ParseState {
  DeviceConfig& dev;
  std::string_view written;  // the driver name as given, before alias resolution
};
using FamilyParser = Result<void> (*)(Props& props, ParseState& st);

// ---- shared helpers ----------------------------------------------------------------------

// Which of two spellings of one property is present (`primary` when neither); both → error.
Result<std::string_view> pick_key(const Props& props, std::string_view primary,
                                  std::string_view alias);

// Virtqueue size: a power of 2 in (lo, hi] (`lo_inclusive` false) or [lo, hi].
Result<std::optional<uint16_t>> get_queue_size(Props& props, std::string_view key, uint32_t lo,
                                               bool lo_inclusive, uint32_t hi);
// Block-style queue size: power of 2 in (2, 1024], default 256.
Result<uint16_t> get_block_queue_size(Props& props, std::string_view key = "queue-size");
// num-queues in 1..32.
Result<std::optional<uint32_t>> get_num_queues(Props& props, std::string_view key);
// bootindex in 0..255.
Result<std::optional<uint8_t>> get_bootindex(Props& props);
// An optional reference to another entity: non-empty, ≤ 255 characters.
Result<std::optional<std::string>> get_ref(Props& props, std::string_view key);
// A "<device id>.0" bus name → the device id; nullopt when the form does not match.
std::optional<std::string> bus_owner(std::string_view bus);
// The driver's PCI address must use function 0 (single-function devices).
Result<void> require_function_zero(const Props& props, const DeviceConfig& dev);

// ---- validation helpers (device_validate*.cpp) -------------------------------------------

// "-device <driver> '<id>': <message>" and "... property '<key>': <message>".
Error device_error(const DeviceConfig& dev, std::string_view message,
                   ErrorCode code = ErrorCode::kInvalidArgument);
Error device_prop_error(const DeviceConfig& dev, std::string_view key, std::string_view message,
                        ErrorCode code = ErrorCode::kInvalidArgument);
// PCI buses, slots and functions on q35; fills addresses left unset.
Result<void> validate_pci_topology(std::vector<DeviceConfig>& devices);

// ---- family parsers (one per driver family) ----------------------------------------------

Result<void> parse_virtio_blk(Props& props, ParseState& st);
Result<void> parse_vhost_user_blk(Props& props, ParseState& st);
Result<void> parse_virtio_scsi(Props& props, ParseState& st);
Result<void> parse_scsi_disk(Props& props, ParseState& st);
Result<void> parse_virtio_net(Props& props, ParseState& st);
Result<void> parse_virtio_serial(Props& props, ParseState& st);
Result<void> parse_serial_port(Props& props, ParseState& st);
Result<void> parse_vhost_vsock(Props& props, ParseState& st);
Result<void> parse_vhost_user_fs(Props& props, ParseState& st);
Result<void> parse_virtio_rng(Props& props, ParseState& st);
Result<void> parse_virtio_balloon(Props& props, ParseState& st);
Result<void> parse_virtio_mem(Props& props, ParseState& st);
Result<void> parse_virtio_pmem(Props& props, ParseState& st);
Result<void> parse_virtio_input(Props& props, ParseState& st);
Result<void> parse_virtio_multitouch(Props& props, ParseState& st);
Result<void> parse_virtio_gpu(Props& props, ParseState& st);
Result<void> parse_vhost_user_gpu(Props& props, ParseState& st);
Result<void> parse_ramfb(Props& props, ParseState& st);
Result<void> parse_root_port(Props& props, ParseState& st);
Result<void> parse_vfio_pci(Props& props, ParseState& st);
Result<void> parse_ivshmem_scream(Props& props, ParseState& st);
Result<void> parse_pvpanic(Props& props, ParseState& st);
Result<void> parse_isa_serial(Props& props, ParseState& st);
Result<void> parse_usb_xhci(Props& props, ParseState& st);
Result<void> parse_usb_hid(Props& props, ParseState& st);
Result<void> parse_usb_storage(Props& props, ParseState& st);
Result<void> parse_usb_camera(Props& props, ParseState& st);
Result<void> parse_usb_host(Props& props, ParseState& st);

}  // namespace stratovirt::config::device_detail
