// SPDX-License-Identifier: MulanPSL-2.0
// Kernel image recognition: bzImage, ELF64 vmlinux, raw vmlinux.bin.
#include "machine/x86_64/boot/kernel_image.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

#include "machine/x86_64/boot/boot_layout.h"

namespace stratovirt::machine::x86 {
namespace {

constexpr uint64_t kSetupHeaderOffset = 0x1F1;
constexpr uint64_t kHdrSMagicOffset = 0x202;
constexpr uint32_t kHdrSMagic = 0x53726448;  // "HdrS" little-endian
constexpr uint16_t kBootFlag = 0xAA55;
constexpr uint64_t kSectorSize = 512;
constexpr uint64_t k64BitEntryOffset = 0x200;
constexpr uint64_t kMinRawKernelSize = 64 * 1024;

template <typename T>
T load(std::span<const uint8_t> file, uint64_t offset) {
  T v;
  std::memcpy(&v, file.data() + offset, sizeof(T));
  return v;
}

bool has_prefix(std::span<const uint8_t> file, std::string_view magic) {
  return file.size() >= magic.size() && std::memcmp(file.data(), magic.data(), magic.size()) == 0;
}

Result<KernelImage> parse_bzimage(std::span<const uint8_t> file, const std::string& what) {
  if (file.size() < kSetupHeaderOffset + sizeof(setup_header)) {
    return errorf(ErrorCode::kInvalidArgument,
                  "kernel {}: truncated bzImage ({} bytes, the setup header alone needs {})", what,
                  file.size(), kSetupHeaderOffset + sizeof(setup_header));
  }
  auto hdr = load<setup_header>(file, kSetupHeaderOffset);
  uint16_t boot_flag = hdr.boot_flag;
  uint16_t version = hdr.version;
  if (boot_flag != kBootFlag) {
    return errorf(ErrorCode::kInvalidArgument, "kernel {}: bad bzImage boot flag {:#06x}", what,
                  boot_flag);
  }
  if (version < kMinBootProtocol) {
    return errorf(ErrorCode::kNotSupported,
                  "kernel {}: boot protocol {}.{:02} too old (direct 64-bit boot needs 2.06)",
                  what, version >> 8, version & 0xFF);
  }
  if ((hdr.loadflags & LOADED_HIGH) == 0) {
    return errorf(ErrorCode::kNotSupported, "kernel {}: bzImage is not loaded high (zImage?)",
                  what);
  }
  if (hdr.version >= 0x020C && (hdr.xloadflags & XLF_KERNEL_64) == 0) {
    return errorf(ErrorCode::kNotSupported, "kernel {}: not a 64-bit kernel (no XLF_KERNEL_64)",
                  what);
  }
  uint64_t setup_sects = hdr.setup_sects == 0 ? 4 : hdr.setup_sects;
  uint64_t setup_size = (setup_sects + 1) * kSectorSize;
  if (setup_size >= file.size()) {
    return errorf(ErrorCode::kInvalidArgument,
                  "kernel {}: truncated bzImage (setup of {} bytes, file of {} bytes)", what,
                  setup_size, file.size());
  }
  uint64_t pm_size = file.size() - setup_size;
  uint64_t sys_bytes = static_cast<uint64_t>(hdr.syssize) * 16;
  if (sys_bytes == 0 || sys_bytes > pm_size) {
    return errorf(ErrorCode::kInvalidArgument,
                  "kernel {}: truncated or corrupt bzImage (header says {} bytes of kernel, "
                  "file has {})",
                  what, sys_bytes, pm_size);
  }
  KernelImage img;
  img.format = KernelFormat::kBzImage;
  img.segments.push_back({setup_size, pm_size, kBzImageLoadAddr, pm_size});
  img.entry = kBzImageLoadAddr + k64BitEntryOffset;
  img.end = kBzImageLoadAddr + std::max<uint64_t>(pm_size, hdr.init_size);
  hdr.code32_start = static_cast<uint32_t>(kBzImageLoadAddr);
  img.header = hdr;
  return img;
}

Result<KernelImage> parse_elf(std::span<const uint8_t> file, const std::string& what) {
  if (file.size() < sizeof(Elf64_Ehdr)) {
    return errorf(ErrorCode::kInvalidArgument, "kernel {}: truncated ELF header", what);
  }
  auto eh = load<Elf64_Ehdr>(file, 0);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
      eh.e_machine != EM_X86_64) {
    return errorf(ErrorCode::kNotSupported, "kernel {}: ELF file is not a 64-bit x86 image", what);
  }
  if (eh.e_type != ET_EXEC) {
    return errorf(ErrorCode::kInvalidArgument, "kernel {}: ELF file is not an executable", what);
  }
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
      eh.e_phoff > file.size() ||
      static_cast<uint64_t>(eh.e_phnum) * sizeof(Elf64_Phdr) > file.size() - eh.e_phoff) {
    return errorf(ErrorCode::kInvalidArgument, "kernel {}: ELF program headers out of bounds",
                  what);
  }
  KernelImage img;
  img.format = KernelFormat::kElf;
  std::optional<uint64_t> entry;
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    auto ph = load<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type != PT_LOAD) continue;
    if (ph.p_offset > file.size() || ph.p_filesz > file.size() - ph.p_offset ||
        ph.p_filesz > ph.p_memsz) {
      return errorf(ErrorCode::kInvalidArgument,
                    "kernel {}: ELF segment {} lies outside the file (truncated?)", what, i);
    }
    img.segments.push_back({ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz});
    img.end = std::max(img.end, ph.p_paddr + ph.p_memsz);
    // e_entry is physical for x86 vmlinux; accept a virtual one inside a segment too.
    if (eh.e_entry >= ph.p_paddr && eh.e_entry < ph.p_paddr + ph.p_memsz) {
      entry = eh.e_entry;
    } else if (eh.e_entry >= ph.p_vaddr && eh.e_entry < ph.p_vaddr + ph.p_memsz) {
      entry = ph.p_paddr + (eh.e_entry - ph.p_vaddr);
    }
  }
  if (img.segments.empty()) {
    return errorf(ErrorCode::kInvalidArgument, "kernel {}: ELF file has no loadable segment", what);
  }
  if (!entry) {
    return errorf(ErrorCode::kInvalidArgument,
                  "kernel {}: ELF entry point {:#x} is outside every segment", what, eh.e_entry);
  }
  img.entry = *entry;
  return img;
}

// Raw vmlinux.bin has no magic; refuse what is recognisably something else.
Result<KernelImage> parse_raw(std::span<const uint8_t> file, const std::string& what) {
  struct Magic {
    std::string_view bytes;
    const char* name;
  };
  static constexpr Magic kNotKernels[] = {
      {"\x1f\x8b", "a gzip file"},          {"\xfd" "7zXZ", "an xz file"},
      {"\x28\xb5\x2f\xfd", "a zstd file"},  {"BZh", "a bzip2 file"},
      {"070701", "a cpio archive"},         {"070707", "a cpio archive"},
      {"MZ", "a PE/EFI file without a Linux setup header"},
      {"#!", "a script"},
  };
  for (const auto& m : kNotKernels) {
    if (has_prefix(file, m.bytes)) {
      return errorf(ErrorCode::kInvalidArgument,
                    "kernel {}: not a kernel image (bad magic: looks like {})", what, m.name);
    }
  }
  size_t probe = std::min<size_t>(file.size(), 512);
  bool text = probe > 0 && std::all_of(file.begin(), file.begin() + static_cast<long>(probe),
                                       [](uint8_t c) {
                                         return c == '\n' || c == '\r' || c == '\t' ||
                                                (c >= 0x20 && c < 0x7F);
                                       });
  if (text) {
    return errorf(ErrorCode::kInvalidArgument,
                  "kernel {}: not a kernel image (no bzImage/ELF magic; it is a text file)", what);
  }
  if (file.size() < kMinRawKernelSize) {
    return errorf(ErrorCode::kInvalidArgument,
                  "kernel {}: not a kernel image (no bzImage/ELF magic and only {} bytes)", what,
                  file.size());
  }
  KernelImage img;
  img.format = KernelFormat::kRawVmlinux;
  img.segments.push_back({0, file.size(), kRawVmlinuxLoadAddr, file.size()});
  img.entry = kRawVmlinuxLoadAddr;
  img.end = kRawVmlinuxLoadAddr + file.size();
  return img;
}

}  // namespace

std::string_view to_string(KernelFormat f) {
  switch (f) {
    case KernelFormat::kBzImage: return "bzImage";
    case KernelFormat::kElf: return "ELF vmlinux";
    case KernelFormat::kRawVmlinux: return "raw vmlinux";
  }
  return "?";
}

Result<KernelImage> parse_kernel_image(std::span<const uint8_t> file, const std::string& what) {
  if (file.empty()) return errorf(ErrorCode::kInvalidArgument, "kernel {}: empty file", what);
  if (file.size() >= kHdrSMagicOffset + 4 && load<uint32_t>(file, kHdrSMagicOffset) == kHdrSMagic) {
    return parse_bzimage(file, what);
  }
  if (has_prefix(file, "\x7f" "ELF")) return parse_elf(file, what);
  return parse_raw(file, what);
}

}  // namespace stratovirt::machine::x86
