// SPDX-License-Identifier: MulanPSL-2.0
// virtio-mmio windows and IRQs of the microvm.
#include "machine/virtio_mmio_slots.h"

#include <fmt/format.h>

namespace stratovirt::machine {

VirtioMmioSlots::VirtioMmioSlots() {
  for (uint32_t i = 0; i < kReplaceableBlkSlots; ++i) (void)append(SlotKind::kReplaceableBlk);
  for (uint32_t i = 0; i < kReplaceableNetSlots; ++i) (void)append(SlotKind::kReplaceableNet);
}

Result<VirtioMmioSlot> VirtioMmioSlots::append(SlotKind kind) {
  uint64_t index = slots_.size();
  uint64_t base = kVirtioMmioBase + index * kVirtioMmioWindow;
  uint32_t irq = kSysbusFirstIrq + static_cast<uint32_t>(index);
  if (base + kVirtioMmioWindow > kSysbusMmioEnd) {
    return errorf(ErrorCode::kOutOfRange, "virtio-mmio: no MMIO window left");
  }
  if (irq > kSysbusLastIrq) {
    return errorf(ErrorCode::kOutOfRange,
                  "virtio-mmio: no IRQ left (IRQs {}..{} are all taken; {} of them by the "
                  "replaceable blk/net slots)",
                  kSysbusFirstIrq, kSysbusLastIrq, kReplaceableBlkSlots + kReplaceableNetSlots);
  }
  slots_.push_back({base, kVirtioMmioWindow, irq, kind, false});
  return slots_.back();
}

Result<VirtioMmioSlot> VirtioMmioSlots::take_replaceable(SlotKind kind) {
  for (auto& s : slots_) {
    if (s.kind == kind && !s.in_use) {
      s.in_use = true;
      return s;
    }
  }
  return errorf(ErrorCode::kNotFound, "virtio-mmio: no free replaceable {} slot",
                kind == SlotKind::kReplaceableNet ? "net" : "blk");
}

Result<VirtioMmioSlot> VirtioMmioSlots::take_replaceable_at(SlotKind kind, uint32_t index) {
  uint32_t seen = 0;
  for (auto& s : slots_) {
    if (s.kind != kind) continue;
    if (seen++ != index) continue;
    if (s.in_use) {
      return errorf(ErrorCode::kAlreadyExists, "virtio-mmio: replaceable slot {} is taken",
                    index);
    }
    s.in_use = true;
    return s;
  }
  return errorf(ErrorCode::kOutOfRange, "virtio-mmio: no replaceable slot {} (there are {})",
                index, seen);
}

Result<VirtioMmioSlot> VirtioMmioSlots::allocate() {
  SV_RETURN_IF_ERROR(append(SlotKind::kOther));
  slots_.back().in_use = true;
  return slots_.back();
}

std::vector<VirtioMmioSlot> VirtioMmioSlots::announced() const {
  std::vector<VirtioMmioSlot> out;
  for (const auto& s : slots_) {
    if (s.in_use) out.push_back(s);
  }
  return out;
}

std::string VirtioMmioSlots::cmdline_fragment() const {
  std::string out;
  for (const auto& s : announced()) {
    if (!out.empty()) out += ' ';
    out += fmt::format("virtio_mmio.device={}@0x{:08x}:{}", s.size, s.base, s.irq);
  }
  return out;
}

}  // namespace stratovirt::machine
