// SPDX-License-Identifier: MulanPSL-2.0
//
// ConsoleDevice: creation, features, config space, activation, reset and kick dispatch.
// The control protocol is in console_control.cpp, the port data paths in console_port.cpp.
#include "stratovirt/virtio/console_device.h"

#include <algorithm>
#include <cstring>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::virtio {

using namespace console;  // NOLINT(google-build-using-namespace): spec constants only

ConsoleDevice::ConsoleDevice(std::string id, uint32_t max_ports,
                             std::vector<ConsolePortConfig> ports)
    : id_(std::move(id)), max_ports_(max_ports) {
  for (auto& cfg : ports) {
    ports_.push_back(Port{std::move(cfg), PortState{}, false});
  }
}

Result<std::unique_ptr<ConsoleDevice>> ConsoleDevice::create(const config::DeviceConfig& serial,
                                                             std::vector<ConsolePortConfig> ports) {
  const auto* spec = std::get_if<config::VirtioSerialDevice>(&serial.spec);
  if (spec == nullptr) {
    return errorf(ErrorCode::kInvalidArgument, "device {}: not a virtio-serial device",
                  serial.id);
  }
  if (spec->max_ports < 1 || spec->max_ports > kMaxPorts) {
    return errorf(ErrorCode::kInvalidArgument, "virtio-serial {}: max-ports {} not in 1..{}",
                  serial.id, spec->max_ports, kMaxPorts);
  }
  std::vector<bool> used(spec->max_ports, false);
  for (auto& p : ports) {
    if (p.owned_backend) {
      p.backend = p.owned_backend.get();
    }
    if (p.backend == nullptr) {
      return errorf(ErrorCode::kInvalidArgument, "virtio-serial {}: port {} has no chardev",
                    serial.id, p.id);
    }
    if (p.nr >= spec->max_ports) {
      return errorf(ErrorCode::kInvalidArgument,
                    "virtio-serial {}: port {}: nr {} is not below max-ports {}", serial.id,
                    p.id, p.nr, spec->max_ports);
    }
    if (used[p.nr]) {
      return errorf(ErrorCode::kAlreadyExists, "virtio-serial {}: port {}: nr {} is taken",
                    serial.id, p.id, p.nr);
    }
    used[p.nr] = true;
  }
  std::unique_ptr<ConsoleDevice> dev(new ConsoleDevice(serial.id, spec->max_ports,
                                                       std::move(ports)));
  for (auto& p : dev->ports_) {
    uint32_t nr = p.cfg.nr;
    ConsoleDevice* self = dev.get();
    p.cfg.backend->set_input_handler(
        [self, nr](std::span<const uint8_t> data) { return self->receive_input(nr, data); });
  }
  return dev;
}

ConsoleDevice::~ConsoleDevice() {
  for (auto& p : ports_) {
    p.cfg.backend->set_input_handler({});
  }
}

uint64_t ConsoleDevice::device_features() const {
  return feature_bit(kFeatureVersion1) | feature_bit(kFeatureIndirectDesc) |
         feature_bit(kFeatureEventIdx) | feature_bit(kFeatureMultiport) |
         feature_bit(kFeatureEmergWrite);
}

void ConsoleDevice::read_config(uint64_t offset, std::span<uint8_t> data) {
  std::array<uint8_t, kConfigSize> c{};  // cols = rows = 0: no console size
  std::memcpy(c.data() + 4, &max_ports_, sizeof(uint32_t));
  std::memset(data.data(), 0, data.size());
  if (offset < c.size()) {
    std::memcpy(data.data(), c.data() + offset, std::min<size_t>(data.size(), c.size() - offset));
  }
}

void ConsoleDevice::write_config(uint64_t offset, std::span<const uint8_t> data) {
  if (offset == 8 && !data.empty()) {  // emerg_wr: one character, whatever the driver state
    std::lock_guard lock(mu_);
    Port* target = port_by_nr(0);
    if (target == nullptr) {
      auto it = std::find_if(ports_.begin(), ports_.end(), [](auto& p) { return p.cfg.console; });
      target = it == ports_.end() ? nullptr : &*it;
    }
    if (target != nullptr) {
      target->cfg.backend->write(data.first(1));
    }
    return;
  }
  SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                     "virtio-serial {}: config write at {:#x} ignored", id_, offset);
}

Result<void> ConsoleDevice::activate(const memory::GuestMemory&, uint64_t features,
                                     std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) {
  if (queues.size() != num_queues()) {
    return errorf(ErrorCode::kInternal, "virtio-serial {}: {} queues, expected {}", id_,
                  queues.size(), num_queues());
  }
  std::unique_lock lock(mu_);
  queues_ = std::move(queues);
  interrupt_ = interrupt;
  multiport_ = (features & feature_bit(kFeatureMultiport)) != 0;
  control_out_.clear();
  if (!multiport_) {
    // Single-port mode (§5.3.6): port 0 exists and is open as soon as the driver is.
    if (Port* p = port_by_nr(0)) {
      p->state = PortState{true, true, true};
      wake_locked(*p);
    }
  }
  wake_backends(lock);
  return ok();
}

void ConsoleDevice::reset() {
  std::lock_guard lock(mu_);
  queues_.clear();
  interrupt_ = nullptr;
  multiport_ = false;
  control_out_.clear();
  for (auto& p : ports_) {
    p.state = PortState{};
  }
}

void ConsoleDevice::queue_notify(uint32_t queue) {
  std::unique_lock lock(mu_);
  if (!active_locked() || queue >= queues_.size()) {
    return;
  }
  Result<void> r = ok();
  if (queue == kControlRxQueue || queue == kControlTxQueue) {
    if (!multiport_) {
      return;
    }
    r = queue == kControlTxQueue ? process_control_tx_locked() : flush_control_locked();
  } else {
    uint32_t nr = queue < 2 ? 0 : (queue - 2) / 2;
    Port* p = port_by_nr(nr);
    if (p == nullptr || (nr != 0 && !multiport_)) {
      return;  // no port behind this queue pair: buffers stay with the device unused
    }
    if (queue % 2 == 1) {
      r = transmit_locked(*p);
    } else {
      wake_locked(*p);  // the driver posted receive buffers
    }
  }
  if (!r) {
    fail_locked(r.error(), queue);
  }
  wake_backends(lock);
}

std::optional<ConsoleDevice::PortState> ConsoleDevice::port_state(uint32_t nr) {
  std::lock_guard lock(mu_);
  Port* p = port_by_nr(nr);
  if (p == nullptr) {
    return std::nullopt;
  }
  return p->state;
}

ConsoleDevice::Port* ConsoleDevice::port_by_nr(uint32_t nr) {
  auto it = std::find_if(ports_.begin(), ports_.end(), [nr](auto& p) { return p.cfg.nr == nr; });
  return it == ports_.end() ? nullptr : &*it;
}

bool ConsoleDevice::active_locked() const {
  return !queues_.empty() && interrupt_ != nullptr && !interrupt_->needs_reset();
}

void ConsoleDevice::fail_locked(const Error& e, uint32_t queue) {
  SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                     "virtio-serial {}: queue {}: {}; device needs reset", id_, queue, e);
  if (interrupt_ != nullptr) {
    interrupt_->mark_needs_reset();
  }
}

void ConsoleDevice::wake_locked(Port& p) {
  if (p.input_blocked && p.state.guest_connected) {
    p.input_blocked = false;
    to_wake_.push_back(p.cfg.backend);
  }
}

void ConsoleDevice::wake_backends(std::unique_lock<std::mutex>& lock) {
  std::vector<CharBackend*> wake;
  wake.swap(to_wake_);
  lock.unlock();
  for (CharBackend* b : wake) {
    b->input_ready();
  }
}

Result<void> ConsoleDevice::signal_used(SplitQueue& q) {
  SV_ASSIGN_OR_RETURN(bool notify, q.needs_notification());
  if (notify) {
    interrupt_->signal(kInterruptUsedBuffer);
  }
  return ok();
}

}  // namespace stratovirt::virtio
