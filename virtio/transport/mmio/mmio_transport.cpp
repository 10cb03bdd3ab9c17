// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/mmio_transport.h"

#include <cstring>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

using namespace mmio_reg;  // NOLINT(google-build-using-namespace): register names only

MmioTransport::MmioTransport(std::string name, std::unique_ptr<VirtioDevice> device,
                             const memory::GuestMemory* mem, IrqLine* irq,
                             MmioTransportOptions options)
    : name_(std::move(name)), device_(std::move(device)), mem_(mem), options_(options),
      interrupt_(irq) {
  reset_locked();
}

uint64_t MmioTransport::offered_features() const {
  uint64_t f = device_->device_features();
  if (options_.packed_ring) {
    f |= feature_bit(kFeatureRingPacked);
  }
  return f;
}

std::function<void(uint32_t)> MmioTransport::notify_handler() {
  return [this](uint32_t queue) {
    if (activated() && !interrupt_.needs_reset() && queue < device_->num_queues()) {
      device_->queue_notify(queue);
    }
  };
}

uint32_t MmioTransport::status() const {
  std::lock_guard lock(mu_);
  return status_ | (interrupt_.needs_reset() ? kStatusNeedsReset : 0);
}

bool MmioTransport::activated() const {
  std::lock_guard lock(mu_);
  return activated_;
}

QueueConfig* MmioTransport::selected() {
  return queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr;
}

void MmioTransport::reset_locked() {
  if (activated_) {
    device_->reset();
  }
  activated_ = false;
  status_ = 0;
  device_features_sel_ = driver_features_sel_ = queue_sel_ = 0;
  driver_features_ = 0;
  interrupt_.clear();
  queues_.assign(device_->num_queues(), QueueConfig{});
  for (auto& q : queues_) {
    q.max_size = device_->queue_max_size();
    q.size = q.max_size;
  }
}

void MmioTransport::read(uint64_t offset, std::span<uint8_t> data) {
  if (offset >= kConfig) {
    std::lock_guard lock(mu_);
    device_->read_config(offset - kConfig, data);
    return;
  }
  std::memset(data.data(), 0, data.size());
  if (data.size() != 4 || offset % 4 != 0) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "{}: {}-byte register read at {:#x} ignored", name_, data.size(), offset);
    return;
  }
  uint32_t v = 0;
  {
    std::lock_guard lock(mu_);
    v = read_reg(offset);
  }
  std::memcpy(data.data(), &v, 4);
}

uint32_t MmioTransport::read_reg(uint64_t offset) {
  const QueueConfig* q = selected();
  switch (offset) {
    case kMagic: return kMmioMagic;
    case kVersion: return kMmioVersion;
    case kDeviceId: return device_->device_type();
    case kVendorId: return kMmioVendorId;
    case kDeviceFeatures:
      return device_features_sel_ < 2
                 ? static_cast<uint32_t>(offered_features() >> (32 * device_features_sel_))
                 : 0;
    case kQueueNumMax: return q != nullptr ? q->max_size : 0;
    case kQueueReady: return q != nullptr && q->ready ? 1 : 0;
    case kInterruptStatus: return interrupt_.status();
    case kStatus: return status_ | (interrupt_.needs_reset() ? kStatusNeedsReset : 0);
    case kConfigGeneration: return config_generation_;
    default: return 0;
  }
}

void MmioTransport::write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset >= kConfig) {
    std::lock_guard lock(mu_);
    device_->write_config(offset - kConfig, data);
    return;
  }
  if (data.size() != 4 || offset % 4 != 0) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "{}: {}-byte register write at {:#x} ignored", name_, data.size(), offset);
    return;
  }
  uint32_t v;
  std::memcpy(&v, data.data(), 4);
  if (offset == kQueueNotify) {
    notify_handler()(v);  // device runs with its own lock, not the transport's
    return;
  }
  std::lock_guard lock(mu_);
  write_reg(offset, v);
}

void MmioTransport::write_reg(uint64_t offset, uint32_t value) {
  QueueConfig* q = selected();
  // Queue registers may change only before DRIVER_OK (§4.2.3.2).
  bool queue_reg = offset == kQueueNum || offset == kQueueReady ||
                   (offset >= kQueueDescLow && offset <= kQueueDeviceHigh);
  if (queue_reg && (q == nullptr || (status_ & kStatusDriverOk) != 0)) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "{}: queue register {:#x} write with queue {} / status {:#x} ignored",
                       name_, offset, queue_sel_, status_);
    return;
  }
  auto set_low = [value](uint64_t& reg) { reg = (reg & 0xFFFF'FFFF'0000'0000ULL) | value; };
  auto set_high = [value](uint64_t& reg) { reg = (reg & 0xFFFF'FFFFULL) | (uint64_t{value} << 32); };
  switch (offset) {
    case kDeviceFeaturesSel: device_features_sel_ = value; break;
    case kDriverFeaturesSel: driver_features_sel_ = value; break;
    case kDriverFeatures:
      if ((status_ & kStatusFeaturesOk) != 0 || driver_features_sel_ >= 2) {
        break;  // features are frozen once FEATURES_OK is set
      }
      if (driver_features_sel_ == 0) {
        driver_features_ = (driver_features_ & 0xFFFF'FFFF'0000'0000ULL) | value;
      } else {
        driver_features_ = (driver_features_ & 0xFFFF'FFFFULL) | (uint64_t{value} << 32);
      }
      break;
    case kQueueSel: queue_sel_ = value; break;
    case kQueueNum: q->size = static_cast<uint16_t>(value > 0xFFFF ? 0 : value); break;
    case kQueueReady: q->ready = (value & 1) != 0; break;
    case kQueueDescLow: set_low(q->desc_table); break;
    case kQueueDescHigh: set_high(q->desc_table); break;
    case kQueueDriverLow: set_low(q->avail_ring); break;
    case kQueueDriverHigh: set_high(q->avail_ring); break;
    case kQueueDeviceLow: set_low(q->used_ring); break;
    case kQueueDeviceHigh: set_high(q->used_ring); break;
    case kInterruptAck: interrupt_.ack(value); break;
    case kStatus: write_status(value); break;
    default:
      SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                         "{}: write {:#x} to read-only/unknown register {:#x} ignored", name_,
                         value, offset);
  }
}

void MmioTransport::write_status(uint32_t value) {
  if (value == 0) {
    reset_locked();
    return;
  }
  uint32_t added = value & ~status_;
  if ((added & kStatusFeaturesOk) != 0) {
    uint64_t offered = offered_features();
    if ((driver_features_ & ~offered) != 0 || (driver_features_ & feature_bit(kFeatureVersion1)) == 0) {
      // Refuse: FEATURES_OK stays clear and the driver reads that back (§3.1.1 step 6).
      value &= ~kStatusFeaturesOk;
    }
  }
  status_ = value & ~kStatusNeedsReset;
  if ((added & kStatusDriverOk) != 0 && (status_ & kStatusFeaturesOk) != 0 && !activated_) {
    activate_locked();
  }
}

void MmioTransport::activate_locked() {
  bool event_idx = (driver_features_ & feature_bit(kFeatureEventIdx)) != 0;
  bool packed = (driver_features_ & feature_bit(kFeatureRingPacked)) != 0;
  std::vector<Virtqueue> running;
  for (size_t i = 0; i < queues_.size(); ++i) {
    auto q = queues_[i].activate(*mem_, event_idx, packed);
    if (!q) {
      SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn, "{}: queue {}: {}", name_,
                         i, q.error());
      interrupt_.mark_needs_reset();
      return;
    }
    running.push_back(std::move(*q));
  }
  auto r = device_->activate(*mem_, driver_features_, std::move(running), &interrupt_);
  if (!r) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn, "{}: activate: {}", name_,
                       r.error());
    interrupt_.mark_needs_reset();
    return;
  }
  activated_ = true;
  logger(kLoggerVirtio)
      ->info("{}: activated, {} queue(s), {} rings, features {:#x}", name_, queues_.size(),
             packed ? "packed" : "split", driver_features_);
}

}  // namespace stratovirt::virtio
