// SPDX-License-Identifier: MulanPSL-2.0
// MP spec 1.4 floating pointer + configuration table.
#include "machine/x86_64/boot/mp_table.h"

#include <cstring>
#include <span>

#include "stratovirt/base/byte_sum.h"

#include "machine/x86_64/boot/boot_layout.h"

namespace stratovirt::machine::x86 {
namespace {

// Entry type codes (MP spec 1.4, table 4-3).
constexpr uint8_t kEntryProcessor = 0;
constexpr uint8_t kEntryBus = 1;
constexpr uint8_t kEntryIoApic = 2;
constexpr uint8_t kEntryIoInterrupt = 3;
constexpr uint8_t kEntryLocalInterrupt = 4;
// Interrupt types (table 4-10).
constexpr uint8_t kIntTypeInt = 0;
constexpr uint8_t kIntTypeNmi = 1;
constexpr uint8_t kIntTypeExtInt = 3;
constexpr uint8_t kCpuEnabled = 1 << 0;
constexpr uint8_t kCpuBootstrap = 1 << 1;
constexpr uint8_t kSpecRevision = 4;  // 1.4
constexpr size_t kFloatingSize = 16;
constexpr size_t kHeaderSize = 44;
constexpr uint8_t kIsaIrqs = 16;

class Writer {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u16(uint16_t v) { raw(&v, 2); }
  void u32(uint32_t v) { raw(&v, 4); }
  void str(const char* s, size_t n) {  // fixed-width, space padded
    size_t len = std::strlen(s);
    for (size_t i = 0; i < n; ++i) u8(i < len ? static_cast<uint8_t>(s[i]) : ' ');
  }
  void zeros(size_t n) { bytes_.insert(bytes_.end(), n, 0); }
  void raw(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace

Result<std::vector<uint8_t>> build_mp_table(uint32_t num_cpus, uint64_t base) {
  if (num_cpus == 0) return errorf(ErrorCode::kInvalidArgument, "mp table: no vCPUs");
  const uint8_t ioapic_id = static_cast<uint8_t>(num_cpus + 1);
  Writer w;
  // Floating pointer structure.
  w.str("_MP_", 4);
  w.u32(static_cast<uint32_t>(base + kFloatingSize));
  w.u8(1);  // length in 16-byte units
  w.u8(kSpecRevision);
  w.u8(0);  // checksum, patched below
  w.zeros(5);  // feature bytes: 0 = a configuration table is present; no IMCR
  // Configuration table header.
  size_t hdr = w.bytes().size();
  w.str("PCMP", 4);
  w.u16(0);  // base table length, patched
  w.u8(kSpecRevision);
  w.u8(0);  // checksum, patched
  w.str("STRATO", 8);
  w.str("0.1", 12);
  w.u32(0);  // OEM table pointer
  w.u16(0);  // OEM table size
  w.u16(0);  // entry count, patched
  w.u32(static_cast<uint32_t>(kLapicAddr));
  w.u16(0);  // extended table length
  w.u8(0);   // extended table checksum
  w.u8(0);
  uint16_t entries = 0;
  for (uint32_t cpu = 0; cpu < num_cpus; ++cpu) {
    w.u8(kEntryProcessor);
    w.u8(static_cast<uint8_t>(cpu));  // local APIC id = vCPU index
    w.u8(kMpLapicVersion);
    w.u8(static_cast<uint8_t>(kCpuEnabled | (cpu == 0 ? kCpuBootstrap : 0)));
    w.u32(0x600);   // CPU signature: family 6
    w.u32(0x201);   // feature flags: FPU, APIC
    w.zeros(8);
    ++entries;
  }
  w.u8(kEntryBus);
  w.u8(0);
  w.str("ISA", 6);
  ++entries;
  w.u8(kEntryIoApic);
  w.u8(ioapic_id);
  w.u8(kMpIoApicVersion);
  w.u8(1);  // enabled
  w.u32(static_cast<uint32_t>(kIoApicAddr));
  ++entries;
  for (uint8_t irq = 0; irq < kIsaIrqs; ++irq) {
    w.u8(kEntryIoInterrupt);
    w.u8(kIntTypeInt);
    w.u16(0);  // polarity/trigger: conforms to the bus
    w.u8(0);   // source bus: ISA
    w.u8(irq);
    w.u8(ioapic_id);
    w.u8(irq);  // IOAPIC pin
    ++entries;
  }
  for (auto [type, lint] : {std::pair{kIntTypeExtInt, uint8_t{0}}, std::pair{kIntTypeNmi, uint8_t{1}}}) {
    w.u8(kEntryLocalInterrupt);
    w.u8(type);
    w.u16(0);
    w.u8(0);
    w.u8(0);
    w.u8(0xFF);  // every local APIC
    w.u8(lint);
    ++entries;
  }
  auto& b = w.bytes();
  if (b.size() > kMpTableMaxSize) {
    return errorf(ErrorCode::kOutOfRange, "mp table: {} vCPUs need {} bytes, the EBDA area has {}",
                  num_cpus, b.size(), kMpTableMaxSize);
  }
  auto table_len = static_cast<uint16_t>(b.size() - hdr);
  std::memcpy(&b[hdr + 4], &table_len, 2);
  std::memcpy(&b[hdr + 34], &entries, 2);
  b[hdr + 7] = static_cast<uint8_t>(-byte_sum(std::span(b).subspan(hdr, table_len)));
  b[10] = static_cast<uint8_t>(-byte_sum(std::span(b).first(kFloatingSize)));
  static_assert(kHeaderSize == 44);
  return std::move(b);
}

}  // namespace stratovirt::machine::x86
