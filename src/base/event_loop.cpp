// SPDX-License-Identifier: MulanPSL-2.0
//
// EpollEventLoop: the one EventLoop implementation (epoll + eventfd + timerfd).
//
// Every registration gets a serial that travels in epoll_event.data, so an event for an
// fd that was removed (or removed and re-added) during the same epoll_wait batch is
// recognised as stale and dropped instead of reaching the wrong handler.
#include "stratovirt/base/event_loop.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "stratovirt/base/event_fd.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt {
namespace {

constexpr uint64_t kWakeSerial = 1;
constexpr uint64_t kTimerSerial = 2;
constexpr uint64_t kFirstUserSerial = 3;
constexpr int kMaxEvents = 64;

class EpollEventLoop final : public EventLoop {
 public:
  EpollEventLoop(std::string name, Clock& clock, UniqueFd epoll, EventFd wake, UniqueFd timer)
      : EventLoop(std::move(name)),
        clock_(clock),
        epoll_(std::move(epoll)),
        wake_(std::move(wake)),
        timer_fd_(std::move(timer)) {}

  ~EpollEventLoop() override {
    if (watch_id_ != 0) clock_.unwatch(watch_id_);
  }

  Result<void> init() {
    SV_RETURN_IF_ERROR(epoll_add(wake_.fd(), EPOLLIN, kWakeSerial));
    SV_RETURN_IF_ERROR(epoll_add(timer_fd_.get(), EPOLLIN, kTimerSerial));
    if (!clock_.is_monotonic()) {
      watch_id_ = clock_.watch([this] { (void)wake_.write(); });
    }
    return ok();
  }

  Result<void> add_fd(int fd, uint32_t events, FdHandler handler) override {
    if (by_fd_.contains(fd)) {
      return errorf(ErrorCode::kAlreadyExists, "event loop {}: fd {} is already registered",
                    name(), fd);
    }
    uint64_t serial = next_serial_++;
    SV_RETURN_IF_ERROR(epoll_add(fd, events, serial));
    by_fd_[fd] = serial;
    handlers_[serial] = std::make_shared<FdHandler>(std::move(handler));
    return ok();
  }

  Result<void> modify_fd(int fd, uint32_t events) override {
    auto it = by_fd_.find(fd);
    if (it == by_fd_.end()) {
      return errorf(ErrorCode::kNotFound, "event loop {}: fd {} is not registered", name(), fd);
    }
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = it->second;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) {
      return sys_errorf("event loop {}: epoll_ctl(MOD, fd {})", name(), fd);
    }
    return ok();
  }

  void remove_fd(int fd) override {
    auto it = by_fd_.find(fd);
    if (it == by_fd_.end()) return;
    // Fails harmlessly (EBADF) when the owner already closed the fd.
    (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    handlers_.erase(it->second);
    by_fd_.erase(it);
  }

  TimerId add_timer(std::chrono::nanoseconds delay, std::function<void()> fn) override {
    if (delay.count() < 0) delay = std::chrono::nanoseconds{0};
    TimerId id = next_timer_id_++;
    auto deadline = clock_.now() + delay;
    timers_.emplace(std::make_pair(deadline, id), std::move(fn));
    timer_deadlines_[id] = deadline;
    return id;
  }

  void cancel_timer(TimerId id) override {
    auto it = timer_deadlines_.find(id);
    if (it == timer_deadlines_.end()) return;
    timers_.erase(std::make_pair(it->second, id));
    timer_deadlines_.erase(it);
  }

  const Clock& clock() const override { return clock_; }

  std::optional<std::chrono::nanoseconds> next_timer_deadline() const override {
    if (timers_.empty()) return std::nullopt;
    return timers_.begin()->first.first;
  }

  size_t run_due_timers() override {
    auto now = clock_.now();
    TimerId id_limit = next_timer_id_;  // timers added by callbacks wait for the next pass
    size_t ran = 0;
    for (;;) {
      auto it = timers_.begin();
      while (it != timers_.end() && it->first.first <= now && it->first.second >= id_limit) ++it;
      if (it == timers_.end() || it->first.first > now) break;
      auto fn = std::move(it->second);
      timer_deadlines_.erase(it->first.second);
      timers_.erase(it);
      fn();
      ++ran;
    }
    return ran;
  }

  void post(std::function<void()> fn) override {
    {
      std::lock_guard lock(post_mu_);
      posted_.push_back(std::move(fn));
    }
    (void)wake_.write();
  }

  Result<void> run() override {
    loop_thread_.store(std::this_thread::get_id());
    Result<void> result = ok();
    while (!stop_requested_.load()) {
      result = run_once();
      if (!result) break;
    }
    stop_requested_.store(false);
    loop_thread_.store(std::thread::id{});
    return result;
  }

  void stop() override {
    stop_requested_.store(true);
    (void)wake_.write();
  }

  bool in_loop_thread() const override {
    return loop_thread_.load() == std::this_thread::get_id();
  }

 private:
  Result<void> epoll_add(int fd, uint32_t events, uint64_t serial) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = serial;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
      return sys_errorf("event loop {}: epoll_ctl(ADD, fd {})", name(), fd);
    }
    return ok();
  }

  bool timer_due() const {
    auto next = next_timer_deadline();
    return next && *next <= clock_.now();
  }

  // Real clock only: program the timerfd for the earliest deadline (or disarm it).
  void arm_timer_fd() {
    auto next = next_timer_deadline();
    if (!clock_.is_monotonic() || next == armed_deadline_) return;
    itimerspec spec{};
    if (next) {
      auto ns = std::max(next->count(), int64_t{1});  // all-zero would disarm
      spec.it_value.tv_sec = ns / 1'000'000'000;
      spec.it_value.tv_nsec = ns % 1'000'000'000;
    }
    if (::timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) == 0) {
      armed_deadline_ = next;
    }
  }

  Result<void> run_once() {
    arm_timer_fd();
    std::array<epoll_event, kMaxEvents> events{};
    int timeout_ms = timer_due() ? 0 : -1;
    int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return ok();
      return sys_errorf("event loop {}: epoll_wait", name());
    }
    for (int i = 0; i < n; ++i) dispatch(events[static_cast<size_t>(i)]);
    run_posted();
    run_due_timers();
    return ok();
  }

  void dispatch(const epoll_event& ev) {
    uint64_t serial = ev.data.u64;
    if (serial == kWakeSerial) {
      (void)wake_.read();
      return;
    }
    if (serial == kTimerSerial) {
      uint64_t expirations = 0;
      (void)::read(timer_fd_.get(), &expirations, sizeof(expirations));
      armed_deadline_.reset();  // fired: re-arm on the next pass
      return;
    }
    auto it = handlers_.find(serial);
    if (it == handlers_.end()) return;  // removed earlier in this batch
    auto handler = it->second;          // keeps the callable alive if it removes itself
    (*handler)(ev.events);
  }

  void run_posted() {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(post_mu_);
      batch.swap(posted_);
    }
    for (auto& fn : batch) fn();
  }

  Clock& clock_;
  UniqueFd epoll_;
  EventFd wake_;
  UniqueFd timer_fd_;
  Clock::WatchId watch_id_ = 0;

  std::unordered_map<int, uint64_t> by_fd_;
  std::unordered_map<uint64_t, std::shared_ptr<FdHandler>> handlers_;
  uint64_t next_serial_ = kFirstUserSerial;

  std::map<std::pair<std::chrono::nanoseconds, TimerId>, std::function<void()>> timers_;
  std::unordered_map<TimerId, std::chrono::nanoseconds> timer_deadlines_;
  TimerId next_timer_id_ = 1;
  std::optional<std::chrono::nanoseconds> armed_deadline_;

  std::mutex post_mu_;
  std::deque<std::function<void()>> posted_;

  std::atomic<bool> stop_requested_{false};
  std::atomic<std::thread::id> loop_thread_{};
};

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create(std::string name) {
  return create(std::move(name), real_clock());
}

Result<std::unique_ptr<EventLoop>> EventLoop::create(std::string name, Clock& clock) {
  int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return sys_errorf("event loop {}: epoll_create1", name);
  UniqueFd epoll(epfd);
  SV_ASSIGN_OR_RETURN(auto wake, EventFd::create());
  int tfd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (tfd < 0) return sys_errorf("event loop {}: timerfd_create", name);
  auto loop = std::make_unique<EpollEventLoop>(std::move(name), clock, std::move(epoll),
                                               std::move(wake), UniqueFd(tfd));
  SV_RETURN_IF_ERROR(loop->init());
  return std::unique_ptr<EventLoop>(std::move(loop));
}

}  // namespace stratovirt
