// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/fd_registry.h"

#include <fcntl.h>
#include <gtest/gtest.h>

namespace stratovirt::qmp {
namespace {

bool fd_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(FdRegistryTest, AddTakeClose) {
  FdRegistry r;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd keep(p[0]);
  int w = p[1];
  r.add("a", UniqueFd(w));
  EXPECT_TRUE(r.contains("a"));
  EXPECT_EQ(r.names(), std::vector<std::string>{"a"});
  UniqueFd taken = r.take("a");
  EXPECT_EQ(taken.get(), w);
  EXPECT_FALSE(r.contains("a"));
  EXPECT_FALSE(r.take("a").valid());
  r.add("b", std::move(taken));
  EXPECT_TRUE(r.close("b"));
  EXPECT_FALSE(fd_open(w));
  EXPECT_FALSE(r.close("b"));
}

TEST(FdRegistryTest, SameNameReplacesAndClosesTheOld) {
  FdRegistry r;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  r.add("x", UniqueFd(p[0]));
  r.add("x", UniqueFd(p[1]));
  EXPECT_FALSE(fd_open(p[0]));
  EXPECT_EQ(r.take("x").get(), p[1]);
}

}  // namespace
}  // namespace stratovirt::qmp
