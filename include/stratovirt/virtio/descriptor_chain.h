// SPDX-License-Identifier: MulanPSL-2.0
//
// DescriptorChain, ChainReader, ChainWriter: one available request as validated segments.
//
// Walks a split-ring descriptor chain (virtio 1.2 §2.7.5, indirect tables §2.7.5.3) or a
// packed-ring buffer (§2.8.6 NEXT chains in ring order, §2.8.7 indirect tables) once,
// checking every guest value before it is used: indices inside their table, at most
// queue-size descriptors per table (direct chain, then indirect table: loop detection),
// one level of indirection only, INDIRECT with NEXT refused, indirect table length a
// non-zero multiple of 16 of at most queue-size entries, every buffer inside guest RAM,
// total length below 4 GiB, and no device-readable buffer after a device-writable one;
// packed buffers also need every descriptor marked available and a buffer id below the
// queue size. The result is a list of (address, length, writable) segments; ChainReader
// and ChainWriter are bounded views over the readable and writable parts that copy to/from
// GuestMemory. Owned by the data plane that popped the chain; single thread. Failure:
// kGuest errors (the caller marks the device NEEDS_RESET) and kOutOfRange for short chains.
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

// §2.8.13 struct pvirtq_desc, little-endian (x86 host).
struct PackedDescriptor {
  uint64_t addr;
  uint32_t len;
  uint16_t id;
  uint16_t flags;
};
static_assert(sizeof(PackedDescriptor) == 16);

struct PackedBuffer;

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
  // Walks the packed-ring buffer starting at slot `start` of the descriptor ring at `ring`,
  // made available under the driver wrap counter `wrap` (the caller has seen the first
  // descriptor available). The chain's head() is the buffer id (§2.8.6: from the last
  // descriptor of a NEXT list, or from the INDIRECT descriptor).
  static Result<PackedBuffer> walk_packed(const memory::GuestMemory& mem, uint64_t ring,
                                          uint16_t queue_size, uint16_t start, bool wrap);

  [[nodiscard]] uint16_t head() const { return head_; }
  const std::vector<ChainSegment>& segments() const { return segments_; }
  [[nodiscard]] uint64_t readable_bytes() const { return readable_; }
  [[nodiscard]] uint64_t writable_bytes() const { return writable_; }
  const memory::GuestMemory& memory() const { return *mem_; }

 private:
  DescriptorChain(const memory::GuestMemory* mem, uint16_t head) : mem_(mem), head_(head) {}
  Result<void> add(uint64_t addr, uint32_t len, bool writable);
  Result<void> check_indirect(uint64_t table, uint32_t len, uint16_t queue_size) const;

  const memory::GuestMemory* mem_;
  uint16_t head_;
  std::vector<ChainSegment> segments_;
  uint64_t readable_ = 0;
  uint64_t writable_ = 0;
};

// A popped packed-ring buffer: its chain and the ring slots it occupied (1 for an indirect
// buffer), which the device skips when it writes the used descriptor (§2.8.6).
struct PackedBuffer {
  DescriptorChain chain;
  uint16_t slots;
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
