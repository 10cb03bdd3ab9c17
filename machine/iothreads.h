// SPDX-License-Identifier: MulanPSL-2.0
//
// IoThreads: the `-object iothread,id=` threads, each running its own EventLoop.
//
// Devices with iothread=<id> get that loop as their data-plane loop (queue kicks, I/O
// completions, timers). Loops are created at realize time so devices can register fds
// before the threads run; start() spawns the threads, stop() (also the destructor) ends
// them and joins. Owned by the machine. Threads: create/start/stop/find from the main
// thread; each loop runs on its own thread. Failure: create() fails when a loop cannot be
// created, start() when a thread cannot be spawned.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "stratovirt/base/event_loop.h"
#include "stratovirt/config/vm_config.h"

namespace stratovirt::machine {

class IoThreads {
 public:
  struct Info {
    std::string id;
    pid_t tid = 0;  // 0 until the thread runs
  };

  static Result<std::unique_ptr<IoThreads>> create(const config::VmConfig& cfg);
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  // The loop of iothread `id`, or nullptr.
  EventLoop* find(std::string_view id) const;
  Result<void> start();
  void stop();
  std::vector<Info> info() const;

 private:
  struct Thread {
    std::string id;
    std::unique_ptr<EventLoop> loop;
    std::thread thread;
    std::atomic<pid_t> tid{0};
  };
  IoThreads() = default;
  std::vector<std::unique_ptr<Thread>> threads_;
};

}  // namespace stratovirt::machine
