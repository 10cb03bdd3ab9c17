// SPDX-License-Identifier: MulanPSL-2.0
// Direct Linux boot: kernel, initrd, cmdline, zero page, boot tables.
#include "machine/x86_64/boot/linux_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "machine/x86_64/boot/boot_layout.h"
#include "machine/x86_64/boot/boot_tables.h"
#include "machine/x86_64/boot/e820.h"
#include "machine/x86_64/boot/zero_page.h"
#include "stratovirt/base/unique_fd.h"

namespace stratovirt::machine::x86 {
namespace {

constexpr uint64_t kPageMask = ~0xFFFULL;

Result<UniqueFd> open_file(const std::string& path, const char* role, uint64_t* size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_errorf("{} {}", role, path);
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return sys_errorf("{} {}: stat", role, path);
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return errorf(ErrorCode::kInvalidArgument, "{} {}: not a regular file", role, path);
  }
  *size = static_cast<uint64_t>(st.st_size);
  return owned;
}

Result<void> read_exact(int fd, uint8_t* dst, uint64_t len, uint64_t offset, const char* role,
                        const std::string& path) {
  uint64_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, dst + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_errorf("{} {}: read", role, path);
    }
    if (n == 0) {
      return errorf(ErrorCode::kIo, "{} {}: file shrank while reading ({} of {} bytes)", role,
                    path, done, len);
    }
    done += static_cast<uint64_t>(n);
  }
  return ok();
}

uint64_t low_ram_end(const memory::GuestMemory& mem) {
  const memory::GuestRegion* r = mem.find(0);
  return r == nullptr ? 0 : r->end();
}

}  // namespace

Result<uint64_t> place_initrd(uint64_t size, uint64_t addr_max, uint64_t kernel_end) {
  uint64_t top = addr_max + 1;
  uint64_t lowest = (kernel_end + 0xFFF) & kPageMask;
  if (size == 0) return errorf(ErrorCode::kInvalidArgument, "initrd is empty");
  if (size > top || ((top - size) & kPageMask) < lowest) {
    return errorf(ErrorCode::kOutOfRange,
                  "initrd too large: {} bytes, {} bytes available between the kernel end {:#x} "
                  "and {:#x} (give the guest more memory)",
                  size, top > lowest ? top - lowest : 0, lowest, top);
  }
  return (top - size) & kPageMask;
}

Result<LinuxBootInfo> load_linux(const memory::GuestMemory& mem, const LinuxBootSpec& spec) {
  uint64_t kernel_size = 0;
  SV_ASSIGN_OR_RETURN(UniqueFd kfd, open_file(spec.kernel_path, "kernel", &kernel_size));
  std::vector<uint8_t> kernel(kernel_size);
  SV_RETURN_IF_ERROR(read_exact(kfd.get(), kernel.data(), kernel_size, 0, "kernel",
                                spec.kernel_path));
  SV_ASSIGN_OR_RETURN(KernelImage img, parse_kernel_image(kernel, spec.kernel_path));

  uint64_t ram_top = low_ram_end(mem);
  for (const auto& seg : img.segments) {
    if (!mem.contains(seg.guest_addr, seg.mem_size)) {
      return errorf(ErrorCode::kOutOfRange,
                    "kernel {}: needs guest memory [{:#x}, {:#x}) but low RAM ends at {:#x}",
                    spec.kernel_path, seg.guest_addr, seg.guest_addr + seg.mem_size, ram_top);
    }
    SV_RETURN_IF_ERROR(mem.write(seg.guest_addr, std::span<const uint8_t>(kernel).subspan(
                                                     seg.file_offset, seg.file_size)));
    if (seg.mem_size > seg.file_size) {
      SV_RETURN_IF_ERROR(mem.fill(seg.guest_addr + seg.file_size, 0, seg.mem_size - seg.file_size));
    }
  }
  if (img.end > ram_top) {
    return errorf(ErrorCode::kOutOfRange,
                  "kernel {}: needs guest memory up to {:#x} to decompress but low RAM ends at "
                  "{:#x}",
                  spec.kernel_path, img.end, ram_top);
  }

  ZeroPageParams zp;
  zp.header = img.header;
  // Command line: the kernel's limit (cmdline_size, protocol >= 2.06) and our area.
  uint64_t cmdline_limit = kCmdlineMaxSize - 1;
  if (img.header) cmdline_limit = std::min<uint64_t>(cmdline_limit, img.header->cmdline_size);
  if (spec.cmdline.size() > cmdline_limit) {
    return errorf(ErrorCode::kInvalidArgument,
                  "kernel command line is {} bytes, the kernel accepts at most {}",
                  spec.cmdline.size(), cmdline_limit);
  }
  std::vector<uint8_t> cmdline(spec.cmdline.begin(), spec.cmdline.end());
  cmdline.push_back(0);
  SV_RETURN_IF_ERROR(mem.write(kCmdlineAddr, cmdline));
  zp.cmdline_addr = kCmdlineAddr;
  zp.cmdline_size = static_cast<uint32_t>(spec.cmdline.size());

  LinuxBootInfo info;
  if (spec.initrd_path) {
    uint64_t initrd_size = 0;
    SV_ASSIGN_OR_RETURN(UniqueFd ifd, open_file(*spec.initrd_path, "initrd", &initrd_size));
    uint64_t addr_max = std::min<uint64_t>(kInitrdAddrMax, ram_top - 1);
    if (img.header && img.header->initrd_addr_max != 0) {
      addr_max = std::min<uint64_t>(addr_max, img.header->initrd_addr_max);
    }
    auto addr = place_initrd(initrd_size, addr_max, img.end);
    if (!addr) return std::unexpected(addr.error().with_context("initrd " + *spec.initrd_path));
    SV_ASSIGN_OR_RETURN(uint8_t* dst, mem.host_ptr(*addr, initrd_size));
    SV_RETURN_IF_ERROR(read_exact(ifd.get(), dst, initrd_size, 0, "initrd", *spec.initrd_path));
    zp.initrd_addr = info.initrd_addr = *addr;
    zp.initrd_size = info.initrd_size = initrd_size;
  }

  std::vector<memory::RamRange> ram;
  for (const auto& r : mem.regions()) ram.push_back({r.guest_addr, r.size});
  zp.e820 = build_e820(ram);
  zp.acpi_rsdp_addr = spec.acpi_rsdp_addr;
  SV_ASSIGN_OR_RETURN(boot_params bp, build_zero_page(zp));
  SV_RETURN_IF_ERROR(mem.write_obj(kZeroPageAddr, bp));
  SV_RETURN_IF_ERROR(write_boot_tables(mem));

  info.format = img.format;
  info.entry = img.entry;
  info.zero_page = kZeroPageAddr;
  return info;
}

}  // namespace stratovirt::machine::x86
