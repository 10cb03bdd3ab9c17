// SPDX-License-Identifier: MulanPSL-2.0
//
// RawFile: a raw disk image (regular file or block device) as a virtio-blk backend.
//
// Opens honouring readonly and direct (O_DIRECT; falls back to buffered I/O with a warning
// where the filesystem refuses it, e.g. tmpfs), takes an advisory OFD lock (F_OFD_SETLK:
// write lock for read-write, read lock for read-only) so two backends cannot write one
// image, and offers preadv/pwritev, flush (fdatasync), discard (PUNCH_HOLE|KEEP_SIZE) and
// write-zeroes (ZERO_RANGE, punch when unmap is allowed, else written zeros). format=qcow2
// is refused ("qcow2: not supported yet"). Drive properties: inventory §2.4.
// The async data plane submits to fd() itself through an IoEngine, using check_range()
// and direct_ok() to decide when an O_DIRECT transfer needs an aligned bounce buffer.
// Owned by the block device; calls come from its data-plane thread. Failure: Result with
// errno, naming the file.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "stratovirt/base/error.h"
#include "stratovirt/base/unique_fd.h"
#include "stratovirt/config/backend_config.h"

namespace stratovirt::block {

class RawFile {
 public:
  static Result<std::unique_ptr<RawFile>> open(const config::DriveConfig& drive);

  [[nodiscard]] uint64_t size() const { return size_; }
  [[nodiscard]] bool readonly() const { return readonly_; }
  [[nodiscard]] bool direct() const { return direct_; }
  const std::string& path() const { return path_; }
  [[nodiscard]] int fd() const { return fd_.get(); }

  // O_DIRECT alignment of file offsets, lengths and memory addresses.
  static constexpr uint64_t kDirectAlign = 4096;
  // Fails (kOutOfRange) unless [offset, offset + len) lies inside the image.
  Result<void> check_range(uint64_t offset, uint64_t len) const;
  // Whether `iov` at `offset` may go to fd() unchanged (always true without O_DIRECT).
  [[nodiscard]] bool direct_ok(std::span<const iovec> iov, uint64_t offset) const;

  // Whole-transfer calls: a short transfer past EOF is an error.
  Result<void> preadv(std::span<const iovec> iov, uint64_t offset);
  Result<void> pwritev(std::span<const iovec> iov, uint64_t offset);
  Result<void> flush();
  Result<void> discard(uint64_t offset, uint64_t len);
  Result<void> write_zeroes(uint64_t offset, uint64_t len, bool unmap);

 private:
  RawFile(UniqueFd fd, std::string path, uint64_t size, bool readonly, bool direct)
      : fd_(std::move(fd)),
        path_(std::move(path)),
        size_(size),
        readonly_(readonly),
        direct_(direct) {}
  Result<void> transfer(std::span<const iovec> iov, uint64_t offset, bool write);

  UniqueFd fd_;
  std::string path_;
  uint64_t size_;
  bool readonly_;
  bool direct_;
};

}  // namespace stratovirt::block
