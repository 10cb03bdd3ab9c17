// SPDX-License-Identifier: MulanPSL-2.0
//
// KernelImage: what a Linux kernel file is and where its bytes go in guest memory.
//
// Recognises a bzImage (Documentation/arch/x86/boot.rst: setup header at 0x1F1 with "HdrS",
// boot protocol >= 2.06, LOADED_HIGH, 64-bit entry at code32_start + 0x200), an ELF64
// vmlinux (PT_LOAD segments at their physical addresses, e_entry) and a raw vmlinux.bin
// (objcopy -O binary, loaded at 16 MiB). Every header field is checked against the file size;
// a truncated or corrupted image, or a file that is plainly not a kernel (text, gzip, cpio...),
// is an error naming the path and the reason. Pure parsing; any thread.
#pragma once

#include <asm/bootparam.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stratovirt/base/error.h"

namespace stratovirt::machine::x86 {

enum class KernelFormat { kBzImage, kElf, kRawVmlinux };

struct KernelSegment {
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  uint64_t guest_addr = 0;
  uint64_t mem_size = 0;  // >= file_size; the rest is zeroed (ELF .bss)
};

struct KernelImage {
  KernelFormat format = KernelFormat::kRawVmlinux;
  std::vector<KernelSegment> segments;
  uint64_t entry = 0;                // 64-bit entry point (guest physical)
  std::optional<setup_header> header;  // bzImage only
  uint64_t end = 0;                  // highest guest address the kernel needs (init_size)
};

inline constexpr uint16_t kMinBootProtocol = 0x0206;

std::string_view to_string(KernelFormat f);

// `what` is the path, used in error messages.
Result<KernelImage> parse_kernel_image(std::span<const uint8_t> file, const std::string& what);

}  // namespace stratovirt::machine::x86
