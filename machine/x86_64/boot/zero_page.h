// SPDX-License-Identifier: MulanPSL-2.0
//
// The Linux zero page (struct boot_params, Documentation/arch/x86/zero-page.rst) for the
// 64-bit boot protocol: the kernel's setup header (or a minimal one for ELF/raw images),
// type_of_loader 0xFF, command line and initrd pointers, e820 table, ACPI RSDP address.
// Pure computation; any thread. Failure: more e820 entries than the zero page holds.
#pragma once

#include <asm/bootparam.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "machine/x86_64/boot/e820.h"
#include "stratovirt/base/error.h"

namespace stratovirt::machine::x86 {

struct ZeroPageParams {
  std::optional<setup_header> header;  // from a bzImage
  uint64_t cmdline_addr = 0;
  uint32_t cmdline_size = 0;  // bytes, without the NUL
  uint64_t initrd_addr = 0;
  uint64_t initrd_size = 0;
  std::vector<E820Entry> e820;
  uint64_t acpi_rsdp_addr = 0;  // 0: none (the kernel scans the BIOS area)
};

Result<boot_params> build_zero_page(const ZeroPageParams& params);

}  // namespace stratovirt::machine::x86
