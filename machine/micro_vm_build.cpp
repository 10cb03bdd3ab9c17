// SPDX-License-Identifier: MulanPSL-2.0
// MicroVm realize: irqchip, memory, devices, ACPI/MP tables, kernel, vCPUs.
#include <variant>

#include "devices/acpi/microvm_acpi.h"
#include "devices/acpi/power_registers.h"
#include "devices/chardev/char_backends.h"
#include "devices/legacy/debug_port.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/serial.h"
#include "devices/legacy/system_control_port.h"
#include "machine/micro_vm.h"
#include "machine/microvm_ram.h"
#include "machine/x86_64/boot/boot_layout.h"
#include "machine/x86_64/boot/linux_loader.h"
#include "machine/x86_64/boot/mp_table.h"
#include "machine/x86_64/cpu_state.h"
#include "stratovirt/base/clock.h"
#include "stratovirt/base/logging.h"
#include "stratovirt/hypervisor/cpuid.h"

namespace stratovirt::machine {
namespace {

constexpr uint64_t kIdentityMapAddr = 0xFEF0C000;
constexpr uint64_t kTssAddr = 0xFEF0D000;
constexpr uint16_t kSerialPort = 0x3F8;
constexpr uint32_t kSerialIrq = 4;
constexpr uint32_t kKeyboardIrq = 1;

}  // namespace

Result<void> MicroVm::realize(const config::VmConfig& cfg, const hypervisor::Kvm& kvm) {
  acpi_ = cfg.machine.acpi.value_or(true);
  SV_RETURN_IF_ERROR(vm_.set_identity_map_addr(kIdentityMapAddr));
  SV_RETURN_IF_ERROR(vm_.set_tss_addr(kTssAddr));
  SV_RETURN_IF_ERROR(vm_.create_irqchip());
  SV_RETURN_IF_ERROR(vm_.create_pit2());
  SV_RETURN_IF_ERROR(realize_memory(cfg));
  SV_RETURN_IF_ERROR(realize_devices(cfg));
  SV_RETURN_IF_ERROR(realize_virtio(cfg));
  SV_RETURN_IF_ERROR(realize_boot(cfg));
  return realize_vcpus(cfg, kvm);
}

Result<void> MicroVm::realize_memory(const config::VmConfig& cfg) {
  SV_RETURN_IF_ERROR(add_microvm_ram(cfg, memory_));
  uint32_t slot = 0;
  for (const auto& r : memory_.regions()) {
    SV_RETURN_IF_ERROR(vm_.set_memory_region(slot++, r.guest_addr, r.size, r.host));
  }
  return ok();
}

Result<void> MicroVm::realize_devices(const config::VmConfig& cfg) {
  auto irq_line = [this](uint32_t gsi) -> IrqLine& {
    irq_lines_.push_back(std::make_unique<KvmIrqLine>(vm_, gsi));
    return *irq_lines_.back();
  };
  if (cfg.serial) {
    const config::ChardevConfig* chardev = cfg.find_chardev(cfg.serial->chardev);
    if (chardev == nullptr) {
      return errorf(ErrorCode::kNotFound, "-serial: no chardev '{}'", cfg.serial->chardev);
    }
    SV_ASSIGN_OR_RETURN(serial_backend_, devices::open_char_backend(*chardev, loop_));
    serial_chardev_ = chardev->id;
    auto serial = std::make_shared<devices::Serial>("serial0", irq_line(kSerialIrq),
                                                    serial_backend_.get());
    SV_RETURN_IF_ERROR(pio_->insert(serial, kSerialPort, devices::kSerialRegisterSpan));
    devices_.push_back(serial);
  }
  auto i8042 = devices::I8042::create(
      [this] { post_shutdown(ShutdownReason::kGuestReset, "i8042 reset (0xFE to port 0x64)"); },
      &irq_line(kKeyboardIrq));
  SV_RETURN_IF_ERROR(pio_->insert(i8042->data_port(), devices::kI8042DataPort, 1));
  SV_RETURN_IF_ERROR(pio_->insert(i8042->command_port(), devices::kI8042CommandPort, 1));
  devices_.push_back(i8042);
  auto port61 = std::make_shared<devices::SystemControlPortB>();
  SV_RETURN_IF_ERROR(pio_->insert(port61, devices::kSystemControlPortB, 1));
  devices_.push_back(port61);

  debug_port_ = std::make_shared<devices::BootDebugPort>(real_clock(), real_clock().now());
  debug_port_tapped_ = cfg.serial.has_value();  // 0x3FF is then the UART's scratch register
  if (!debug_port_tapped_) {
    SV_RETURN_IF_ERROR(pio_->insert(debug_port_, devices::kBootDebugPort, 1));
  }
  if (acpi_) {
    auto power = std::make_shared<devices::AcpiPowerRegisters>(
        [this] { post_shutdown(ShutdownReason::kGuestPoweroff, "ACPI S5 (sleep register)"); },
        [this] { post_shutdown(ShutdownReason::kGuestReset, "ACPI reset register"); });
    SV_RETURN_IF_ERROR(
        pio_->insert(power, devices::kMicroVmPowerRegsPort, devices::AcpiPowerRegisters::kSpan));
    devices_.push_back(power);
  }
  return ok();
}

Result<void> MicroVm::realize_virtio(const config::VmConfig& cfg) {
  SV_ASSIGN_OR_RETURN(iothreads_, IoThreads::create(cfg));
  VirtioMmioHost host;
  host.mmio = mmio_.get();
  host.memory = &memory_;
  host.devices = {&cfg, &loop_, &real_clock()};
  host.irq_line = [this](uint32_t gsi) -> IrqLine* {
    auto line = KvmIrqfdLine::create(vm_, gsi);
    if (line) {
      irq_lines_.push_back(std::move(*line));
    } else {
      logger(kLoggerMachine)->warn("irq {}: no irqfd ({}); using KVM_IRQ_LINE", gsi, line.error());
      irq_lines_.push_back(std::make_unique<KvmIrqLine>(vm_, gsi));
    }
    return irq_lines_.back().get();
  };
  host.iothread = [this](std::string_view id) { return iothreads_->find(id); };
  host.bind_kick = [this](uint64_t addr, uint32_t queue, EventLoop& loop,
                          std::function<void()> kick) -> Result<void> {
    SV_ASSIGN_OR_RETURN(auto k, IoEventKick::create(vm_, addr, queue, loop, std::move(kick)));
    kicks_.push_back(std::move(k));
    return ok();
  };
  virtio_ = std::make_unique<VirtioMmioSet>(std::move(host));
  return virtio_->realize(cfg);
}

Result<void> MicroVm::realize_boot(const config::VmConfig& cfg) {
  cmdline_ = cfg.boot.cmdline;
  uint64_t rsdp = 0;
  if (acpi_) {
    devices::MicroVmAcpiParams params;
    params.cpu_count = cfg.smp.cpus;
    params.serial = cfg.serial.has_value();
    for (const auto& s : virtio_->slots().announced()) {
      params.virtio_mmio.push_back({s.base, static_cast<uint32_t>(s.size), s.irq});
    }
    SV_ASSIGN_OR_RETURN(devices::AcpiTables tables, devices::build_microvm_acpi(params));
    for (const auto& blob : tables.blobs) SV_RETURN_IF_ERROR(memory_.write(blob.gpa, blob.bytes));
    rsdp = tables.rsdp_addr;
  } else {
    std::string fragment = virtio_->slots().cmdline_fragment();
    if (!fragment.empty()) cmdline_ += (cmdline_.empty() ? "" : " ") + fragment;
  }
  auto mp = x86::build_mp_table(cfg.smp.cpus, x86::kMpTableAddr);
  if (mp) {
    SV_RETURN_IF_ERROR(memory_.write(x86::kMpTableAddr, *mp));
  } else if (acpi_) {
    logger(kLoggerMachine)->warn("no MP table ({}); the guest uses the ACPI MADT", mp.error());
  } else {
    return std::unexpected(mp.error().with_context("acpi=off"));
  }
  x86::LinuxBootSpec spec;
  spec.kernel_path = *cfg.boot.kernel;
  spec.initrd_path = cfg.boot.initrd;
  spec.cmdline = cmdline_;
  spec.acpi_rsdp_addr = rsdp;
  SV_ASSIGN_OR_RETURN(x86::LinuxBootInfo info, x86::load_linux(memory_, spec));
  logger(kLoggerMachine)
      ->info("{} {} loaded, entry {:#x}, initrd {:#x}+{:#x}, acpi {}", x86::to_string(info.format),
             spec.kernel_path, info.entry, info.initrd_addr, info.initrd_size,
             acpi_ ? "on" : "off");
  boot_entry_ = {info.entry, info.zero_page};
  return ok();
}

Result<void> MicroVm::realize_vcpus(const config::VmConfig& cfg, const hypervisor::Kvm& kvm) {
  SV_ASSIGN_OR_RETURN(auto supported, kvm.supported_cpuid());
  hypervisor::CpuidOptions opts;
  opts.topology = {cfg.smp.threads, cfg.smp.cores, cfg.smp.dies, cfg.smp.sockets};
  opts.tsc_deadline = kvm.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0;
  opts.pmu = cfg.cpu.pmu;
  for (uint32_t i = 0; i < cfg.smp.cpus; ++i) {
    SV_ASSIGN_OR_RETURN(auto vcpu, vm_.create_vcpu(i));
    opts.apic_id = i;
    SV_RETURN_IF_ERROR(x86::setup_boot_vcpu(vcpu, hypervisor::shape_cpuid(supported, opts),
                                            {boot_entry_.rip, boot_entry_.zero_page}, i == 0));
    VcpuExitHandler& handler = *this;
    vcpus_.push_back(std::make_unique<VcpuThread>(std::move(vcpu), handler));
  }
  return ok();
}

}  // namespace stratovirt::machine
