// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/block/raw_file.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "stratovirt/base/logging.h"

namespace stratovirt::block {

namespace {

constexpr uint64_t kDirectAlign = RawFile::kDirectAlign;

bool aligned(std::span<const iovec> iov, uint64_t offset) {
  if (offset % kDirectAlign != 0) {
    return false;
  }
  for (const auto& v : iov) {
    if (reinterpret_cast<uintptr_t>(v.iov_base) % kDirectAlign != 0 ||
        v.iov_len % kDirectAlign != 0) {
      return false;
    }
  }
  return true;
}

uint64_t total(std::span<const iovec> iov) {
  uint64_t n = 0;
  for (const auto& v : iov) n += v.iov_len;
  return n;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

Result<std::unique_ptr<RawFile>> RawFile::open(const config::DriveConfig& drive) {
  if (drive.format == config::ImageFormat::kQcow2) {
    return errorf(ErrorCode::kNotSupported, "drive {}: qcow2: not supported yet", drive.id);
  }
  int flags = (drive.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  bool direct = drive.direct;
  int raw = ::open(drive.file.c_str(), flags | (direct ? O_DIRECT : 0));
  if (raw < 0 && direct && errno == EINVAL) {
    logger(kLoggerBlock)
        ->warn("drive {}: {} refuses O_DIRECT; using buffered I/O", drive.id, drive.file);
    direct = false;
    raw = ::open(drive.file.c_str(), flags);
  }
  if (raw < 0) {
    return sys_errorf("drive {}: open {}", drive.id, drive.file);
  }
  UniqueFd fd(raw);
  struct flock lk {};
  lk.l_type = drive.readonly ? F_RDLCK : F_WRLCK;
  lk.l_whence = SEEK_SET;
  if (::fcntl(fd.get(), F_OFD_SETLK, &lk) < 0) {
    if (errno == EAGAIN || errno == EACCES) {
      return errorf(ErrorCode::kAlreadyExists,
                    "drive {}: image {} is locked by another user (opened {})", drive.id,
                    drive.file, drive.readonly ? "read-write elsewhere" : "elsewhere");
    }
    return sys_errorf("drive {}: lock {}", drive.id, drive.file);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) {
    return sys_errorf("drive {}: stat {}", drive.id, drive.file);
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (S_ISBLK(st.st_mode)) {
    if (::ioctl(fd.get(), BLKGETSIZE64, &size) < 0) {
      return sys_errorf("drive {}: BLKGETSIZE64 {}", drive.id, drive.file);
    }
  } else if (!S_ISREG(st.st_mode)) {
    return errorf(ErrorCode::kInvalidArgument, "drive {}: {} is neither a file nor a block device",
                  drive.id, drive.file);
  }
  return std::unique_ptr<RawFile>(
      new RawFile(std::move(fd), drive.file, size, drive.readonly, direct));
}

Result<void> RawFile::check_range(uint64_t offset, uint64_t len) const {
  if (offset > size_ || len > size_ - offset) {
    return errorf(ErrorCode::kOutOfRange, "{}: range {:#x}+{:#x} beyond size {:#x}", path_, offset,
                  len, size_);
  }
  return ok();
}

bool RawFile::direct_ok(std::span<const iovec> iov, uint64_t offset) const {
  return !direct_ || aligned(iov, offset);
}

Result<void> RawFile::transfer(std::span<const iovec> iov, uint64_t offset, bool write) {
  uint64_t len = total(iov);
  SV_RETURN_IF_ERROR(check_range(offset, len));
  if (direct_ && !aligned(iov, offset)) {
    // Bounce through an aligned buffer covering the aligned superset of the range.
    uint64_t start = offset / kDirectAlign * kDirectAlign;
    uint64_t end = (offset + len + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
    std::unique_ptr<uint8_t, FreeDeleter> buf(
        static_cast<uint8_t*>(std::aligned_alloc(kDirectAlign, end - start)));
    if (!buf) {
      return errorf(ErrorCode::kIo, "{}: bounce buffer of {} bytes", path_, end - start);
    }
    iovec whole{buf.get(), end - start};
    bool partial = start != offset || end != offset + len;
    if (!write || partial) {
      ssize_t n = ::preadv(fd_.get(), &whole, 1, static_cast<off_t>(start));
      if (n < 0) {
        return sys_errorf("{}: read {:#x}+{:#x}", path_, start, end - start);
      }
      if (static_cast<uint64_t>(n) < end - start) {
        std::memset(buf.get() + n, 0, end - start - static_cast<uint64_t>(n));  // tail past EOF
      }
    }
    uint8_t* p = buf.get() + (offset - start);
    for (const auto& v : iov) {
      if (write) {
        std::memcpy(p, v.iov_base, v.iov_len);
      } else {
        std::memcpy(v.iov_base, p, v.iov_len);
      }
      p += v.iov_len;
    }
    if (!write) {
      return ok();
    }
    std::vector<iovec> one{whole};
    direct_ = false;  // prevent recursion; the bounce buffer is aligned
    auto r = transfer(one, start, true);
    direct_ = true;
    return r;
  }
  std::vector<iovec> rest(iov.begin(), iov.end());
  size_t first = 0;
  while (len > 0) {
    ssize_t n = write ? ::pwritev(fd_.get(), rest.data() + first,
                                  static_cast<int>(rest.size() - first), static_cast<off_t>(offset))
                      : ::preadv(fd_.get(), rest.data() + first,
                                 static_cast<int>(rest.size() - first), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_errorf("{}: {} {:#x}+{:#x}", path_, write ? "write" : "read", offset, len);
    }
    if (n == 0) {
      return errorf(ErrorCode::kIo, "{}: unexpected end of file at {:#x}", path_, offset);
    }
    uint64_t done = static_cast<uint64_t>(n);
    offset += done;
    len -= done;
    while (done > 0 && first < rest.size()) {
      uint64_t take = std::min<uint64_t>(done, rest[first].iov_len);
      rest[first].iov_base = static_cast<uint8_t*>(rest[first].iov_base) + take;
      rest[first].iov_len -= take;
      done -= take;
      if (rest[first].iov_len == 0) ++first;
    }
  }
  return ok();
}

Result<void> RawFile::preadv(std::span<const iovec> iov, uint64_t offset) {
  return transfer(iov, offset, false);
}

Result<void> RawFile::pwritev(std::span<const iovec> iov, uint64_t offset) {
  if (readonly_) {
    return errorf(ErrorCode::kInvalidArgument, "{}: write to a read-only drive", path_);
  }
  return transfer(iov, offset, true);
}

Result<void> RawFile::flush() {
  if (::fdatasync(fd_.get()) < 0) {
    return sys_errorf("{}: fdatasync", path_);
  }
  return ok();
}

Result<void> RawFile::discard(uint64_t offset, uint64_t len) {
  if (readonly_) {
    return errorf(ErrorCode::kInvalidArgument, "{}: discard on a read-only drive", path_);
  }
  SV_RETURN_IF_ERROR(check_range(offset, len));
  if (::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(len)) < 0) {
    return sys_errorf("{}: discard {:#x}+{:#x}", path_, offset, len);
  }
  return ok();
}

Result<void> RawFile::write_zeroes(uint64_t offset, uint64_t len, bool unmap) {
  if (readonly_) {
    return errorf(ErrorCode::kInvalidArgument, "{}: write-zeroes on a read-only drive", path_);
  }
  SV_RETURN_IF_ERROR(check_range(offset, len));
  int mode = unmap ? (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) : FALLOC_FL_ZERO_RANGE;
  if (::fallocate(fd_.get(), mode, static_cast<off_t>(offset), static_cast<off_t>(len)) == 0) {
    return ok();
  }
  if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL) {
    return sys_errorf("{}: write-zeroes {:#x}+{:#x}", path_, offset, len);
  }
  // Fallback: write zeros in 1 MiB pieces.
  constexpr uint64_t kChunk = 1 << 20;
  std::unique_ptr<uint8_t, FreeDeleter> zeros(
      static_cast<uint8_t*>(std::aligned_alloc(kDirectAlign, kChunk)));
  if (!zeros) {
    return errorf(ErrorCode::kIo, "{}: zero buffer", path_);
  }
  std::memset(zeros.get(), 0, kChunk);
  while (len > 0) {
    uint64_t n = std::min(len, kChunk);
    iovec v{zeros.get(), n};
    SV_RETURN_IF_ERROR(transfer(std::span<const iovec>(&v, 1), offset, true));
    offset += n;
    len -= n;
  }
  return ok();
}

}  // namespace stratovirt::block
