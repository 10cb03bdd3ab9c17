// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/pid_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace stratovirt {
namespace {

constexpr int kMaxOpenAttempts = 8;

bool same_file(int fd, const std::string& path) {
  struct stat by_fd{}, by_path{};
  return ::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 &&
         by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

Result<void> write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sys_errorf("pidfile {}: write", path);
    done += static_cast<size_t>(n);
  }
  return ok();
}

}  // namespace

Result<PidFile> PidFile::create(const std::string& path) {
  if (path.empty()) return errorf(ErrorCode::kInvalidArgument, "pidfile path is empty");
  // The previous owner may unlink the file between our open() and our lock; then we hold
  // a lock on a dead inode. Re-open until the locked file is the one at `path`.
  for (int attempt = 0; attempt < kMaxOpenAttempts; ++attempt) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return sys_errorf("pidfile {}: open", path);
    struct flock lock{};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_SETLK, &lock) < 0) {
      if (errno != EAGAIN && errno != EACCES) return sys_errorf("pidfile {}: lock", path);
      struct flock holder{};
      holder.l_type = F_WRLCK;
      holder.l_whence = SEEK_SET;
      pid_t holder_pid = 0;
      if (::fcntl(fd.get(), F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK) {
        holder_pid = holder.l_pid;
      }
      return errorf(ErrorCode::kAlreadyExists,
                    "pidfile {} is locked by another process (pid {}): is another instance "
                    "running?", path, holder_pid);
    }
    if (!same_file(fd.get(), path)) continue;
    if (::ftruncate(fd.get(), 0) < 0) return sys_errorf("pidfile {}: truncate", path);
    SV_RETURN_IF_ERROR(write_all(fd.get(), std::to_string(::getpid()) + "\n", path));
    return PidFile(path, std::move(fd));
  }
  return errorf(ErrorCode::kIo, "pidfile {}: replaced repeatedly while locking it", path);
}

PidFile::~PidFile() {
  if (path_.empty() || !fd_) return;
  // Unlink while still holding the lock, so no other instance can own the path yet.
  if (same_file(fd_.get(), path_)) ::unlink(path_.c_str());
}

}  // namespace stratovirt
