// SPDX-License-Identifier: MulanPSL-2.0
//
// ConsoleDevice control protocol (virtio 1.2 §5.3.6.2): messages the driver sends on the
// control transmitq, and the device's answers queued for the control receiveq.
#include "stratovirt/virtio/console_device.h"

#include <algorithm>
#include <cstring>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::virtio {

using namespace console;  // NOLINT(google-build-using-namespace): spec constants only

namespace {

// Answers are device-generated, a few per port; a guest that repeats DEVICE_READY without
// ever posting control receive buffers must not grow this without bound.
constexpr size_t kMaxPendingControl = 4 * kMaxPorts + 16;
// Longest PORT_NAME payload sent (Linux reads whatever length the used element says).
constexpr size_t kMaxPortName = 255;

}  // namespace

Result<void> ConsoleDevice::process_control_tx_locked() {
  SplitQueue& q = queues_[kControlTxQueue];
  bool completed = false;
  while (true) {
    SV_ASSIGN_OR_RETURN(auto chain, q.pop());
    if (!chain) {
      break;
    }
    if (chain->readable_bytes() < sizeof(ControlMessage)) {
      return errorf(ErrorCode::kGuest, "control message {} is {} bytes, shorter than {}",
                    chain->head(), chain->readable_bytes(), sizeof(ControlMessage));
    }
    ChainReader in(*chain);
    SV_ASSIGN_OR_RETURN(auto msg, in.read_obj<ControlMessage>());
    SV_RETURN_IF_ERROR(q.push_used(chain->head(), 0));
    completed = true;
    SV_RETURN_IF_ERROR(handle_control_locked(msg));
  }
  if (completed) {
    SV_RETURN_IF_ERROR(signal_used(q));
  }
  return flush_control_locked();
}

Result<void> ConsoleDevice::handle_control_locked(const ControlMessage& msg) {
  if (msg.event == kDeviceReady) {
    if (msg.value == 0) {
      SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                         "virtio-serial {}: driver reports it failed to initialise", id_);
      return ok();
    }
    for (auto& p : ports_) {
      p.state.added = true;
      queue_control_locked(p.cfg.nr, kDeviceAdd, 1);
    }
    return ok();
  }
  if (msg.event != kPortReady && msg.event != kPortOpen) {
    // RESIZE, CONSOLE_PORT, DEVICE_ADD/REMOVE and PORT_NAME travel device → driver only.
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-serial {}: control event {} from the driver ignored", id_,
                       msg.event);
    return ok();
  }
  if (msg.id >= max_ports_) {
    return errorf(ErrorCode::kGuest, "control event {} for port {}, max_nr_ports is {}",
                  msg.event, msg.id, max_ports_);
  }
  Port* p = port_by_nr(msg.id);
  if (p == nullptr || !p->state.added) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-serial {}: control event {} for port {} that was not added",
                       id_, msg.event, msg.id);
    return ok();
  }
  if (msg.event == kPortReady) {
    if (msg.value == 0) {
      SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                         "virtio-serial {}: guest failed to set up port {} ({})", id_, msg.id,
                         p->cfg.id);
      return ok();
    }
    p->state.guest_ready = true;
    if (p->cfg.console) {
      queue_control_locked(msg.id, kConsolePort, 1);
    }
    if (p->cfg.name) {
      queue_control_locked(msg.id, kPortName, 1, *p->cfg.name);
    }
    queue_control_locked(msg.id, kPortOpen, 1);  // the host side (chardev) is there
    return ok();
  }
  // PORT_OPEN: the guest opened or closed its end.
  p->state.guest_connected = msg.value != 0;
  if (p->state.guest_connected) {
    wake_locked(*p);
  }
  return ok();
}

void ConsoleDevice::queue_control_locked(uint32_t id, uint16_t event, uint16_t value,
                                         std::string_view extra) {
  if (control_out_.size() >= kMaxPendingControl) {
    SV_LOG_RATELIMITED(logger(kLoggerVirtio), spdlog::level::warn,
                       "virtio-serial {}: control receiveq starved, event {} for port {} dropped",
                       id_, event, id);
    return;
  }
  extra = extra.substr(0, kMaxPortName);
  ControlMessage msg{id, event, value};
  std::string bytes(sizeof(msg) + extra.size(), '\0');
  std::memcpy(bytes.data(), &msg, sizeof(msg));
  if (!extra.empty()) {
    std::memcpy(bytes.data() + sizeof(msg), extra.data(), extra.size());
  }
  control_out_.push_back(std::move(bytes));
}

Result<void> ConsoleDevice::flush_control_locked() {
  SplitQueue& q = queues_[kControlRxQueue];
  bool completed = false;
  while (!control_out_.empty()) {
    SV_ASSIGN_OR_RETURN(auto chain, q.pop());
    if (!chain) {
      break;  // the rest goes out when the driver posts more buffers (a control rx kick)
    }
    if (chain->writable_bytes() < sizeof(ControlMessage)) {
      return errorf(ErrorCode::kGuest, "control receive buffer {} is {} bytes, shorter than {}",
                    chain->head(), chain->writable_bytes(), sizeof(ControlMessage));
    }
    const std::string& m = control_out_.front();
    size_t n = std::min<size_t>(m.size(), chain->writable_bytes());  // a long name is cut
    ChainWriter out(*chain);
    SV_RETURN_IF_ERROR(out.write(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(m.data()), n)));
    SV_RETURN_IF_ERROR(q.push_used(chain->head(), static_cast<uint32_t>(n)));
    control_out_.pop_front();
    completed = true;
  }
  if (completed) {
    SV_RETURN_IF_ERROR(signal_used(q));
  }
  return ok();
}

}  // namespace stratovirt::virtio
