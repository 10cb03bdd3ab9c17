// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/block/io_engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <poll.h>
#include <unistd.h>

#include <map>
#include <string>

#include "stratovirt/base/unique_fd.h"
#include "support/temp_dir.h"

namespace stratovirt::block {
namespace {

// Waits for the engine's eventfd and collects completions until `n` arrived.
std::map<uint64_t, int64_t> wait_for(IoEngine& e, size_t n) {
  std::map<uint64_t, int64_t> got;
  for (int tries = 0; got.size() < n && tries < 100; ++tries) {
    pollfd p{e.event_fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    for (const auto& c : e.reap()) got[c.cookie] = c.result;
  }
  return got;
}

enum class Kind { kSync, kUring, kThreads };

class IoEngineTest : public ::testing::TestWithParam<Kind> {
 protected:
  bool uring() const { return GetParam() == Kind::kUring; }
  std::unique_ptr<IoEngine> engine() {
    auto e = uring()                        ? make_uring_engine(16)
             : GetParam() == Kind::kThreads ? make_thread_pool_engine(3)
                                            : make_sync_engine();
    if (!e && uring()) {
      return nullptr;  // io_uring disabled on this host (sysctl / seccomp)
    }
    EXPECT_TRUE(e) << e.error().to_string();
    return std::move(*e);
  }
  stratovirt::testing::TempDir dir_;
};

TEST_P(IoEngineTest, WriteFlushReadDiscardComplete) {
  auto e = engine();
  if (!e) GTEST_SKIP() << "io_uring unavailable";
  std::string path = dir_.write("img", std::string(16384, 'a'));
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  std::string w1(1000, 'x'), w2(24, 'y');
  iovec wv[2] = {{w1.data(), w1.size()}, {w2.data(), w2.size()}};
  ASSERT_TRUE(e->submit({IoOp::kWrite, fd.get(), wv, 4096, 0, 0}, 1));
  auto done = wait_for(*e, 1);
  EXPECT_EQ(done[1], 1024);
  ASSERT_TRUE(e->submit({IoOp::kFlush, fd.get(), {}, 0, 0, 0}, 2));
  std::string back(1024, '\0');
  iovec rv{back.data(), back.size()};
  ASSERT_TRUE(e->submit({IoOp::kRead, fd.get(), std::span<const iovec>(&rv, 1), 4096, 0, 0}, 3));
  ASSERT_TRUE(e->submit(
      {IoOp::kFallocate, fd.get(), {}, 8192, 4096, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE}, 4));
  done = wait_for(*e, 3);
  EXPECT_EQ(done[2], 0);
  EXPECT_EQ(done[3], 1024);
  EXPECT_EQ(done[4], 0);
  EXPECT_EQ(back, w1 + w2);
  std::string hole(4096, '?');
  ASSERT_EQ(::pread(fd.get(), hole.data(), hole.size(), 8192), 4096);
  EXPECT_EQ(hole, std::string(4096, '\0'));
}

TEST_P(IoEngineTest, ErrorsArriveAsNegativeErrno) {
  auto e = engine();
  if (!e) GTEST_SKIP() << "io_uring unavailable";
  std::string path = dir_.write("ro", "abc");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string w(4, 'x');
  iovec wv{w.data(), w.size()};
  ASSERT_TRUE(e->submit({IoOp::kWrite, fd.get(), std::span<const iovec>(&wv, 1), 0, 0, 0}, 7));
  auto done = wait_for(*e, 1);
  ASSERT_EQ(done.count(7), 1U);
  EXPECT_EQ(done[7], -EBADF);
}

TEST_P(IoEngineTest, PluggedSubmissionsGoOutTogetherOnUnplug) {
  auto e = engine();
  if (!e) GTEST_SKIP() << "io_uring unavailable";
  std::string path = dir_.write("batch", std::string(4 * 4096, 'q'));
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  std::string bufs[4];
  iovec iov[4];
  e->plug();
  for (int i = 0; i < 4; ++i) {
    bufs[i] = std::string(4096, static_cast<char>('0' + i));
    iov[i] = {bufs[i].data(), bufs[i].size()};
    ASSERT_TRUE(e->submit({IoOp::kWrite, fd.get(), std::span<const iovec>(&iov[i], 1),
                           static_cast<uint64_t>(i) * 4096, 0, 0},
                          static_cast<uint64_t>(10 + i)));
  }
  if (uring()) {  // io_uring: nothing reaches the kernel before unplug()
    pollfd p{e->event_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 50), 0);
    std::string head(4096, '\0');
    ASSERT_EQ(::pread(fd.get(), head.data(), head.size(), 0), 4096);
    EXPECT_EQ(head, std::string(4096, 'q'));
  }
  ASSERT_TRUE(e->unplug());
  auto done = wait_for(*e, 4);
  ASSERT_EQ(done.size(), 4U);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(done[static_cast<uint64_t>(10 + i)], 4096);
  std::string all(4 * 4096, '\0');
  ASSERT_EQ(::pread(fd.get(), all.data(), all.size(), 0), 4 * 4096);
  EXPECT_EQ(all, bufs[0] + bufs[1] + bufs[2] + bufs[3]);
}

INSTANTIATE_TEST_SUITE_P(Engines, IoEngineTest,
                         ::testing::Values(Kind::kSync, Kind::kUring, Kind::kThreads),
                         [](const auto& p) {
                           return p.param == Kind::kUring     ? "uring"
                                  : p.param == Kind::kThreads ? "threads"
                                                              : "sync";
                         });

}  // namespace
}  // namespace stratovirt::block
