// SPDX-License-Identifier: MulanPSL-2.0
//
// MmioTransport: virtio-mmio version 2 (modern) register window for one device.
//
// Models the register layout of virtio 1.2 §4.2.2 (magic, version, ids, 32-bit feature
// windows, per-queue size/ready/addresses, notify, interrupt status/ack, status with
// FEATURES_OK negotiation, config generation, device config at 0x100). A BusDevice placed
// on the MMIO bus by the machine (inventory §4.1: 512-byte windows). On DRIVER_OK the
// queues are validated (QueueConfig::activate) and handed to the device; a bad queue or a
// device activation failure sets DEVICE_NEEDS_RESET plus a config interrupt instead of
// failing. VIRTIO_F_RING_PACKED is offered on top of the device's features when the
// machine asks for it (MmioTransportOptions::packed_ring); the queues then run packed
// (§2.8). Writing status 0 resets device and transport. notify_handler() lets the machine
// bind an ioeventfd to QueueNotify. Threads: read()/write() on vCPU threads under the
// transport mutex; queue_notify is forwarded outside it. Bad accesses are ignored and
// logged rate-limited.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "stratovirt/memory/bus.h"
#include "stratovirt/virtio/virtio_device.h"

namespace stratovirt::virtio {

inline constexpr uint64_t kMmioWindowSize = 0x200;
inline constexpr uint32_t kMmioMagic = 0x74726976;  // "virt"
inline constexpr uint32_t kMmioVersion = 2;
inline constexpr uint32_t kMmioVendorId = 0x4d564b4c;  // vendor chosen for this VMM

namespace mmio_reg {
inline constexpr uint64_t kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008, kVendorId = 0x00c;
inline constexpr uint64_t kDeviceFeatures = 0x010, kDeviceFeaturesSel = 0x014;
inline constexpr uint64_t kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024;
inline constexpr uint64_t kQueueSel = 0x030, kQueueNumMax = 0x034, kQueueNum = 0x038;
inline constexpr uint64_t kQueueReady = 0x044, kQueueNotify = 0x050;
inline constexpr uint64_t kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070;
inline constexpr uint64_t kQueueDescLow = 0x080, kQueueDescHigh = 0x084;
inline constexpr uint64_t kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094;
inline constexpr uint64_t kQueueDeviceLow = 0x0a0, kQueueDeviceHigh = 0x0a4;
inline constexpr uint64_t kConfigGeneration = 0x0fc, kConfig = 0x100;
}  // namespace mmio_reg

struct MmioTransportOptions {
  // Offer VIRTIO_F_RING_PACKED for the device. Off unless the machine asks: a driver that
  // accepts every offered feature must then lay out packed rings.
  bool packed_ring = false;
};

class MmioTransport final : public BusDevice {
 public:
  // `mem` and `irq` outlive the transport (both owned by the machine).
  MmioTransport(std::string name, std::unique_ptr<VirtioDevice> device,
                const memory::GuestMemory* mem, IrqLine* irq, MmioTransportOptions options = {});

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;
  std::string_view name() const override { return name_; }

  // What a QueueNotify write does; the machine binds an ioeventfd on it instead.
  std::function<void(uint32_t queue)> notify_handler();
  VirtioInterrupt& interrupt() { return interrupt_; }
  [[nodiscard]] uint32_t status() const;
  [[nodiscard]] bool activated() const;

 private:
  uint32_t read_reg(uint64_t offset);
  // Returns the queue to notify (or -1) so the device runs outside the lock.
  void write_reg(uint64_t offset, uint32_t value);
  void write_status(uint32_t value);
  void activate_locked();
  void reset_locked();
  QueueConfig* selected();
  // The device's features plus what the transport adds (RING_PACKED when enabled).
  [[nodiscard]] uint64_t offered_features() const;

  std::string name_;
  std::unique_ptr<VirtioDevice> device_;
  const memory::GuestMemory* mem_;
  MmioTransportOptions options_;
  VirtioInterrupt interrupt_;
  mutable std::mutex mu_;
  uint32_t status_ = 0;
  uint32_t device_features_sel_ = 0;
  uint32_t driver_features_sel_ = 0;
  uint64_t driver_features_ = 0;
  uint32_t queue_sel_ = 0;
  uint32_t config_generation_ = 0;
  bool activated_ = false;
  std::vector<QueueConfig> queues_;
};

}  // namespace stratovirt::virtio
