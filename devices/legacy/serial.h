// SPDX-License-Identifier: MulanPSL-2.0
//
// 16550A UART model for the legacy console (COM1 at I/O 0x3F8, IRQ 4 on microvm).
//
// Emulates the 16550A register file (National Semiconductor PC16550D datasheet): RBR/THR,
// IER, IIR/FCR with 16-byte FIFOs, LCR with the DLAB divisor latch, MCR with loopback,
// LSR, MSR and SCR. No DMA, no modem lines (MSR reports CTS/DSR/DCD asserted), no baud
// timing: a byte written to THR leaves at once, so THR is always empty. The character
// timeout interrupt is raised as soon as fewer bytes than the trigger level wait (there is
// no timer to wait four character times). Output goes to an injected CharBackend; input
// arrives through its input handler with back-pressure (only what fits in the RX FIFO is
// accepted; input_ready() is called once space frees). The interrupt leaves through an
// injected level IrqLine (asserted while any enabled interrupt is pending; OUT2 does not
// gate it). Owned by the machine; placed on the PIO Bus (8 bytes).
// Threads: read()/write() run on vCPU threads; backend input arrives on the backend's
// event loop; both take the device mutex. Lock order: device mutex, then the backend's
// output lock (write()) and the IrqLine; input_ready() is called with the mutex released.
// Nothing a guest does fails: unknown offsets are ignored (rate-limited log).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "stratovirt/devices/char_backend.h"
#include "stratovirt/devices/irq_line.h"
#include "stratovirt/memory/bus.h"

namespace stratovirt::devices {

inline constexpr uint64_t kSerialRegisterSpan = 8;

class Serial final : public BusDevice {
 public:
  static constexpr size_t kFifoSize = 16;

  // `backend` may be null (output discarded, no input). Installs the backend's input
  // handler: call on the backend's loop thread or before that loop runs. `irq` and
  // `backend` must stay alive while vCPUs can reach the Serial; either may be destroyed
  // first at teardown: the destructor does not touch the backend, and the installed
  // handler turns into a sink (input discarded) once the Serial is gone.
  Serial(std::string id, IrqLine& irq, CharBackend* backend);
  ~Serial() override;
  Serial(const Serial&) = delete;
  Serial& operator=(const Serial&) = delete;

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;
  std::string_view name() const override { return id_; }

  // Power-on state (machine reset). Lowers the interrupt line.
  void reset();

  // Host input, as the backend delivers it; returns how many bytes were accepted.
  size_t receive(std::span<const uint8_t> bytes);

 private:
  uint8_t read_register_locked(uint64_t reg, bool& notify_ready);
  void write_register_locked(uint64_t reg, uint8_t value, bool& notify_ready);
  void write_thr_locked(uint8_t value);
  void write_mcr_locked(uint8_t value, bool& notify_ready);
  uint8_t interrupt_id_locked() const;
  uint8_t modem_status_bits_locked() const;
  void update_irq_locked();
  size_t rx_capacity_locked() const;
  void rx_push_locked(uint8_t byte);
  uint8_t rx_pop_locked();
  void rx_clear_locked() { rx_count_ = 0; rx_head_ = 0; }
  bool fifo_enabled_locked() const { return (fcr_ & 0x01) != 0; }

  // Shared with the backend's input handler, which may outlive the Serial.
  struct InputGuard {
    explicit InputGuard(Serial* s) : serial(s) {}
    std::mutex mu;
    Serial* serial;
  };

  const std::string id_;
  IrqLine& irq_;
  CharBackend* const backend_;
  std::shared_ptr<InputGuard> input_guard_;

  std::mutex mu_;
  std::array<uint8_t, kFifoSize> rx_{};
  size_t rx_head_ = 0;
  size_t rx_count_ = 0;
  bool input_blocked_ = false;  // the backend holds input we refused
  uint8_t ier_ = 0;
  uint8_t fcr_ = 0;  // write-only register; kept for FIFO enable and trigger level
  uint8_t lcr_ = 0;
  uint8_t mcr_ = 0;
  uint8_t lsr_errors_ = 0;  // OE (bit 1); other error bits are never produced
  uint8_t msr_delta_ = 0;   // MSR bits 0..3
  uint8_t scr_ = 0;
  uint16_t divisor_ = 12;  // 9600 baud at 1.8432 MHz
  bool thr_pending_ = false;
  bool irq_level_ = false;
};

}  // namespace stratovirt::devices
