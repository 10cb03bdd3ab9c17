// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/block/raw_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace stratovirt::block {
namespace {

config::DriveConfig drive(const std::string& path, bool readonly = false, bool direct = false) {
  config::DriveConfig d;
  d.id = "drive0";
  d.file = path;
  d.readonly = readonly;
  d.direct = direct;
  return d;
}

class RawFileTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_.write("disk.img", std::string(64 * 1024, 'a')); }
  stratovirt::testing::TempDir dir_;
  std::string path_;
};

TEST_F(RawFileTest, ReadWriteRoundTripAcrossIovecs) {
  auto f = RawFile::open(drive(path_));
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ((*f)->size(), 64U * 1024);
  std::string a(700, 'x'), b(324, 'y');
  iovec w[2] = {{a.data(), a.size()}, {b.data(), b.size()}};
  ASSERT_TRUE((*f)->pwritev(w, 512));
  std::string back(1024, '\0');
  iovec r{back.data(), back.size()};
  ASSERT_TRUE((*f)->preadv(std::span<const iovec>(&r, 1), 512));
  EXPECT_EQ(back, a + b);
  ASSERT_TRUE((*f)->flush());
  // Past the end.
  iovec big{back.data(), back.size()};
  auto past = (*f)->preadv(std::span<const iovec>(&big, 1), 64 * 1024 - 512);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code(), ErrorCode::kOutOfRange);
}

TEST_F(RawFileTest, ReadonlyRefusesWrites) {
  auto f = RawFile::open(drive(path_, true));
  ASSERT_TRUE(f);
  std::string a(512, 'x');
  iovec w{a.data(), a.size()};
  EXPECT_FALSE((*f)->pwritev(std::span<const iovec>(&w, 1), 0));
  EXPECT_FALSE((*f)->discard(0, 4096));
  EXPECT_FALSE((*f)->write_zeroes(0, 4096, false));
}

TEST_F(RawFileTest, WriterLockExcludesSecondOpen) {
  auto f = RawFile::open(drive(path_));
  ASSERT_TRUE(f);
  auto g = RawFile::open(drive(path_));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(g.error().message().find("disk.img"), std::string::npos);
  EXPECT_FALSE(RawFile::open(drive(path_, true)));  // a reader conflicts with the writer too
  f->reset();
  EXPECT_TRUE(RawFile::open(drive(path_)));
  auto r1 = RawFile::open(drive(path_, true));
  auto r2 = RawFile::open(drive(path_, true));
  EXPECT_TRUE(r1 && r2);  // readers share
}

TEST_F(RawFileTest, DiscardAndWriteZeroesReadBackAsZero) {
  auto f = RawFile::open(drive(path_));
  ASSERT_TRUE(f);
  std::string back(8192, '?');
  iovec r{back.data(), back.size()};
  ASSERT_TRUE((*f)->write_zeroes(4096, 8192, false));
  ASSERT_TRUE((*f)->preadv(std::span<const iovec>(&r, 1), 4096));
  EXPECT_EQ(back, std::string(8192, '\0'));
  ASSERT_TRUE((*f)->discard(16384, 8192));
  ASSERT_TRUE((*f)->preadv(std::span<const iovec>(&r, 1), 16384));
  EXPECT_EQ(back, std::string(8192, '\0'));
  ASSERT_TRUE((*f)->write_zeroes(32768, 4096, true));
  EXPECT_EQ((*f)->size(), 64U * 1024);
  EXPECT_EQ(std::filesystem::file_size(path_), 64U * 1024);  // KEEP_SIZE
  EXPECT_FALSE((*f)->discard(60 * 1024, 8192));
}

TEST_F(RawFileTest, DirectIoWithUnalignedBuffersBounces) {
  auto f = RawFile::open(drive(path_, false, true));
  ASSERT_TRUE(f) << f.error().to_string();
  std::string a(512, 'q');  // std::string storage is not 4 KiB aligned
  iovec w{a.data(), a.size()};
  ASSERT_TRUE((*f)->pwritev(std::span<const iovec>(&w, 1), 1536));
  std::string back(2048, '\0');
  iovec r{back.data(), back.size()};
  ASSERT_TRUE((*f)->preadv(std::span<const iovec>(&r, 1), 1024));
  EXPECT_EQ(back, std::string(512, 'a') + std::string(512, 'q') + std::string(1024, 'a'));
}

TEST_F(RawFileTest, Qcow2AndMissingFilesAreClearErrors) {
  auto d = drive(path_);
  d.format = config::ImageFormat::kQcow2;
  auto q = RawFile::open(d);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code(), ErrorCode::kNotSupported);
  EXPECT_NE(q.error().message().find("qcow2: not supported yet"), std::string::npos);
  auto m = RawFile::open(drive(dir_.file("nope.img")));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("nope.img"), std::string::npos);
  EXPECT_FALSE(RawFile::open(drive(dir_.path().string())));  // a directory
}

}  // namespace
}  // namespace stratovirt::block
