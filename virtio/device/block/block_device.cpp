// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/block_device.h"

#include <linux/falloc.h>
#include <poll.h>
#include <sys/epoll.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"
#include "stratovirt/virtio/virtio_spec.h"
#include "virtio/device/block/block_request.h"

namespace stratovirt::virtio {

using namespace blk;  // NOLINT(google-build-using-namespace): spec constants only

namespace {

constexpr uint32_t kSegMax = 126;  // queue size minus header and status, Linux's default cap
// A cookie is (request id << kOpBits) | operation index within the request.
constexpr unsigned kOpBits = 6;
static_assert(kMaxDiscardSegments <= (1U << kOpBits));
constexpr uint32_t kUringMaxEntries = 1024;
constexpr unsigned kPoolThreads = 4;  // aio=threads workers per device

template <typename T>
void put(std::array<uint8_t, kConfigSize>& c, size_t off, T v) {
  std::memcpy(c.data() + off, &v, sizeof(T));
}

uint64_t cookie(uint64_t id, uint32_t op) {
  return (id << kOpBits) | op;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

// One request between pop() and push_used().
struct BlockDevice::Request {
  enum class Kind { kNone, kRw, kFlush, kFallocate };

  uint64_t id = 0;
  uint32_t queue = 0;
  uint16_t head = 0;
  uint32_t type = 0;
  Kind kind = Kind::kNone;
  uint8_t* status = nullptr;  // host address of the chain's last writable byte
  uint32_t used_len = 0;      // bytes written to the guest on success, without the status
  uint8_t result = kStatusOk;
  uint32_t pending = 0;  // engine operations not yet completed
  bool write = false;    // holds back later flushes until it completes
  // kRw: the vector given to the engine (advanced after short transfers), where it starts,
  // and how many bytes must transfer; with an O_DIRECT bounce, the guest's vector and where
  // its data starts in the buffer.
  block::IoOp op = block::IoOp::kRead;
  std::vector<iovec> iov;
  uint64_t offset = 0;
  uint64_t need = 0;
  uint64_t done = 0;
  std::vector<iovec> guest;
  std::unique_ptr<uint8_t, FreeDeleter> bounce;
  uint64_t bounce_skip = 0;
  // kFallocate: one operation per range.
  std::vector<FallocRange> ranges;
};

BlockDevice::BlockDevice(std::unique_ptr<block::RawFile> file, const config::DriveConfig& drive,
                         std::string id, std::string serial, uint32_t num_queues,
                         uint16_t queue_size, const Clock& clock,
                         std::optional<block::IopsThrottle> t)
    : file_(std::move(file)),
      id_(std::move(id)),
      serial_(std::move(serial)),
      num_queues_(num_queues),
      queue_size_(queue_size),
      aio_(drive.aio),
      detect_zeroes_(drive.detect_zeroes),
      discard_(drive.discard && !drive.readonly),
      clock_(clock),
      throttle_(std::move(t)) {}

Result<std::unique_ptr<BlockDevice>> BlockDevice::create(const config::DriveConfig& drive,
                                                         const config::DeviceConfig& device,
                                                         const Clock& clock) {
  const auto* spec = std::get_if<config::VirtioBlkDevice>(&device.spec);
  if (spec == nullptr) {
    return errorf(ErrorCode::kInvalidArgument, "device {}: not a virtio-blk device", device.id);
  }
  SV_ASSIGN_OR_RETURN(auto file, block::RawFile::open(drive));
  SV_ASSIGN_OR_RETURN(auto engine, block::make_sync_engine());
  std::optional<block::IopsThrottle> throttle;
  if (drive.iops_total) {
    throttle.emplace(*drive.iops_total, clock);
  }
  uint32_t nq = spec->num_queues.value_or(1);
  std::unique_ptr<BlockDevice> dev(new BlockDevice(std::move(file), drive, device.id,
                                                   spec->serial.value_or(""), nq, spec->queue_size,
                                                   clock, std::move(throttle)));
  dev->engine_ = std::move(engine);
  uint64_t f = feature_bit(kFeatureVersion1) | feature_bit(kFeatureIndirectDesc) |
               feature_bit(kFeatureEventIdx) | feature_bit(kFeatureSegMax) |
               feature_bit(kFeatureBlkSize) | feature_bit(kFeatureFlush);
  if (drive.readonly) f |= feature_bit(kFeatureRo);
  if (dev->discard_) {
    f |= feature_bit(kFeatureDiscard) | feature_bit(kFeatureWriteZeroes);
  }
  if (nq > 1) f |= feature_bit(kFeatureMq);
  dev->features_ = f;
  auto& c = dev->config_;
  put<uint64_t>(c, 0, dev->file_->size() / kSectorSize);                    // capacity
  put<uint32_t>(c, 12, std::min<uint32_t>(kSegMax, spec->queue_size - 2));  // seg_max
  put<uint32_t>(c, 20, kSectorSize);                                        // blk_size
  put<uint16_t>(c, 34, static_cast<uint16_t>(nq));                          // num_queues
  put<uint32_t>(c, 36, kMaxDiscardSectors);                                 // max_discard_sectors
  put<uint32_t>(c, 40, kMaxDiscardSegments);                                // max_discard_seg
  put<uint32_t>(c, 44, 1);                    // discard_sector_alignment
  put<uint32_t>(c, 48, kMaxDiscardSectors);   // max_write_zeroes_sectors
  put<uint32_t>(c, 52, kMaxDiscardSegments);  // max_write_zeroes_seg
  put<uint8_t>(c, 56, 1);                     // write_zeroes_may_unmap
  return dev;
}

BlockDevice::~BlockDevice() {
  alive_.reset();
  std::lock_guard lock(mu_);
  drain_locked();
  if (loop_ != nullptr) {
    loop_->remove_fd(engine_->event_fd());
    if (timer_armed_) loop_->cancel_timer(timer_);
  }
}

void BlockDevice::attach_loop(EventLoop* loop) {
  if (loop == nullptr) {
    return;
  }
  std::lock_guard lock(mu_);
  bool want_uring = aio_ == config::AioMode::kNative || aio_ == config::AioMode::kIoUring;
  if (want_uring) {
    uint32_t want = std::bit_ceil(std::max<uint32_t>(num_queues_ * queue_size_, 16));
    auto uring = block::make_uring_engine(std::min(want, kUringMaxEntries));
    if (uring) {
      engine_ = std::move(*uring);
      backend_ = IoBackend::kUring;
    } else {
      logger(kLoggerBlock)
          ->warn("virtio-blk {}: io_uring unavailable ({}); using a thread pool", id_,
                 uring.error());
    }
  }
  if (aio_ == config::AioMode::kThreads || (want_uring && backend_ != IoBackend::kUring)) {
    auto pool = block::make_thread_pool_engine(kPoolThreads);
    if (pool) {
      engine_ = std::move(*pool);
      backend_ = IoBackend::kThreadPool;
    } else {
      logger(kLoggerBlock)
          ->warn("virtio-blk {}: I/O threads: {}; using synchronous I/O", id_, pool.error());
    }
  }
  register_engine_locked(loop);
}

void BlockDevice::attach_loop(EventLoop* loop, std::unique_ptr<block::IoEngine> engine) {
  if (loop == nullptr || !engine) {
    return;
  }
  std::lock_guard lock(mu_);
  engine_ = std::move(engine);
  backend_ = IoBackend::kInjected;
  register_engine_locked(loop);
}

void BlockDevice::register_engine_locked(EventLoop* loop) {
  loop_ = loop;
  // Registration runs on the loop thread, which may already be running (an iothread).
  std::weak_ptr<int> alive = alive_;
  int fd = engine_->event_fd();
  loop->post([this, alive, fd] {
    if (alive.expired()) return;
    auto r = loop_->add_fd(fd, EPOLLIN, [this](uint32_t) {
      std::lock_guard l(mu_);
      reap_locked();
    });
    if (!r) {
      logger(kLoggerBlock)->error("virtio-blk {}: completion fd: {}", id_, r.error());
    }
  });
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
  drain_locked();
  ++epoch_;
  timer_armed_ = false;
  queues_ = std::move(queues);
  qstate_.assign(queues_.size(), QueueState{});
  interrupt_ = interrupt;
  broken_ = false;
  return ok();
}

void BlockDevice::reset() {
  std::lock_guard lock(mu_);
  drain_locked();
  ++epoch_;
  timer_armed_ = false;
  queues_.clear();
  qstate_.clear();
  interrupt_ = nullptr;
  broken_ = false;
}

void BlockDevice::queue_notify(uint32_t queue) {
  if (loop_ != nullptr && !loop_->in_loop_thread()) {
    std::weak_ptr<int> alive = alive_;
    loop_->post([this, alive, queue] {
      if (alive.expired()) return;
      std::lock_guard lock(mu_);
      engine_->plug();
      process_locked(queue);
      unplug_locked();
      signal_used_locked();
    });
    return;
  }
  std::lock_guard lock(mu_);
  engine_->plug();
  process_locked(queue);
  unplug_locked();
  if (loop_ == nullptr) {
    run_until_idle_locked();
  }
  signal_used_locked();
}

void BlockDevice::fail_locked(uint32_t queue, const Error& e) {
  SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                     "virtio-blk {}: queue {}: {}; device needs reset", id_, queue, e);
  broken_ = true;
  if (interrupt_ != nullptr) {
    interrupt_->mark_needs_reset();
  }
}

void BlockDevice::process_locked(uint32_t queue) {
  if (broken_ || queue >= queues_.size() || interrupt_ == nullptr) {
    return;
  }
  auto r = process_queue(queue);
  if (!r) {
    fail_locked(queue, r.error());
  }
}

Result<void> BlockDevice::process_queue(uint32_t queue) {
  QueueState& s = qstate_[queue];
  if (s.throttled) {
    return ok();  // the throttle timer resumes this queue
  }
  while (!broken_) {
    if (s.inflight >= queues_[queue].size()) {
      s.stalled = true;  // a completion resumes this queue
      break;
    }
    std::optional<DescriptorChain> chain;
    if (s.held) {
      chain = std::move(s.held);
      s.held.reset();
    } else {
      auto popped = queues_[queue].pop();
      if (!popped) {
        return std::unexpected(std::move(popped).error());
      }
      chain = std::move(*popped);
      if (!chain) {
        break;
      }
    }
    if (throttle_ && !throttle_->try_acquire()) {
      s.held = std::move(chain);
      if (loop_ != nullptr) {
        s.throttled = true;
        arm_throttle_timer_locked();
      }
      break;
    }
    if (chain->writable_bytes() < 1) {
      return errorf(ErrorCode::kGuest, "request {} has no status byte", chain->head());
    }
    start(queue, *chain);
  }
  return ok();
}

void BlockDevice::arm_throttle_timer_locked() {
  if (timer_armed_) {
    return;
  }
  auto delay = std::max(std::chrono::nanoseconds{0}, throttle_->next_ready() - clock_.now());
  timer_armed_ = true;
  std::weak_ptr<int> alive = alive_;
  uint64_t epoch = epoch_;
  timer_ = loop_->add_timer(delay, [this, alive, epoch] {
    if (alive.expired()) return;
    std::lock_guard lock(mu_);
    if (epoch != epoch_) return;
    timer_armed_ = false;
    engine_->plug();
    for (uint32_t q = 0; q < qstate_.size(); ++q) {
      if (qstate_[q].throttled) {
        qstate_[q].throttled = false;
        process_locked(q);
      }
    }
    unplug_locked();
    signal_used_locked();
  });
}

// Parses one chain (status byte known to exist) and starts it; simple requests complete here.
void BlockDevice::start(uint32_t queue, const DescriptorChain& chain) {
  auto owned = std::make_unique<Request>();
  Request& req = *owned;
  req.id = next_id_++;
  req.queue = queue;
  req.head = chain.head();
  ChainWriter status_at(chain);
  if (auto s = status_at.skip(status_at.remaining() - 1); s) {
    auto v = status_at.take_iovecs(1);
    if (v && !v->empty()) req.status = static_cast<uint8_t*>((*v)[0].iov_base);
  }
  enqueue(std::move(owned));
  ChainReader in(chain);
  ChainWriter out(chain);
  uint64_t out_len = out.remaining() - 1;
  auto hdr = in.read_obj<RequestHeader>();
  if (!hdr) {
    finish(req.id, kStatusIoErr);
    return;
  }
  req.type = hdr->type;
  if (hdr->sector > (UINT64_MAX >> 9)) {
    finish(req.id, kStatusIoErr);
    return;
  }
  uint64_t offset = hdr->sector * kSectorSize;
  switch (hdr->type) {
    case kTypeIn: {
      auto iov = out.take_iovecs(out_len);
      if (!iov) {
        finish(req.id, kStatusIoErr);
        return;
      }
      req.iov = std::move(*iov);
      req.used_len = static_cast<uint32_t>(out_len);
      start_rw(req, offset, false);
      return;
    }
    case kTypeOut: {
      if (file_->readonly()) {
        finish(req.id, kStatusIoErr);
        return;
      }
      auto iov = in.take_iovecs(in.remaining());
      if (!iov) {
        finish(req.id, kStatusIoErr);
        return;
      }
      req.iov = std::move(*iov);
      uint64_t len = total(req.iov);
      if (detect_zeroes_ != config::DetectZeroes::kOff && len > 0 && all_zero(req.iov)) {
        bool unmap = detect_zeroes_ == config::DetectZeroes::kUnmap && discard_;
        int mode = unmap ? (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) : FALLOC_FL_ZERO_RANGE;
        req.ranges.push_back({offset, len, mode, false});
        start_fallocate(req);
        return;
      }
      start_rw(req, offset, true);
      return;
    }
    case kTypeFlush:
      if (file_->readonly()) {
        finish(req.id, kStatusOk);
      } else if (writes_.empty() || *writes_.begin() > req.id) {
        submit_flush(req);
      } else {
        held_flushes_.push_back(req.id);
      }
      return;
    case kTypeGetId: {
      std::array<uint8_t, kIdBytes> id{};
      std::memcpy(id.data(), serial_.data(), std::min<size_t>(serial_.size(), kIdBytes));
      uint64_t n = std::min<uint64_t>(kIdBytes, out_len);
      if (!out.write(std::span<const uint8_t>(id.data(), n))) {
        finish(req.id, kStatusIoErr);
        return;
      }
      req.used_len = static_cast<uint32_t>(n);
      finish(req.id, kStatusOk);
      return;
    }
    case kTypeDiscard:
    case kTypeWriteZeroes: {
      bool zero = hdr->type == kTypeWriteZeroes;
      if ((features_ & feature_bit(zero ? kFeatureWriteZeroes : kFeatureDiscard)) == 0) {
        finish(req.id, file_->readonly() ? kStatusIoErr : kStatusUnsupp);
        return;
      }
      if (uint8_t st = parse_segments(in, zero, *file_, req.ranges); st != kStatusOk) {
        finish(req.id, st);
        return;
      }
      start_fallocate(req);
      return;
    }
    default:
      finish(req.id, kStatusUnsupp);
      return;
  }
}

void BlockDevice::enqueue(std::unique_ptr<Request> req) {
  ++qstate_[req->queue].inflight;
  uint64_t id = req->id;
  inflight_.emplace(id, std::move(req));
}

void BlockDevice::start_rw(Request& req, uint64_t offset, bool write) {
  uint64_t len = total(req.iov);
  if (auto r = file_->check_range(offset, len); !r) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn, "virtio-blk {}: {}", id_,
                       r.error());
    finish(req.id, kStatusIoErr);
    return;
  }
  if (len == 0) {
    finish(req.id, kStatusOk);
    return;
  }
  req.kind = Request::Kind::kRw;
  req.op = write ? block::IoOp::kWrite : block::IoOp::kRead;
  req.offset = offset;
  req.need = len;
  if (!file_->direct_ok(req.iov, offset)) {
    constexpr uint64_t kAlign = block::RawFile::kDirectAlign;
    uint64_t start = offset / kAlign * kAlign;
    uint64_t end = (offset + len + kAlign - 1) / kAlign * kAlign;
    if (write && (start != offset || end != offset + len)) {
      // Read-modify-write of partial blocks: done synchronously, so that two such writes
      // sharing a block cannot interleave.
      auto r = file_->pwritev(req.iov, offset);
      if (!r) {
        SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn, "virtio-blk {}: {}", id_,
                           r.error());
      }
      finish(req.id, r ? kStatusOk : kStatusIoErr);
      return;
    }
    req.bounce.reset(static_cast<uint8_t*>(std::aligned_alloc(kAlign, end - start)));
    if (!req.bounce) {
      finish(req.id, kStatusIoErr);
      return;
    }
    req.bounce_skip = offset - start;
    req.guest = std::move(req.iov);
    if (write) {
      uint8_t* p = req.bounce.get();
      for (const auto& v : req.guest) {
        std::memcpy(p, v.iov_base, v.iov_len);
        p += v.iov_len;
      }
    }
    req.iov = {iovec{req.bounce.get(), end - start}};
    req.offset = start;
    // A read may stop at the end of an image whose size is not block aligned.
    req.need = write ? end - start : req.bounce_skip + len;
  }
  if (write) {
    req.write = true;
    writes_.insert(req.id);
  }
  req.pending = 1;
  auto r = engine_->submit({req.op, file_->fd(), req.iov, req.offset, 0, 0}, cookie(req.id, 0));
  if (!r) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn, "virtio-blk {}: submit: {}", id_,
                       r.error());
    req.pending = 0;
    finish(req.id, kStatusIoErr);
  }
}

void BlockDevice::start_fallocate(Request& req) {
  if (req.ranges.empty()) {
    finish(req.id, kStatusOk);
    return;
  }
  req.kind = Request::Kind::kFallocate;
  req.write = true;
  writes_.insert(req.id);
  req.pending = static_cast<uint32_t>(req.ranges.size());
  for (uint32_t i = 0; i < req.ranges.size(); ++i) {
    const auto& rg = req.ranges[i];
    block::IoRequest io{block::IoOp::kFallocate, file_->fd(), {}, rg.offset, rg.len, rg.mode};
    if (!engine_->submit(io, cookie(req.id, i))) {
      req.result = kStatusIoErr;
      req.pending -= static_cast<uint32_t>(req.ranges.size()) - i;
      if (req.pending == 0) finish(req.id, kStatusIoErr);
      return;
    }
  }
}

void BlockDevice::submit_flush(Request& req) {
  req.kind = Request::Kind::kFlush;
  req.pending = 1;
  if (!engine_->submit({block::IoOp::kFlush, file_->fd(), {}, 0, 0, 0}, cookie(req.id, 0))) {
    req.pending = 0;
    finish(req.id, kStatusIoErr);
  }
}

void BlockDevice::release_flushes_locked() {
  while (!held_flushes_.empty() && (writes_.empty() || *writes_.begin() > held_flushes_.front())) {
    uint64_t id = held_flushes_.front();
    held_flushes_.erase(held_flushes_.begin());
    auto it = inflight_.find(id);
    if (it != inflight_.end()) submit_flush(*it->second);
  }
}

void BlockDevice::on_completion(const block::IoCompletion& c) {
  auto it = inflight_.find(c.cookie >> kOpBits);
  if (it == inflight_.end() || it->second->pending == 0) {
    return;
  }
  Request& req = *it->second;
  switch (req.kind) {
    case Request::Kind::kRw:
      if (c.result == -EINTR || c.result == -EAGAIN) {
        if (engine_->submit({req.op, file_->fd(), req.iov, req.offset, 0, 0}, c.cookie)) {
          return;
        }
      }
      if (c.result <= 0) {
        SV_LOG_RATELIMITED(
            logger(kLoggerVirtio), spdlog::level::warn, "virtio-blk {}: {} {:#x}: {}", id_,
            req.op == block::IoOp::kWrite ? "write" : "read", req.offset,
            c.result < 0 ? std::strerror(static_cast<int>(-c.result)) : "unexpected end of file");
        req.result = kStatusIoErr;
        break;
      }
      req.done += static_cast<uint64_t>(c.result);
      if (req.done < req.need) {  // short transfer: submit the rest
        advance(req.iov, static_cast<uint64_t>(c.result));
        req.offset += static_cast<uint64_t>(c.result);
        if (engine_->submit({req.op, file_->fd(), req.iov, req.offset, 0, 0}, c.cookie)) {
          return;
        }
        req.result = kStatusIoErr;
      }
      break;
    case Request::Kind::kFlush:
      if (c.result < 0) {
        SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                           "virtio-blk {}: fdatasync: {}", id_,
                           std::strerror(static_cast<int>(-c.result)));
        req.result = kStatusIoErr;
      }
      break;
    case Request::Kind::kFallocate: {
      if (c.result >= 0) break;
      uint32_t op = static_cast<uint32_t>(c.cookie & ((1U << kOpBits) - 1));
      if (op >= req.ranges.size()) break;
      const auto& rg = req.ranges[op];
      int err = static_cast<int>(-c.result);
      bool unsupported = err == EOPNOTSUPP || err == ENOSYS || err == EINVAL;
      if (unsupported && rg.discard) {
        break;  // discard is a hint
      }
      if (unsupported) {  // the file system cannot zero a range: write zeros
        if (file_->write_zeroes(rg.offset, rg.len, false)) break;
      }
      SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                         "virtio-blk {}: fallocate {:#x}+{:#x}: {}", id_, rg.offset, rg.len,
                         std::strerror(err));
      req.result = kStatusIoErr;
      break;
    }
    case Request::Kind::kNone:
      break;
  }
  if (--req.pending == 0) {
    finish(req.id, req.result);
  }
}

void BlockDevice::finish(uint64_t id, uint8_t status) {
  auto it = inflight_.find(id);
  if (it == inflight_.end()) {
    return;
  }
  std::unique_ptr<Request> req = std::move(it->second);
  inflight_.erase(it);
  if (req->result != kStatusOk) status = req->result;
  if (status == kStatusOk && req->bounce && req->op == block::IoOp::kRead) {
    const uint8_t* p = req->bounce.get() + req->bounce_skip;
    for (const auto& v : req->guest) {
      std::memcpy(v.iov_base, p, v.iov_len);
      p += v.iov_len;
    }
  }
  if (req->write) {
    writes_.erase(id);
    release_flushes_locked();
  }
  QueueState& s = qstate_[req->queue];
  --s.inflight;
  if (req->status == nullptr || broken_) {
    return;
  }
  std::memcpy(req->status, &status, 1);
  uint32_t used = (status == kStatusOk ? req->used_len : 0) + 1;
  auto r = queues_[req->queue].push_used(req->head, used);
  if (!r) {
    fail_locked(req->queue, r.error());
    return;
  }
  s.used_pending = true;
}

void BlockDevice::reap_locked() {
  engine_->plug();  // resubmissions, released flushes and resumed queues go out together
  for (const auto& c : engine_->reap()) {
    on_completion(c);
  }
  for (uint32_t q = 0; q < qstate_.size(); ++q) {
    if (qstate_[q].stalled) {
      qstate_[q].stalled = false;
      process_locked(q);
    }
  }
  unplug_locked();
  signal_used_locked();
}

void BlockDevice::unplug_locked() {
  if (auto r = engine_->unplug(); !r) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn, "virtio-blk {}: submit: {}", id_,
                       r.error());
  }
}

void BlockDevice::run_until_idle_locked() {
  for (;;) {
    auto done = engine_->reap();
    if (done.empty()) {
      break;
    }
    for (const auto& c : done) {
      on_completion(c);
    }
    for (uint32_t q = 0; q < qstate_.size(); ++q) {
      if (qstate_[q].stalled) {
        qstate_[q].stalled = false;
        process_locked(q);
      }
    }
  }
}

void BlockDevice::signal_used_locked() {
  if (interrupt_ == nullptr) {
    return;
  }
  bool signal = false;
  for (uint32_t q = 0; q < qstate_.size(); ++q) {
    if (!qstate_[q].used_pending) continue;
    qstate_[q].used_pending = false;
    auto n = queues_[q].needs_notification();
    if (!n) {
      fail_locked(q, n.error());
      return;
    }
    signal = signal || *n;
  }
  if (signal) {
    interrupt_->signal(kInterruptUsedBuffer);
  }
}

// Waits for every submitted operation and drops all requests without completing them.
void BlockDevice::drain_locked() {
  auto busy = [this] {
    return std::ranges::any_of(inflight_, [](const auto& kv) { return kv.second->pending > 0; });
  };
  (void)engine_->unplug();
  bool warned = false;
  while (busy()) {
    pollfd p{engine_->event_fd(), POLLIN, 0};
    if (::poll(&p, 1, 1000) == 0 && !warned) {
      logger(kLoggerBlock)->warn("virtio-blk {}: waiting for I/O in flight to finish", id_);
      warned = true;
    }
    for (const auto& c : engine_->reap()) {
      auto it = inflight_.find(c.cookie >> kOpBits);
      if (it != inflight_.end() && it->second->pending > 0) --it->second->pending;
    }
  }
  inflight_.clear();
  writes_.clear();
  held_flushes_.clear();
  for (auto& s : qstate_) {
    s = QueueState{};
  }
}

}  // namespace stratovirt::virtio
