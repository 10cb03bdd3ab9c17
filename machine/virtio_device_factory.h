// SPDX-License-Identifier: MulanPSL-2.0
//
// make_virtio_device: builds the device model behind one virtio-mmio `-device`.
//
// Maps a validated DeviceConfig (virtio-blk-device, virtio-rng-device,
// virtio-serial-device with its virtconsole/virtserialport children, ...) to a
// virtio::VirtioDevice, opening its host resources (image file, rng source, chardevs).
// Used by every machine that has virtio-mmio slots (MicroVm on KVM, the `-accel test`
// machine). Main thread, at realize time only.
// Failure: the open/lock error of the host resource (VirtioMmioSet adds "-device <id>");
// kNotSupported for a virtio-mmio driver that has no model yet, and for a balloon over
// hugepage-backed RAM.
#pragma once

#include <memory>

#include "stratovirt/base/clock.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/config/vm_config.h"
#include "stratovirt/virtio/virtio_device.h"

namespace stratovirt::machine {

struct VirtioDeviceContext {
  const config::VmConfig* vm = nullptr;  // for drive=, rng=, chardev= lookups
  EventLoop* main_loop = nullptr;        // chardev backends register here
  const Clock* clock = nullptr;          // rate limits (real clock, or the test clock)
  const memory::GuestMemory* memory = nullptr;  // guest RAM (virtio-balloon releases pages)
};

// True for the -device drivers that sit in a virtio-mmio window of their own.
// (virtconsole/virtserialport are children of virtio-serial-device: false.)
bool is_virtio_mmio_device(const config::DeviceConfig& dev);

Result<std::unique_ptr<virtio::VirtioDevice>> make_virtio_device(
    const config::DeviceConfig& dev, const VirtioDeviceContext& ctx);

}  // namespace stratovirt::machine
