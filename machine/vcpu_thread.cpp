// SPDX-License-Identifier: MulanPSL-2.0
// vCPU thread: KVM_RUN loop and exit dispatch.
#include "machine/vcpu_thread.h"

#include <signal.h>

#include <mutex>

#include "stratovirt/base/logging.h"

namespace stratovirt::machine {
namespace {

using hypervisor::VcpuExit;

void kick_handler(int) {}

// Installs the no-op kick handler once (no SA_RESTART: KVM_RUN must return EINTR).
void install_kick_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = kick_handler;
    sigemptyset(&sa.sa_mask);
    ::sigaction(vcpu_kick_signal(), &sa, nullptr);
  });
}

}  // namespace

int vcpu_kick_signal() { return SIGRTMIN + 1; }

std::string_view to_string(VcpuThread::State s) {
  switch (s) {
    case VcpuThread::State::kCreated: return "created";
    case VcpuThread::State::kRunning: return "running";
    case VcpuThread::State::kPaused: return "paused";
    case VcpuThread::State::kStopped: return "stopped";
  }
  return "?";
}

VcpuThread::VcpuThread(hypervisor::VcpuFd vcpu, VcpuExitHandler& handler)
    : vcpu_(std::move(vcpu)), handler_(handler) {}

VcpuThread::~VcpuThread() { stop(); }

Result<void> VcpuThread::start(bool paused) {
  install_kick_handler();
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kCreated) {
      return errorf(ErrorCode::kInternal, "vcpu {}: started twice", vcpu_.id());
    }
    request_ = paused ? Request::kPause : Request::kRun;
    state_ = paused ? State::kPaused : State::kRunning;
  }
  // pthread_create rather than std::thread: failure is a return value, not an exception.
  int err = ::pthread_create(
      &thread_, nullptr,
      [](void* self) -> void* {
        static_cast<VcpuThread*>(self)->run_loop();
        return nullptr;
      },
      this);
  if (err != 0) {
    std::lock_guard lock(mu_);
    state_ = State::kStopped;
    return make_error(ErrorCode::kIo, fmt::format("vcpu {}: cannot create thread", vcpu_.id()),
                      err);
  }
  started_ = true;
  return ok();
}

void VcpuThread::kick() {
  vcpu_.set_immediate_exit(true);
  if (started_) ::pthread_kill(thread_, vcpu_kick_signal());
}

void VcpuThread::pause() {
  std::unique_lock lock(mu_);
  if (state_ != State::kRunning) return;
  request_ = Request::kPause;
  kick();
  cv_.wait(lock, [this] { return state_ != State::kRunning; });
}

void VcpuThread::resume() {
  std::lock_guard lock(mu_);
  if (request_ != Request::kPause) return;
  request_ = Request::kRun;
  cv_.notify_all();
}

void VcpuThread::stop() {
  {
    std::lock_guard lock(mu_);
    if (request_ != Request::kStop) {
      request_ = Request::kStop;
      if (state_ != State::kStopped) kick();
      cv_.notify_all();
    }
  }
  if (started_ && !joined_ && !::pthread_equal(thread_, ::pthread_self())) {
    ::pthread_join(thread_, nullptr);
    joined_ = true;
  }
}

VcpuThread::State VcpuThread::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

bool VcpuThread::wait_while_paused() {
  std::unique_lock lock(mu_);
  while (request_ == Request::kPause) {
    state_ = State::kPaused;
    cv_.notify_all();
    cv_.wait(lock);
  }
  if (request_ == Request::kStop) return false;
  state_ = State::kRunning;
  return true;
}

void VcpuThread::finish() {
  std::lock_guard lock(mu_);
  state_ = State::kStopped;
  cv_.notify_all();
}

void VcpuThread::run_loop() {
  std::string name = fmt::format("CPU {}/KVM", vcpu_.id());
  ::pthread_setname_np(::pthread_self(), name.c_str());
  host_tid_.store(static_cast<int64_t>(::gettid()), std::memory_order_release);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, vcpu_kick_signal());
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);

  bool keep_running = true;
  while (keep_running && wait_while_paused()) {
    auto exit = vcpu_.run();
    if (!exit) {
      handler_.vcpu_fatal(vcpu_.id(), fmt::format("{}; {}", exit.error(), vcpu_.dump_registers()));
      break;
    }
    dispatch(*exit, keep_running);
  }
  finish();
}

void VcpuThread::dispatch(const VcpuExit& exit, bool& keep_running) {
  switch (exit.kind) {
    case VcpuExit::Kind::kIoIn:
    case VcpuExit::Kind::kIoOut: {
      size_t size = exit.data.size() / exit.io_count;
      for (uint32_t i = 0; i < exit.io_count; ++i) {
        auto item = exit.data.subspan(i * size, size);
        if (exit.kind == VcpuExit::Kind::kIoIn) {
          handler_.io_in(static_cast<uint16_t>(exit.addr), item);
        } else {
          handler_.io_out(static_cast<uint16_t>(exit.addr), item);
        }
      }
      return;
    }
    case VcpuExit::Kind::kMmioRead: handler_.mmio_read(exit.addr, exit.data); return;
    case VcpuExit::Kind::kMmioWrite: handler_.mmio_write(exit.addr, exit.data); return;
    case VcpuExit::Kind::kInterrupted:
      vcpu_.set_immediate_exit(false);
      return;
    case VcpuExit::Kind::kShutdown:
      keep_running = false;
      handler_.guest_stopped(vcpu_.id(), false, "triple fault / reset (KVM_EXIT_SHUTDOWN)");
      return;
    case VcpuExit::Kind::kSystemEvent: {
      keep_running = false;
      bool poweroff = exit.detail == KVM_SYSTEM_EVENT_SHUTDOWN;
      handler_.guest_stopped(vcpu_.id(), poweroff,
                             fmt::format("KVM_EXIT_SYSTEM_EVENT type {}", exit.detail));
      return;
    }
    case VcpuExit::Kind::kHlt:
      keep_running = false;
      handler_.guest_stopped(vcpu_.id(), true, "hlt without an in-kernel irqchip");
      return;
    case VcpuExit::Kind::kFailEntry:
      keep_running = false;
      handler_.vcpu_fatal(vcpu_.id(),
                          fmt::format("KVM_EXIT_FAIL_ENTRY, hardware entry failure reason {:#x}; {}",
                                      exit.detail, vcpu_.dump_registers()));
      return;
    case VcpuExit::Kind::kInternalError:
      keep_running = false;
      handler_.vcpu_fatal(vcpu_.id(),
                          fmt::format("KVM_EXIT_INTERNAL_ERROR, suberror {}{}; {}", exit.detail,
                                      exit.detail == KVM_INTERNAL_ERROR_EMULATION
                                          ? " (emulation failure)"
                                          : "",
                                      vcpu_.dump_registers()));
      return;
    case VcpuExit::Kind::kOther:
      keep_running = false;
      handler_.vcpu_fatal(vcpu_.id(), fmt::format("unexpected KVM exit reason {}; {}",
                                                  exit.reason, vcpu_.dump_registers()));
      return;
  }
}

}  // namespace stratovirt::machine
