// SPDX-License-Identifier: MulanPSL-2.0
//
// VirtioDevice and VirtioInterrupt: what a transport needs from a device model, and how
// the device signals back.
//
// A device (virtio 1.2 §5) states its type, features, queue count/limit and config space;
// the transport calls activate() once the driver sets DRIVER_OK with validated running
// queues, queue_notify() on a kick, and reset() when the driver writes status 0.
// VirtioInterrupt is owned by the transport and shared with the device's data plane:
// used-buffer and config-change interrupts (§4.2.2 InterruptStatus bits 0/1) go out through
// an IrqLine edge; mark_needs_reset() sets DEVICE_NEEDS_RESET (§2.1.2) and raises a
// config-change interrupt. Threads: VirtioInterrupt is thread-safe (atomics); VirtioDevice
// methods are called by the transport from vCPU threads, one at a time per device.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/devices/irq_line.h"
#include "stratovirt/memory/guest_memory.h"
#include "stratovirt/virtio/split_queue.h"

namespace stratovirt::virtio {

inline constexpr uint32_t kInterruptUsedBuffer = 1;
inline constexpr uint32_t kInterruptConfigChange = 2;

class VirtioInterrupt {
 public:
  explicit VirtioInterrupt(IrqLine* irq) : irq_(irq) {}
  void signal(uint32_t kind) {
    status_.fetch_or(kind);
    if (irq_ != nullptr) {
      irq_->trigger();
    }
  }
  void ack(uint32_t bits) { status_.fetch_and(~bits); }
  [[nodiscard]] uint32_t status() const { return status_.load(); }
  void mark_needs_reset() {
    needs_reset_.store(true);
    signal(kInterruptConfigChange);
  }
  [[nodiscard]] bool needs_reset() const { return needs_reset_.load(); }
  void clear() {
    status_.store(0);
    needs_reset_.store(false);
  }

 private:
  IrqLine* irq_;
  std::atomic<uint32_t> status_{0};
  std::atomic<bool> needs_reset_{false};
};

class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;
  [[nodiscard]] virtual uint32_t device_type() const = 0;
  [[nodiscard]] virtual uint64_t device_features() const = 0;
  [[nodiscard]] virtual uint32_t num_queues() const = 0;
  [[nodiscard]] virtual uint16_t queue_max_size() const = 0;
  virtual void read_config(uint64_t offset, std::span<uint8_t> data) = 0;
  virtual void write_config(uint64_t offset, std::span<const uint8_t> data) = 0;
  // `queues` are validated and running; `features` is what the driver accepted.
  virtual Result<void> activate(const memory::GuestMemory& mem, uint64_t features,
                                std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) = 0;
  virtual void queue_notify(uint32_t queue) = 0;
  virtual void reset() = 0;
  // The loop that runs this device's data plane (the main loop or its iothread's): queue
  // kicks arrive there when the machine binds ioeventfds, and the device may register its
  // own fds (I/O completions, backend input) and timers on it. Called once, before the
  // first activate(); `loop` outlives the device. Devices that need no loop ignore it.
  virtual void attach_loop(EventLoop* loop) { (void)loop; }
};

}  // namespace stratovirt::virtio
