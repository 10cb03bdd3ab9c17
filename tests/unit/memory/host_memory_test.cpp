// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/memory/host_memory.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace stratovirt::memory {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sv-mem-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::string cmd = "rm -rf " + path_;
    (void)std::system(cmd.c_str());
  }
  const std::string& path() const { return path_; }
  int entries() const {
    int n = 0;
    DIR* d = ::opendir(path_.c_str());
    while (auto* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
  }

 private:
  std::string path_;
};

TEST(HostMemory, AnonymousIsZeroedAndWritable) {
  HostMemoryOptions o;
  o.size = 1 << 20;
  auto r = allocate_host_memory(o);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->size(), 1U << 20);
  EXPECT_EQ(r->data()[12345], 0);
  r->data()[12345] = 7;
  EXPECT_FALSE(r->shared());
}

TEST(HostMemory, DirectoryMemPathLeavesNoFile) {
  TempDir dir;
  HostMemoryOptions o;
  o.kind = HostMemoryKind::kFile;
  o.size = 1 << 20;
  o.path = dir.path();
  o.share = true;
  auto r = allocate_host_memory(o);
  ASSERT_TRUE(r) << r.error().to_string();
  r->data()[0] = 1;
  EXPECT_EQ(dir.entries(), 0);  // the temporary file was unlinked
}

TEST(HostMemory, FileMemPathIsGrownAndShared) {
  TempDir dir;
  std::string file = dir.path() + "/ram";
  HostMemoryOptions o;
  o.kind = HostMemoryKind::kFile;
  o.size = 64 << 10;
  o.path = file;
  o.share = true;
  {
    auto r = allocate_host_memory(o);
    ASSERT_TRUE(r) << r.error().to_string();
    r->data()[100] = 0x5A;
  }
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 64 << 10);
  FILE* f = std::fopen(file.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::fseek(f, 100, SEEK_SET);
  EXPECT_EQ(std::fgetc(f), 0x5A);  // a shared mapping writes through to the file
  std::fclose(f);
}

TEST(HostMemory, MissingParentDirectoryIsAnError) {
  HostMemoryOptions o;
  o.kind = HostMemoryKind::kFile;
  o.size = 4096;
  o.path = "/nonexistent-dir/ram";
  auto r = allocate_host_memory(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("/nonexistent-dir/ram"), std::string::npos);
}

TEST(HostMemory, MemfdPreallocDontDump) {
  HostMemoryOptions o;
  o.kind = HostMemoryKind::kMemfd;
  o.size = 256 << 10;
  o.share = true;
  o.prealloc = true;
  o.dump_guest_core = false;
  auto r = allocate_host_memory(o);
  ASSERT_TRUE(r) << r.error().to_string();
  // Prealloc: every page is resident without touching it.
  std::vector<unsigned char> vec(r->size() / 4096);
  ASSERT_EQ(::mincore(r->data(), r->size(), vec.data()), 0);
  for (auto v : vec) EXPECT_TRUE(v & 1);
}

TEST(HostMemory, ZeroSizeRejected) {
  EXPECT_FALSE(allocate_host_memory(HostMemoryOptions{}));
}

TEST(HostMemory, OptionsFromConfig) {
  config::MemoryConfig mem;
  mem.size = 512ULL << 20;
  mem.mem_path = "/dev/hugepages";
  mem.prealloc = true;
  config::MachineConfig machine;
  machine.mem_share = true;
  machine.dump_guest_core = false;
  auto o = host_memory_options(mem, machine);
  EXPECT_EQ(o.kind, HostMemoryKind::kFile);
  EXPECT_EQ(o.size, 512ULL << 20);
  EXPECT_TRUE(o.share);
  EXPECT_TRUE(o.prealloc);
  EXPECT_FALSE(o.dump_guest_core);

  config::MemoryBackendObject obj;
  obj.kind = config::MemBackendKind::kMemfd;
  obj.size = 1 << 30;
  obj.share = true;
  auto o2 = host_memory_options(obj);
  EXPECT_EQ(o2.kind, HostMemoryKind::kMemfd);
  EXPECT_TRUE(o2.share);
}

}  // namespace
}  // namespace stratovirt::memory
