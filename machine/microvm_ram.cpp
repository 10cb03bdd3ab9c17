// SPDX-License-Identifier: MulanPSL-2.0
// Guest RAM for the microvm layout.
#include "machine/microvm_ram.h"

#include <fmt/format.h>

#include <memory>
#include <variant>

#include "stratovirt/memory/host_memory.h"

namespace stratovirt::machine {

Result<void> add_microvm_ram(const config::VmConfig& cfg, memory::GuestMemory& memory) {
  memory::HostMemoryOptions opts = memory::host_memory_options(cfg.memory, cfg.machine);
  if (cfg.machine.memory_backend) {
    const auto& obj =
        std::get<config::MemoryBackendObject>(*cfg.find_object(*cfg.machine.memory_backend));
    opts = memory::host_memory_options(obj);
    if (obj.size != cfg.memory.size) {
      return errorf(ErrorCode::kInvalidArgument,
                    "memory backend {} has {} bytes but -m asks for {}", obj.id, obj.size,
                    cfg.memory.size);
    }
  }
  auto backing = memory::allocate_host_memory(opts);
  if (!backing) {
    return std::unexpected(
        backing.error().with_context(fmt::format("guest memory of {} MiB", opts.size >> 20)));
  }
  auto shared = std::make_shared<memory::MmapRegion>(std::move(*backing));
  return memory.add_ranges(shared, memory::microvm_ram_ranges(opts.size));
}

}  // namespace stratovirt::machine
