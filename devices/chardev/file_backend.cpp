// SPDX-License-Identifier: MulanPSL-2.0
// file chardev: guest output appended to a file truncated at open; no input.
#include <fcntl.h>
#include <unistd.h>

#include "devices/chardev/char_backends.h"
#include "devices/chardev/fd_char_backend.h"

namespace stratovirt::devices {
namespace {

class FileBackend final : public FdCharBackend {
 public:
  FileBackend(EventLoop& loop, const std::string& id, const std::string& path)
      : FdCharBackend(loop, id, "file:" + path), path_(path) {}
  ~FileBackend() override { detach(); }

  Result<void> open() {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return sys_errorf("chardev {}: open {}", id_, path_);
    Stream s;
    s.io = UniqueFd(fd);
    s.readable = false;
    return attach(std::move(s));
  }

 private:
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<CharBackend>> open_file_backend(const std::string& id,
                                                       const config::FileBackend& file,
                                                       EventLoop& loop) {
  if (file.path.empty()) {
    return errorf(ErrorCode::kInvalidArgument, "chardev {}: file backend needs a path", id);
  }
  auto backend = std::make_unique<FileBackend>(loop, id, file.path);
  if (auto r = backend->open(); !r) return std::unexpected(r.error());
  return std::unique_ptr<CharBackend>(std::move(backend));
}

}  // namespace stratovirt::devices
