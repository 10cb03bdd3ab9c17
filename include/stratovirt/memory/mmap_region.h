// SPDX-License-Identifier: MulanPSL-2.0
//
// MmapRegion: sole owner of one host mmap() mapping.
//
// Models an anonymous or fd-backed mapping (private or shared) with the guest-RAM knobs:
// populate up front (MAP_POPULATE, then MADV_WILLNEED as a fallback) and exclusion from
// core dumps (MADV_DONTDUMP). Move-only; munmap in the destructor. Threads: the mapping
// itself may be accessed from any thread; the object is created and destroyed by its
// owner. Failure: factories return the errno error naming the size and the fd/path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "stratovirt/base/error.h"

namespace stratovirt::memory {

struct MmapOptions {
  bool shared = false;
  bool populate = false;          // -mem-prealloc
  bool dump = true;               // false: MADV_DONTDUMP (dump-guest-core=off)
  // MAP_NORESERVE: off for guest RAM, so the kernel's overcommit check refuses a size the
  // host cannot back at mmap time instead of the guest dying later.
  bool noreserve = false;
};

class MmapRegion {
 public:
  static Result<MmapRegion> anonymous(size_t size, const MmapOptions& options);
  // Maps `size` bytes of `fd` from `offset`; `what` names the file in errors.
  static Result<MmapRegion> from_fd(int fd, size_t size, uint64_t offset,
                                    const MmapOptions& options, const std::string& what);

  MmapRegion() = default;
  ~MmapRegion();
  MmapRegion(MmapRegion&& o) noexcept;
  MmapRegion& operator=(MmapRegion&& o) noexcept;
  MmapRegion(const MmapRegion&) = delete;
  MmapRegion& operator=(const MmapRegion&) = delete;

  [[nodiscard]] uint8_t* data() const { return data_; }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool shared() const { return shared_; }

 private:
  MmapRegion(uint8_t* data, size_t size, bool shared) : data_(data), size_(size), shared_(shared) {}
  void reset();
  static Result<MmapRegion> map(int fd, size_t size, uint64_t offset, const MmapOptions& options,
                                const std::string& what);

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool shared_ = false;
};

}  // namespace stratovirt::memory
