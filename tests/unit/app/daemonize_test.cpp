// SPDX-License-Identifier: MulanPSL-2.0
// -daemonize and -pidfile as libvirt uses them.
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "unit/app/process_util.h"

namespace stratovirt::testing {
namespace {

namespace fs = std::filesystem;

pid_t read_pid(const std::string& path) {
  std::string text = slurp(path);
  return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
}

// Stops a daemon (not our child) and waits for it to go away.
bool stop_daemon(pid_t pid) {
  if (pid <= 0) return false;
  ::kill(pid, SIGTERM);
  return eventually([&] { return !process_alive(pid); });
}

TEST(DaemonizeTest, LibvirtProbeCommandLine) {
  TempDir dir;
  std::string sock = dir.file("qmp.monitor");
  std::string pidfile = dir.file("qmp.pid");
  Process parent({"-S", "-no-user-config", "-nodefaults", "-nographic", "-machine",
                  "none,accel=kvm:tcg", "-qmp", "unix:" + sock + ",server=on,wait=off",
                  "-pidfile", pidfile, "-daemonize"},
                 dir.path());
  ASSERT_EQ(parent.wait(), 0) << parent.err();
  // The moment the parent has exited, the socket and the pidfile must exist.
  EXPECT_TRUE(fs::exists(sock));
  pid_t daemon = read_pid(pidfile);
  ASSERT_GT(daemon, 0);
  EXPECT_NE(daemon, parent.pid());
  EXPECT_TRUE(process_alive(daemon));
  EXPECT_EQ(parent.err(), "");

  QmpClient c(sock);
  ASSERT_TRUE(c.connected());
  EXPECT_NE(c.line().find("\"QMP\""), std::string::npos);
  ASSERT_TRUE(c.send(R"({"execute":"qmp_capabilities"})"));
  EXPECT_EQ(c.line(), R"({"return":{}})");

  ASSERT_TRUE(stop_daemon(daemon));
  EXPECT_TRUE(eventually([&] { return !fs::exists(pidfile) && !fs::exists(sock); }));
}

TEST(DaemonizeTest, BadQmpPathFailsInTheParent) {
  TempDir dir;
  Process parent({"-machine", "none", "-qmp",
                  "unix:" + dir.file("missing/dir/q.sock") + ",server,nowait", "-pidfile",
                  dir.file("vm.pid"), "-daemonize"},
                 dir.path());
  ASSERT_EQ(parent.wait(), 1);
  EXPECT_NE(parent.err().find("missing/dir/q.sock"), std::string::npos) << parent.err();
  EXPECT_FALSE(fs::exists(dir.file("vm.pid")));
}

TEST(DaemonizeTest, DaemonStartupErrorReachesTheParent) {
  TempDir dir;
  std::string pidfile = dir.file("vm.pid");
  Process first({"-machine", "none", "-qmp", "unix:" + dir.file("a.sock") + ",server,nowait",
                 "-pidfile", pidfile, "-daemonize"},
                dir.path());
  ASSERT_EQ(first.wait(), 0) << first.err();
  pid_t daemon = read_pid(pidfile);

  // Same pidfile: the second daemon fails after forking; its parent reports why.
  std::string second_sock = dir.file("b.sock");
  Process second({"-machine", "none", "-qmp", "unix:" + second_sock + ",server,nowait",
                  "-pidfile", pidfile, "-daemonize"},
                 dir.path());
  EXPECT_EQ(second.wait(), 1);
  EXPECT_NE(second.err().find("is locked by another process (pid " + std::to_string(daemon)),
            std::string::npos)
      << second.err();
  EXPECT_FALSE(fs::exists(second_sock));
  EXPECT_EQ(read_pid(pidfile), daemon);  // untouched

  ASSERT_TRUE(stop_daemon(daemon));
  EXPECT_TRUE(eventually([&] { return !fs::exists(pidfile); }));
}

TEST(DaemonizeTest, PidfileWithoutDaemonizeHoldsTheForegroundPid) {
  TempDir dir;
  std::string sock = dir.file("q.sock");
  std::string pidfile = dir.file("vm.pid");
  Process p({"-machine", "none", "-qmp", "unix:" + sock + ",server,nowait", "-pidfile", pidfile},
            dir.path());
  ASSERT_TRUE(eventually([&] { return read_pid(pidfile) > 0; })) << p.err();
  EXPECT_EQ(read_pid(pidfile), p.pid());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0);
  EXPECT_FALSE(fs::exists(pidfile));
}

}  // namespace
}  // namespace stratovirt::testing
