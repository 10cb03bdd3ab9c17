// SPDX-License-Identifier: MulanPSL-2.0
// `-machine none` with a QMP monitor, in the foreground: socket, commands, shutdown.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "stratovirt/base/socket.h"
#include "support/temp_dir.h"
#include "unit/app/process_util.h"

namespace stratovirt::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> none_machine(const std::string& sock) {
  return {"-machine", "none", "-qmp", "unix:" + sock + ",server,nowait"};
}

TEST(QmpProcessTest, ServesQmpAndShutsDownCleanlyOnSigterm) {
  TempDir dir;
  std::string sock = dir.file("q.sock");
  Process p(none_machine(sock), dir.path());
  ASSERT_TRUE(eventually([&] { return fs::exists(sock); })) << p.err();
  struct stat st{};
  ASSERT_EQ(::stat(sock.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  QmpClient c(sock);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.line().rfind(R"({"QMP":{"version":{"qemu":{"micro":0,"minor":2,"major":7},)", 0),
            0u);
  ASSERT_TRUE(c.send(R"({"execute":"qmp_capabilities"})"));
  EXPECT_EQ(c.line(), R"({"return":{}})");
  ASSERT_TRUE(c.send(R"({"execute":"query-frobnicator","id":"req-7"})"));
  EXPECT_EQ(c.line(), R"({"error":{"class":"CommandNotFound","desc":"The command )"
                      R"(query-frobnicator has not been found"},"id":"req-7"})");

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.err();
  EXPECT_FALSE(fs::exists(sock));
  EXPECT_EQ(p.err(), "");  // nothing logged at the default level
}

TEST(QmpProcessTest, QuitRepliesThenExitsZero) {
  TempDir dir;
  std::string sock = dir.file("q.sock");
  Process p(none_machine(sock), dir.path());
  ASSERT_TRUE(eventually([&] { return fs::exists(sock); })) << p.err();
  QmpClient c(sock);
  ASSERT_FALSE(c.line().empty());
  ASSERT_TRUE(c.send(R"({"execute":"quit","id":1})"));
  EXPECT_EQ(c.line(), R"({"return":{},"id":1})");
  EXPECT_EQ(p.wait(), 0) << p.err();
  EXPECT_FALSE(fs::exists(sock));
}

TEST(QmpProcessTest, SigintAlsoShutsDownCleanly) {
  TempDir dir;
  std::string sock = dir.file("q.sock");
  Process p(none_machine(sock), dir.path());
  ASSERT_TRUE(eventually([&] { return fs::exists(sock); })) << p.err();
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(), 0);
  EXPECT_FALSE(fs::exists(sock));
}

TEST(QmpProcessTest, StaleSocketFileIsReplaced) {
  TempDir dir;
  std::string sock = dir.file("q.sock");
  {
    auto stale = SocketListener::bind_unix(sock);
    ASSERT_TRUE(stale);
    stale->release_path();  // as if a previous instance had been SIGKILLed
  }
  ASSERT_TRUE(fs::exists(sock));
  Process p(none_machine(sock), dir.path());
  // The old node is dead: connecting succeeds only once the new instance listens.
  ASSERT_TRUE(eventually([&] { return QmpClient(sock).connected(); })) << p.err();
  QmpClient c(sock);
  EXPECT_FALSE(c.line().empty());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0);
}

TEST(QmpProcessTest, DashDWithAFileWritesLogLinesAtTheRequestedLevel) {
  TempDir dir;
  std::string sock = dir.file("q.sock");
  std::string log = dir.file("sv.log");
  auto args = none_machine(sock);
  args.insert(args.end(), {"-D", log});
  Process p(args, dir.path(), {"STRATOVIRT_LOG_LEVEL=info"});
  ASSERT_TRUE(eventually([&] { return fs::exists(sock); })) << p.err();
  QmpClient c(sock);
  ASSERT_FALSE(c.line().empty());
  ASSERT_TRUE(c.send(R"({"execute":"quit"})"));
  EXPECT_EQ(p.wait(), 0);
  std::string text = slurp(log);
  EXPECT_NE(text.find("info [main] main loop running"), std::string::npos) << text;
  EXPECT_NE(text.find("info [qmp] quit requested"), std::string::npos) << text;
  EXPECT_EQ(p.err(), "");
}

TEST(QmpProcessTest, MonitorOnAnInheritedListeningFdAsLibvirtPassesIt) {
  TempDir dir;
  std::string sock = dir.file("inherited.sock");
  int raw = ::socket(AF_UNIX, SOCK_STREAM, 0);  // no CLOEXEC: the child inherits it
  ASSERT_GE(raw, 0);
  UniqueFd listening(raw);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(raw, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(raw, 4), 0);
  Process p({"-machine", "none", "-chardev",
             "socket,id=charmonitor,fd=" + std::to_string(raw) + ",server=on,wait=off", "-mon",
             "chardev=charmonitor,id=monitor,mode=control"},
            dir.path());
  listening.reset();  // only the child holds the listening socket now
  QmpClient c(sock);
  ASSERT_TRUE(c.connected());
  EXPECT_NE(c.line().find("\"QMP\""), std::string::npos) << p.err();
  ASSERT_TRUE(c.send(R"({"execute":"quit"})"));
  EXPECT_EQ(c.line(), R"({"return":{}})");
  EXPECT_EQ(p.wait(), 0) << p.err();
}

}  // namespace
}  // namespace stratovirt::testing
