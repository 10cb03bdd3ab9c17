// SPDX-License-Identifier: MulanPSL-2.0
// -device → virtio device model, for the virtio-mmio machines.
#include "machine/virtio_device_factory.h"

#include <linux/magic.h>
#include <sys/statfs.h>

#include <filesystem>
#include <variant>

#include "devices/chardev/char_backends.h"
#include "stratovirt/virtio/balloon_device.h"
#include "stratovirt/virtio/block_device.h"
#include "stratovirt/virtio/console_device.h"
#include "stratovirt/virtio/rng_device.h"

namespace stratovirt::machine {
namespace {

Result<std::unique_ptr<virtio::VirtioDevice>> make_block(const config::DeviceConfig& dev,
                                                         const config::VirtioBlkDevice& blk,
                                                         const VirtioDeviceContext& ctx) {
  const config::DriveConfig* drive = ctx.vm->find_drive(blk.drive);
  if (drive == nullptr) {
    return errorf(ErrorCode::kNotFound, "drive '{}' not found", blk.drive);
  }
  auto made = virtio::BlockDevice::create(*drive, dev, *ctx.clock);
  if (!made) return std::unexpected(made.error());
  return std::unique_ptr<virtio::VirtioDevice>(std::move(*made));
}

Result<std::unique_ptr<virtio::VirtioDevice>> make_rng(const config::DeviceConfig& dev,
                                                       const config::VirtioRngDevice& rng,
                                                       const VirtioDeviceContext& ctx) {
  const config::ObjectConfig* obj = ctx.vm->find_object(rng.rng);
  const auto* source = obj != nullptr ? std::get_if<config::RngRandomObject>(obj) : nullptr;
  if (source == nullptr) {
    return errorf(ErrorCode::kNotFound, "rng-random object '{}' not found", rng.rng);
  }
  auto made = virtio::RngDevice::create(*source, dev, *ctx.clock);
  if (!made) return std::unexpected(made.error());
  return std::unique_ptr<virtio::VirtioDevice>(std::move(*made));
}

// Whether guest RAM lives on hugetlbfs (-mem-path, or the memory-backend-file object of
// -machine memory-backend=): a file that does not exist yet is created in its directory.
bool ram_on_hugetlbfs(const config::VmConfig& vm) {
  std::optional<std::string> path = vm.memory.mem_path;
  if (vm.machine.memory_backend) {
    const config::ObjectConfig* obj = vm.find_object(*vm.machine.memory_backend);
    const auto* backend = obj != nullptr ? std::get_if<config::MemoryBackendObject>(obj) : nullptr;
    path = backend != nullptr ? backend->mem_path : std::nullopt;
  }
  if (!path) return false;
  struct statfs fs {};
  if (::statfs(path->c_str(), &fs) != 0) {
    std::string dir = std::filesystem::path(*path).parent_path().string();
    if (dir.empty() || ::statfs(dir.c_str(), &fs) != 0) return false;
  }
  return fs.f_type == HUGETLBFS_MAGIC;
}

Result<std::unique_ptr<virtio::VirtioDevice>> make_balloon(const config::DeviceConfig& dev,
                                                           const VirtioDeviceContext& ctx) {
  if (ctx.memory == nullptr) {
    return errorf(ErrorCode::kInternal, "no guest memory for the balloon");
  }
  auto made = virtio::BalloonDevice::create(dev, *ctx.memory, ram_on_hugetlbfs(*ctx.vm));
  if (!made) return std::unexpected(made.error());
  return std::unique_ptr<virtio::VirtioDevice>(std::move(*made));
}

// The ports of this virtio-serial device: those whose bus= names it, and, when the VM has
// only one virtio-serial device, those without bus=. The device owns their chardevs.
Result<std::unique_ptr<virtio::VirtioDevice>> make_serial(const config::DeviceConfig& dev,
                                                          const VirtioDeviceContext& ctx) {
  size_t serial_devices = 0;
  for (const auto& d : ctx.vm->devices) {
    serial_devices += std::holds_alternative<config::VirtioSerialDevice>(d.spec) ? 1 : 0;
  }
  std::vector<virtio::ConsolePortConfig> ports;
  for (const auto& d : ctx.vm->devices) {
    const auto* port = std::get_if<config::VirtioSerialPort>(&d.spec);
    if (port == nullptr || (port->serial_bus ? *port->serial_bus != dev.id : serial_devices != 1)) {
      continue;
    }
    const config::ChardevConfig* chardev = ctx.vm->find_chardev(port->chardev);
    if (chardev == nullptr) {
      return errorf(ErrorCode::kNotFound, "{}: chardev '{}' not found", d.id, port->chardev);
    }
    auto backend = devices::open_char_backend(*chardev, *ctx.main_loop);
    if (!backend) return std::unexpected(backend.error().with_context(d.id));
    virtio::ConsolePortConfig p;
    p.id = d.id;
    p.nr = port->nr.value_or(0);
    p.console = port->console;
    p.name = port->name;
    p.owned_backend = std::move(*backend);
    ports.push_back(std::move(p));
  }
  auto made = virtio::ConsoleDevice::create(dev, std::move(ports));
  if (!made) return std::unexpected(made.error());
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
  if (const auto* rng = std::get_if<config::VirtioRngDevice>(&dev.spec)) {
    return make_rng(dev, *rng, ctx);
  }
  if (std::holds_alternative<config::VirtioSerialDevice>(dev.spec)) {
    return make_serial(dev, ctx);
  }
  if (std::holds_alternative<config::VirtioBalloonDevice>(dev.spec)) {
    return make_balloon(dev, ctx);
  }
  return errorf(ErrorCode::kNotSupported, "{} is not implemented on virtio-mmio yet",
                dev.driver);
}

}  // namespace stratovirt::machine
