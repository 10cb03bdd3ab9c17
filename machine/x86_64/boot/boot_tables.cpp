// SPDX-License-Identifier: MulanPSL-2.0
// GDT, IDT and identity page tables for the 64-bit boot.
#include "machine/x86_64/boot/boot_tables.h"

#include "machine/x86_64/boot/boot_layout.h"

namespace stratovirt::machine::x86 {
namespace {

constexpr uint64_t kPtePresent = 1ULL << 0;
constexpr uint64_t kPteWritable = 1ULL << 1;
constexpr uint64_t kPtePageSize = 1ULL << 7;  // 2 MiB page in a PD entry
constexpr uint64_t kLargePage = 2ULL << 20;

}  // namespace

kvm_segment segment_from_descriptor(uint64_t d, uint16_t selector) {
  kvm_segment s{};
  s.base = ((d >> 16) & 0xFFFFFF) | (((d >> 56) & 0xFF) << 24);
  uint32_t limit = static_cast<uint32_t>((d & 0xFFFF) | (((d >> 48) & 0xF) << 16));
  s.g = (d >> 55) & 1;
  s.limit = s.g ? (limit << 12) | 0xFFF : limit;
  s.selector = selector;
  s.type = (d >> 40) & 0xF;
  s.s = (d >> 44) & 1;
  s.dpl = (d >> 45) & 3;
  s.present = (d >> 47) & 1;
  s.avl = (d >> 52) & 1;
  s.l = (d >> 53) & 1;
  s.db = (d >> 54) & 1;
  s.unusable = s.present ? 0 : 1;
  return s;
}

Result<void> write_boot_tables(const memory::GuestMemory& mem) {
  for (size_t i = 0; i < kBootGdt.size(); ++i) {
    SV_RETURN_IF_ERROR(mem.write_obj<uint64_t>(kGdtAddr + i * 8, kBootGdt[i]));
  }
  SV_RETURN_IF_ERROR(mem.write_obj<uint64_t>(kIdtAddr, 0));
  SV_RETURN_IF_ERROR(mem.fill(kPml4Addr, 0, 0x3000));
  SV_RETURN_IF_ERROR(mem.write_obj<uint64_t>(kPml4Addr, kPdptAddr | kPtePresent | kPteWritable));
  SV_RETURN_IF_ERROR(mem.write_obj<uint64_t>(kPdptAddr, kPdAddr | kPtePresent | kPteWritable));
  for (uint64_t i = 0; i < kIdentityMapSize / kLargePage; ++i) {
    uint64_t pde = (i * kLargePage) | kPtePresent | kPteWritable | kPtePageSize;
    SV_RETURN_IF_ERROR(mem.write_obj<uint64_t>(kPdAddr + i * 8, pde));
  }
  return ok();
}

}  // namespace stratovirt::machine::x86
