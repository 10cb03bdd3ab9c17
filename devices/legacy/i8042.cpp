// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/legacy/i8042.h"

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::devices {
namespace {

constexpr uint8_t kStatusObf = 0x01;     // output buffer full
constexpr uint8_t kStatusSys = 0x04;     // system flag (self test passed)
constexpr uint8_t kStatusCmd = 0x08;     // last write was to the command port
constexpr uint8_t kStatusUnlock = 0x10;  // keyboard not inhibited
constexpr uint8_t kStatusAuxObf = 0x20;  // the waiting byte comes from the aux port

constexpr uint8_t kCtrKbdInt = 0x01;
constexpr uint8_t kCtrKbdDisable = 0x10;
constexpr uint8_t kCtrAuxDisable = 0x20;

constexpr size_t kMaxQueued = 16;

class PortView final : public BusDevice {
 public:
  PortView(std::shared_ptr<I8042> ctl, bool command) : ctl_(std::move(ctl)), command_(command) {}
  void read(uint64_t, std::span<uint8_t> data) override {
    if (data.empty()) return;
    data[0] = command_ ? ctl_->read_status() : ctl_->read_data();
    for (size_t i = 1; i < data.size(); ++i) data[i] = 0xFF;
  }
  void write(uint64_t, std::span<const uint8_t> data) override {
    if (data.empty()) return;
    if (command_) {
      ctl_->write_command(data[0]);
    } else {
      ctl_->write_data(data[0]);
    }
  }
  std::string_view name() const override { return command_ ? "i8042-cmd" : "i8042-data"; }

 private:
  std::shared_ptr<I8042> ctl_;
  bool command_;
};

}  // namespace

std::shared_ptr<I8042> I8042::create(ResetCallback on_reset, IrqLine* kbd_irq) {
  return std::shared_ptr<I8042>(new I8042(std::move(on_reset), kbd_irq));
}

std::shared_ptr<BusDevice> I8042::data_port() {
  return std::make_shared<PortView>(shared_from_this(), false);
}

std::shared_ptr<BusDevice> I8042::command_port() {
  return std::make_shared<PortView>(shared_from_this(), true);
}

void I8042::reset() {
  std::lock_guard lock(mu_);
  out_.clear();
  ctr_ = 0x45;
  pending_ = 0;
  output_port_ = 0x01;
  last_was_command_ = false;
  kbd_expects_arg_ = false;
  update_irq_locked();
}

uint8_t I8042::read_status() {
  std::lock_guard lock(mu_);
  uint8_t status = kStatusSys | kStatusUnlock;
  if (!out_.empty()) {
    status |= kStatusObf;
    if (out_.front().aux) status |= kStatusAuxObf;
  }
  if (last_was_command_) status |= kStatusCmd;
  return status;
}

uint8_t I8042::read_data() {
  std::lock_guard lock(mu_);
  if (out_.empty()) return 0;
  uint8_t value = out_.front().value;
  out_.pop_front();
  update_irq_locked();
  return value;
}

void I8042::write_command(uint8_t value) {
  bool do_reset = false;
  {
    std::lock_guard lock(mu_);
    last_was_command_ = true;
    pending_ = 0;
    switch (value) {
      case 0x20:  // read CTR
        push_locked(ctr_);
        break;
      case 0x60:  // write CTR (next data byte)
      case 0xD1:  // write output port
      case 0xD2:  // write keyboard output buffer
      case 0xD3:  // write aux output buffer
      case 0xD4:  // write to aux device
        pending_ = value;
        break;
      case 0xA7:
        ctr_ |= kCtrAuxDisable;
        break;
      case 0xA8:
        ctr_ &= static_cast<uint8_t>(~kCtrAuxDisable);
        break;
      case 0xA9:  // aux interface test: clock line stuck low (no mouse)
        push_locked(0x02);
        break;
      case 0xAA:  // controller self test
        push_locked(0x55);
        break;
      case 0xAB:  // keyboard interface test
        push_locked(0x00);
        break;
      case 0xAD:
        ctr_ |= kCtrKbdDisable;
        break;
      case 0xAE:
        ctr_ &= static_cast<uint8_t>(~kCtrKbdDisable);
        break;
      case 0xC0:  // read input port
        push_locked(0x00);
        break;
      case 0xD0:  // read output port
        push_locked(output_port_);
        break;
      default:
        if (value >= 0xF0) {
          // Pulse output lines: bit 0 low pulses the CPU reset line.
          do_reset = (value & 0x01) == 0;
        } else {
          SV_LOG_RATELIMITED(logger(kLoggerDevices), spdlog::level::debug,
                             "i8042: unsupported controller command {:#04x}", value);
        }
        break;
    }
    update_irq_locked();
  }
  if (do_reset && on_reset_) on_reset_();
}

void I8042::write_data(uint8_t value) {
  bool do_reset = false;
  {
    std::lock_guard lock(mu_);
    last_was_command_ = false;
    uint8_t cmd = std::exchange(pending_, 0);
    switch (cmd) {
      case 0x60:
        ctr_ = value;
        break;
      case 0xD1:
        output_port_ = value;
        do_reset = (value & 0x01) == 0;  // bit 0 is the CPU reset line (active low)
        break;
      case 0xD2:
        push_locked(value);
        break;
      case 0xD3:
        push_locked(value, true);
        break;
      case 0xD4:
        break;  // no aux device
      default:
        keyboard_command_locked(value);
        break;
    }
    update_irq_locked();
  }
  if (do_reset && on_reset_) on_reset_();
}

void I8042::keyboard_command_locked(uint8_t value) {
  if (kbd_expects_arg_) {
    kbd_expects_arg_ = false;
    push_locked(0xFA);
    return;
  }
  switch (value) {
    case 0xFF:  // reset: ACK, then basic assurance test passed
      push_locked(0xFA);
      push_locked(0xAA);
      break;
    case 0xF2:  // identify: MF2 keyboard
      push_locked(0xFA);
      push_locked(0xAB);
      push_locked(0x83);
      break;
    case 0xEE:  // echo
      push_locked(0xEE);
      break;
    case 0xED:  // set LEDs
    case 0xF0:  // scan code set
    case 0xF3:  // typematic rate
      kbd_expects_arg_ = true;
      push_locked(0xFA);
      break;
    default:
      push_locked(0xFA);
      break;
  }
}

void I8042::push_locked(uint8_t value, bool aux) {
  if (out_.size() >= kMaxQueued) return;
  out_.push_back({value, aux});
}

void I8042::update_irq_locked() {
  if (kbd_irq_ == nullptr) return;
  bool level = !out_.empty() && !out_.front().aux && (ctr_ & kCtrKbdInt);
  if (level == irq_level_) return;
  irq_level_ = level;
  kbd_irq_->set_level(level);
}

}  // namespace stratovirt::devices
