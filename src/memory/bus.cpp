// SPDX-License-Identifier: MulanPSL-2.0
// Bus: ordered, non-overlapping address ranges → devices.
#include "stratovirt/memory/bus.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace stratovirt {
namespace {

class RangeBus final : public Bus {
 public:
  explicit RangeBus(std::string_view name) : name_(name) {}

  Result<void> insert(std::shared_ptr<BusDevice> dev, uint64_t base, uint64_t len) override {
    if (!dev) return errorf(ErrorCode::kInvalidArgument, "{} bus: null device", name_);
    if (len == 0 || base + len < base) {
      return errorf(ErrorCode::kInvalidArgument, "{} bus: bad range {:#x}+{:#x} for {}", name_,
                    base, len, dev->name());
    }
    std::unique_lock lock(mu_);
    auto next = ranges_.lower_bound(base);
    if (next != ranges_.end() && next->first < base + len) {
      return errorf(ErrorCode::kAlreadyExists, "{} bus: {} [{:#x}, {:#x}) overlaps {} at {:#x}",
                    name_, dev->name(), base, base + len, next->second.dev->name(), next->first);
    }
    if (next != ranges_.begin()) {
      auto prev = std::prev(next);
      if (prev->first + prev->second.len > base) {
        return errorf(ErrorCode::kAlreadyExists, "{} bus: {} [{:#x}, {:#x}) overlaps {} at {:#x}",
                      name_, dev->name(), base, base + len, prev->second.dev->name(), prev->first);
      }
    }
    ranges_.emplace(base, Entry{std::move(dev), len});
    return ok();
  }

  Result<void> remove(uint64_t base) override {
    std::unique_lock lock(mu_);
    if (ranges_.erase(base) == 0) {
      return errorf(ErrorCode::kNotFound, "{} bus: no device at {:#x}", name_, base);
    }
    return ok();
  }

  bool read(uint64_t addr, std::span<uint8_t> data) override {
    uint64_t offset = 0;
    auto dev = lookup(addr, data.size(), &offset);
    if (!dev) {
      std::fill(data.begin(), data.end(), 0xFF);
      return false;
    }
    dev->read(offset, data);
    return true;
  }

  bool write(uint64_t addr, std::span<const uint8_t> data) override {
    uint64_t offset = 0;
    auto dev = lookup(addr, data.size(), &offset);
    if (!dev) return false;
    dev->write(offset, data);
    return true;
  }

 private:
  struct Entry {
    std::shared_ptr<BusDevice> dev;
    uint64_t len;
  };

  // The device whose range holds [addr, addr+size), kept alive by the returned pointer.
  std::shared_ptr<BusDevice> lookup(uint64_t addr, size_t size, uint64_t* offset) {
    std::shared_lock lock(mu_);
    auto it = ranges_.upper_bound(addr);
    if (it == ranges_.begin()) return nullptr;
    --it;
    uint64_t off = addr - it->first;
    if (off >= it->second.len || size > it->second.len - off) return nullptr;
    *offset = off;
    return it->second.dev;
  }

  std::string name_;
  std::shared_mutex mu_;
  std::map<uint64_t, Entry> ranges_;
};

}  // namespace

std::unique_ptr<Bus> Bus::create(std::string_view name) { return std::make_unique<RangeBus>(name); }

}  // namespace stratovirt
