// SPDX-License-Identifier: MulanPSL-2.0
//
// The device test tier's text protocol (StratoVirt's `-mod-test`, inventory §9.2) and the
// VMM side of its socket.
//
// execute_test_command() runs one command against the test machine's guest RAM, MMIO and
// PIO buses, recorded interrupt lines and virtual clock, and returns the reply without the
// trailing "\r\n": `OK ...`, `ERR <reason>` for a command that is understood but cannot be
// done (bad number, address neither RAM nor a device, wrong data length), or
// `Unsupported command`. Commands: read/write/readb..q/writeb..q/memset, clock_step/
// clock_set, query_msix, query_intx/eoi_intx, and x86 port I/O inb/inw/inl/outb/outw/outl.
// TestSocketClient connects to the driver's socket, reads one command per message (the
// driver sends without a newline and waits for the reply; "\n"-separated lines are also
// accepted), and calls on_close when the driver goes away.
// Owned by the test machine. Threads: the main loop thread only (a QueueNotify written
// here runs the device synchronously). Failure: connect() names the socket path; nothing
// a driver sends can crash the VMM.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "machine/test_machine_irq.h"
#include "stratovirt/base/clock.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/base/unique_fd.h"
#include "stratovirt/memory/bus.h"
#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::machine {

// What the commands act on; all owned by the test machine.
struct TestTarget {
  const memory::GuestMemory* memory = nullptr;
  Bus* mmio = nullptr;
  Bus* pio = nullptr;
  TestIrqLines* irqs = nullptr;
  VirtualClock* clock = nullptr;
  EventLoop* loop = nullptr;  // its due timers run after a clock step
};

// Largest read/write/memset: keeps one reply and one message bounded.
inline constexpr uint64_t kTestMaxAccess = 16ULL << 20;

std::string execute_test_command(std::string_view command, const TestTarget& target);

// True while `buf` (no newline seen yet) is a `write` whose data is still arriving.
[[nodiscard]] bool test_command_incomplete(std::string_view buf);

class TestSocketClient {
 public:
  // Connects to the unix socket `path` and serves it on `loop`.
  static Result<std::unique_ptr<TestSocketClient>> connect(const std::string& path, EventLoop& loop,
                                                           TestTarget target,
                                                           std::function<void()> on_close);
  ~TestSocketClient();
  TestSocketClient(const TestSocketClient&) = delete;
  TestSocketClient& operator=(const TestSocketClient&) = delete;

 private:
  TestSocketClient(UniqueFd fd, EventLoop& loop, TestTarget target, std::function<void()> on_close)
      : fd_(std::move(fd)), loop_(loop), target_(target), on_close_(std::move(on_close)) {}
  void on_readable();
  // Reads what is available; false on EOF or error.
  bool fill();
  void process();
  void reply(const std::string& line);
  void close();

  UniqueFd fd_;
  EventLoop& loop_;
  TestTarget target_;
  std::function<void()> on_close_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace stratovirt::machine
