// SPDX-License-Identifier: MulanPSL-2.0
// Refusal of options the machine cannot realize yet.
#include "machine/config_check.h"

#include <variant>

#include "stratovirt/config/device_config.h"

namespace stratovirt::machine {
namespace {

std::unexpected<Error> unsupported(std::string_view thing) {
  return errorf(ErrorCode::kNotSupported, "{}: not supported yet", thing);
}

Result<void> check_objects(const config::VmConfig& cfg) {
  for (const auto& obj : cfg.objects) {
    const std::string& id = config::object_id(obj);
    if (std::holds_alternative<config::SecretObject>(obj)) continue;  // only resolvable
    if (std::holds_alternative<config::IothreadObject>(obj)) continue;  // machine/iothreads
    if (std::holds_alternative<config::RngRandomObject>(obj)) continue;  // virtio-rng source
    if (std::holds_alternative<config::MemoryBackendObject>(obj) &&
        cfg.machine.memory_backend == id) {
      continue;  // guest RAM (-machine memory-backend=)
    }
    return unsupported(fmt::format("-object {},id={}", config::object_type_name(obj), id));
  }
  return ok();
}

}  // namespace

Result<void> check_microvm_config(const config::VmConfig& cfg) {
  if (cfg.machine.type != config::MachineType::kMicroVm) {
    return unsupported(fmt::format("-machine {}", config::to_string(cfg.machine.type)));
  }
  if (cfg.machine.accel != config::Accel::kKvm || cfg.mod_test) {
    return unsupported("accel=test (device test tier)");
  }
  if (!cfg.boot.kernel) {
    return errorf(ErrorCode::kInvalidArgument, "microvm needs a kernel: use -kernel");
  }
  for (const auto& dev : cfg.devices) {
    // virtio-mmio devices are built by make_virtio_device, which refuses the drivers that
    // have no model yet; virtconsole/virtserialport ride on their virtio-serial-device.
    if (dev.transport == config::Transport::kMmio) continue;
    if (std::holds_alternative<config::VirtioSerialPort>(dev.spec)) continue;
    return unsupported(fmt::format("-device {},id={}", dev.driver, dev.id));
  }
  if (!cfg.pflashes.empty()) return unsupported("-drive if=pflash");
  if (!cfg.netdevs.empty()) return unsupported(fmt::format("-netdev id={}", cfg.netdevs[0].id));
  if (cfg.incoming) return unsupported("-incoming");
  if (!cfg.numa_nodes.empty() || !cfg.numa_dists.empty()) return unsupported("-numa");
  if (cfg.smp.maxcpus > cfg.smp.cpus) return unsupported("-smp maxcpus > cpus (CPU hotplug)");
  if (cfg.display) return unsupported("-display");
  if (cfg.vnc) return unsupported("-vnc");
  if (cfg.battery) return unsupported("-battery");
  if (cfg.hardware_signature) return unsupported("hardware-signature (no ACPI FACS on microvm)");
  const auto& s = cfg.smbios;
  if (s.type0 || s.type1 || s.type2 || s.type3 || s.type4 || s.type17) {
    return errorf(ErrorCode::kNotSupported, "-smbios: microvm has no SMBIOS tables");
  }
  if (cfg.machine.memory_backend && cfg.memory.mem_path) {
    return errorf(ErrorCode::kInvalidArgument,
                  "-mem-path and -machine memory-backend= both set the guest RAM backing");
  }
  if (cfg.machine.memory_backend) {
    const auto* obj = cfg.find_object(*cfg.machine.memory_backend);
    if (obj == nullptr || !std::holds_alternative<config::MemoryBackendObject>(*obj)) {
      return errorf(ErrorCode::kNotFound, "-machine memory-backend={}: no such memory backend",
                    *cfg.machine.memory_backend);
    }
  }
  return check_objects(cfg);
}

}  // namespace stratovirt::machine
