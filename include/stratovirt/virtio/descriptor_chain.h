// SPDX-License-Identifier: MulanPSL-2.0
//
// DescriptorChain, ChainReader, ChainWriter: one available request as validated segments.
//
// Walks a split-ring descriptor chain (virtio 1.2 §2.7.5, indirect tables §2.7.5.3) once,
// checking every guest value before it is used: head and next indices < queue size, at
// most queue-size descriptors in all (loop detection), one level of indirection only,
// indirect table length a non-zero multiple of 16, every buffer inside guest RAM, total
// length below 4 GiB, and no device-readable buffer after a device-writable one. The
// result is a list of (address, length, writable) segments; ChainReader and ChainWriter
// are bounded views over the readable and writable parts that copy to/from GuestMemory.
// Owned by the data plane that popped the chain; single thread. Failure: kGuest errors
// (the caller marks the device NEEDS_RESET) and kOutOfRange for short chains.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/memory/guest_memory.h"

namespace stratovirt::virtio {

// §2.7.5 struct virtq_desc, little-endian (x86 host).
struct SplitDescriptor {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(SplitDescriptor) == 16);

struct ChainSegment {
  uint64_t addr = 0;
  uint32_t len = 0;
  bool writable = false;
};

class DescriptorChain {
 public:
  // Walks the chain starting at `head` of the descriptor table at `desc_table`.
  static Result<DescriptorChain> walk(const memory::GuestMemory& mem, uint64_t desc_table,
                                      uint16_t queue_size, uint16_t head);

  [[nodiscard]] uint16_t head() const { return head_; }
  const std::vector<ChainSegment>& segments() const { return segments_; }
  [[nodiscard]] uint64_t readable_bytes() const { return readable_; }
  [[nodiscard]] uint64_t writable_bytes() const { return writable_; }
  const memory::GuestMemory& memory() const { return *mem_; }

 private:
  DescriptorChain(const memory::GuestMemory* mem, uint16_t head) : mem_(mem), head_(head) {}
  Result<void> add(const SplitDescriptor& d);

  const memory::GuestMemory* mem_;
  uint16_t head_;
  std::vector<ChainSegment> segments_;
  uint64_t readable_ = 0;
  uint64_t writable_ = 0;
};

// Cursor over the segments of one direction of a chain.
class ChainCursor {
 public:
  ChainCursor(const DescriptorChain& chain, bool writable);
  [[nodiscard]] uint64_t remaining() const { return remaining_; }
  [[nodiscard]] uint64_t consumed() const { return consumed_; }
  // Host iovecs for the next `len` bytes (consumed); kOutOfRange when fewer remain.
  Result<std::vector<iovec>> take_iovecs(uint64_t len);
  Result<void> skip(uint64_t len);

 protected:
  Result<void> copy(uint64_t len, uint8_t* out, const uint8_t* in);

 private:
  const memory::GuestMemory* mem_;
  std::vector<ChainSegment> segs_;
  size_t index_ = 0;
  uint64_t offset_ = 0;  // within segs_[index_]
  uint64_t remaining_ = 0;
  uint64_t consumed_ = 0;
};

// Device-readable part of a chain (the driver's request).
class ChainReader : public ChainCursor {
 public:
  explicit ChainReader(const DescriptorChain& chain) : ChainCursor(chain, false) {}
  Result<void> read(std::span<uint8_t> out) { return copy(out.size(), out.data(), nullptr); }
  template <typename T>
  Result<T> read_obj() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    SV_RETURN_IF_ERROR(read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), sizeof(T))));
    return v;
  }
};

// Device-writable part of a chain (the device's reply).
class ChainWriter : public ChainCursor {
 public:
  explicit ChainWriter(const DescriptorChain& chain) : ChainCursor(chain, true) {}
  Result<void> write(std::span<const uint8_t> in) { return copy(in.size(), nullptr, in.data()); }
  template <typename T>
  Result<void> write_obj(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    return write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&v), sizeof(T)));
  }
};

}  // namespace stratovirt::virtio
