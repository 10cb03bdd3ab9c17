// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/legacy/serial.h"

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::devices {
namespace {

// Register offsets (DLAB = 0 unless noted).
constexpr uint64_t kRegData = 0;  // RBR (read) / THR (write); DLL when DLAB = 1
constexpr uint64_t kRegIer = 1;   // DLM when DLAB = 1
constexpr uint64_t kRegIir = 2;   // IIR (read) / FCR (write)
constexpr uint64_t kRegLcr = 3;
constexpr uint64_t kRegMcr = 4;
constexpr uint64_t kRegLsr = 5;
constexpr uint64_t kRegMsr = 6;
constexpr uint64_t kRegScr = 7;

constexpr uint8_t kIerRda = 0x01;   // received data available
constexpr uint8_t kIerThre = 0x02;  // transmitter holding register empty
constexpr uint8_t kIerRls = 0x04;   // receiver line status
constexpr uint8_t kIerMsi = 0x08;   // modem status
constexpr uint8_t kIerMask = 0x0F;

constexpr uint8_t kIirNone = 0x01;
constexpr uint8_t kIirMsi = 0x00;
constexpr uint8_t kIirThre = 0x02;
constexpr uint8_t kIirRda = 0x04;
constexpr uint8_t kIirRls = 0x06;
constexpr uint8_t kIirTimeout = 0x0C;
constexpr uint8_t kIirFifoEnabled = 0xC0;

constexpr uint8_t kFcrEnable = 0x01;
constexpr uint8_t kFcrClearRx = 0x02;
constexpr uint8_t kFcrClearTx = 0x04;

constexpr uint8_t kLcrDlab = 0x80;

constexpr uint8_t kMcrDtr = 0x01;
constexpr uint8_t kMcrRts = 0x02;
constexpr uint8_t kMcrOut1 = 0x04;
constexpr uint8_t kMcrOut2 = 0x08;
constexpr uint8_t kMcrLoop = 0x10;
constexpr uint8_t kMcrMask = 0x1F;

constexpr uint8_t kLsrDr = 0x01;
constexpr uint8_t kLsrOe = 0x02;
constexpr uint8_t kLsrThre = 0x20;
constexpr uint8_t kLsrTemt = 0x40;

constexpr uint8_t kMsrDcts = 0x01;
constexpr uint8_t kMsrDdsr = 0x02;
constexpr uint8_t kMsrTeri = 0x04;
constexpr uint8_t kMsrDdcd = 0x08;
constexpr uint8_t kMsrCts = 0x10;
constexpr uint8_t kMsrDsr = 0x20;
constexpr uint8_t kMsrRi = 0x40;
constexpr uint8_t kMsrDcd = 0x80;

constexpr size_t kTriggerLevels[4] = {1, 4, 8, 14};

}  // namespace

Serial::Serial(std::string id, IrqLine& irq, CharBackend* backend)
    : id_(std::move(id)),
      irq_(irq),
      backend_(backend),
      input_guard_(std::make_shared<InputGuard>(this)) {
  if (backend_ != nullptr) {
    backend_->set_input_handler([guard = input_guard_](std::span<const uint8_t> bytes) {
      std::lock_guard lock(guard->mu);
      return guard->serial != nullptr ? guard->serial->receive(bytes) : bytes.size();
    });
  }
}

Serial::~Serial() {
  std::lock_guard lock(input_guard_->mu);
  input_guard_->serial = nullptr;
}

void Serial::reset() {
  bool notify = false;
  {
    std::lock_guard lock(mu_);
    rx_clear_locked();
    notify = std::exchange(input_blocked_, false);
    ier_ = fcr_ = lcr_ = mcr_ = lsr_errors_ = msr_delta_ = scr_ = 0;
    divisor_ = 12;
    thr_pending_ = false;
    update_irq_locked();
  }
  if (notify && backend_ != nullptr) backend_->input_ready();
}

void Serial::read(uint64_t offset, std::span<uint8_t> data) {
  bool notify = false;
  {
    std::lock_guard lock(mu_);
    // Wider accesses behave like consecutive byte accesses on the ISA bus.
    for (size_t i = 0; i < data.size(); ++i) {
      uint64_t reg = offset + i;
      if (reg >= kSerialRegisterSpan) {
        SV_LOG_RATELIMITED(logger(kLoggerDevices), spdlog::level::warn,
                           "serial {}: read beyond registers at offset {}", id_, reg);
        data[i] = 0xFF;
        continue;
      }
      data[i] = read_register_locked(reg, notify);
    }
  }
  if (notify && backend_ != nullptr) backend_->input_ready();
}

void Serial::write(uint64_t offset, std::span<const uint8_t> data) {
  bool notify = false;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < data.size(); ++i) {
      uint64_t reg = offset + i;
      if (reg >= kSerialRegisterSpan) {
        SV_LOG_RATELIMITED(logger(kLoggerDevices), spdlog::level::warn,
                           "serial {}: write beyond registers at offset {}", id_, reg);
        continue;
      }
      write_register_locked(reg, data[i], notify);
    }
  }
  if (notify && backend_ != nullptr) backend_->input_ready();
}

uint8_t Serial::read_register_locked(uint64_t reg, bool& notify_ready) {
  bool dlab = (lcr_ & kLcrDlab) != 0;
  switch (reg) {
    case kRegData: {
      if (dlab) return static_cast<uint8_t>(divisor_ & 0xFF);
      if (rx_count_ == 0) return 0;
      uint8_t byte = rx_pop_locked();
      if (input_blocked_ && rx_capacity_locked() > 0) {
        input_blocked_ = false;
        notify_ready = true;
      }
      update_irq_locked();
      return byte;
    }
    case kRegIer:
      if (dlab) return static_cast<uint8_t>(divisor_ >> 8);
      return ier_;
    case kRegIir: {
      uint8_t id = interrupt_id_locked();
      // Reading IIR while THRE is the reported source acknowledges it.
      if (id == kIirThre) {
        thr_pending_ = false;
        update_irq_locked();
      }
      return static_cast<uint8_t>(id | (fifo_enabled_locked() ? kIirFifoEnabled : 0));
    }
    case kRegLcr:
      return lcr_;
    case kRegMcr:
      return mcr_;
    case kRegLsr: {
      uint8_t lsr = kLsrThre | kLsrTemt | lsr_errors_;
      if (rx_count_ > 0) lsr |= kLsrDr;
      lsr_errors_ = 0;  // reading LSR clears the error bits (and the RLS interrupt)
      update_irq_locked();
      return lsr;
    }
    case kRegMsr: {
      uint8_t msr = static_cast<uint8_t>(modem_status_bits_locked() | msr_delta_);
      msr_delta_ = 0;
      update_irq_locked();
      return msr;
    }
    case kRegScr:
      return scr_;
  }
  return 0xFF;
}

void Serial::write_register_locked(uint64_t reg, uint8_t value, bool& notify_ready) {
  bool dlab = (lcr_ & kLcrDlab) != 0;
  switch (reg) {
    case kRegData:
      if (dlab) {
        divisor_ = static_cast<uint16_t>((divisor_ & 0xFF00) | value);
      } else {
        write_thr_locked(value);
      }
      break;
    case kRegIer:
      if (dlab) {
        divisor_ = static_cast<uint16_t>((divisor_ & 0x00FF) | (value << 8));
      } else {
        uint8_t changed = static_cast<uint8_t>((ier_ ^ value) & kIerMask);
        ier_ = value & kIerMask;
        // Enabling ETBEI with THR empty (always, here) raises THRE at once; Linux's
        // 8250 driver relies on this (UART_BUG_THRE probe).
        if (changed & kIerThre) thr_pending_ = (ier_ & kIerThre) != 0;
        update_irq_locked();
      }
      break;
    case kRegIir: {  // FCR
      bool was_enabled = fifo_enabled_locked();
      bool enable = (value & kFcrEnable) != 0;
      if (enable != was_enabled || (value & kFcrClearRx)) {
        rx_clear_locked();
        lsr_errors_ = 0;
      }
      if (value & kFcrClearTx) thr_pending_ = (ier_ & kIerThre) != 0;
      fcr_ = value & 0xC9;  // enable, DMA mode, trigger level; clear bits self-reset
      if (input_blocked_ && rx_capacity_locked() > 0) {
        input_blocked_ = false;
        notify_ready = true;
      }
      update_irq_locked();
      break;
    }
    case kRegLcr:
      lcr_ = value;
      break;
    case kRegMcr:
      write_mcr_locked(value, notify_ready);
      break;
    case kRegLsr:
      break;  // factory test register; writes ignored
    case kRegMsr:
      break;  // read-only
    case kRegScr:
      scr_ = value;
      break;
  }
}

void Serial::write_thr_locked(uint8_t value) {
  if (mcr_ & kMcrLoop) {
    if (rx_capacity_locked() > 0) {
      rx_push_locked(value);
    } else {
      lsr_errors_ |= kLsrOe;
    }
  } else if (backend_ != nullptr) {
    backend_->write(std::span<const uint8_t>(&value, 1));
  }
  // The byte left at once: THR is empty again.
  thr_pending_ = (ier_ & kIerThre) != 0;
  update_irq_locked();
}

void Serial::write_mcr_locked(uint8_t value, bool& notify_ready) {
  uint8_t old_status = modem_status_bits_locked();
  bool was_loop = (mcr_ & kMcrLoop) != 0;
  mcr_ = value & kMcrMask;
  uint8_t new_status = modem_status_bits_locked();
  uint8_t changed = old_status ^ new_status;
  if (changed & kMsrCts) msr_delta_ |= kMsrDcts;
  if (changed & kMsrDsr) msr_delta_ |= kMsrDdsr;
  if (changed & kMsrDcd) msr_delta_ |= kMsrDdcd;
  if ((old_status & kMsrRi) && !(new_status & kMsrRi)) msr_delta_ |= kMsrTeri;
  // Leaving loopback reconnects the receiver to the host: let held-back input in.
  if (was_loop && !(mcr_ & kMcrLoop) && input_blocked_ && rx_capacity_locked() > 0) {
    input_blocked_ = false;
    notify_ready = true;
  }
  update_irq_locked();
}

uint8_t Serial::modem_status_bits_locked() const {
  if (!(mcr_ & kMcrLoop)) return kMsrCts | kMsrDsr | kMsrDcd;
  uint8_t msr = 0;
  if (mcr_ & kMcrRts) msr |= kMsrCts;
  if (mcr_ & kMcrDtr) msr |= kMsrDsr;
  if (mcr_ & kMcrOut1) msr |= kMsrRi;
  if (mcr_ & kMcrOut2) msr |= kMsrDcd;
  return msr;
}

uint8_t Serial::interrupt_id_locked() const {
  if ((ier_ & kIerRls) && (lsr_errors_ & kLsrOe)) return kIirRls;
  if ((ier_ & kIerRda) && rx_count_ > 0) {
    size_t trigger = fifo_enabled_locked() ? kTriggerLevels[fcr_ >> 6] : 1;
    return rx_count_ >= trigger ? kIirRda : kIirTimeout;
  }
  if ((ier_ & kIerThre) && thr_pending_) return kIirThre;
  if ((ier_ & kIerMsi) && msr_delta_ != 0) return kIirMsi;
  return kIirNone;
}

void Serial::update_irq_locked() {
  bool level = interrupt_id_locked() != kIirNone;
  if (level == irq_level_) return;
  irq_level_ = level;
  irq_.set_level(level);
}

size_t Serial::rx_capacity_locked() const {
  size_t size = fifo_enabled_locked() ? kFifoSize : 1;
  return rx_count_ >= size ? 0 : size - rx_count_;
}

void Serial::rx_push_locked(uint8_t byte) {
  rx_[(rx_head_ + rx_count_) % kFifoSize] = byte;
  ++rx_count_;
}

uint8_t Serial::rx_pop_locked() {
  uint8_t byte = rx_[rx_head_];
  rx_head_ = (rx_head_ + 1) % kFifoSize;
  --rx_count_;
  return byte;
}

size_t Serial::receive(std::span<const uint8_t> bytes) {
  std::lock_guard lock(mu_);
  // In loopback the receiver is disconnected from the outside world.
  size_t room = (mcr_ & kMcrLoop) ? 0 : rx_capacity_locked();
  size_t n = std::min(room, bytes.size());
  for (size_t i = 0; i < n; ++i) rx_push_locked(bytes[i]);
  if (n < bytes.size()) input_blocked_ = true;
  if (n > 0) update_irq_locked();
  return n;
}

}  // namespace stratovirt::devices
