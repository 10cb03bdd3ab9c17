// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/block_device.h"

#include <algorithm>
#include <cstring>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

using namespace blk;  // NOLINT(google-build-using-namespace): spec constants only

namespace {

struct RequestHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};
struct DiscardSegment {
  uint64_t sector;
  uint32_t num_sectors;
  uint32_t flags;  // bit 0: unmap (write-zeroes)
};

constexpr uint32_t kSegMax = 126;  // queue size minus header and status, Linux's default cap
constexpr uint32_t kMaxDiscardSectors = 1U << 22;

template <typename T>
void put(std::array<uint8_t, kConfigSize>& c, size_t off, T v) {
  std::memcpy(c.data() + off, &v, sizeof(T));
}

}  // namespace

BlockDevice::BlockDevice(std::unique_ptr<block::RawFile> file, std::string id, std::string serial,
                         uint32_t num_queues, uint16_t queue_size,
                         std::optional<block::IopsThrottle> t)
    : file_(std::move(file)), id_(std::move(id)), serial_(std::move(serial)),
      num_queues_(num_queues), queue_size_(queue_size), throttle_(std::move(t)) {}

Result<std::unique_ptr<BlockDevice>> BlockDevice::create(const config::DriveConfig& drive,
                                                         const config::DeviceConfig& device,
                                                         const Clock& clock) {
  const auto* spec = std::get_if<config::VirtioBlkDevice>(&device.spec);
  if (spec == nullptr) {
    return errorf(ErrorCode::kInvalidArgument, "device {}: not a virtio-blk device", device.id);
  }
  SV_ASSIGN_OR_RETURN(auto file, block::RawFile::open(drive));
  std::optional<block::IopsThrottle> throttle;
  if (drive.iops_total) {
    throttle.emplace(*drive.iops_total, clock);
  }
  uint32_t nq = spec->num_queues.value_or(1);
  std::unique_ptr<BlockDevice> dev(new BlockDevice(std::move(file), device.id,
                                                   spec->serial.value_or(""), nq,
                                                   spec->queue_size, std::move(throttle)));
  uint64_t f = feature_bit(kFeatureVersion1) | feature_bit(kFeatureIndirectDesc) |
               feature_bit(kFeatureEventIdx) | feature_bit(kFeatureSegMax) |
               feature_bit(kFeatureBlkSize) | feature_bit(kFeatureFlush);
  if (drive.readonly) f |= feature_bit(kFeatureRo);
  if (drive.discard && !drive.readonly) {
    f |= feature_bit(kFeatureDiscard) | feature_bit(kFeatureWriteZeroes);
  }
  if (nq > 1) f |= feature_bit(kFeatureMq);
  dev->features_ = f;
  auto& c = dev->config_;
  put<uint64_t>(c, 0, dev->file_->size() / kSectorSize);           // capacity
  put<uint32_t>(c, 12, std::min<uint32_t>(kSegMax, spec->queue_size - 2));  // seg_max
  put<uint32_t>(c, 20, kSectorSize);                               // blk_size
  put<uint16_t>(c, 34, static_cast<uint16_t>(nq));                 // num_queues
  put<uint32_t>(c, 36, kMaxDiscardSectors);                        // max_discard_sectors
  put<uint32_t>(c, 40, 1);                                         // max_discard_seg
  put<uint32_t>(c, 44, 1);                                         // discard_sector_alignment
  put<uint32_t>(c, 48, kMaxDiscardSectors);                        // max_write_zeroes_sectors
  put<uint32_t>(c, 52, 1);                                         // max_write_zeroes_seg
  put<uint8_t>(c, 56, 1);                                          // write_zeroes_may_unmap
  return dev;
}

void BlockDevice::read_config(uint64_t offset, std::span<uint8_t> data) {
  std::memset(data.data(), 0, data.size());
  if (offset < config_.size()) {
    size_t n = std::min<size_t>(data.size(), config_.size() - offset);
    std::memcpy(data.data(), config_.data() + offset, n);
  }
}

void BlockDevice::write_config(uint64_t offset, std::span<const uint8_t>) {
  SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                     "virtio-blk {}: config write at {:#x} ignored", id_, offset);
}

Result<void> BlockDevice::activate(const memory::GuestMemory&, uint64_t,
                                   std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) {
  std::lock_guard lock(mu_);
  queues_ = std::move(queues);
  interrupt_ = interrupt;
  return ok();
}

void BlockDevice::reset() {
  std::lock_guard lock(mu_);
  queues_.clear();
  interrupt_ = nullptr;
}

void BlockDevice::queue_notify(uint32_t queue) {
  std::lock_guard lock(mu_);
  if (queue >= queues_.size() || interrupt_ == nullptr) {
    return;
  }
  auto r = process(queues_[queue]);
  if (!r) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-blk {}: queue {}: {}; device needs reset", id_, queue, r.error());
    interrupt_->mark_needs_reset();
  }
}

Result<void> BlockDevice::process(SplitQueue& q) {
  bool completed = false;
  while (true) {
    // Throttled requests stay in the ring; the next kick (or the data plane's timer at
    // throttle_->next_ready() once one is wired) picks them up.
    if (throttle_ && !throttle_->try_acquire()) {
      break;
    }
    SV_ASSIGN_OR_RETURN(auto chain, q.pop());
    if (!chain) {
      break;
    }
    uint32_t written = 0;
    uint8_t status = handle(*chain, written);
    if (status == 0xFF) {
      return errorf(ErrorCode::kGuest, "request {} has no status byte", chain->head());
    }
    SV_RETURN_IF_ERROR(q.push_used(chain->head(), written));
    completed = true;
  }
  if (completed) {
    SV_ASSIGN_OR_RETURN(bool notify, q.needs_notification());
    if (notify) {
      interrupt_->signal(kInterruptUsedBuffer);
    }
  }
  return ok();
}

// Returns the status written (0xFF: no room for one, a malformed request).
uint8_t BlockDevice::handle(const DescriptorChain& chain, uint32_t& written) {
  if (chain.writable_bytes() < 1) {
    return 0xFF;
  }
  ChainReader in(chain);
  ChainWriter out(chain);
  uint8_t status = kStatusIoErr;
  auto hdr = in.read_obj<RequestHeader>();
  if (hdr) {
    auto r = execute(hdr->type, hdr->sector, in, out, written);
    if (r) {
      status = *r;
    } else {
      SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                         "virtio-blk {}: request type {} sector {}: {}", id_, hdr->type,
                         hdr->sector, r.error());
    }
  }
  // The status byte is the last writable byte.
  if (out.remaining() == 0) {
    return 0xFF;
  }
  if (!out.skip(out.remaining() - 1) || !out.write_obj(status)) {
    return 0xFF;
  }
  written += 1;
  return status;
}

Result<uint8_t> BlockDevice::execute(uint32_t type, uint64_t sector, ChainReader& in,
                                     ChainWriter& out, uint32_t& written) {
  if (sector > (UINT64_MAX >> 9)) {
    return errorf(ErrorCode::kGuest, "sector {} out of range", sector);
  }
  uint64_t offset = sector * kSectorSize;
  switch (type) {
    case kTypeIn: {
      uint64_t len = out.remaining() - 1;
      SV_ASSIGN_OR_RETURN(auto iov, out.take_iovecs(len));
      SV_RETURN_IF_ERROR(file_->preadv(iov, offset));
      written = static_cast<uint32_t>(len);
      return kStatusOk;
    }
    case kTypeOut: {
      if (file_->readonly()) {
        return kStatusIoErr;
      }
      SV_ASSIGN_OR_RETURN(auto iov, in.take_iovecs(in.remaining()));
      SV_RETURN_IF_ERROR(file_->pwritev(iov, offset));
      return kStatusOk;
    }
    case kTypeFlush:
      if (!file_->readonly()) {
        SV_RETURN_IF_ERROR(file_->flush());
      }
      return kStatusOk;
    case kTypeGetId: {
      std::array<uint8_t, kIdBytes> id{};
      std::memcpy(id.data(), serial_.data(), std::min<size_t>(serial_.size(), kIdBytes));
      uint64_t n = std::min<uint64_t>(kIdBytes, out.remaining() - 1);
      SV_RETURN_IF_ERROR(out.write(std::span<const uint8_t>(id.data(), n)));
      written = static_cast<uint32_t>(n);
      return kStatusOk;
    }
    case kTypeDiscard:
    case kTypeWriteZeroes:
      if ((features_ & feature_bit(type == kTypeDiscard ? kFeatureDiscard : kFeatureWriteZeroes)) == 0) {
        return file_->readonly() ? kStatusIoErr : kStatusUnsupp;
      }
      return discard_or_zero(type, in);
    default:
      return kStatusUnsupp;
  }
}

Result<uint8_t> BlockDevice::discard_or_zero(uint32_t type, ChainReader& in) {
  SV_ASSIGN_OR_RETURN(auto seg, in.read_obj<DiscardSegment>());
  if (seg.num_sectors > kMaxDiscardSectors || seg.sector > (UINT64_MAX >> 9)) {
    return kStatusIoErr;
  }
  uint64_t off = seg.sector * kSectorSize;
  uint64_t len = uint64_t{seg.num_sectors} * kSectorSize;
  if (type == kTypeDiscard) {
    SV_RETURN_IF_ERROR(file_->discard(off, len));
  } else {
    SV_RETURN_IF_ERROR(file_->write_zeroes(off, len, (seg.flags & 1) != 0));
  }
  return kStatusOk;
}

}  // namespace stratovirt::virtio
