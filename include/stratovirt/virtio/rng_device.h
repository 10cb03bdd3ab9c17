// SPDX-License-Identifier: MulanPSL-2.0
//
// RngDevice: the virtio entropy device (virtio 1.2 §5.4) fed from an rng-random object.
//
// One request queue; every chain's device-writable buffers are filled with bytes read from
// the object's file (opened once at create time, non-blocking: /dev/urandom, /dev/random,
// a FIFO). At most 64 KiB per request. `max-bytes`/`period` (guidebook §2.8) become a token
// bucket on the injected Clock holding one period's worth of bytes; when a request cannot
// be served (budget spent, or the source has nothing right now) the device keeps that one
// chain and arms a timer on its attached loop for the moment it can (the Linux driver
// kicks once per request and would otherwise wait forever). Without an attached loop the
// request waits for the next kick. Offers VERSION_1, RING_INDIRECT_DESC, EVENT_IDX; no
// config space.
// Owned by its MmioTransport. Threads: queue_notify() on the kicking thread (vCPU or the
// data-plane loop), timers on the attached loop; both take the device mutex, and timer
// closures hold only a weak reference, so a timer that fires after the device is gone
// does nothing. Failure: create() fails when the file cannot be opened; a chain without
// writable buffers or a broken ring marks the device NEEDS_RESET (rate-limited warning);
// read errors complete the request with the bytes read so far.
#pragma once

#include <chrono>
#include <memory>

#include "stratovirt/base/clock.h"
#include "stratovirt/config/backend_config.h"
#include "stratovirt/config/device_config.h"
#include "stratovirt/virtio/virtio_device.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

namespace rng {
inline constexpr uint32_t kMaxRequestBytes = 64 * 1024;  // per request, whatever its size
inline constexpr std::chrono::milliseconds kSourceRetry{10};  // source empty: retry after
}  // namespace rng

class RngDevice final : public VirtioDevice {
 public:
  // `device` must hold a VirtioRngDevice whose rng= names `source`. `clock` drives the rate
  // limit and outlives the device.
  static Result<std::unique_ptr<RngDevice>> create(const config::RngRandomObject& source,
                                                   const config::DeviceConfig& device,
                                                   const Clock& clock = real_clock());
  ~RngDevice() override;

  uint32_t device_type() const override { return kDeviceIdRng; }
  uint64_t device_features() const override;
  uint32_t num_queues() const override { return 1; }
  uint16_t queue_max_size() const override;
  void read_config(uint64_t offset, std::span<uint8_t> data) override;
  void write_config(uint64_t offset, std::span<const uint8_t> data) override;
  Result<void> activate(const memory::GuestMemory& mem, uint64_t features,
                        std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) override;
  void queue_notify(uint32_t queue) override;
  void reset() override;
  void attach_loop(EventLoop* loop) override;

  struct Core;  // the state timers reach through a weak reference (rng_device.cpp)

 private:
  explicit RngDevice(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

}  // namespace stratovirt::virtio
