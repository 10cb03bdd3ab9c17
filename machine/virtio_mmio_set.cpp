// SPDX-License-Identifier: MulanPSL-2.0
// The virtio-mmio devices of a machine: model, window, IRQ, transport, data-plane loop.
#include "machine/virtio_mmio_set.h"

#include <variant>

#include "stratovirt/base/logging.h"

namespace stratovirt::machine {
namespace {

SlotKind slot_kind(const config::DeviceConfig& dev) {
  if (std::holds_alternative<config::VirtioBlkDevice>(dev.spec)) return SlotKind::kReplaceableBlk;
  if (std::holds_alternative<config::VirtioNetDevice>(dev.spec)) return SlotKind::kReplaceableNet;
  return SlotKind::kOther;
}

const std::optional<std::string>* iothread_of(const config::DeviceConfig& dev) {
  if (const auto* blk = std::get_if<config::VirtioBlkDevice>(&dev.spec)) return &blk->iothread;
  if (const auto* net = std::get_if<config::VirtioNetDevice>(&dev.spec)) return &net->iothread;
  return nullptr;
}

}  // namespace

Result<void> VirtioMmioSet::realize(const config::VmConfig& cfg) {
  for (const auto& dev : cfg.devices) {
    if (!is_virtio_mmio_device(dev)) continue;
    if (auto r = add(dev); !r) return std::unexpected(r.error().with_context("-device " + dev.id));
  }
  return ok();
}

Result<void> VirtioMmioSet::add(const config::DeviceConfig& dev) {
  VirtioDeviceContext ctx = host_.devices;
  ctx.memory = host_.memory;
  if (std::holds_alternative<config::VirtioBalloonDevice>(dev.spec) && balloon_ != nullptr) {
    return errorf(ErrorCode::kInvalidArgument, "only one virtio-balloon device is allowed");
  }
  SV_ASSIGN_OR_RETURN(auto device, make_virtio_device(dev, ctx));
  auto* balloon = dynamic_cast<virtio::BalloonDevice*>(device.get());

  EventLoop* loop = host_.devices.main_loop;
  if (const auto* iothread = iothread_of(dev); iothread != nullptr && iothread->has_value()) {
    loop = host_.iothread ? host_.iothread(**iothread) : nullptr;
    if (loop == nullptr) {
      return errorf(ErrorCode::kNotFound, "iothread '{}' does not exist", **iothread);
    }
  }
  device->attach_loop(loop);

  VirtioMmioSlot slot;
  SlotKind kind = slot_kind(dev);
  if (kind == SlotKind::kOther) {
    SV_ASSIGN_OR_RETURN(slot, slots_.allocate());
  } else {
    const auto* blk = std::get_if<config::VirtioBlkDevice>(&dev.spec);
    if (blk != nullptr && blk->mmio_slot) {
      SV_ASSIGN_OR_RETURN(slot, slots_.take_replaceable_at(kind, *blk->mmio_slot));
    } else {
      SV_ASSIGN_OR_RETURN(slot, slots_.take_replaceable(kind));
    }
  }

  IrqLine* irq = host_.irq_line(slot.irq);
  const uint32_t queues = device->num_queues();
  // Packed rings (VIRTIO_F_RING_PACKED) are offered to every device; Linux uses them.
  auto transport =
      std::make_shared<virtio::MmioTransport>(dev.id, std::move(device), host_.memory, irq,
                                              virtio::MmioTransportOptions{.packed_ring = true});
  SV_RETURN_IF_ERROR(host_.mmio->insert(transport, slot.base, slot.size));
  if (host_.bind_kick && loop != nullptr) {
    auto notify = transport->notify_handler();
    for (uint32_t q = 0; q < queues; ++q) {
      SV_RETURN_IF_ERROR(host_.bind_kick(slot.base + virtio::mmio_reg::kQueueNotify, q, *loop,
                                         [notify, q] { notify(q); }));
    }
  }
  logger(kLoggerMachine)
      ->info("{} ({}) at {:#x} irq {}{}", dev.id, dev.driver, slot.base, slot.irq,
             loop == host_.devices.main_loop ? "" : fmt::format(", on {}", loop->name()));
  entries_.push_back(Entry{dev.id, dev.driver, slot, std::move(transport)});
  if (balloon != nullptr) balloon_ = balloon;
  return ok();
}

}  // namespace stratovirt::machine
