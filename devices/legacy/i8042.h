// SPDX-License-Identifier: MulanPSL-2.0
//
// i8042 keyboard controller, enough for guest reboot and a polite probe.
//
// Models the 8042 host interface (IBM PC/AT Technical Reference; Linux
// drivers/input/serio/i8042.h): the data port 0x60 and the status/command port 0x64, the
// controller command byte (CTR), self tests (0xAA -> 0x55, 0xAB -> 0x00), output-port
// writes (0xD1) and the reset pulse (0xF0..0xFF with bit 0 clear, i.e. 0xFE: what Linux
// does for `reboot=k`), which calls the injected reset callback. A keyboard without keys
// answers the commands Linux's atkbd sends (ACK 0xFA, reset -> 0xAA, identify -> AB 83,
// echo). No mouse: AUX commands are dropped (the driver times out and goes on).
// The input buffer is never full (commands run at once), so reset loops that wait for
// IBF=0 never spin. IRQ 1 is raised (level, optional line) while keyboard data waits and
// CTR bit 0 is set.
// Owned by the machine. The controller spans two ports that are not adjacent, so it is
// put on the PIO Bus through two small views: data_port() at 0x60 and command_port() at
// 0x64 (1 byte each). Threads: vCPU threads, one mutex; callbacks and the IRQ line are
// invoked with the mutex released (reset) or held (IRQ; IrqLine never calls back).
// Nothing a guest does fails; unknown commands are ignored (rate-limited log).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "stratovirt/devices/irq_line.h"
#include "stratovirt/memory/bus.h"

namespace stratovirt::devices {

inline constexpr uint64_t kI8042DataPort = 0x60;
inline constexpr uint64_t kI8042CommandPort = 0x64;

class I8042 : public std::enable_shared_from_this<I8042> {
 public:
  using ResetCallback = std::function<void()>;

  // `kbd_irq` may be null (no interrupt). It must outlive the controller.
  static std::shared_ptr<I8042> create(ResetCallback on_reset, IrqLine* kbd_irq = nullptr);

  // Bus views (1 byte each): put data_port() at 0x60 and command_port() at 0x64.
  std::shared_ptr<BusDevice> data_port();
  std::shared_ptr<BusDevice> command_port();

  uint8_t read_data();
  uint8_t read_status();
  void write_data(uint8_t value);
  void write_command(uint8_t value);
  void reset();

 private:
  struct OutByte {
    uint8_t value;
    bool aux;
  };
  I8042(ResetCallback on_reset, IrqLine* kbd_irq)
      : on_reset_(std::move(on_reset)), kbd_irq_(kbd_irq) {}
  void push_locked(uint8_t value, bool aux = false);
  void keyboard_command_locked(uint8_t value);
  void update_irq_locked();

  const ResetCallback on_reset_;
  IrqLine* const kbd_irq_;
  std::mutex mu_;
  std::deque<OutByte> out_;
  uint8_t ctr_ = 0x45;   // kbd IRQ on, system flag, translation (as firmware leaves it)
  uint8_t pending_ = 0;  // controller command waiting for its data byte (0x60, 0xD1..0xD3)
  uint8_t output_port_ = 0x01;
  bool last_was_command_ = false;
  bool kbd_expects_arg_ = false;  // keyboard command (0xED, 0xF0, 0xF3) waiting for its argument
  bool irq_level_ = false;
};

}  // namespace stratovirt::devices
