// SPDX-License-Identifier: MulanPSL-2.0
//
// VirtioMmioSet: the virtio-mmio devices of one machine, placed in their windows.
//
// realize() walks the -device list in order, builds each virtio-mmio device
// (make_virtio_device), gives it a window and IRQ from VirtioMmioSlots (virtio-blk takes
// one of the four replaceable blk slots, honouring Kata's addr=; others get new windows
// after the six replaceable ones), wraps it in an MmioTransport on the machine's MMIO bus,
// tells it which loop runs its data plane (iothread= or the main loop) and asks the host
// to bind each queue's kick (an ioeventfd on KVM). Owned by the machine; main thread.
// Failure: the first device's error with its id; nothing is left half-inserted that the
// machine would keep using (the machine is torn down on failure).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "machine/virtio_device_factory.h"
#include "machine/virtio_mmio_slots.h"
#include "stratovirt/memory/bus.h"
#include "stratovirt/virtio/balloon_device.h"
#include "stratovirt/virtio/mmio_transport.h"

namespace stratovirt::machine {

struct VirtioMmioHost {
  Bus* mmio = nullptr;
  const memory::GuestMemory* memory = nullptr;
  VirtioDeviceContext devices;
  // The IrqLine for a GSI (owned by the machine, lives as long as it).
  std::function<IrqLine*(uint32_t gsi)> irq_line;
  // The loop of -object iothread,id=<id>, or nullptr when there is none.
  std::function<EventLoop*(std::string_view id)> iothread;
  // Optional fast kick path: arrange that a 4-byte write of `queue` to `notify_addr` runs
  // `kick` on `loop` (KVM: ioeventfd with datamatch). Unset: kicks take the MMIO exit
  // path and run on the vCPU thread.
  std::function<Result<void>(uint64_t notify_addr, uint32_t queue, EventLoop& loop,
                             std::function<void()> kick)>
      bind_kick;
};

class VirtioMmioSet {
 public:
  struct Entry {
    std::string id;       // the -device id
    std::string driver;   // canonical driver name
    VirtioMmioSlot slot;
    std::shared_ptr<virtio::MmioTransport> transport;
  };

  explicit VirtioMmioSet(VirtioMmioHost host) : host_(std::move(host)) {}

  Result<void> realize(const config::VmConfig& cfg);

  const VirtioMmioSlots& slots() const { return slots_; }
  const std::vector<Entry>& entries() const { return entries_; }
  // The virtio-balloon device, if any (at most one); owned by its transport.
  virtio::BalloonControl* balloon() const { return balloon_; }

 private:
  Result<void> add(const config::DeviceConfig& dev);

  VirtioMmioHost host_;
  VirtioMmioSlots slots_;
  std::vector<Entry> entries_;
  virtio::BalloonControl* balloon_ = nullptr;
};

}  // namespace stratovirt::machine
