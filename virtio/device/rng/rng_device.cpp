// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/rng_device.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"
#include "stratovirt/base/token_bucket.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt::virtio {

namespace {

// What one fill attempt got from the source.
struct FillResult {
  uint64_t bytes = 0;
  bool would_block = false;  // the source had nothing right now (EAGAIN before any byte)
};

}  // namespace

struct RngDevice::Core {
  std::string id;
  std::string path;
  UniqueFd fd;
  uint16_t queue_size = config::kDefaultQueueSize;
  std::optional<TokenBucket> bucket;  // max-bytes per period
  EventLoop* loop = nullptr;
  std::weak_ptr<Core> self;

  std::mutex mu;
  std::vector<SplitQueue> queues;
  VirtioInterrupt* interrupt = nullptr;
  std::optional<DescriptorChain> pending;  // popped, waiting for budget or entropy
  bool timer_armed = false;

  void run_locked();
  Result<void> process_locked(SplitQueue& q);
  FillResult fill(const DescriptorChain& chain, uint64_t len);
  void arm_timer_locked(std::chrono::nanoseconds delay);
  void on_timer();
};

RngDevice::RngDevice(std::shared_ptr<Core> core) : core_(std::move(core)) {}

RngDevice::~RngDevice() = default;

Result<std::unique_ptr<RngDevice>> RngDevice::create(const config::RngRandomObject& source,
                                                     const config::DeviceConfig& device,
                                                     const Clock& clock) {
  const auto* spec = std::get_if<config::VirtioRngDevice>(&device.spec);
  if (spec == nullptr) {
    return errorf(ErrorCode::kInvalidArgument, "device {}: not a virtio-rng device", device.id);
  }
  auto core = std::make_shared<Core>();
  core->id = device.id;
  core->path = source.filename;
  int fd = ::open(source.filename.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return sys_errorf("virtio-rng {}: rng-random {}: open {}", device.id, source.id,
                      source.filename);
  }
  core->fd = UniqueFd(fd);
  if (spec->max_bytes && spec->period_ms) {
    if (*spec->max_bytes == 0 || *spec->period_ms == 0) {
      return errorf(ErrorCode::kInvalidArgument,
                    "virtio-rng {}: max-bytes and period must be positive", device.id);
    }
    core->bucket.emplace(*spec->max_bytes, std::chrono::milliseconds(*spec->period_ms), clock);
  }
  core->self = core;
  return std::unique_ptr<RngDevice>(new RngDevice(std::move(core)));
}

uint64_t RngDevice::device_features() const {
  return feature_bit(kFeatureVersion1) | feature_bit(kFeatureIndirectDesc) |
         feature_bit(kFeatureEventIdx);
}

uint16_t RngDevice::queue_max_size() const { return core_->queue_size; }

void RngDevice::read_config(uint64_t, std::span<uint8_t> data) {
  std::memset(data.data(), 0, data.size());  // §5.4.4: no device configuration
}

void RngDevice::write_config(uint64_t offset, std::span<const uint8_t>) {
  SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                     "virtio-rng {}: config write at {:#x} ignored", core_->id, offset);
}

void RngDevice::attach_loop(EventLoop* loop) {
  std::lock_guard lock(core_->mu);
  core_->loop = loop;
}

Result<void> RngDevice::activate(const memory::GuestMemory&, uint64_t,
                                 std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) {
  if (queues.size() != 1) {
    return errorf(ErrorCode::kInternal, "virtio-rng {}: {} queues, expected 1", core_->id,
                  queues.size());
  }
  std::lock_guard lock(core_->mu);
  core_->queues = std::move(queues);
  core_->interrupt = interrupt;
  core_->pending.reset();
  return ok();
}

void RngDevice::reset() {
  std::lock_guard lock(core_->mu);
  core_->queues.clear();
  core_->interrupt = nullptr;
  core_->pending.reset();  // an armed timer stays armed and finds nothing to do
}

void RngDevice::queue_notify(uint32_t queue) {
  if (queue != 0) {
    return;
  }
  std::lock_guard lock(core_->mu);
  core_->run_locked();
}

void RngDevice::Core::run_locked() {
  if (queues.empty() || interrupt == nullptr || interrupt->needs_reset()) {
    return;
  }
  auto r = process_locked(queues[0]);
  if (!r) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-rng {}: {}; device needs reset", id, r.error());
    pending.reset();
    interrupt->mark_needs_reset();
  }
}

Result<void> RngDevice::Core::process_locked(SplitQueue& q) {
  bool completed = false;
  while (true) {
    if (!pending) {
      SV_ASSIGN_OR_RETURN(auto chain, q.pop());
      if (!chain) {
        break;
      }
      if (chain->writable_bytes() == 0) {
        return errorf(ErrorCode::kGuest, "request {} has no device-writable buffer",
                      chain->head());
      }
      pending.emplace(std::move(*chain));
    }
    uint64_t want = std::min<uint64_t>(pending->writable_bytes(), rng::kMaxRequestBytes);
    if (bucket) {
      // Wait until the whole request fits (or a full bucket, for requests larger than it).
      uint64_t need = std::min(want, bucket->capacity());
      if (bucket->available() < need) {
        arm_timer_locked(bucket->time_until(need));
        break;
      }
      want = std::min(want, bucket->available());
    }
    FillResult got = fill(*pending, want);
    if (got.would_block) {
      arm_timer_locked(rng::kSourceRetry);
      break;
    }
    if (bucket) {
      bucket->take(got.bytes);
    }
    SV_RETURN_IF_ERROR(q.push_used(pending->head(), static_cast<uint32_t>(got.bytes)));
    pending.reset();
    completed = true;
  }
  if (completed) {
    SV_ASSIGN_OR_RETURN(bool notify, q.needs_notification());
    if (notify) {
      interrupt->signal(kInterruptUsedBuffer);
    }
  }
  return ok();
}

FillResult RngDevice::Core::fill(const DescriptorChain& chain, uint64_t len) {
  FillResult res;
  ChainWriter out(chain);
  auto iovs = out.take_iovecs(len);
  if (!iovs) {
    return res;  // cannot happen: len ≤ writable bytes
  }
  for (const iovec& v : *iovs) {
    size_t done = 0;
    while (done < v.iov_len) {
      ssize_t n = ::read(fd.get(), static_cast<uint8_t*>(v.iov_base) + done, v.iov_len - done);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) {
        continue;
      }
      res.bytes += done;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        res.would_block = res.bytes == 0;
      } else if (n == 0) {
        SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                           "virtio-rng {}: {}: end of file", id, path);
      } else {
        SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                           "virtio-rng {}: read {}: {}", id, path, std::strerror(errno));
      }
      return res;
    }
    res.bytes += done;
  }
  return res;
}

void RngDevice::Core::arm_timer_locked(std::chrono::nanoseconds delay) {
  if (timer_armed || loop == nullptr) {
    return;  // one timer at a time; without a loop the next kick resumes service
  }
  timer_armed = true;
  EventLoop* l = loop;
  std::weak_ptr<Core> weak = self;
  auto arm = [l, weak, delay] {
    l->add_timer(delay, [weak] {
      if (auto core = weak.lock()) {
        core->on_timer();
      }
    });
  };
  if (l->in_loop_thread()) {
    arm();
  } else {
    l->post(std::move(arm));  // add_timer belongs to the loop thread
  }
}

void RngDevice::Core::on_timer() {
  std::lock_guard lock(mu);
  timer_armed = false;
  run_locked();
}

}  // namespace stratovirt::virtio
