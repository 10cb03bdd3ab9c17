// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/signal_handler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

namespace stratovirt {
namespace {

TEST(ShutdownSignalsTest, SignalsArriveOnTheLoopAndTheMaskIsRestored) {
  auto loop = EventLoop::create("signals");
  ASSERT_TRUE(loop);
  std::vector<int> received;
  {
    auto signals = ShutdownSignals::create(**loop, [&](int signo) {
      received.push_back(signo);
      if (received.size() == 2) (*loop)->stop();
    });
    ASSERT_TRUE(signals) << signals.error().to_string();
    ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);  // would kill the test if not blocked
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    ASSERT_TRUE((*loop)->run());
  }
  EXPECT_EQ(received.size(), 2u);
  sigset_t now;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, nullptr, &now), 0);
  EXPECT_FALSE(sigismember(&now, SIGTERM));
  EXPECT_FALSE(sigismember(&now, SIGHUP));
}

TEST(ShutdownSignalsTest, SigpipeIsIgnored) {
  ASSERT_TRUE(ignore_sigpipe());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  char byte = 0;
  EXPECT_EQ(::write(fds[1], &byte, 1), -1);  // EPIPE instead of death
  EXPECT_EQ(errno, EPIPE);
  ::close(fds[1]);
}

}  // namespace
}  // namespace stratovirt
