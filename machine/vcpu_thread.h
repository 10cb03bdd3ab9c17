// SPDX-License-Identifier: MulanPSL-2.0
//
// VcpuThread: one vCPU's thread, its KVM_RUN loop and its run/pause/stop state machine.
//
// The thread (named "CPU n/KVM") runs KVM_RUN and hands each exit to the machine's
// VcpuExitHandler synchronously: port I/O and MMIO to the buses, a triple fault / reset or
// a KVM system event as a guest reset, FAIL_ENTRY / INTERNAL_ERROR / unexpected exits as a
// fatal error carrying the exit reason, suberror and the registers. Pause and stop kick a
// running vCPU with a real-time signal (kVcpuKickSignal) plus kvm_run.immediate_exit, so a
// vCPU in the guest or about to enter it returns at once; a paused thread parks on a
// condition variable. States: created -> running <-> paused -> stopped.
// Threads: start/pause/resume/stop from the main thread; handler calls on this vCPU's
// thread. Failure: start() fails if the thread cannot be created; runtime failures go to
// the handler, never thrown.
#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "stratovirt/base/error.h"
#include "stratovirt/hypervisor/vcpu_fd.h"

namespace stratovirt::machine {

// Real-time signal used to kick vCPU threads out of KVM_RUN (StratoVirt uses 35).
int vcpu_kick_signal();

class VcpuExitHandler {
 public:
  virtual ~VcpuExitHandler() = default;
  virtual void io_in(uint16_t port, std::span<uint8_t> data) = 0;
  virtual void io_out(uint16_t port, std::span<const uint8_t> data) = 0;
  virtual void mmio_read(uint64_t addr, std::span<uint8_t> data) = 0;
  virtual void mmio_write(uint64_t addr, std::span<const uint8_t> data) = 0;
  // Triple fault, KVM_SYSTEM_EVENT reset/shutdown or HLT without an in-kernel irqchip.
  // `what` describes it; the vCPU thread ends after this call.
  virtual void guest_stopped(uint32_t vcpu, bool poweroff, const std::string& what) = 0;
  // The vCPU cannot go on; the thread ends after this call.
  virtual void vcpu_fatal(uint32_t vcpu, const std::string& message) = 0;
};

class VcpuThread {
 public:
  enum class State { kCreated, kRunning, kPaused, kStopped };

  VcpuThread(hypervisor::VcpuFd vcpu, VcpuExitHandler& handler);
  ~VcpuThread();  // stops and joins
  VcpuThread(const VcpuThread&) = delete;
  VcpuThread& operator=(const VcpuThread&) = delete;

  // Starts the thread; with `paused` it parks before the first KVM_RUN.
  Result<void> start(bool paused);
  // Returns once the thread is parked (or has ended).
  void pause();
  void resume();
  // Ends the thread and joins it. Idempotent.
  void stop();

  State state() const;
  uint32_t id() const { return vcpu_.id(); }
  // Host thread id (gettid) once the thread runs, 0 before.
  int64_t host_tid() const { return host_tid_.load(std::memory_order_acquire); }
  hypervisor::VcpuFd& vcpu() { return vcpu_; }

 private:
  enum class Request { kRun, kPause, kStop };
  void run_loop();
  bool wait_while_paused();  // false when asked to stop
  void dispatch(const hypervisor::VcpuExit& exit, bool& keep_running);
  void kick();
  void finish();

  hypervisor::VcpuFd vcpu_;
  VcpuExitHandler& handler_;
  pthread_t thread_{};
  bool started_ = false;
  bool joined_ = false;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Request request_ = Request::kRun;
  State state_ = State::kCreated;
  std::atomic<int64_t> host_tid_{0};
};

std::string_view to_string(VcpuThread::State s);

}  // namespace stratovirt::machine
