// SPDX-License-Identifier: MulanPSL-2.0
// CharBackend implementations over real fds: files, unix/tcp sockets, socketpairs, ptys.
#include "devices/chardev/char_backends.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "devices/chardev/fd_char_backend.h"

namespace stratovirt::devices {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// An EventLoop running on its own thread; work for the loop thread goes through on_loop().
class LoopThread {
 public:
  LoopThread() {
    auto l = EventLoop::create("test");
    EXPECT_TRUE(l.has_value());
    loop_ = std::move(*l);
    thread_ = std::thread([this] { (void)loop_->run(); });
  }
  ~LoopThread() {
    loop_->stop();
    thread_.join();
  }
  template <typename F>
  auto on_loop(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto fut = task.get_future();
    loop_->post([&task] { task(); });
    return fut.get();
  }
  EventLoop& loop() { return *loop_; }

 private:
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

// A frontend that accepts at most `room` bytes until drain() is called.
class Frontend {
 public:
  explicit Frontend(size_t room = SIZE_MAX) : room_(room) {}
  CharBackend::InputHandler handler() {
    return [this](std::span<const uint8_t> d) {
      std::lock_guard lock(mu_);
      size_t n = std::min(room_ - std::min(room_, pending_), d.size());
      received_.append(d.begin(), d.begin() + static_cast<ptrdiff_t>(n));
      pending_ += n;
      cv_.notify_all();
      return n;
    };
  }
  // The guest consumed what it had: make room again.
  void drain() {
    std::lock_guard lock(mu_);
    pending_ = 0;
  }
  bool wait_for(size_t n, std::chrono::milliseconds t = 3000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, t, [&] { return received_.size() >= n; });
  }
  std::string received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string received_;
  size_t room_;
  size_t pending_ = 0;
};

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Reads until `n` bytes arrived or `timeout`.
std::string read_n(int fd, size_t n, std::chrono::milliseconds timeout = 3000ms) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t r = ::read(fd, buf, std::min(sizeof(buf), n - out.size()));
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

void write_all(int fd, const std::string& s) {
  ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
}

template <typename Pred>
bool eventually(Pred p, std::chrono::milliseconds t = 3000ms) {
  auto deadline = std::chrono::steady_clock::now() + t;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return p();
}

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class CharBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sv-chardev-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<CharBackend> open(config::ChardevBackend b) {
    config::ChardevConfig cfg{"ch0", std::move(b)};
    auto r = lt_.on_loop([&] { return open_char_backend(cfg, lt_.loop()); });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? std::move(*r) : nullptr;
  }
  void close_on_loop(std::unique_ptr<CharBackend>& b) {
    lt_.on_loop([&] { b.reset(); });
  }
  static FdCharBackend& fd_backend(CharBackend& b) { return dynamic_cast<FdCharBackend&>(b); }

  fs::path dir_;
  LoopThread lt_;
};

TEST_F(CharBackendTest, FileTruncatesAndReceivesOutput) {
  fs::path p = dir_ / "out.log";
  std::ofstream(p) << "old content that must go";
  auto b = open(config::FileBackend{p.string()});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->description(), "file:" + p.string());
  b->write(bytes("guest says hi\n"));
  b->write(bytes("second line\n"));
  close_on_loop(b);
  std::stringstream ss;
  ss << std::ifstream(p).rdbuf();
  EXPECT_EQ(ss.str(), "guest says hi\nsecond line\n");
}

TEST_F(CharBackendTest, FileInUnwritableDirectoryFails) {
  config::ChardevConfig cfg{"ch0", config::FileBackend{(dir_ / "no/such/dir/x").string()}};
  auto r = lt_.on_loop([&] { return open_char_backend(cfg, lt_.loop()); });
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().to_string().find("ch0"), std::string::npos);
}

TEST_F(CharBackendTest, UnixServerNowaitDropsUntilClientThenServesOneClientAtATime) {
  std::string path = (dir_ / "con.sock").string();
  auto b = open(config::SocketBackend{config::UnixSocketAddr{path}, true, false});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->description(), "unix:" + path + ",server");
  Frontend fe;
  lt_.on_loop([&] { b->set_input_handler(fe.handler()); return 0; });

  b->write(bytes("lost"));
  EXPECT_EQ(fd_backend(*b).dropped_output_bytes(), 4u);

  int c1 = connect_unix(path);
  ASSERT_GE(c1, 0);
  ASSERT_TRUE(eventually([&] { return fd_backend(*b).attached(); }));
  b->write(bytes("hello"));
  EXPECT_EQ(read_n(c1, 5), "hello");
  write_all(c1, "typed");
  ASSERT_TRUE(fe.wait_for(5));
  EXPECT_EQ(fe.received(), "typed");

  // A second client waits in the backlog while the first is connected.
  int c2 = connect_unix(path);
  ASSERT_GE(c2, 0);
  b->write(bytes("only-c1"));
  EXPECT_EQ(read_n(c1, 7), "only-c1");
  EXPECT_EQ(read_n(c2, 1, 200ms), "");

  ::close(c1);
  // The backend notices the hang-up, accepts c2 and output goes there.
  ASSERT_TRUE(eventually([&] {
    b->write(bytes("x"));
    return read_n(c2, 1, 20ms) == "x";
  }));
  ::close(c2);
  close_on_loop(b);
  EXPECT_FALSE(fs::exists(path));  // the socket node is removed
}

TEST_F(CharBackendTest, InputBackPressureKeepsOrderAndResumesOnInputReady) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto b = open(config::SocketBackend{config::FdSocketAddr{sv[0]}, false, false});
  ASSERT_NE(b, nullptr);
  Frontend fe(4);  // a 4-byte FIFO
  lt_.on_loop([&] { b->set_input_handler(fe.handler()); return 0; });
  write_all(sv[1], "0123456789");
  ASSERT_TRUE(fe.wait_for(4));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(fe.received(), "0123");  // nothing more until the frontend has room
  fe.drain();
  b->input_ready();
  ASSERT_TRUE(fe.wait_for(8));
  fe.drain();
  b->input_ready();
  ASSERT_TRUE(fe.wait_for(10));
  EXPECT_EQ(fe.received(), "0123456789");
  // Output to the inherited connected socket.
  b->write(bytes("out"));
  EXPECT_EQ(read_n(sv[1], 3), "out");
  ::close(sv[1]);
  close_on_loop(b);
}

TEST_F(CharBackendTest, SlowPeerNeverBlocksWriterAndDropsBeyondBuffer) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  int small = 4096;
  ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  auto b = open(config::SocketBackend{config::FdSocketAddr{sv[0]}, false, false});
  ASSERT_NE(b, nullptr);
  std::string chunk(1024, 'a');
  auto start = std::chrono::steady_clock::now();
  size_t total = 0;
  for (int i = 0; i < 1024; ++i) {  // 1 MiB, nobody reading
    b->write(bytes(chunk));
    total += chunk.size();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  uint64_t dropped = fd_backend(*b).dropped_output_bytes();
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, total);
  // Everything not dropped arrives once the peer reads.
  std::string got = read_n(sv[1], total - dropped, 5000ms);
  EXPECT_EQ(got.size(), total - dropped);
  ::close(sv[1]);
  close_on_loop(b);
}

TEST_F(CharBackendTest, TcpServerOnEphemeralPort) {
  auto b = open(config::SocketBackend{config::TcpSocketAddr{"127.0.0.1", 0}, true, false});
  ASSERT_NE(b, nullptr);
  std::string d = b->description();  // tcp:127.0.0.1:PORT,server
  ASSERT_EQ(d.rfind("tcp:127.0.0.1:", 0), 0u) << d;
  int port = std::atoi(d.substr(std::string("tcp:127.0.0.1:").size()).c_str());
  ASSERT_GT(port, 0);
  Frontend fe;
  lt_.on_loop([&] { b->set_input_handler(fe.handler()); return 0; });
  int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_TRUE(eventually([&] { return fd_backend(*b).attached(); }));
  b->write(bytes("tcp!"));
  EXPECT_EQ(read_n(c, 4), "tcp!");
  write_all(c, "in");
  ASSERT_TRUE(fe.wait_for(2));
  ::close(c);
  close_on_loop(b);
}

TEST_F(CharBackendTest, UnixServerWaitBlocksUntilAClientConnects) {
  std::string path = (dir_ / "wait.sock").string();
  config::ChardevConfig cfg{"ch0", config::SocketBackend{config::UnixSocketAddr{path}, true, true}};
  // open() blocks; run it on the loop thread and connect from here.
  std::promise<Result<std::unique_ptr<CharBackend>>> opened;
  auto fut = opened.get_future();
  lt_.loop().post([&] { opened.set_value(open_char_backend(cfg, lt_.loop())); });
  EXPECT_EQ(fut.wait_for(200ms), std::future_status::timeout);
  int c = -1;
  ASSERT_TRUE(eventually([&] { return (c = connect_unix(path)) >= 0; }));
  auto r = fut.get();
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  auto b = std::move(*r);
  b->write(bytes("first"));
  EXPECT_EQ(read_n(c, 5), "first");
  ::close(c);
  close_on_loop(b);
}

TEST_F(CharBackendTest, InheritedListeningFd) {
  std::string path = (dir_ / "inh.sock").string();
  int l = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(::listen(l, 1), 0);
  auto b = open(config::SocketBackend{config::FdSocketAddr{l}, true, false});
  ASSERT_NE(b, nullptr);
  int c = connect_unix(path);
  ASSERT_GE(c, 0);
  ASSERT_TRUE(eventually([&] { return fd_backend(*b).attached(); }));
  b->write(bytes("via fd"));
  EXPECT_EQ(read_n(c, 6), "via fd");
  ::close(c);
  close_on_loop(b);
}

TEST_F(CharBackendTest, ClientModeConnectsToAServer) {
  std::string path = (dir_ / "srv.sock").string();
  int l = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(::listen(l, 1), 0);
  auto b = open(config::SocketBackend{config::UnixSocketAddr{path}, false, false});
  ASSERT_NE(b, nullptr);
  int s = ::accept(l, nullptr, nullptr);
  ASSERT_GE(s, 0);
  b->write(bytes("client"));
  EXPECT_EQ(read_n(s, 6), "client");
  ::close(s);
  ::close(l);
  close_on_loop(b);
  config::ChardevConfig cfg{"ch1", config::SocketBackend{config::UnixSocketAddr{path + "x"}, false, false}};
  EXPECT_FALSE(lt_.on_loop([&] { return open_char_backend(cfg, lt_.loop()); }).has_value());
}

TEST_F(CharBackendTest, PtyRedirectsBothWays) {
  auto b = open(config::PtyBackend{});
  ASSERT_NE(b, nullptr);
  std::string d = b->description();
  ASSERT_EQ(d.rfind("pty:/dev/pts/", 0), 0u) << d;
  // Output written before any client opened the slave is kept, not lost.
  b->write(bytes("early"));
  int s = ::open(d.substr(4).c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(s, 0);
  EXPECT_EQ(read_n(s, 5), "early");
  Frontend fe;
  lt_.on_loop([&] { b->set_input_handler(fe.handler()); return 0; });
  write_all(s, "keys\r");
  ASSERT_TRUE(fe.wait_for(5));
  EXPECT_EQ(fe.received(), "keys\r");  // raw mode: no CR->NL translation, no echo
  EXPECT_EQ(read_n(s, 1, 100ms), "");
  ::close(s);
  // The client left; output still does not fail.
  b->write(bytes("after"));
  close_on_loop(b);
}

// stdio on a pty standing in for the user's terminal: raw while open, restored after.
TEST_F(CharBackendTest, StdioRawModeOnTerminalIsRestored) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  int out_pipe[2];
  ASSERT_EQ(::pipe(out_pipe), 0);
  int saved_in = ::dup(STDIN_FILENO);
  int saved_out = ::dup(STDOUT_FILENO);
  ::fflush(stdout);
  ::dup2(slave, STDIN_FILENO);
  ::dup2(out_pipe[1], STDOUT_FILENO);

  termios before{};
  ::tcgetattr(STDIN_FILENO, &before);
  auto b = open(config::StdioBackend{});
  bool raw = false;
  bool second_refused = false;
  if (b) {
    termios now{};
    ::tcgetattr(STDIN_FILENO, &now);
    raw = !(now.c_lflag & (ECHO | ICANON | ISIG));
    config::ChardevConfig again{"ch1", config::StdioBackend{}};
    second_refused = !lt_.on_loop([&] { return open_char_backend(again, lt_.loop()); }).has_value();
    b->write(bytes("to stdout"));
    close_on_loop(b);
  }
  termios after{};
  ::tcgetattr(STDIN_FILENO, &after);
  int in_flags = ::fcntl(STDIN_FILENO, F_GETFL);

  ::dup2(saved_in, STDIN_FILENO);
  ::dup2(saved_out, STDOUT_FILENO);
  ::close(saved_in);
  ::close(saved_out);
  ::close(out_pipe[1]);

  EXPECT_TRUE(raw);
  EXPECT_TRUE(second_refused);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(in_flags & O_NONBLOCK, 0);
  EXPECT_EQ(read_n(out_pipe[0], 9), "to stdout");
  restore_stdio_terminal();  // harmless when nothing is saved
  ::close(out_pipe[0]);
  ::close(slave);
  ::close(master);
}

}  // namespace
}  // namespace stratovirt::devices
