// SPDX-License-Identifier: MulanPSL-2.0
//
// BlockDevice: the virtio-blk device model (virtio 1.2 §5.2) over a block::RawFile.
//
// Offers VERSION_1, RING_INDIRECT_DESC, EVENT_IDX, SEG_MAX, BLK_SIZE, FLUSH, DISCARD and
// WRITE_ZEROES (when the drive allows discard), RO for read-only drives and MQ when
// num-queues > 1; config space: capacity, seg_max, blk_size, num_queues, discard and
// write-zeroes limits. Requests: IN, OUT, FLUSH, GET_ID (the serial), DISCARD, WRITE_ZEROES;
// others complete with UNSUPP, writes to a read-only drive with IOERR. Built from a
// DriveConfig and a virtio-blk DeviceConfig; owned by its MmioTransport.
// Threads: queue_notify() runs the data plane synchronously on the caller (vCPU thread or
// an ioeventfd handler), serialised by the device mutex. A malformed ring marks the
// device NEEDS_RESET (rate-limited warning); I/O errors become IOERR statuses.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stratovirt/base/clock.h"
#include "stratovirt/block/iops_throttle.h"
#include "stratovirt/block/raw_file.h"
#include "stratovirt/config/device_config.h"
#include "stratovirt/virtio/virtio_device.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

namespace blk {
inline constexpr unsigned kFeatureSegMax = 2, kFeatureRo = 5, kFeatureBlkSize = 6;
inline constexpr unsigned kFeatureFlush = 9, kFeatureMq = 12, kFeatureDiscard = 13;
inline constexpr unsigned kFeatureWriteZeroes = 14;
inline constexpr uint32_t kTypeIn = 0, kTypeOut = 1, kTypeFlush = 4, kTypeGetId = 8;
inline constexpr uint32_t kTypeDiscard = 11, kTypeWriteZeroes = 13;
inline constexpr uint8_t kStatusOk = 0, kStatusIoErr = 1, kStatusUnsupp = 2;
inline constexpr uint64_t kSectorSize = 512;
inline constexpr uint32_t kIdBytes = 20;
inline constexpr size_t kConfigSize = 60;
}  // namespace blk

class BlockDevice final : public VirtioDevice {
 public:
  // `clock` drives throttling.iops-total; it outlives the device.
  static Result<std::unique_ptr<BlockDevice>> create(const config::DriveConfig& drive,
                                                     const config::DeviceConfig& device,
                                                     const Clock& clock = real_clock());

  uint32_t device_type() const override { return kDeviceIdBlock; }
  uint64_t device_features() const override { return features_; }
  uint32_t num_queues() const override { return num_queues_; }
  uint16_t queue_max_size() const override { return queue_size_; }
  void read_config(uint64_t offset, std::span<uint8_t> data) override;
  void write_config(uint64_t offset, std::span<const uint8_t> data) override;
  Result<void> activate(const memory::GuestMemory& mem, uint64_t features,
                        std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) override;
  void queue_notify(uint32_t queue) override;
  void reset() override;

 private:
  BlockDevice(std::unique_ptr<block::RawFile> file, std::string id, std::string serial,
              uint32_t num_queues, uint16_t queue_size, std::optional<block::IopsThrottle> t);
  Result<void> process(SplitQueue& q);
  uint8_t handle(const DescriptorChain& chain, uint32_t& written);
  Result<uint8_t> execute(uint32_t type, uint64_t sector, ChainReader& in, ChainWriter& out,
                          uint32_t& written);
  Result<uint8_t> discard_or_zero(uint32_t type, ChainReader& in);

  std::unique_ptr<block::RawFile> file_;
  std::string id_;
  std::string serial_;
  uint32_t num_queues_;
  uint16_t queue_size_;
  uint64_t features_ = 0;
  std::array<uint8_t, blk::kConfigSize> config_{};
  std::mutex mu_;
  std::optional<block::IopsThrottle> throttle_;
  std::vector<SplitQueue> queues_;
  VirtioInterrupt* interrupt_ = nullptr;
};

}  // namespace stratovirt::virtio
