// SPDX-License-Identifier: MulanPSL-2.0
//
// GuestMemory: the guest's RAM as a set of non-overlapping regions backed by host mappings.
//
// Every access is bounds-checked and returns Result: a guest-supplied address or length
// never reaches memcpy unchecked. An access must lie inside one region (regions are not
// guaranteed to be contiguous in the host). Regions are fixed once the machine is built.
// Threads: the region table is read-only after build, so read/write/host_ptr may be called
// from any thread concurrently (the bytes themselves are the guest's, unsynchronised as on
// real hardware). Failure: kOutOfRange naming the address and length.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/memory/mmap_region.h"

namespace stratovirt::memory {

struct GuestRegion {
  uint64_t guest_addr = 0;
  uint64_t size = 0;
  uint8_t* host = nullptr;
  // Keeps the backing mapping alive; several regions may view one mapping (shared on
  // purpose: the microvm split maps below-3G and above-4G RAM from one backing).
  std::shared_ptr<MmapRegion> backing;
  uint64_t backing_offset = 0;
  [[nodiscard]] uint64_t end() const { return guest_addr + size; }
};

struct RamRange {
  uint64_t guest_addr = 0;
  uint64_t size = 0;
};

class GuestMemory {
 public:
  // Views `backing` from `backing_offset` at guest address `guest_addr`.
  Result<void> add_region(uint64_t guest_addr, uint64_t size, std::shared_ptr<MmapRegion> backing,
                          uint64_t backing_offset = 0);
  // Splits one backing over `ranges` in order (offsets accumulate).
  Result<void> add_ranges(std::shared_ptr<MmapRegion> backing, std::span<const RamRange> ranges);

  const std::vector<GuestRegion>& regions() const { return regions_; }
  // Sum of the region sizes.
  [[nodiscard]] uint64_t total_size() const;
  // The region containing `addr`, or nullptr.
  const GuestRegion* find(uint64_t addr) const;
  [[nodiscard]] bool contains(uint64_t addr, uint64_t len) const;

  Result<uint8_t*> host_ptr(uint64_t addr, uint64_t len) const;
  Result<void> read(uint64_t addr, std::span<uint8_t> out) const;
  Result<void> write(uint64_t addr, std::span<const uint8_t> in) const;
  Result<void> fill(uint64_t addr, uint8_t value, uint64_t len) const;

  template <typename T>
  Result<T> read_obj(uint64_t addr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    SV_RETURN_IF_ERROR(read(addr, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&value), sizeof(T))));
    return value;
  }
  template <typename T>
  Result<void> write_obj(uint64_t addr, const T& value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    return write(addr, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&value), sizeof(T)));
  }

 private:
  std::vector<GuestRegion> regions_;  // sorted by guest_addr
};

// StratoVirt's x86 microvm RAM split: [0, min(size, 3 GiB)) and the rest from 4 GiB.
inline constexpr uint64_t kMicroVmGapStart = 0xC000'0000ULL;
inline constexpr uint64_t kMicroVmHighBase = 0x1'0000'0000ULL;
std::vector<RamRange> microvm_ram_ranges(uint64_t size);

}  // namespace stratovirt::memory
