// SPDX-License-Identifier: MulanPSL-2.0
// Host memory backends: anonymous, file / hugetlbfs directory, memfd.
#include "stratovirt/memory/host_memory.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "stratovirt/base/unique_fd.h"

namespace stratovirt::memory {
namespace {

// Opens the backing file: a directory gets an unlinked temporary file.
Result<UniqueFd> open_mem_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return sys_errorf("mem-path {}", path);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return sys_errorf("mem-path {}: create", path);
    return UniqueFd(fd);
  }
  if (S_ISDIR(st.st_mode)) {
    std::string tmpl = path + "/stratovirt_backmem_XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) return sys_errorf("mem-path {}: temporary file", path);
    ::unlink(name.data());
    return UniqueFd(fd);
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return sys_errorf("mem-path {}", path);
  return UniqueFd(fd);
}

Result<void> size_file(int fd, uint64_t size, const std::string& what) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) == 0 && fs.f_type == HUGETLBFS_MAGIC) {
    auto page = static_cast<uint64_t>(fs.f_bsize);
    if (page != 0 && size % page != 0) {
      return errorf(ErrorCode::kInvalidArgument,
                    "{}: memory size {} is not a multiple of the huge page size {}", what, size,
                    page);
    }
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return sys_errorf("{}: fstat", what);
  if (static_cast<uint64_t>(st.st_size) < size &&
      ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return sys_errorf("{}: resize to {} bytes", what, size);
  }
  return ok();
}

}  // namespace

HostMemoryOptions host_memory_options(const config::MemoryConfig& mem,
                                      const config::MachineConfig& machine) {
  HostMemoryOptions o;
  o.size = mem.size;
  o.share = machine.mem_share;
  o.prealloc = mem.prealloc;
  o.dump_guest_core = machine.dump_guest_core;
  if (mem.mem_path) {
    o.kind = HostMemoryKind::kFile;
    o.path = mem.mem_path;
  }
  return o;
}

HostMemoryOptions host_memory_options(const config::MemoryBackendObject& obj) {
  HostMemoryOptions o;
  o.size = obj.size;
  o.share = obj.share;
  o.prealloc = obj.prealloc;
  o.dump_guest_core = obj.dump_guest_core;
  switch (obj.kind) {
    case config::MemBackendKind::kRam: o.kind = HostMemoryKind::kAnonymous; break;
    case config::MemBackendKind::kFile:
      o.kind = HostMemoryKind::kFile;
      o.path = obj.mem_path;
      break;
    case config::MemBackendKind::kMemfd: o.kind = HostMemoryKind::kMemfd; break;
  }
  return o;
}

Result<MmapRegion> allocate_host_memory(const HostMemoryOptions& options) {
  if (options.size == 0) return errorf(ErrorCode::kInvalidArgument, "guest memory size is 0");
  MmapOptions mo;
  mo.shared = options.share;
  mo.populate = options.prealloc;
  mo.dump = options.dump_guest_core;
  switch (options.kind) {
    case HostMemoryKind::kAnonymous: return MmapRegion::anonymous(options.size, mo);
    case HostMemoryKind::kFile: {
      if (!options.path) {
        return errorf(ErrorCode::kInvalidArgument, "file memory backend needs a mem-path");
      }
      std::string what = "mem-path " + *options.path;
      SV_ASSIGN_OR_RETURN(UniqueFd fd, open_mem_path(*options.path));
      SV_RETURN_IF_ERROR(size_file(fd.get(), options.size, what));
      // The mapping keeps the file alive after fd closes.
      return MmapRegion::from_fd(fd.get(), options.size, 0, mo, what);
    }
    case HostMemoryKind::kMemfd: {
      int raw = ::memfd_create("stratovirt-ram", MFD_CLOEXEC);
      if (raw < 0) return sys_errorf("memory-backend-memfd: memfd_create");
      UniqueFd fd(raw);
      SV_RETURN_IF_ERROR(size_file(fd.get(), options.size, "memory-backend-memfd"));
      return MmapRegion::from_fd(fd.get(), options.size, 0, mo, "memory-backend-memfd");
    }
  }
  return errorf(ErrorCode::kInternal, "unknown host memory kind");
}

}  // namespace stratovirt::memory
