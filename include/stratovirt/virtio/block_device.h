// SPDX-License-Identifier: MulanPSL-2.0
//
// BlockDevice: the virtio-blk device model (virtio 1.2 §5.2) over a block::RawFile.
//
// Offers VERSION_1, RING_INDIRECT_DESC, EVENT_IDX, SEG_MAX, BLK_SIZE, FLUSH, DISCARD and
// WRITE_ZEROES (when the drive allows discard), RO for read-only drives and MQ when
// num-queues > 1; config space: capacity, seg_max, blk_size, num_queues, discard and
// write-zeroes limits (up to kMaxDiscardSegments segments per request). Requests: IN, OUT,
// FLUSH, GET_ID (the serial), DISCARD, WRITE_ZEROES; others complete with UNSUPP, writes to
// a read-only drive with IOERR. detect-zeroes=on|unmap turns an all-zero OUT into a
// write-zeroes (a punched hole with unmap on a discard=unmap drive). Built from a
// DriveConfig and a virtio-blk DeviceConfig; owned by its MmioTransport.
//
// Data plane. Every request goes through a block::IoEngine and completes from its
// completion handler: requests in flight are kept by cookie with their iovecs and O_DIRECT
// bounce buffers until the engine reports them; a FLUSH is held back until every write
// submitted before it has completed. Without attach_loop() (unit tests, a machine with no
// loop) the engine is synchronous and queue_notify() completes everything before it
// returns. With a loop, aio=io_uring|native uses io_uring (a thread pool, with one warning,
// where io_uring_setup fails), aio=threads a thread pool, aio=off the synchronous engine; the
// completion eventfd and the throttle timer live on the loop, and a kick from another
// thread (the MMIO exit path) is posted to the loop. A request over throttling.iops-total
// is held and resumed by a loop timer at the time the bucket refills (without a loop, by
// the next kick).
//
// Threads: transport calls (activate/reset/queue_notify) on vCPU threads, data-plane work
// on the loop thread; the device mutex serialises them. reset() and the destructor wait
// for the I/O in flight and drop its completions, so nothing is written into a reset
// queue. Destroy the device on its loop's thread or while that loop is not running.
// Failure: a malformed ring marks the device NEEDS_RESET (rate-limited warning) and stops
// its data plane until reset; I/O errors become IOERR statuses.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "stratovirt/base/clock.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/block/io_engine.h"
#include "stratovirt/block/iops_throttle.h"
#include "stratovirt/block/raw_file.h"
#include "stratovirt/config/backend_config.h"
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
// max_discard_seg and max_write_zeroes_seg.
inline constexpr uint32_t kMaxDiscardSegments = 32;
}  // namespace blk

class BlockDevice final : public VirtioDevice {
 public:
  // `clock` drives throttling.iops-total; it outlives the device and, with a loop attached,
  // is the loop's clock.
  static Result<std::unique_ptr<BlockDevice>> create(const config::DriveConfig& drive,
                                                     const config::DeviceConfig& device,
                                                     const Clock& clock = real_clock());
  ~BlockDevice() override;
  BlockDevice(const BlockDevice&) = delete;
  BlockDevice& operator=(const BlockDevice&) = delete;

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
  void attach_loop(EventLoop* loop) override;
  // attach_loop() with `engine` in place of the one aio= selects (tests inject an engine
  // that completes operations on demand, in any order).
  void attach_loop(EventLoop* loop, std::unique_ptr<block::IoEngine> engine);

  // What runs the I/O (after attach_loop); for tests and logs.
  enum class IoBackend { kSync, kThreadPool, kUring, kInjected };
  [[nodiscard]] IoBackend io_backend() const { return backend_; }

 private:
  struct Request;
  struct QueueState {
    uint32_t inflight = 0;
    bool stalled = false;                 // stopped popping at the in-flight limit
    bool throttled = false;               // waiting for the throttle timer
    bool used_pending = false;            // used elements pushed since the last notification check
    std::optional<DescriptorChain> held;  // popped, waiting for an iops token
  };

  BlockDevice(std::unique_ptr<block::RawFile> file, const config::DriveConfig& drive,
              std::string id, std::string serial, uint32_t num_queues, uint16_t queue_size,
              const Clock& clock, std::optional<block::IopsThrottle> t);

  void register_engine_locked(EventLoop* loop);
  void process_locked(uint32_t queue);
  Result<void> process_queue(uint32_t queue);
  void start(uint32_t queue, const DescriptorChain& chain);
  void start_rw(Request& req, uint64_t offset, bool write);
  void start_fallocate(Request& req);
  void submit_flush(Request& req);
  void enqueue(std::unique_ptr<Request> req);
  void finish(uint64_t id, uint8_t status);
  void on_completion(const block::IoCompletion& c);
  void reap_locked();
  void unplug_locked();
  void run_until_idle_locked();
  void drain_locked();
  void signal_used_locked();
  void release_flushes_locked();
  void arm_throttle_timer_locked();
  void fail_locked(uint32_t queue, const Error& e);

  std::unique_ptr<block::RawFile> file_;
  std::string id_;
  std::string serial_;
  uint32_t num_queues_;
  uint16_t queue_size_;
  config::AioMode aio_;
  config::DetectZeroes detect_zeroes_;
  bool discard_;
  const Clock& clock_;
  uint64_t features_ = 0;
  std::array<uint8_t, blk::kConfigSize> config_{};

  std::mutex mu_;
  std::optional<block::IopsThrottle> throttle_;
  std::unique_ptr<block::IoEngine> engine_;
  IoBackend backend_ = IoBackend::kSync;
  EventLoop* loop_ = nullptr;
  // Posted closures and timers hold a weak reference; they do nothing once it expired.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  uint64_t epoch_ = 0;  // bumped by reset(): earlier timers and kicks are stale
  bool timer_armed_ = false;
  EventLoop::TimerId timer_ = 0;
  bool broken_ = false;  // NEEDS_RESET set: no more processing until reset

  std::vector<SplitQueue> queues_;
  std::vector<QueueState> qstate_;
  VirtioInterrupt* interrupt_ = nullptr;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Request>> inflight_;
  std::set<uint64_t> writes_;           // ids of writes in flight (flush barrier)
  std::vector<uint64_t> held_flushes_;  // flush ids waiting for earlier writes, ascending
};

}  // namespace stratovirt::virtio
