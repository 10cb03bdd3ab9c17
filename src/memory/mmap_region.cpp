// SPDX-License-Identifier: MulanPSL-2.0
// MmapRegion: owned host mappings.
#include "stratovirt/memory/mmap_region.h"

#include <sys/mman.h>

#include <utility>

namespace stratovirt::memory {

Result<MmapRegion> MmapRegion::anonymous(size_t size, const MmapOptions& options) {
  return map(-1, size, 0, options, "anonymous memory");
}

Result<MmapRegion> MmapRegion::from_fd(int fd, size_t size, uint64_t offset,
                                       const MmapOptions& options, const std::string& what) {
  if (fd < 0) return errorf(ErrorCode::kInvalidArgument, "{}: no file descriptor", what);
  return map(fd, size, offset, options, what);
}

Result<MmapRegion> MmapRegion::map(int fd, size_t size, uint64_t offset,
                                   const MmapOptions& options, const std::string& what) {
  if (size == 0) return errorf(ErrorCode::kInvalidArgument, "{}: zero-sized mapping", what);
  int flags = options.shared ? MAP_SHARED : MAP_PRIVATE;
  if (fd < 0) flags |= MAP_ANONYMOUS;
  if (options.noreserve) flags |= MAP_NORESERVE;
  if (options.populate) flags |= MAP_POPULATE;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, static_cast<off_t>(offset));
  if (p == MAP_FAILED) return sys_errorf("{}: mmap of {} bytes", what, size);
  MmapRegion region(static_cast<uint8_t*>(p), size, options.shared);
  if (options.populate) {
    // MAP_POPULATE is best effort for shared file mappings; make the intent explicit.
    (void)::madvise(p, size, MADV_WILLNEED);
  }
  if (!options.dump && ::madvise(p, size, MADV_DONTDUMP) != 0) {
    return sys_errorf("{}: madvise(MADV_DONTDUMP)", what);
  }
  return region;
}

MmapRegion::~MmapRegion() { reset(); }

MmapRegion::MmapRegion(MmapRegion&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), shared_(o.shared_) {}

MmapRegion& MmapRegion::operator=(MmapRegion&& o) noexcept {
  if (this != &o) {
    reset();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    shared_ = o.shared_;
  }
  return *this;
}

void MmapRegion::reset() {
  if (data_ != nullptr) ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace stratovirt::memory
