// SPDX-License-Identifier: MulanPSL-2.0
//
// BusDevice and Bus: dispatch of guest MMIO and port I/O accesses to device models.
//
// A Bus maps non-overlapping [base, base+len) ranges to devices (ordered map, upper_bound
// lookup) and passes base-relative offsets. There is one Bus for MMIO and one for PIO.
// Devices own their locking; the Bus only guarantees that a device stays alive during an
// access (ranges are held by shared_ptr: removal while another vCPU is inside the device
// is safe). Threads: read()/write() on vCPU threads (and the test-tier driver thread);
// insert()/remove() from the main thread. insert() fails on overlap; an access to an
// unmapped address returns false (reads then yield all-ones).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "stratovirt/base/error.h"

namespace stratovirt {

class BusDevice {
 public:
  virtual ~BusDevice() = default;
  // `offset` is relative to the device's base on the bus; data.size() is 1, 2, 4 or 8.
  virtual void read(uint64_t offset, std::span<uint8_t> data) = 0;
  virtual void write(uint64_t offset, std::span<const uint8_t> data) = 0;
  virtual std::string_view name() const = 0;
};

class Bus {
 public:
  virtual ~Bus() = default;
  static std::unique_ptr<Bus> create(std::string_view name);
  virtual Result<void> insert(std::shared_ptr<BusDevice> dev, uint64_t base, uint64_t len) = 0;
  virtual Result<void> remove(uint64_t base) = 0;
  // Returns false when no device covers `addr`.
  virtual bool read(uint64_t addr, std::span<uint8_t> data) = 0;
  virtual bool write(uint64_t addr, std::span<const uint8_t> data) = 0;
};

}  // namespace stratovirt
