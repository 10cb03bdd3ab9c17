// SPDX-License-Identifier: MulanPSL-2.0
#include "machine/x86_64/boot/kernel_image.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace stratovirt::machine::x86 {
namespace {

// A synthetic bzImage: 4 setup sectors + boot sector, then `pm_size` bytes of "kernel".
std::vector<uint8_t> make_bzimage(uint16_t version = 0x020F, size_t pm_size = 64 * 1024) {
  std::vector<uint8_t> f(5 * 512 + pm_size, 0x90);
  setup_header h{};
  h.setup_sects = 4;
  h.boot_flag = 0xAA55;
  h.header = 0x53726448;
  h.version = version;
  h.loadflags = LOADED_HIGH;
  h.code32_start = 0x100000;
  h.syssize = static_cast<uint32_t>(pm_size / 16);
  h.cmdline_size = 2048;
  h.initrd_addr_max = 0x7FFFFFFF;
  h.xloadflags = XLF_KERNEL_64;
  h.init_size = 0x400000;
  std::memcpy(f.data() + 0x1F1, &h, sizeof(h));
  return f;
}

setup_header& hdr(std::vector<uint8_t>& f) { return *reinterpret_cast<setup_header*>(f.data() + 0x1F1); }

TEST(KernelImage, ValidBzImage) {
  auto f = make_bzimage();
  auto img = parse_kernel_image(f, "bz");
  ASSERT_TRUE(img) << img.error().to_string();
  EXPECT_EQ(img->format, KernelFormat::kBzImage);
  EXPECT_EQ(img->entry, 0x100200U);
  ASSERT_EQ(img->segments.size(), 1U);
  EXPECT_EQ(img->segments[0].file_offset, 5U * 512);
  EXPECT_EQ(img->segments[0].file_size, 64U * 1024);
  EXPECT_EQ(img->segments[0].guest_addr, 0x100000U);
  EXPECT_EQ(img->end, 0x100000U + 0x400000U);  // init_size wins over the file size
  ASSERT_TRUE(img->header);
  EXPECT_EQ(img->header->cmdline_size, 2048U);
}

TEST(KernelImage, ZeroSetupSectsMeansFour) {
  auto f = make_bzimage();
  hdr(f).setup_sects = 0;
  auto img = parse_kernel_image(f, "bz");
  ASSERT_TRUE(img);
  EXPECT_EQ(img->segments[0].file_offset, 5U * 512);
}

TEST(KernelImage, BadBootFlag) {
  auto f = make_bzimage();
  hdr(f).boot_flag = 0x1234;
  auto img = parse_kernel_image(f, "bz");
  ASSERT_FALSE(img);
  EXPECT_NE(img.error().message().find("boot flag"), std::string::npos);
}

TEST(KernelImage, TooOldProtocol) {
  auto f = make_bzimage(0x0204);
  auto img = parse_kernel_image(f, "bz");
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().code(), ErrorCode::kNotSupported);
  EXPECT_NE(img.error().message().find("2.04 too old"), std::string::npos);
}

TEST(KernelImage, NotSixtyFourBit) {
  auto f = make_bzimage();
  hdr(f).xloadflags = 0;
  EXPECT_FALSE(parse_kernel_image(f, "bz"));
}

TEST(KernelImage, TruncatedPayload) {
  auto f = make_bzimage();
  f.resize(f.size() - 4096);  // syssize now promises more than the file holds
  auto img = parse_kernel_image(f, "/boot/bz");
  ASSERT_FALSE(img);
  EXPECT_NE(img.error().message().find("truncated"), std::string::npos);
  EXPECT_NE(img.error().message().find("/boot/bz"), std::string::npos);
}

TEST(KernelImage, TruncatedInsideHeader) {
  auto f = make_bzimage();
  f.resize(0x210);
  auto img = parse_kernel_image(f, "bz");
  ASSERT_FALSE(img);
  EXPECT_NE(img.error().message().find("truncated"), std::string::npos);
}

TEST(KernelImage, SetupLargerThanFile) {
  auto f = make_bzimage();
  hdr(f).setup_sects = 200;
  EXPECT_FALSE(parse_kernel_image(f, "bz"));
}

TEST(KernelImage, TextFileRejected) {
  std::string text = "root:x:0:0:root:/root:/bin/sh\n";
  std::vector<uint8_t> f(text.begin(), text.end());
  auto img = parse_kernel_image(f, "passwd");
  ASSERT_FALSE(img);
  EXPECT_NE(img.error().message().find("not a kernel image"), std::string::npos);
}

TEST(KernelImage, CompressedAndArchiveRejected) {
  std::vector<uint8_t> gz(100000, 0);
  gz[0] = 0x1F;
  gz[1] = 0x8B;
  auto img = parse_kernel_image(gz, "x.gz");
  ASSERT_FALSE(img);
  EXPECT_NE(img.error().message().find("gzip"), std::string::npos);
  std::vector<uint8_t> cpio(100000, 0);
  std::memcpy(cpio.data(), "070701", 6);
  EXPECT_FALSE(parse_kernel_image(cpio, "x.cpio"));
  EXPECT_FALSE(parse_kernel_image(std::vector<uint8_t>{}, "empty"));
  EXPECT_FALSE(parse_kernel_image(std::vector<uint8_t>(100, 0xCC), "tiny"));
}

TEST(KernelImage, RawVmlinux) {
  std::vector<uint8_t> f(1 << 20, 0);
  f[0] = 0x48;  // binary, no magic
  f[1] = 0x8D;
  auto img = parse_kernel_image(f, "vmlinux.bin");
  ASSERT_TRUE(img) << img.error().to_string();
  EXPECT_EQ(img->format, KernelFormat::kRawVmlinux);
  EXPECT_EQ(img->entry, 0x1000000U);
  EXPECT_EQ(img->segments[0].guest_addr, 0x1000000U);
}

std::vector<uint8_t> make_elf(uint64_t entry, uint64_t paddr, uint64_t filesz, uint64_t memsz) {
  std::vector<uint8_t> f(0x1000 + filesz, 0xAA);
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_entry = entry;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  std::memcpy(f.data(), &eh, sizeof(eh));
  Elf64_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = 0x1000;
  ph.p_vaddr = 0xFFFFFFFF81000000ULL;
  ph.p_paddr = paddr;
  ph.p_filesz = filesz;
  ph.p_memsz = memsz;
  std::memcpy(f.data() + sizeof(eh), &ph, sizeof(ph));
  return f;
}

TEST(KernelImage, ElfVmlinux) {
  auto f = make_elf(0x1000000, 0x1000000, 0x2000, 0x3000);
  auto img = parse_kernel_image(f, "vmlinux");
  ASSERT_TRUE(img) << img.error().to_string();
  EXPECT_EQ(img->format, KernelFormat::kElf);
  EXPECT_EQ(img->entry, 0x1000000U);
  EXPECT_EQ(img->segments[0].mem_size, 0x3000U);
  EXPECT_EQ(img->end, 0x1003000U);
  // A virtual entry inside the segment maps to its physical address.
  auto v = make_elf(0xFFFFFFFF81000100ULL, 0x1000000, 0x2000, 0x3000);
  auto vimg = parse_kernel_image(v, "vmlinux");
  ASSERT_TRUE(vimg);
  EXPECT_EQ(vimg->entry, 0x1000100U);
}

TEST(KernelImage, ElfCorrupt) {
  auto f = make_elf(0x1000000, 0x1000000, 0x2000, 0x3000);
  f.resize(0x1800);  // segment data truncated
  EXPECT_FALSE(parse_kernel_image(f, "vmlinux"));
  auto g = make_elf(0x5000000, 0x1000000, 0x2000, 0x3000);  // entry outside
  EXPECT_FALSE(parse_kernel_image(g, "vmlinux"));
  auto h = make_elf(0x1000000, 0x1000000, 0x2000, 0x1000);  // filesz > memsz
  EXPECT_FALSE(parse_kernel_image(h, "vmlinux"));
}

TEST(KernelImage, RealDebianKernelIfPresent) {
  // The e2e harness caches a Debian cloud kernel under tests/e2e/cache/.
  const char* src = std::getenv("SV_SOURCE_DIR");
  std::filesystem::path cache = std::filesystem::path(src ? src : ".") / "tests/e2e/cache";
  std::string path;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(cache, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().starts_with("vmlinuz-")) path = it->path().string();
  }
  if (path.empty()) GTEST_SKIP() << "no cached Debian kernel under " << cache;
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto img = parse_kernel_image(f, path);
  ASSERT_TRUE(img) << img.error().to_string();
  EXPECT_EQ(img->format, KernelFormat::kBzImage);
  EXPECT_GE(img->header->version, 0x020FU);
  // Every truncation of a real image is refused, never crashes.
  // (The file may end with a little padding past syssize; cut well into the payload.)
  for (size_t cut : {size_t{0x100}, size_t{0x260}, f.size() / 2, f.size() - 4096}) {
    std::vector<uint8_t> t(f.begin(), f.begin() + static_cast<long>(cut));
    EXPECT_FALSE(parse_kernel_image(t, path)) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace stratovirt::machine::x86
