// SPDX-License-Identifier: MulanPSL-2.0
//
// Direct Linux boot on x86: puts kernel, initrd, command line, zero page (with e820) and
// the boot GDT/IDT/page tables into guest RAM and returns where the BSP starts.
//
// Follows Documentation/arch/x86/boot.rst (64-bit boot protocol). The initrd goes as high as
// allowed: below min(initrd_addr_max, 0x37FFFFFF, end of low RAM), 4 KiB aligned, above the
// kernel. Main thread, while the machine is built. Failure: missing/unreadable files (named),
// bad images (see kernel_image.h), a kernel or initrd that does not fit in guest RAM, a
// command line longer than the kernel accepts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "machine/x86_64/boot/kernel_image.h"
#include "stratovirt/base/error.h"
#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::machine::x86 {

struct LinuxBootSpec {
  std::string kernel_path;
  std::optional<std::string> initrd_path;
  std::string cmdline;
  uint64_t acpi_rsdp_addr = 0;  // 0: no ACPI tables
};

struct LinuxBootInfo {
  KernelFormat format = KernelFormat::kBzImage;
  uint64_t entry = 0;
  uint64_t zero_page = 0;
  uint64_t initrd_addr = 0;
  uint64_t initrd_size = 0;
};

Result<LinuxBootInfo> load_linux(const memory::GuestMemory& mem, const LinuxBootSpec& spec);

// Where an initrd of `size` bytes goes, given the top allowed address and the kernel's end.
Result<uint64_t> place_initrd(uint64_t size, uint64_t addr_max, uint64_t kernel_end);

}  // namespace stratovirt::machine::x86
