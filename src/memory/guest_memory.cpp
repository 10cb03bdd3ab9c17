// SPDX-License-Identifier: MulanPSL-2.0
// GuestMemory: bounds-checked guest RAM access.
#include "stratovirt/memory/guest_memory.h"

#include <algorithm>

namespace stratovirt::memory {

Result<void> GuestMemory::add_region(uint64_t guest_addr, uint64_t size,
                                     std::shared_ptr<MmapRegion> backing,
                                     uint64_t backing_offset) {
  if (size == 0) return errorf(ErrorCode::kInvalidArgument, "guest region at {:#x} is empty", guest_addr);
  if (!backing || backing_offset > backing->size() || size > backing->size() - backing_offset) {
    return errorf(ErrorCode::kOutOfRange, "guest region [{:#x}, +{:#x}) exceeds its host mapping",
                  guest_addr, size);
  }
  if (guest_addr + size < guest_addr) {
    return errorf(ErrorCode::kOutOfRange, "guest region at {:#x} wraps", guest_addr);
  }
  for (const auto& r : regions_) {
    if (guest_addr < r.end() && r.guest_addr < guest_addr + size) {
      return errorf(ErrorCode::kAlreadyExists, "guest region [{:#x}, {:#x}) overlaps [{:#x}, {:#x})",
                    guest_addr, guest_addr + size, r.guest_addr, r.end());
    }
  }
  GuestRegion region;
  region.guest_addr = guest_addr;
  region.size = size;
  region.host = backing->data() + backing_offset;
  region.backing = std::move(backing);
  region.backing_offset = backing_offset;
  auto pos = std::upper_bound(regions_.begin(), regions_.end(), guest_addr,
                              [](uint64_t a, const GuestRegion& r) { return a < r.guest_addr; });
  regions_.insert(pos, std::move(region));
  return ok();
}

Result<void> GuestMemory::add_ranges(std::shared_ptr<MmapRegion> backing,
                                     std::span<const RamRange> ranges) {
  uint64_t offset = 0;
  for (const auto& r : ranges) {
    SV_RETURN_IF_ERROR(add_region(r.guest_addr, r.size, backing, offset));
    offset += r.size;
  }
  return ok();
}

uint64_t GuestMemory::total_size() const {
  uint64_t total = 0;
  for (const auto& r : regions_) total += r.size;
  return total;
}

const GuestRegion* GuestMemory::find(uint64_t addr) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), addr,
                             [](uint64_t a, const GuestRegion& r) { return a < r.guest_addr; });
  if (it == regions_.begin()) return nullptr;
  --it;
  return addr < it->end() ? &*it : nullptr;
}

bool GuestMemory::contains(uint64_t addr, uint64_t len) const {
  const GuestRegion* r = find(addr);
  return r != nullptr && len <= r->end() - addr;
}

Result<uint8_t*> GuestMemory::host_ptr(uint64_t addr, uint64_t len) const {
  const GuestRegion* r = find(addr);
  if (r == nullptr || len > r->end() - addr) {
    return errorf(ErrorCode::kOutOfRange, "guest memory [{:#x}, +{:#x}) is not RAM", addr, len);
  }
  return r->host + (addr - r->guest_addr);
}

Result<void> GuestMemory::read(uint64_t addr, std::span<uint8_t> out) const {
  SV_ASSIGN_OR_RETURN(uint8_t* p, host_ptr(addr, out.size()));
  std::memcpy(out.data(), p, out.size());
  return ok();
}

Result<void> GuestMemory::write(uint64_t addr, std::span<const uint8_t> in) const {
  SV_ASSIGN_OR_RETURN(uint8_t* p, host_ptr(addr, in.size()));
  std::memcpy(p, in.data(), in.size());
  return ok();
}

Result<void> GuestMemory::fill(uint64_t addr, uint8_t value, uint64_t len) const {
  SV_ASSIGN_OR_RETURN(uint8_t* p, host_ptr(addr, len));
  std::memset(p, value, len);
  return ok();
}

std::vector<RamRange> microvm_ram_ranges(uint64_t size) {
  std::vector<RamRange> out;
  uint64_t low = std::min(size, kMicroVmGapStart);
  out.push_back({0, low});
  if (size > low) out.push_back({kMicroVmHighBase, size - low});
  return out;
}

}  // namespace stratovirt::memory
