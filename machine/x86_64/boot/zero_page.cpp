// SPDX-License-Identifier: MulanPSL-2.0
// Zero page (boot_params) construction.
#include "machine/x86_64/boot/zero_page.h"

#include <cstring>

namespace stratovirt::machine::x86 {
namespace {

constexpr uint8_t kLoaderUndefined = 0xFF;  // "no registered boot loader id"
constexpr uint32_t kHdrSMagic = 0x53726448;
constexpr uint16_t kBootFlag = 0xAA55;

}  // namespace

Result<boot_params> build_zero_page(const ZeroPageParams& params) {
  boot_params bp;
  std::memset(&bp, 0, sizeof(bp));
  if (params.header) {
    bp.hdr = *params.header;
  } else {
    bp.hdr.boot_flag = kBootFlag;
    bp.hdr.header = kHdrSMagic;
    bp.hdr.version = 0x020F;
    bp.hdr.kernel_alignment = 0x1000000;
    bp.hdr.cmdline_size = 0x7FF;
  }
  bp.hdr.type_of_loader = kLoaderUndefined;
  bp.hdr.loadflags |= LOADED_HIGH;
  bp.hdr.cmd_line_ptr = static_cast<uint32_t>(params.cmdline_addr);
  bp.ext_cmd_line_ptr = static_cast<uint32_t>(params.cmdline_addr >> 32);
  bp.hdr.ramdisk_image = static_cast<uint32_t>(params.initrd_addr);
  bp.hdr.ramdisk_size = static_cast<uint32_t>(params.initrd_size);
  bp.ext_ramdisk_image = static_cast<uint32_t>(params.initrd_addr >> 32);
  bp.ext_ramdisk_size = static_cast<uint32_t>(params.initrd_size >> 32);
  bp.acpi_rsdp_addr = params.acpi_rsdp_addr;
  if (params.e820.size() > E820_MAX_ENTRIES_ZEROPAGE) {
    return errorf(ErrorCode::kInternal, "e820: {} entries, the zero page holds {}",
                  params.e820.size(), E820_MAX_ENTRIES_ZEROPAGE);
  }
  for (size_t i = 0; i < params.e820.size(); ++i) {
    bp.e820_table[i].addr = params.e820[i].addr;
    bp.e820_table[i].size = params.e820[i].size;
    bp.e820_table[i].type = params.e820[i].type;
  }
  bp.e820_entries = static_cast<uint8_t>(params.e820.size());
  return bp;
}

}  // namespace stratovirt::machine::x86
