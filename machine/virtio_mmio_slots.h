// SPDX-License-Identifier: MulanPSL-2.0
//
// VirtioMmioSlots: the microvm's virtio-mmio window and IRQ allocator.
//
// Windows of 0x200 bytes from 0xF010_0000 (below the IOAPIC at 0xFEC0_0000), IRQs 5..15,
// handed out in creation order. StratoVirt reserves the first six for "replaceable"
// devices (4 virtio-blk, then 2 virtio-net) before any user device, so those sit at
// 0xF010_0000..0xF010_0A00 with IRQs 5..10 whatever the command line says; other devices
// follow from 0xF010_0C00 / IRQ 11. A window is announced to the guest only once a
// transport is realized in it (an empty window would make the guest's driver probe
// nothing); announcement is a kernel-cmdline fragment "virtio_mmio.device=512@0x..:irq"
// (acpi=off) or a list for the ACPI DSDT (acpi=on). Main thread only.
// Failure: kOutOfRange when windows or IRQs run out; kNotFound when no replaceable slot of
// the kind is free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stratovirt/base/error.h"

namespace stratovirt::machine {

inline constexpr uint64_t kVirtioMmioBase = 0xF0100000;
inline constexpr uint64_t kVirtioMmioWindow = 0x200;
inline constexpr uint64_t kSysbusMmioEnd = 0xFEC00000;
inline constexpr uint32_t kSysbusFirstIrq = 5;
inline constexpr uint32_t kSysbusLastIrq = 15;
inline constexpr uint32_t kReplaceableBlkSlots = 4;
inline constexpr uint32_t kReplaceableNetSlots = 2;

enum class SlotKind { kReplaceableBlk, kReplaceableNet, kOther };

struct VirtioMmioSlot {
  uint64_t base = 0;
  uint64_t size = kVirtioMmioWindow;
  uint32_t irq = 0;
  SlotKind kind = SlotKind::kOther;
  bool in_use = false;     // a transport was realized here
};

class VirtioMmioSlots {
 public:
  // Reserves the six replaceable slots.
  VirtioMmioSlots();

  // The next free replaceable slot of `kind` (kReplaceableBlk / kReplaceableNet).
  Result<VirtioMmioSlot> take_replaceable(SlotKind kind);
  // Replaceable slot number `index` of `kind` (Kata's addr=): kOutOfRange past the last,
  // kAlreadyExists when taken.
  Result<VirtioMmioSlot> take_replaceable_at(SlotKind kind, uint32_t index);
  // A new window after every slot handed out so far.
  Result<VirtioMmioSlot> allocate();

  const std::vector<VirtioMmioSlot>& slots() const { return slots_; }
  // Slots with a transport, in creation order.
  std::vector<VirtioMmioSlot> announced() const;
  // "virtio_mmio.device=512@0xf0100000:5 ..." for announced slots ("" when none).
  std::string cmdline_fragment() const;

 private:
  Result<VirtioMmioSlot> append(SlotKind kind);
  std::vector<VirtioMmioSlot> slots_;
};

}  // namespace stratovirt::machine
