// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/pid_file.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace stratovirt {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs PidFile::create(path) in a child process (POSIX locks do not conflict within one
// process) and returns its exit status: 0 created, 1 refused as locked, 2 other error.
int create_in_child(const std::string& path) {
  pid_t child = ::fork();
  if (child == 0) {
    auto pidfile = PidFile::create(path);
    if (pidfile) ::_exit(0);
    ::_exit(pidfile.error().code() == ErrorCode::kAlreadyExists &&
                    pidfile.error().message().find(std::to_string(::getppid())) !=
                        std::string::npos
                ? 1
                : 2);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PidFileTest, HoldsThePidAndIsRemovedOnDestruction) {
  testing::TempDir dir;
  std::string path = dir.file("vm.pid");
  {
    auto pidfile = PidFile::create(path);
    ASSERT_TRUE(pidfile) << pidfile.error().to_string();
    EXPECT_EQ(read_file(path), std::to_string(::getpid()) + "\n");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PidFileTest, SecondInstanceIsRefusedWhileLocked) {
  testing::TempDir dir;
  std::string path = dir.file("vm.pid");
  auto pidfile = PidFile::create(path);
  ASSERT_TRUE(pidfile);
  EXPECT_EQ(create_in_child(path), 1);
  // The refused instance did not touch the content.
  EXPECT_EQ(read_file(path), std::to_string(::getpid()) + "\n");
}

TEST(PidFileTest, StaleUnlockedFileIsTakenOver) {
  testing::TempDir dir;
  std::string path = dir.write("vm.pid", "999999999\nleftover junk\n");
  EXPECT_EQ(create_in_child(path), 0);  // child exits: its pidfile is released, not removed
  auto pidfile = PidFile::create(path);
  ASSERT_TRUE(pidfile) << pidfile.error().to_string();
  EXPECT_EQ(read_file(path), std::to_string(::getpid()) + "\n");
}

TEST(PidFileTest, UnwritableLocationIsAnError) {
  auto pidfile = PidFile::create("/nonexistent-dir-h2/vm.pid");
  ASSERT_FALSE(pidfile);
  EXPECT_NE(pidfile.error().to_string().find("/nonexistent-dir-h2/vm.pid"), std::string::npos);
  EXPECT_FALSE(PidFile::create(""));
}

}  // namespace
}  // namespace stratovirt
