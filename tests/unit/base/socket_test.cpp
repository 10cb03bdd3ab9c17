// SPDX-License-Identifier: MulanPSL-2.0
#include "support/unix_connect.h"
#include "stratovirt/base/socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>

#include "support/temp_dir.h"

namespace stratovirt {
namespace {

namespace fs = std::filesystem;

bool connect_unix(const std::string& path) { return testing::connect_unix_stream(path).valid(); }

bool has_flag(int fd, int getcmd, int flag) { return (::fcntl(fd, getcmd) & flag) != 0; }

TEST(SocketListenerTest, UnixListenerIsPrivateAcceptsAndRemovesItsNode) {
  testing::TempDir dir;
  std::string path = dir.file("q.sock");
  {
    auto listener = SocketListener::bind_unix(path);
    ASSERT_TRUE(listener) << listener.error().to_string();
    struct stat st{};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(listener->description(), "unix:" + path);
    EXPECT_TRUE(has_flag(listener->fd(), F_GETFD, FD_CLOEXEC));
    EXPECT_TRUE(has_flag(listener->fd(), F_GETFL, O_NONBLOCK));

    auto none = listener->accept();
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->valid());  // nothing pending
    ASSERT_TRUE(connect_unix(path));
    auto client = listener->accept();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->valid());
    EXPECT_TRUE(has_flag(client->get(), F_GETFL, O_NONBLOCK));
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(SocketListenerTest, StaleSocketIsReplacedButOtherFilesAreNot) {
  testing::TempDir dir;
  std::string path = dir.file("q.sock");
  {
    auto first = SocketListener::bind_unix(path);
    ASSERT_TRUE(first);
    first->release_path();  // leave a stale node behind, like a killed process
  }
  ASSERT_TRUE(fs::exists(path));
  auto second = SocketListener::bind_unix(path);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_TRUE(connect_unix(path));

  std::string regular = dir.write("not-a-socket", "data");
  auto refused = SocketListener::bind_unix(regular);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("not a socket"), std::string::npos);
  EXPECT_TRUE(fs::exists(regular));
}

TEST(SocketListenerTest, NodeReplacedByAnotherListenerIsNotRemoved) {
  testing::TempDir dir;
  std::string path = dir.file("q.sock");
  auto first = SocketListener::bind_unix(path);
  ASSERT_TRUE(first);
  auto second = SocketListener::bind_unix(path);  // replaces first's node
  ASSERT_TRUE(second);
  first = SocketListener::bind_unix(dir.file("other.sock"));  // destroys the old first
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(connect_unix(path));
}

TEST(SocketListenerTest, BadUnixPathsAreClearErrors) {
  auto too_long = SocketListener::bind_unix("/tmp/" + std::string(200, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message().find("too long"), std::string::npos);
  auto missing_dir = SocketListener::bind_unix("/nonexistent-dir-h2/q.sock");
  ASSERT_FALSE(missing_dir);
  EXPECT_EQ(missing_dir.error().sys_errno(), ENOENT);
  EXPECT_NE(missing_dir.error().to_string().find("/nonexistent-dir-h2/q.sock"),
            std::string::npos);
}

TEST(SocketListenerTest, TcpListenerOnAnEphemeralPort) {
  auto listener = SocketListener::bind_tcp("127.0.0.1", 0);
  ASSERT_TRUE(listener) << listener.error().to_string();
  ASSERT_NE(listener->tcp_port(), 0);
  UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(listener->tcp_port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto accepted = listener->accept();
  ASSERT_TRUE(accepted);
  EXPECT_TRUE(accepted->valid());

  auto bad_host = SocketListener::bind_tcp("no.such.host.invalid", 0);
  EXPECT_FALSE(bad_host);
}

TEST(SocketListenerTest, AdoptsOnlyListeningSockets) {
  testing::TempDir dir;
  int raw = ::socket(AF_UNIX, SOCK_STREAM, 0);  // no CLOEXEC: adopt_fd must set it
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = dir.file("inherited.sock");
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(raw, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(raw, 1), 0);
  auto adopted = SocketListener::adopt_fd(raw);
  ASSERT_TRUE(adopted) << adopted.error().to_string();
  EXPECT_EQ(adopted->fd(), raw);
  EXPECT_TRUE(has_flag(raw, F_GETFD, FD_CLOEXEC));
  EXPECT_TRUE(has_flag(raw, F_GETFL, O_NONBLOCK));
  EXPECT_TRUE(connect_unix(path));

  UniqueFd unbound(::socket(AF_UNIX, SOCK_STREAM, 0));
  auto not_listening = SocketListener::adopt_fd(unbound.get());
  ASSERT_FALSE(not_listening);
  EXPECT_NE(not_listening.error().message().find("not a listening socket"), std::string::npos);

  UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_FALSE(SocketListener::adopt_fd(file.get()));
  EXPECT_FALSE(SocketListener::adopt_fd(-1));
}

}  // namespace
}  // namespace stratovirt
