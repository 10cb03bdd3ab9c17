// SPDX-License-Identifier: MulanPSL-2.0
#include "machine/x86_64/boot/linux_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "machine/x86_64/boot/boot_layout.h"

namespace stratovirt::machine::x86 {
namespace {

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sv-boot-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    auto r = memory::MmapRegion::anonymous(ram_size_, memory::MmapOptions{});
    ASSERT_TRUE(r);
    ASSERT_TRUE(mem_.add_ranges(std::make_shared<memory::MmapRegion>(std::move(*r)),
                                memory::microvm_ram_ranges(ram_size_)));
  }
  void TearDown() override { (void)std::system(("rm -rf " + dir_).c_str()); }

  std::string write_file(const std::string& name, const std::vector<uint8_t>& data) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                                static_cast<std::streamsize>(data.size()));
    return path;
  }

  std::vector<uint8_t> bzimage(uint32_t cmdline_size = 2048) {
    std::vector<uint8_t> f(5 * 512 + 8192, 0xC3);
    setup_header h{};
    h.setup_sects = 4;
    h.boot_flag = 0xAA55;
    h.header = 0x53726448;
    h.version = 0x020F;
    h.loadflags = LOADED_HIGH;
    h.syssize = 8192 / 16;
    h.cmdline_size = cmdline_size;
    h.initrd_addr_max = 0x7FFFFFFF;
    h.xloadflags = XLF_KERNEL_64;
    h.init_size = 0x200000;
    std::memcpy(f.data() + 0x1F1, &h, sizeof(h));
    return f;
  }

  uint64_t ram_size_ = 64ULL << 20;
  std::string dir_;
  memory::GuestMemory mem_;
};

TEST_F(LoaderTest, LoadsKernelInitrdCmdlineZeroPage) {
  LinuxBootSpec spec;
  spec.kernel_path = write_file("bz", bzimage());
  spec.initrd_path = write_file("initrd", std::vector<uint8_t>(10000, 0x77));
  spec.cmdline = "console=ttyS0 reboot=k";
  spec.acpi_rsdp_addr = kAcpiTablesAddr;
  auto info = load_linux(mem_, spec);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->entry, 0x100200U);
  EXPECT_EQ(info->zero_page, kZeroPageAddr);
  // Initrd at the top of RAM, page aligned.
  EXPECT_EQ(info->initrd_addr, (ram_size_ - 10000) & ~0xFFFULL);
  EXPECT_EQ(*mem_.read_obj<uint8_t>(info->initrd_addr + 9999), 0x77);
  EXPECT_EQ(*mem_.read_obj<uint8_t>(0x100000), 0xC3);
  auto bp = mem_.read_obj<boot_params>(kZeroPageAddr);
  ASSERT_TRUE(bp);
  EXPECT_EQ(bp->hdr.ramdisk_image, info->initrd_addr);
  EXPECT_EQ(bp->hdr.ramdisk_size, 10000U);
  EXPECT_EQ(bp->hdr.cmd_line_ptr, kCmdlineAddr);
  EXPECT_EQ(bp->hdr.type_of_loader, 0xFF);
  EXPECT_EQ(bp->acpi_rsdp_addr, kAcpiTablesAddr);
  EXPECT_EQ(bp->e820_entries, 4);
  char cmd[64] = {};
  ASSERT_TRUE(mem_.read(kCmdlineAddr, std::span<uint8_t>(reinterpret_cast<uint8_t*>(cmd), 23)));
  EXPECT_STREQ(cmd, "console=ttyS0 reboot=k");
}

TEST_F(LoaderTest, MissingKernelNamed) {
  LinuxBootSpec spec;
  spec.kernel_path = dir_ + "/nope";
  auto info = load_linux(mem_, spec);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().to_string().find("kernel " + dir_ + "/nope"), std::string::npos);
  EXPECT_NE(info.error().to_string().find("No such file"), std::string::npos);
}

TEST_F(LoaderTest, CmdlineTooLong) {
  LinuxBootSpec spec;
  spec.kernel_path = write_file("bz", bzimage(16));
  spec.cmdline = "console=ttyS0 reboot=k panic=1";
  auto info = load_linux(mem_, spec);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message().find("at most 16"), std::string::npos);
}

TEST_F(LoaderTest, InitrdTooLarge) {
  LinuxBootSpec spec;
  spec.kernel_path = write_file("bz", bzimage());
  spec.initrd_path = write_file("initrd", std::vector<uint8_t>(63 << 20, 1));
  auto info = load_linux(mem_, spec);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message().find("initrd too large"), std::string::npos);
}

TEST_F(LoaderTest, RawKernelNeedsRam) {
  // A raw vmlinux at 16 MiB larger than the 64 MiB guest.
  LinuxBootSpec spec;
  std::vector<uint8_t> raw(50 << 20, 0);
  raw[0] = 0x48;
  spec.kernel_path = write_file("vmlinux.bin", raw);
  auto info = load_linux(mem_, spec);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message().find("low RAM ends"), std::string::npos);
}

TEST(PlaceInitrd, Placement) {
  auto a = place_initrd(0x1000, 0x37FFFFFF, 0x200000);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 0x37FFF000U);
  auto b = place_initrd(0x1001, 0x37FFFFFF, 0x200000);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, 0x37FFE000U);
  EXPECT_FALSE(place_initrd(0x37F00000, 0x37FFFFFF, 0x200000));
  EXPECT_FALSE(place_initrd(0, 0x37FFFFFF, 0x200000));
}

}  // namespace
}  // namespace stratovirt::machine::x86
