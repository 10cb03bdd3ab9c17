// SPDX-License-Identifier: MulanPSL-2.0
//
// MicroVm: StratoVirt's x86_64 microvm (inventory §4.1) on KVM.
//
// RAM from 0 (up to 3 GiB, the rest from 4 GiB); in-kernel PIC/IOAPIC/LAPIC + PIT; a 16550
// at 0x3F8/IRQ 4 on the -serial chardev; an i8042 at 0x60/0x64 (0xFE to 0x64 = reboot);
// port 0x61 reading 0x20; the boot debug port 0x3FF; ACPI power registers at 0x600; the
// virtio-mmio devices (VirtioMmioSet: irqfd interrupts, ioeventfd kicks on the main loop or
// their iothread); ACPI tables (acpi=on, the default) or a kernel-cmdline
// announcement (acpi=off); the MP table; direct 64-bit Linux boot. Guest reboot and
// poweroff both end the VM (exit 0); a fatal vCPU error ends it with exit code 2.
// Threads: the Machine methods on the main loop thread; VcpuExitHandler methods on vCPU
// threads (they only touch the buses, which are thread-safe, or post to the main loop).
// Failure: create() returns the first realize error; runtime errors become a shutdown.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "machine/iothreads.h"
#include "machine/kvm_irq_line.h"
#include "machine/vcpu_thread.h"
#include "machine/virtio_mmio_set.h"
#include "stratovirt/devices/char_backend.h"
#include "stratovirt/hypervisor/kvm.h"
#include "stratovirt/machine/machine.h"
#include "stratovirt/memory/bus.h"
#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::devices {
class BootDebugPort;
}

namespace stratovirt::machine {

class MicroVm final : public Machine, private VcpuExitHandler {
 public:
  static Result<std::unique_ptr<MicroVm>> create(const config::VmConfig& cfg, EventLoop& loop);
  ~MicroVm() override;

  void set_shutdown_callback(ShutdownCallback callback) override;
  Result<void> start(bool paused) override;
  Result<void> pause() override;
  Result<void> resume() override;
  void request_shutdown(ShutdownReason reason, std::string detail = {}) override;
  MachineState state() const override { return state_; }
  std::optional<ShutdownEvent> shutdown_event() const override { return shutdown_; }
  std::vector<VcpuStatus> vcpus() const override;
  std::vector<IoThreadStatus> iothreads() const override;
  std::vector<ChardevStatus> chardevs() const override;
  virtio::BalloonControl* balloon() const override {
    return virtio_ ? virtio_->balloon() : nullptr;
  }

  const memory::GuestMemory& guest_memory() const { return memory_; }
  bool acpi() const { return acpi_; }
  const std::string& kernel_cmdline() const { return cmdline_; }

 private:
  MicroVm(EventLoop& loop, hypervisor::VmFd vm) : loop_(loop), vm_(std::move(vm)) {}

  // Realize steps (micro_vm_build.cpp).
  Result<void> realize(const config::VmConfig& cfg, const hypervisor::Kvm& kvm);
  Result<void> realize_memory(const config::VmConfig& cfg);
  Result<void> realize_devices(const config::VmConfig& cfg);
  Result<void> realize_virtio(const config::VmConfig& cfg);
  Result<void> realize_boot(const config::VmConfig& cfg);
  Result<void> realize_vcpus(const config::VmConfig& cfg, const hypervisor::Kvm& kvm);

  // VcpuExitHandler (vCPU threads).
  void io_in(uint16_t port, std::span<uint8_t> data) override;
  void io_out(uint16_t port, std::span<const uint8_t> data) override;
  void mmio_read(uint64_t addr, std::span<uint8_t> data) override;
  void mmio_write(uint64_t addr, std::span<const uint8_t> data) override;
  void guest_stopped(uint32_t vcpu, bool poweroff, const std::string& what) override;
  void vcpu_fatal(uint32_t vcpu, const std::string& message) override;

  // Any thread: hands a shutdown to the main loop (first one wins).
  void post_shutdown(ShutdownReason reason, std::string detail);
  void shutdown_on_loop(ShutdownReason reason, std::string detail);

  EventLoop& loop_;
  hypervisor::VmFd vm_;
  memory::GuestMemory memory_;
  std::unique_ptr<Bus> pio_ = Bus::create("pio");
  std::unique_ptr<Bus> mmio_ = Bus::create("mmio");
  std::vector<std::unique_ptr<IrqLine>> irq_lines_;
  std::unique_ptr<IoThreads> iothreads_;
  std::unique_ptr<VirtioMmioSet> virtio_;
  std::vector<std::unique_ptr<IoEventKick>> kicks_;
  std::unique_ptr<CharBackend> serial_backend_;
  std::string serial_chardev_;  // the -serial chardev id
  std::vector<std::shared_ptr<void>> devices_;  // keeps device models alive (typed on the buses)
  std::shared_ptr<devices::BootDebugPort> debug_port_;
  bool debug_port_tapped_ = false;  // 0x3FF belongs to the UART; record writes before dispatch
  std::vector<std::unique_ptr<VcpuThread>> vcpus_;
  bool acpi_ = true;
  std::string cmdline_;
  struct {
    uint64_t rip = 0;
    uint64_t zero_page = 0;
  } boot_entry_;

  MachineState state_ = MachineState::kCreated;
  std::optional<ShutdownEvent> shutdown_;
  ShutdownCallback on_shutdown_;
  std::atomic<bool> shutdown_posted_{false};
  // Posted closures hold a weak reference: they do nothing once the machine is gone.
  std::shared_ptr<MicroVm*> self_token_ = std::make_shared<MicroVm*>(this);
};

}  // namespace stratovirt::machine
