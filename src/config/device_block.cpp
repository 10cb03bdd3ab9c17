// SPDX-License-Identifier: MulanPSL-2.0
//
// Block-family -device parsers: virtio-blk, vhost-user-blk, virtio-scsi-pci, scsi-hd/cd.
#include "src/config/device_parse.h"

namespace stratovirt::config::device_detail {
namespace {

constexpr size_t kMaxBlkSerialLen = 20;  // VIRTIO_BLK_ID_BYTES
constexpr uint64_t kReplaceableBlkSlots = 4;

// A device on virtio-mmio has a single queue; more cannot be honoured.
Result<void> check_mmio_queues(const Props& props, const DeviceConfig& dev,
                               const std::optional<uint32_t>& num_queues) {
  if (dev.transport == Transport::kMmio && num_queues && *num_queues != 1) {
    return std::unexpected(props.prop_error(
        "num-queues", fmt::format("{} queues requested, but virtio-mmio block devices on "
                                  "microvm use exactly 1",
                                  *num_queues)));
  }
  return ok();
}

// Kata hot-plugs `virtio-blk-mmio` with addr=<replaceable slot> (QEMU's lun=<n> means slot
// n+1); the drive defaults to the device id (node-name == id).
Result<void> parse_mmio_slot(Props& props, ParseState& st, VirtioBlkDevice& blk) {
  SV_ASSIGN_OR_RETURN(std::string_view key, pick_key(props, "addr", "lun"));
  bool is_lun = key == "lun";
  SV_ASSIGN_OR_RETURN(auto v, props.get_uint(key, 0, kReplaceableBlkSlots - (is_lun ? 2 : 1)));
  if (v) blk.mmio_slot = static_cast<uint8_t>(*v + (is_lun ? 1 : 0));
  if (blk.drive.empty()) blk.drive = st.dev.id;
  return ok();
}

}  // namespace

Result<void> parse_virtio_blk(Props& props, ParseState& st) {
  VirtioBlkDevice blk;
  bool qmp_mmio = st.written == "virtio-blk-mmio";
  if (qmp_mmio) {
    SV_ASSIGN_OR_RETURN(auto drive, get_ref(props, "drive"));
    if (drive) blk.drive = std::move(*drive);
    SV_RETURN_IF_ERROR(parse_mmio_slot(props, st, blk));
  } else {
    SV_ASSIGN_OR_RETURN(blk.drive, props.require_string("drive"));
  }
  SV_ASSIGN_OR_RETURN(blk.iothread, get_ref(props, "iothread"));
  SV_ASSIGN_OR_RETURN(blk.serial, props.get_string("serial", kMaxBlkSerialLen));
  SV_ASSIGN_OR_RETURN(blk.num_queues, get_num_queues(props, "num-queues"));
  SV_RETURN_IF_ERROR(check_mmio_queues(props, st.dev, blk.num_queues));
  SV_ASSIGN_OR_RETURN(blk.queue_size, get_block_queue_size(props));
  SV_ASSIGN_OR_RETURN(blk.bootindex, get_bootindex(props));
  st.dev.spec = std::move(blk);
  return ok();
}

Result<void> parse_vhost_user_blk(Props& props, ParseState& st) {
  VhostUserBlkDevice blk;
  SV_ASSIGN_OR_RETURN(blk.chardev, props.require_string("chardev"));
  SV_ASSIGN_OR_RETURN(blk.num_queues, get_num_queues(props, "num-queues"));
  SV_ASSIGN_OR_RETURN(blk.queue_size, get_block_queue_size(props));
  SV_ASSIGN_OR_RETURN(blk.bootindex, get_bootindex(props));
  st.dev.spec = std::move(blk);
  return ok();
}

Result<void> parse_virtio_scsi(Props& props, ParseState& st) {
  VirtioScsiController scsi;
  SV_ASSIGN_OR_RETURN(scsi.iothread, get_ref(props, "iothread"));
  // libvirt writes QEMU's num_queues; StratoVirt's documents num-queues.
  SV_ASSIGN_OR_RETURN(std::string_view nq_key, pick_key(props, "num-queues", "num_queues"));
  SV_ASSIGN_OR_RETURN(auto nq, get_num_queues(props, nq_key));
  scsi.num_queues = nq.value_or(1);
  SV_ASSIGN_OR_RETURN(scsi.queue_size, get_block_queue_size(props));
  st.dev.spec = std::move(scsi);
  return ok();
}

Result<void> parse_scsi_disk(Props& props, ParseState& st) {
  ScsiDevice disk;
  disk.cdrom = st.dev.driver == "scsi-cd";
  SV_ASSIGN_OR_RETURN(std::string bus, props.require_string("bus"));
  auto owner = bus_owner(bus);
  if (!owner) {
    return std::unexpected(props.prop_error(
        "bus", fmt::format("'{}' is not a SCSI bus (expected '<virtio-scsi-pci id>.0')", bus)));
  }
  disk.controller = std::move(*owner);
  SV_ASSIGN_OR_RETURN(auto channel, props.get_uint("channel", 0, 0));
  disk.channel = static_cast<uint8_t>(channel.value_or(0));
  SV_ASSIGN_OR_RETURN(auto target, props.get_uint("scsi-id", 0, 255));
  if (!target) return std::unexpected(props.prop_error("scsi-id", "is required"));
  disk.scsi_id = static_cast<uint8_t>(*target);
  SV_ASSIGN_OR_RETURN(auto lun, props.get_uint("lun", 0, 255));
  if (!lun) return std::unexpected(props.prop_error("lun", "is required"));
  disk.lun = static_cast<uint16_t>(*lun);
  SV_ASSIGN_OR_RETURN(disk.drive, props.require_string("drive"));
  SV_ASSIGN_OR_RETURN(disk.serial, props.get_string("serial"));
  SV_ASSIGN_OR_RETURN(disk.bootindex, get_bootindex(props));
  SV_ASSIGN_OR_RETURN(disk.device_id, props.get_string("device_id"));
  // Firmware can only boot from the first 32 targets and 8 LUNs.
  if (disk.bootindex && disk.scsi_id > 31) {
    return std::unexpected(props.prop_error(
        "scsi-id", fmt::format("{} is out of range [0, 31] for a bootable disk", disk.scsi_id)));
  }
  if (disk.bootindex && disk.lun > 7) {
    return std::unexpected(props.prop_error(
        "lun", fmt::format("{} is out of range [0, 7] for a bootable disk", disk.lun)));
  }
  st.dev.spec = std::move(disk);
  return ok();
}

}  // namespace stratovirt::config::device_detail
