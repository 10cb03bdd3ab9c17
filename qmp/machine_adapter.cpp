// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/machine_adapter.h"

#include "stratovirt/virtio/balloon_device.h"

namespace stratovirt::qmp {
namespace {

using machine::MachineState;
using machine::ShutdownReason;

ShutdownCause cause_of(ShutdownReason reason) {
  switch (reason) {
    case ShutdownReason::kGuestReset: return ShutdownCause::kGuestReset;
    case ShutdownReason::kGuestPoweroff: return ShutdownCause::kGuestShutdown;
    case ShutdownReason::kGuestPanic: return ShutdownCause::kGuestPanic;
    case ShutdownReason::kHostRequest: return ShutdownCause::kHostQmpQuit;
    case ShutdownReason::kFatalError: return ShutdownCause::kHostError;
  }
  return ShutdownCause::kHostError;
}

}  // namespace

MachineAdapter::MachineAdapter(machine::Machine& machine, const config::VmConfig& config,
                               bool start_paused, std::vector<ChardevInfo> chardevs,
                               ShutdownListener listener)
    : machine_(machine),
      config_(config),
      prelaunch_(start_paused),
      chardevs_(std::move(chardevs)),
      listener_(std::move(listener)) {
  machine_.set_shutdown_callback(
      [this](const machine::ShutdownEvent& event) { on_shutdown(event); });
}

RunState MachineAdapter::run_state() const {
  switch (machine_.state()) {
    case MachineState::kCreated: return RunState::kPrelaunch;
    case MachineState::kRunning: return RunState::kRunning;
    case MachineState::kPaused: return prelaunch_ ? RunState::kPrelaunch : RunState::kPaused;
    case MachineState::kShutdown: {
      auto event = machine_.shutdown_event();
      if (event && event->reason == ShutdownReason::kFatalError) return RunState::kInternalError;
      if (event && event->reason == ShutdownReason::kGuestPanic) return RunState::kGuestPanicked;
      return RunState::kShutdown;
    }
  }
  return RunState::kShutdown;
}

Result<void> MachineAdapter::pause() {
  if (machine_.state() != MachineState::kRunning) return ok();  // QEMU: nothing to stop
  return machine_.pause();
}

Result<void> MachineAdapter::resume() {
  RunState state = run_state();
  if (needs_reset(state)) {
    return make_error(ErrorCode::kInvalidArgument, "Resetting the Virtual Machine is required");
  }
  if (state == RunState::kRunning) return ok();
  SV_RETURN_IF_ERROR(machine_.resume());
  prelaunch_ = false;
  return ok();
}

void MachineAdapter::request_shutdown(ShutdownCause cause) {
  if (!requested_) requested_ = cause;
  machine_.request_shutdown(ShutdownReason::kHostRequest, std::string(to_string(cause)));
}

Result<void> MachineAdapter::request_powerdown() {
  request_shutdown(ShutdownCause::kGuestShutdown);
  return ok();
}

Result<ResetOutcome> MachineAdapter::request_reset() {
  request_shutdown(ShutdownCause::kHostQmpSystemReset);
  return ResetOutcome::kShutdown;
}

std::vector<VcpuInfo> MachineAdapter::vcpus() const {
  std::vector<VcpuInfo> out;
  for (const auto& v : machine_.vcpus()) {
    // `halted` is not observable with the in-kernel LAPIC (HLT does not exit); report false
    // as StratoVirt does.
    out.push_back(VcpuInfo{v.index, v.host_tid, false, cpu_props(config_.smp, v.index)});
  }
  return out;
}

std::vector<ChardevInfo> MachineAdapter::chardevs() const {
  std::vector<ChardevInfo> out = chardevs_;
  for (const auto& c : machine_.chardevs()) out.push_back(ChardevInfo{c.id, c.description, true});
  return out;
}

std::vector<IothreadInfo> MachineAdapter::iothreads() const {
  std::vector<IothreadInfo> out;
  for (const auto& t : machine_.iothreads()) out.push_back(IothreadInfo{t.id, t.host_tid});
  return out;
}

std::optional<std::vector<HotpluggableCpu>> MachineAdapter::hotpluggable_cpus() const {
  return topology_cpus(config_.smp, vcpus());
}

MachineAdapter::~MachineAdapter() {
  if (auto* balloon = machine_.balloon()) balloon->set_actual_listener({});
}

void MachineAdapter::emit_balloon_events(EventQueue& events, EventLoop& loop) {
  virtio::BalloonControl* balloon = machine_.balloon();
  if (balloon == nullptr) return;
  balloon->set_actual_listener([&events, &loop](uint64_t actual) {
    loop.post([&events, actual] { events.emit("BALLOON_CHANGED", {{"actual", actual}}); });
  });
}

std::optional<uint64_t> MachineAdapter::balloon_actual() const {
  const virtio::BalloonControl* balloon = machine_.balloon();
  if (balloon == nullptr) return std::nullopt;
  return balloon->actual_bytes();
}

Result<void> MachineAdapter::set_balloon_target(uint64_t bytes) {
  virtio::BalloonControl* balloon = machine_.balloon();
  if (balloon == nullptr) {
    return make_error(ErrorCode::kNotFound, "No balloon device has been activated");
  }
  return balloon->set_target_bytes(bytes);
}

void MachineAdapter::on_shutdown(const machine::ShutdownEvent& event) {
  if (reported_) return;
  reported_ = true;
  ShutdownCause cause = cause_of(event.reason);
  if (event.reason == ShutdownReason::kHostRequest && requested_) cause = *requested_;
  if (listener_) listener_(cause);
}

}  // namespace stratovirt::qmp
