// SPDX-License-Identifier: MulanPSL-2.0
//
// Host memory backends for guest RAM: anonymous, file (-mem-path file or hugetlbfs/tmpfs
// directory), memfd, with share/prealloc/dump-guest-core.
//
// Models -m/-mem-path/-mem-prealloc/-machine mem-share,dump-guest-core and the
// memory-backend-{ram,file,memfd} objects. A directory mem-path gets a temporary file that
// is unlinked at once (nothing is left behind); a file mem-path is used (and grown) in place.
// Called on the main thread while the machine is built. Failure: errors name the path and
// the reason (not found, not enough space, size not a multiple of the huge page size).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "stratovirt/base/error.h"
#include "stratovirt/config/backend_config.h"
#include "stratovirt/config/machine_config.h"
#include "stratovirt/memory/mmap_region.h"

namespace stratovirt::memory {

enum class HostMemoryKind { kAnonymous, kFile, kMemfd };

struct HostMemoryOptions {
  HostMemoryKind kind = HostMemoryKind::kAnonymous;
  uint64_t size = 0;
  std::optional<std::string> path;  // kFile: a file or a directory
  bool share = false;
  bool prealloc = false;
  bool dump_guest_core = true;
};

// -m / -mem-path / -mem-prealloc with -machine mem-share, dump-guest-core.
HostMemoryOptions host_memory_options(const config::MemoryConfig& mem,
                                      const config::MachineConfig& machine);
// -object memory-backend-{ram,file,memfd}.
HostMemoryOptions host_memory_options(const config::MemoryBackendObject& obj);

Result<MmapRegion> allocate_host_memory(const HostMemoryOptions& options);

}  // namespace stratovirt::memory
