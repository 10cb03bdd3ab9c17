// SPDX-License-Identifier: MulanPSL-2.0
// MicroVm lifecycle and vCPU exit handling.
#include "machine/micro_vm.h"

#include "devices/legacy/debug_port.h"
#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::machine {

Result<std::unique_ptr<MicroVm>> MicroVm::create(const config::VmConfig& cfg, EventLoop& loop) {
  SV_ASSIGN_OR_RETURN(auto kvm, hypervisor::Kvm::open());
  SV_ASSIGN_OR_RETURN(auto vm, kvm.create_vm());
  std::unique_ptr<MicroVm> machine(new MicroVm(loop, std::move(vm)));
  SV_RETURN_IF_ERROR(machine->realize(cfg, kvm));
  return machine;
}

MicroVm::~MicroVm() {
  // Explicit teardown order: no vCPU touches a device, devices (which hold the serial
  // backend and IRQ lines by reference) go before what they reference.
  for (auto& v : vcpus_) v->stop();
  vcpus_.clear();
  if (iothreads_) iothreads_->stop();
  kicks_.clear();
  pio_.reset();
  mmio_.reset();
  virtio_.reset();
  debug_port_.reset();
  devices_.clear();
  serial_backend_.reset();
  irq_lines_.clear();
}

void MicroVm::set_shutdown_callback(ShutdownCallback callback) { on_shutdown_ = std::move(callback); }

Result<void> MicroVm::start(bool paused) {
  if (state_ != MachineState::kCreated) {
    return errorf(ErrorCode::kInvalidArgument, "machine is {}, not created", to_string(state_));
  }
  if (iothreads_) SV_RETURN_IF_ERROR(iothreads_->start());
  for (auto& v : vcpus_) SV_RETURN_IF_ERROR(v->start(paused));
  state_ = paused ? MachineState::kPaused : MachineState::kRunning;
  logger(kLoggerMachine)->info("microvm started ({} vCPUs{})", vcpus_.size(),
                               paused ? ", paused" : "");
  return ok();
}

Result<void> MicroVm::pause() {
  if (state_ != MachineState::kRunning) {
    return errorf(ErrorCode::kInvalidArgument, "machine is {}, not running", to_string(state_));
  }
  for (auto& v : vcpus_) v->pause();
  state_ = MachineState::kPaused;
  return ok();
}

Result<void> MicroVm::resume() {
  if (state_ != MachineState::kPaused) {
    return errorf(ErrorCode::kInvalidArgument, "machine is {}, not paused", to_string(state_));
  }
  for (auto& v : vcpus_) v->resume();
  state_ = MachineState::kRunning;
  return ok();
}

void MicroVm::request_shutdown(ShutdownReason reason, std::string detail) {
  shutdown_posted_ = true;
  shutdown_on_loop(reason, std::move(detail));
}

void MicroVm::post_shutdown(ShutdownReason reason, std::string detail) {
  if (shutdown_posted_.exchange(true)) return;
  std::weak_ptr<MicroVm*> token = self_token_;
  loop_.post([token, reason, detail = std::move(detail)]() mutable {
    if (auto self = token.lock()) (*self)->shutdown_on_loop(reason, std::move(detail));
  });
}

void MicroVm::shutdown_on_loop(ShutdownReason reason, std::string detail) {
  if (shutdown_) return;
  for (auto& v : vcpus_) v->stop();
  ShutdownEvent ev;
  ev.reason = reason;
  ev.exit_code = reason == ShutdownReason::kFatalError ? 2 : 0;
  ev.detail = std::move(detail);
  shutdown_ = ev;
  state_ = MachineState::kShutdown;
  auto log = logger(kLoggerMachine);
  if (reason == ShutdownReason::kFatalError) {
    log->error("vm shut down: {}: {}", to_string(reason), ev.detail);
  } else {
    log->info("vm shut down: {}{}{}", to_string(reason), ev.detail.empty() ? "" : ": ", ev.detail);
  }
  if (on_shutdown_) on_shutdown_(ev);
}

void MicroVm::io_in(uint16_t port, std::span<uint8_t> data) {
  if (!pio_->read(port, data)) {
    SV_LOG_RATELIMITED(logger(kLoggerVcpu), spdlog::level::debug, "pio read of unmapped port {:#x}",
                       port);
  }
}

void MicroVm::io_out(uint16_t port, std::span<const uint8_t> data) {
  if (debug_port_tapped_ && port == devices::kBootDebugPort && data.size() == 1) {
    debug_port_->record(data[0]);
  }
  if (!pio_->write(port, data)) {
    SV_LOG_RATELIMITED(logger(kLoggerVcpu), spdlog::level::debug,
                       "pio write of unmapped port {:#x}", port);
  }
}

void MicroVm::mmio_read(uint64_t addr, std::span<uint8_t> data) {
  if (!mmio_->read(addr, data)) {
    SV_LOG_RATELIMITED(logger(kLoggerVcpu), spdlog::level::warn, "mmio read of unmapped {:#x}/{}",
                       addr, data.size());
  }
}

void MicroVm::mmio_write(uint64_t addr, std::span<const uint8_t> data) {
  if (!mmio_->write(addr, data)) {
    SV_LOG_RATELIMITED(logger(kLoggerVcpu), spdlog::level::warn,
                       "mmio write of unmapped {:#x}/{}", addr, data.size());
  }
}

void MicroVm::guest_stopped(uint32_t vcpu, bool poweroff, const std::string& what) {
  post_shutdown(poweroff ? ShutdownReason::kGuestPoweroff : ShutdownReason::kGuestReset,
                fmt::format("vcpu {}: {}", vcpu, what));
}

void MicroVm::vcpu_fatal(uint32_t vcpu, const std::string& message) {
  logger(kLoggerVcpu)->error("vcpu {}: {}", vcpu, message);
  post_shutdown(ShutdownReason::kFatalError, fmt::format("vcpu {}: {}", vcpu, message));
}

std::vector<ChardevStatus> MicroVm::chardevs() const {
  std::vector<ChardevStatus> out;
  if (serial_backend_) out.push_back(ChardevStatus{serial_chardev_, serial_backend_->description()});
  return out;
}

std::vector<IoThreadStatus> MicroVm::iothreads() const {
  std::vector<IoThreadStatus> out;
  if (iothreads_) {
    for (const auto& t : iothreads_->info()) out.push_back(IoThreadStatus{t.id, t.tid});
  }
  return out;
}

std::vector<VcpuStatus> MicroVm::vcpus() const {
  std::vector<VcpuStatus> out;
  out.reserve(vcpus_.size());
  for (const auto& v : vcpus_) out.push_back(VcpuStatus{v->id(), v->host_tid()});
  return out;
}

}  // namespace stratovirt::machine
