// SPDX-License-Identifier: MulanPSL-2.0
// virtio-balloon: inflate/deflate/reporting queues, num_pages/actual config, page release.
#include "stratovirt/virtio/balloon_device.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::virtio {

using balloon::kPageSize;

struct BalloonDevice::State {
  std::string id;
  const memory::GuestMemory* mem = nullptr;
  uint64_t ram = 0;
  uint64_t offered = 0;
  bool reporting = false;

  mutable std::mutex mu;
  uint32_t num_pages = 0;  // host's target, in pages
  uint32_t actual = 0;     // driver's count, in pages
  uint64_t released = 0;
  std::vector<SplitQueue> queues;
  VirtioInterrupt* interrupt = nullptr;
  std::function<void(uint64_t)> listener;

  // One contiguous host range waiting for madvise (runs of adjacent PFNs go in one call).
  struct Run {
    uint8_t* host = nullptr;
    uint64_t len = 0;
    bool shared = false;
  };

  uint64_t actual_bytes_locked() const {
    uint64_t ballooned = uint64_t{actual} * kPageSize;
    return ballooned >= ram ? 0 : ram - ballooned;
  }
  void release(Run& run);
  void add_page(Run& run, uint64_t gpa, uint64_t len);
  Result<void> inflate(const DescriptorChain& chain);
  Result<void> report(const DescriptorChain& chain);
  Result<void> process(uint32_t queue);
};

void BalloonDevice::State::release(Run& run) {
  if (run.len == 0) {
    return;
  }
  // A shared mapping keeps its pages in the backing file/shmem after DONTNEED: punch them.
  int rc = -1;
  if (run.shared) {
    rc = ::madvise(run.host, run.len, MADV_REMOVE);
  }
  if (rc != 0) {
    rc = ::madvise(run.host, run.len, MADV_DONTNEED);
  }
  if (rc != 0) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-balloon {}: madvise of {} bytes failed: {}", id, run.len,
                       std::strerror(errno));
  } else {
    released += run.len / kPageSize;
  }
  run = Run{};
}

// Appends [gpa, gpa+len) (inside one region, page aligned) to the run, flushing first when
// it does not continue it.
void BalloonDevice::State::add_page(Run& run, uint64_t gpa, uint64_t len) {
  const memory::GuestRegion* region = mem->find(gpa);
  if (region == nullptr || gpa + len > region->end()) {
    return;  // the callers checked; nothing to release
  }
  uint8_t* host = region->host + (gpa - region->guest_addr);
  bool shared = region->backing != nullptr && region->backing->shared();
  if (run.len != 0 && run.host + run.len == host && run.shared == shared) {
    run.len += len;
    return;
  }
  release(run);
  run = Run{host, len, shared};
}

Result<void> BalloonDevice::State::inflate(const DescriptorChain& chain) {
  uint64_t bytes = chain.readable_bytes();
  if (bytes == 0 || bytes % sizeof(uint32_t) != 0) {
    return errorf(ErrorCode::kGuest, "inflate request {} holds {} bytes, not whole PFNs",
                  chain.head(), bytes);
  }
  ChainReader in(chain);
  Run run;
  uint64_t skipped = 0;
  uint64_t first_bad = 0;
  for (uint64_t i = 0; i < bytes / sizeof(uint32_t); ++i) {
    SV_ASSIGN_OR_RETURN(uint32_t pfn, in.read_obj<uint32_t>());
    uint64_t gpa = uint64_t{pfn} << balloon::kPageShift;
    const memory::GuestRegion* region = mem->find(gpa);
    if (region == nullptr || gpa + kPageSize > region->end()) {
      if (skipped++ == 0) {
        first_bad = pfn;
      }
      continue;
    }
    add_page(run, gpa, kPageSize);
  }
  release(run);
  if (skipped != 0) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-balloon {}: {} PFN(s) outside guest RAM skipped (first {:#x})", id,
                       skipped, first_bad);
  }
  return ok();
}

// A reported range: every whole 4 KiB page inside each buffer goes back to the host.
Result<void> BalloonDevice::State::report(const DescriptorChain& chain) {
  Run run;
  for (const ChainSegment& seg : chain.segments()) {
    if (!mem->contains(seg.addr, seg.len)) {
      return errorf(ErrorCode::kGuest, "reported range {:#x}+{:#x} is outside guest RAM", seg.addr,
                    seg.len);
    }
    uint64_t start = (seg.addr + kPageSize - 1) & ~(kPageSize - 1);
    uint64_t end = (seg.addr + seg.len) & ~(kPageSize - 1);
    if (end > start) {
      add_page(run, start, end - start);
    }
  }
  release(run);
  return ok();
}

Result<void> BalloonDevice::State::process(uint32_t queue) {
  SplitQueue& q = queues[queue];
  bool completed = false;
  while (true) {
    SV_ASSIGN_OR_RETURN(auto chain, q.pop());
    if (!chain) {
      break;
    }
    if (queue == balloon::kInflateQueue) {
      SV_RETURN_IF_ERROR(inflate(*chain));
    } else if (queue == balloon::kReportingQueue) {
      SV_RETURN_IF_ERROR(report(*chain));
    }
    // Deflate: the pages fault back in when the guest touches them; nothing to do.
    SV_RETURN_IF_ERROR(q.push_used(chain->head(), 0));
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

BalloonDevice::BalloonDevice(std::unique_ptr<State> state) : s_(std::move(state)) {}

BalloonDevice::~BalloonDevice() = default;

Result<std::unique_ptr<BalloonDevice>> BalloonDevice::create(const config::DeviceConfig& device,
                                                             const memory::GuestMemory& mem,
                                                             bool hugepage_backed) {
  const auto* spec = std::get_if<config::VirtioBalloonDevice>(&device.spec);
  if (spec == nullptr) {
    return errorf(ErrorCode::kInvalidArgument, "device {}: not a virtio-balloon device", device.id);
  }
  if (hugepage_backed) {
    return errorf(ErrorCode::kNotSupported,
                  "virtio-balloon {}: guest memory is backed by huge pages, which a balloon "
                  "cannot release in 4 KiB pages",
                  device.id);
  }
  if (mem.total_size() == 0) {
    return errorf(ErrorCode::kInvalidArgument, "virtio-balloon {}: no guest memory", device.id);
  }
  auto s = std::make_unique<State>();
  s->id = device.id;
  s->mem = &mem;
  s->ram = mem.total_size();
  s->reporting = spec->free_page_reporting;
  s->offered = feature_bit(kFeatureVersion1);
  if (spec->deflate_on_oom) {
    s->offered |= feature_bit(balloon::kFeatureDeflateOnOom);
  }
  if (spec->free_page_reporting) {
    s->offered |= feature_bit(balloon::kFeatureReporting);
  }
  return std::unique_ptr<BalloonDevice>(new BalloonDevice(std::move(s)));
}

uint64_t BalloonDevice::device_features() const {
  return s_->offered;
}

uint32_t BalloonDevice::num_queues() const {
  return s_->reporting ? 3 : 2;
}

uint16_t BalloonDevice::queue_max_size() const {
  return config::kDefaultQueueSize;
}

void BalloonDevice::read_config(uint64_t offset, std::span<uint8_t> data) {
  std::memset(data.data(), 0, data.size());
  std::array<uint8_t, balloon::kConfigSize> cfg{};
  {
    std::lock_guard lock(s_->mu);
    std::memcpy(cfg.data() + balloon::kConfigNumPages, &s_->num_pages, sizeof(uint32_t));
    std::memcpy(cfg.data() + balloon::kConfigActual, &s_->actual, sizeof(uint32_t));
  }
  if (offset >= cfg.size()) {
    return;
  }
  size_t n = std::min<size_t>(data.size(), cfg.size() - offset);
  std::memcpy(data.data(), cfg.data() + offset, n);
}

void BalloonDevice::write_config(uint64_t offset, std::span<const uint8_t> data) {
  // Only `actual` is the driver's to write (§5.5.4); anything else is ignored.
  if (offset < balloon::kConfigActual || offset >= balloon::kConfigSize ||
      data.size() > balloon::kConfigSize - offset) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-balloon {}: config write of {} bytes at {:#x} ignored", s_->id,
                       data.size(), offset);
    return;
  }
  std::function<void(uint64_t)> listener;
  uint64_t actual_bytes = 0;
  {
    std::lock_guard lock(s_->mu);
    uint32_t before = s_->actual;
    auto* bytes = reinterpret_cast<uint8_t*>(&s_->actual);
    std::memcpy(bytes + (offset - balloon::kConfigActual), data.data(), data.size());
    if (s_->actual == before) {
      return;
    }
    listener = s_->listener;
    actual_bytes = s_->actual_bytes_locked();
  }
  if (listener) {
    listener(actual_bytes);
  }
}

Result<void> BalloonDevice::activate(const memory::GuestMemory&, uint64_t,
                                     std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) {
  if (queues.size() != num_queues()) {
    return errorf(ErrorCode::kInternal, "virtio-balloon {}: {} queues, expected {}", s_->id,
                  queues.size(), num_queues());
  }
  std::lock_guard lock(s_->mu);
  s_->queues = std::move(queues);
  s_->interrupt = interrupt;
  return ok();
}

void BalloonDevice::queue_notify(uint32_t queue) {
  std::lock_guard lock(s_->mu);
  if (queue >= s_->queues.size() || s_->interrupt == nullptr || s_->interrupt->needs_reset()) {
    return;
  }
  if (auto r = s_->process(queue); !r) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-balloon {}: queue {}: {}; device needs reset", s_->id, queue,
                       r.error());
    s_->interrupt->mark_needs_reset();
  }
}

void BalloonDevice::reset() {
  std::function<void(uint64_t)> listener;
  uint64_t actual_bytes = 0;
  {
    std::lock_guard lock(s_->mu);
    s_->queues.clear();
    s_->interrupt = nullptr;
    // The driver's balloon is gone with it (its pages are the guest's again); the host's
    // target stays for the next driver.
    if (s_->actual != 0) {
      s_->actual = 0;
      listener = s_->listener;
      actual_bytes = s_->actual_bytes_locked();
    }
  }
  if (listener) {
    listener(actual_bytes);
  }
}

uint64_t BalloonDevice::ram_bytes() const {
  return s_->ram;
}

uint64_t BalloonDevice::actual_bytes() const {
  std::lock_guard lock(s_->mu);
  return s_->actual_bytes_locked();
}

Result<void> BalloonDevice::set_target_bytes(uint64_t bytes) {
  if (bytes == 0 || bytes > s_->ram) {
    return errorf(ErrorCode::kInvalidArgument,
                  "balloon target {} bytes is outside guest memory (1..{} bytes)", bytes, s_->ram);
  }
  std::lock_guard lock(s_->mu);
  uint64_t pages = (s_->ram - bytes) / kPageSize;
  s_->num_pages = static_cast<uint32_t>(std::min<uint64_t>(pages, UINT32_MAX));
  if (s_->interrupt != nullptr && !s_->interrupt->needs_reset()) {
    s_->interrupt->signal(kInterruptConfigChange);
  }
  return ok();
}

void BalloonDevice::set_actual_listener(std::function<void(uint64_t actual_bytes)> listener) {
  std::lock_guard lock(s_->mu);
  s_->listener = std::move(listener);
}

uint64_t BalloonDevice::released_pages() const {
  std::lock_guard lock(s_->mu);
  return s_->released;
}

}  // namespace stratovirt::virtio
