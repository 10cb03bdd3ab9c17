// SPDX-License-Identifier: MulanPSL-2.0
// TestMachine: realize, lifecycle, and the link to the test driver.
#include "machine/test_machine.h"

#include <variant>

#include "devices/chardev/char_backends.h"
#include "devices/legacy/serial.h"
#include "machine/microvm_ram.h"
#include "machine/virtio_mmio_set.h"
#include "stratovirt/base/logging.h"

namespace stratovirt::machine {
namespace {

constexpr uint16_t kSerialPort = 0x3F8;
constexpr uint32_t kSerialIrq = 4;

std::unexpected<Error> unsupported(std::string_view thing) {
  return errorf(ErrorCode::kNotSupported, "{}: not supported yet (accel=test)", thing);
}

}  // namespace

Result<void> check_test_machine_config(const config::VmConfig& cfg) {
  if (cfg.machine.type != config::MachineType::kMicroVm) {
    return unsupported(fmt::format("-machine {}", config::to_string(cfg.machine.type)));
  }
  if (!cfg.mod_test) {
    return errorf(ErrorCode::kInvalidArgument, "-accel test: needs -mod-test <socket>");
  }
  for (const auto& dev : cfg.devices) {
    // virtio-mmio devices (make_virtio_device refuses those without a model yet) and the
    // ports of a virtio-serial-device; nothing on PCI.
    if (dev.transport == config::Transport::kMmio) continue;
    if (std::holds_alternative<config::VirtioSerialPort>(dev.spec)) continue;
    return unsupported(fmt::format("-device {},id={}", dev.driver, dev.id));
  }
  if (!cfg.pflashes.empty()) return unsupported("-drive if=pflash");
  if (!cfg.netdevs.empty()) return unsupported(fmt::format("-netdev id={}", cfg.netdevs[0].id));
  if (cfg.incoming) return unsupported("-incoming");
  if (cfg.machine.memory_backend) {
    const auto* obj = cfg.find_object(*cfg.machine.memory_backend);
    if (obj == nullptr || !std::holds_alternative<config::MemoryBackendObject>(*obj)) {
      return errorf(ErrorCode::kNotFound, "-machine memory-backend={}: no such memory backend",
                    *cfg.machine.memory_backend);
    }
  }
  return ok();
}

Result<std::unique_ptr<TestMachine>> TestMachine::create(const config::VmConfig& cfg,
                                                         EventLoop& loop, VirtualClock& clock) {
  SV_RETURN_IF_ERROR(check_test_machine_config(cfg));
  std::unique_ptr<TestMachine> machine(new TestMachine(loop, clock));
  SV_RETURN_IF_ERROR(machine->realize(cfg));
  return machine;
}

TestMachine::TestMachine(EventLoop& loop, VirtualClock& clock) : loop_(loop), clock_(clock) {}

TestMachine::~TestMachine() {
  // The driver link first (it reaches the buses), then the devices, then what they use.
  driver_.reset();
  pio_.reset();
  mmio_.reset();
  virtio_.reset();
  devices_.clear();
  serial_backend_.reset();
}

Result<void> TestMachine::realize(const config::VmConfig& cfg) {
  SV_RETURN_IF_ERROR(realize_memory(cfg));
  SV_RETURN_IF_ERROR(realize_serial(cfg));
  SV_RETURN_IF_ERROR(realize_virtio(cfg));
  if (cfg.boot.kernel) {
    logger(kLoggerMachine)
        ->info("accel=test: -kernel {} is not loaded (no vCPUs)", *cfg.boot.kernel);
  }
  SV_ASSIGN_OR_RETURN(driver_, TestSocketClient::connect(*cfg.mod_test, loop_, target(), [this] {
                        request_shutdown(ShutdownReason::kHostRequest, "test driver closed");
                      }));
  return ok();
}

Result<void> TestMachine::realize_memory(const config::VmConfig& cfg) {
  return add_microvm_ram(cfg, memory_);
}

Result<void> TestMachine::realize_serial(const config::VmConfig& cfg) {
  if (!cfg.serial) return ok();
  const config::ChardevConfig* chardev = cfg.find_chardev(cfg.serial->chardev);
  if (chardev == nullptr) {
    return errorf(ErrorCode::kNotFound, "-serial: no chardev '{}'", cfg.serial->chardev);
  }
  SV_ASSIGN_OR_RETURN(serial_backend_, devices::open_char_backend(*chardev, loop_));
  auto serial =
      std::make_shared<devices::Serial>("serial0", *irqs_.line(kSerialIrq), serial_backend_.get());
  SV_RETURN_IF_ERROR(pio_->insert(serial, kSerialPort, devices::kSerialRegisterSpan));
  devices_.push_back(serial);
  return ok();
}

// Every data plane runs on the main loop, iothread= included, and kicks take the MMIO
// path synchronously: a driver's QueueNotify write has been processed when its reply comes
// (asynchronous I/O completions are handled by the loop between two commands).
virtio::BalloonControl* TestMachine::balloon() const {
  return virtio_ ? virtio_->balloon() : nullptr;
}

Result<void> TestMachine::realize_virtio(const config::VmConfig& cfg) {
  VirtioMmioHost host;
  host.mmio = mmio_.get();
  host.memory = &memory_;
  host.devices = {&cfg, &loop_, &clock_};
  host.irq_line = [this](uint32_t gsi) -> IrqLine* { return irqs_.line(gsi); };
  host.iothread = [this](std::string_view) { return &loop_; };
  virtio_ = std::make_unique<VirtioMmioSet>(std::move(host));
  SV_RETURN_IF_ERROR(virtio_->realize(cfg));
  for (const auto& e : virtio_->entries()) {
    logger(kLoggerMachine)
        ->info("accel=test: {} ({}) at {:#x}, irq {}", e.id, e.driver, e.slot.base, e.slot.irq);
  }
  return ok();
}

TestTarget TestMachine::target() {
  return TestTarget{&memory_, mmio_.get(), pio_.get(), &irqs_, &clock_, &loop_};
}

void TestMachine::set_shutdown_callback(ShutdownCallback callback) {
  on_shutdown_ = std::move(callback);
}

Result<void> TestMachine::start(bool paused) {
  if (state_ != MachineState::kCreated) {
    return errorf(ErrorCode::kInvalidArgument, "machine is {}, not created", to_string(state_));
  }
  state_ = paused ? MachineState::kPaused : MachineState::kRunning;
  logger(kLoggerMachine)->info("test machine started{}", paused ? " (paused)" : "");
  return ok();
}

Result<void> TestMachine::pause() {
  if (state_ != MachineState::kRunning) {
    return errorf(ErrorCode::kInvalidArgument, "machine is {}, not running", to_string(state_));
  }
  state_ = MachineState::kPaused;
  return ok();
}

Result<void> TestMachine::resume() {
  if (state_ != MachineState::kPaused) {
    return errorf(ErrorCode::kInvalidArgument, "machine is {}, not paused", to_string(state_));
  }
  state_ = MachineState::kRunning;
  return ok();
}

void TestMachine::request_shutdown(ShutdownReason reason, std::string detail) {
  if (shutdown_) return;
  ShutdownEvent ev;
  ev.reason = reason;
  ev.exit_code = reason == ShutdownReason::kFatalError ? 2 : 0;
  ev.detail = std::move(detail);
  shutdown_ = ev;
  state_ = MachineState::kShutdown;
  logger(kLoggerMachine)
      ->info("test machine shut down: {}{}{}", to_string(reason), ev.detail.empty() ? "" : ": ",
             ev.detail);
  if (on_shutdown_) on_shutdown_(ev);
}

}  // namespace stratovirt::machine
