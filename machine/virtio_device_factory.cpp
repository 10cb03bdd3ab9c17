// SPDX-License-Identifier: MulanPSL-2.0
// -device → virtio device model, for the virtio-mmio machines.
#include "machine/virtio_device_factory.h"

#include <variant>

#include "stratovirt/virtio/block_device.h"

namespace stratovirt::machine {
namespace {

Result<std::unique_ptr<virtio::VirtioDevice>> make_block(const config::DeviceConfig& dev,
                                                         const config::VirtioBlkDevice& blk,
                                                         const VirtioDeviceContext& ctx) {
  const config::DriveConfig* drive = ctx.vm->find_drive(blk.drive);
  if (drive == nullptr) {
    return errorf(ErrorCode::kNotFound, "{}: drive '{}' not found", dev.id, blk.drive);
  }
  auto made = virtio::BlockDevice::create(*drive, dev, *ctx.clock);
  if (!made) return std::unexpected(made.error().with_context(dev.id));
  return std::unique_ptr<virtio::VirtioDevice>(std::move(*made));
}

}  // namespace

bool is_virtio_mmio_device(const config::DeviceConfig& dev) {
  // Every -device of the mmio transport sits in a window of its own, except the ports of a
  // virtio-serial-device, which live on its bus.
  return dev.transport == config::Transport::kMmio &&
         !std::holds_alternative<config::VirtioSerialPort>(dev.spec);
}

Result<std::unique_ptr<virtio::VirtioDevice>> make_virtio_device(
    const config::DeviceConfig& dev, const VirtioDeviceContext& ctx) {
  if (const auto* blk = std::get_if<config::VirtioBlkDevice>(&dev.spec)) {
    return make_block(dev, *blk, ctx);
  }
  return errorf(ErrorCode::kNotSupported, "{}: {} is not implemented on virtio-mmio yet", dev.id,
                dev.driver);
}

}  // namespace stratovirt::machine
