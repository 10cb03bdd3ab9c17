// SPDX-License-Identifier: MulanPSL-2.0
//
// BalloonDevice: the traditional virtio memory balloon (virtio 1.2 §5.5), driven by the host.
//
// Queues: inflateq (0) and deflateq (1) carry arrays of le32 4 KiB page frame numbers; with
// free-page-reporting=on a reporting_vq (2) carries guest-physical ranges the guest reports
// free. Inflated and reported pages are given back to the host at once: MADV_DONTNEED on
// private mappings (they read back as zero, or as the file for a private file mapping),
// MADV_REMOVE on shared ones (the backing pages are freed; DONTNEED when the file system
// cannot punch). Deflated pages need nothing: the next guest access faults them back in.
// Features: VERSION_1, DEFLATE_ON_OOM (deflate-on-oom=on), PAGE_REPORTING
// (free-page-reporting=on); no stats queue, no free page hinting, no page poison.
// Config (§5.5.4): num_pages (the host's target, set with set_target_bytes()) and actual
// (written by the driver; every change is reported to the actual listener).
// BalloonControl is what the machine and QMP see: the guest's current memory in QEMU's
// sense (RAM minus the balloon) and the target.
// Owned by its MmioTransport (the machine keeps a BalloonControl pointer while the
// transport lives). Threads: config reads/writes on vCPU threads, queue kicks on the
// data-plane loop (or a vCPU thread), BalloonControl calls on the main loop; one device
// mutex. The actual listener runs on the thread that wrote the config, outside the mutex.
// Failure: create() refuses hugepage-backed RAM (4 KiB pages cannot be released from it).
// A PFN outside guest RAM is skipped with a rate-limited warning; a request that is not a
// whole number of PFNs, a reporting buffer outside RAM or a broken ring marks the device
// NEEDS_RESET (rate-limited warning). madvise failures are logged (rate-limited) and the
// page stays with the guest's VMM memory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "stratovirt/config/device_config.h"
#include "stratovirt/virtio/virtio_device.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

namespace balloon {
inline constexpr uint32_t kDeviceId = 5;
// §5.5.3 feature bits.
inline constexpr unsigned kFeatureMustTellHost = 0;
inline constexpr unsigned kFeatureStatsVq = 1;
inline constexpr unsigned kFeatureDeflateOnOom = 2;
inline constexpr unsigned kFeatureFreePageHint = 3;
inline constexpr unsigned kFeaturePagePoison = 4;
inline constexpr unsigned kFeatureReporting = 5;
// §5.5.6: balloon page frame numbers count 4 KiB pages whatever the guest's page size.
inline constexpr uint64_t kPageShift = 12;
inline constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;
// Queue indices (§5.5.2; statsq and free_page_vq are never offered, so reporting is 2).
inline constexpr uint32_t kInflateQueue = 0;
inline constexpr uint32_t kDeflateQueue = 1;
inline constexpr uint32_t kReportingQueue = 2;
// Config layout (§5.5.4).
inline constexpr uint64_t kConfigNumPages = 0;
inline constexpr uint64_t kConfigActual = 4;
inline constexpr uint64_t kConfigSize = 8;
}  // namespace balloon

// The host's handle on a balloon. Main loop thread.
class BalloonControl {
 public:
  virtual ~BalloonControl() = default;
  // Guest RAM in bytes.
  [[nodiscard]] virtual uint64_t ram_bytes() const = 0;
  // The guest's memory now: RAM minus the pages in the balloon (QMP query-balloon "actual").
  [[nodiscard]] virtual uint64_t actual_bytes() const = 0;
  // Asks the guest to shrink to (or grow back to) `bytes` of memory: num_pages =
  // (RAM - bytes) / 4 KiB, then a config-change interrupt when the driver is up.
  // kInvalidArgument when bytes is 0 or above RAM.
  virtual Result<void> set_target_bytes(uint64_t bytes) = 0;
  // Called with actual_bytes() whenever the driver changes `actual` (on the writer's
  // thread: post to your own loop). Empty to unset.
  virtual void set_actual_listener(std::function<void(uint64_t actual_bytes)> listener) = 0;
};

class BalloonDevice final : public VirtioDevice, public BalloonControl {
 public:
  // `device` must hold a VirtioBalloonDevice. `mem` is the guest RAM the PFNs index (it
  // outlives the device). `hugepage_backed`: RAM comes from hugetlbfs (refused).
  static Result<std::unique_ptr<BalloonDevice>> create(const config::DeviceConfig& device,
                                                       const memory::GuestMemory& mem,
                                                       bool hugepage_backed = false);
  ~BalloonDevice() override;

  uint32_t device_type() const override { return balloon::kDeviceId; }
  uint64_t device_features() const override;
  uint32_t num_queues() const override;
  uint16_t queue_max_size() const override;
  void read_config(uint64_t offset, std::span<uint8_t> data) override;
  void write_config(uint64_t offset, std::span<const uint8_t> data) override;
  Result<void> activate(const memory::GuestMemory& mem, uint64_t features,
                        std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) override;
  void queue_notify(uint32_t queue) override;
  void reset() override;

  uint64_t ram_bytes() const override;
  uint64_t actual_bytes() const override;
  Result<void> set_target_bytes(uint64_t bytes) override;
  void set_actual_listener(std::function<void(uint64_t actual_bytes)> listener) override;

  // Pages handed back to the host so far (inflated or reported), for tests and logs.
  [[nodiscard]] uint64_t released_pages() const;

  struct State;  // balloon_device.cpp

 private:
  explicit BalloonDevice(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace stratovirt::virtio
