// SPDX-License-Identifier: MulanPSL-2.0
#include "support/unix_connect.h"
#include "support/crlf_line.h"
#include "stratovirt/qmp/qmp_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "stratovirt/qmp/none_machine_control.h"
#include "stratovirt/qmp/qmp_commands.h"
#include "support/temp_dir.h"

namespace stratovirt::qmp {
namespace {

// A blocking QMP client with a receive timeout.
class Client {
 public:
  explicit Client(const std::string& path)
      : fd_(stratovirt::testing::connect_unix_stream(path)) {}
  bool connected() const { return fd_.valid(); }
  void send(std::string_view text) {
    ASSERT_EQ(::send(fd_.get(), text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
  }
  // Sends `text` with `fd` attached (SCM_RIGHTS).
  void send_with_fd(std::string_view text, int fd) {
    iovec iov{const_cast<char*>(text.data()), text.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ASSERT_EQ(::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  }
  // One "\r\n"-terminated line (without it), or "" after 5 s / on EOF.
  std::string line() { return stratovirt::testing::read_crlf_line(fd_.get(), buf_, 5000); }

 private:
  UniqueFd fd_;
  std::string buf_;
};

class QmpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("qmp.sock");
    auto loop = EventLoop::create("qmp-test", clock_);
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    register_commands(dispatcher_, CommandEnv{machine_, events_, fds_, config_, [] { return false; }});
    auto listener = SocketListener::bind_unix(path_);
    ASSERT_TRUE(listener);
    std::vector<SocketListener> listeners;
    listeners.push_back(std::move(*listener));
    auto server = QmpServer::create(*loop_, std::move(listeners), dispatcher_, &events_);
    ASSERT_TRUE(server);
    server_ = std::move(*server);
    thread_ = std::thread([this] { ASSERT_TRUE(loop_->run()); });
  }
  void TearDown() override {
    loop_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    EXPECT_FALSE(std::filesystem::exists(path_));  // the server removed its socket
  }

  // Runs `fn` on the loop thread and waits for it.
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop_->post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  VirtualClock clock_;
  stratovirt::testing::TempDir dir_;
  config::VmConfig config_;
  EventQueue events_{[] { return std::chrono::microseconds(1'700'000'000'123'456); }};
  FdRegistry fds_;
  NoneMachineControl machine_{false, {}, [this](ShutdownCause cause) {
                                ++quits_;
                                events_.emit("SHUTDOWN", shutdown_event_data(cause));
                              }};
  std::string path_;
  std::unique_ptr<EventLoop> loop_;
  QmpDispatcher dispatcher_;
  std::unique_ptr<QmpServer> server_;
  std::thread thread_;
  std::atomic<int> quits_{0};
};

TEST_F(QmpServerTest, GreetsAndAnswersInOrder) {
  Client c(path_);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.line(), greeting_line());
  c.send("{\"execute\":\"qmp_capabilities\",\"id\":1}\n{\"execute\":\"nope\",\"id\":2}");
  EXPECT_EQ(c.line(), R"({"return":{},"id":1})");
  EXPECT_EQ(c.line(), R"({"error":{"class":"CommandNotFound","desc":"The command nope has )"
                      R"(not been found"},"id":2})");
  c.send("{\"execute\":");
  c.send("\"quit\"}");
  EXPECT_EQ(c.line(), R"({"return":{}})");
  EXPECT_EQ(c.line(), R"({"timestamp":{"seconds":1700000000,"microseconds":123456},)"
                      R"("event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"}})");
  EXPECT_EQ(quits_.load(), 1);
}

TEST_F(QmpServerTest, GreetingHasTheVersionLibvirtNeeds) {
  auto g = nlohmann::json::parse(greeting_line());
  EXPECT_EQ(g["QMP"]["version"]["qemu"]["major"], 7);
  EXPECT_EQ(g["QMP"]["version"]["qemu"]["minor"], 2);
  EXPECT_EQ(g["QMP"]["version"]["qemu"]["micro"], 0);
  EXPECT_EQ(g["QMP"]["version"]["package"], std::string("StratoVirt-cpp ") + SV_VERSION);
  EXPECT_TRUE(g["QMP"]["capabilities"].is_array());
}

TEST_F(QmpServerTest, OneClientAtATimeThenTheNext) {
  auto first = std::make_unique<Client>(path_);
  EXPECT_EQ(first->line(), greeting_line());
  Client second(path_);  // connects to the backlog, not served yet
  ASSERT_TRUE(second.connected());
  first.reset();  // hang up: the listener resumes and serves the waiting client
  EXPECT_EQ(second.line(), greeting_line());
  second.send(R"({"execute":"qmp_capabilities"})");
  EXPECT_EQ(second.line(), R"({"return":{}})");
}

TEST_F(QmpServerTest, OversizedMessageGetsAnErrorAndTheClientIsClosed) {
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  c.send("{\"execute\":\"" + std::string(kMaxQmpMessage + 10, 'a'));
  auto r = nlohmann::json::parse(c.line());
  EXPECT_EQ(r["error"]["class"], "GenericError");
  EXPECT_EQ(c.line(), "");  // closed
  Client next(path_);
  EXPECT_EQ(next.line(), greeting_line());
}

TEST_F(QmpServerTest, SeveralCommandsInOneWriteAndCrLfOrLf) {
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  c.send("{\"execute\":\"query-status\",\"id\":1}\r\n  {\"execute\":\"stop\",\"id\":2}\n"
         "{\"execute\":\"query-status\",\"id\":3}");
  EXPECT_EQ(c.line(), R"({"return":{"running":true,"singlestep":false,"status":"running"},"id":1})");
  EXPECT_EQ(c.line(), R"({"return":{},"id":2})");
  // The reply to the command that is answered in the same pass comes before the event.
  EXPECT_EQ(c.line(), R"({"return":{"running":false,"singlestep":false,"status":"paused"},"id":3})");
  EXPECT_EQ(c.line(), R"({"timestamp":{"seconds":1700000000,"microseconds":123456},)"
                      R"("event":"STOP"})");
}

TEST_F(QmpServerTest, GarbageGetsAParseErrorAndTheConnectionGoesOn) {
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  c.send("hello there\n");
  EXPECT_EQ(c.line(), R"({"error":{"class":"GenericError","desc":"JSON parse error"}})");
  c.send(R"({"execute": "query-status", "id": [1, "}"]})");
  EXPECT_EQ(nlohmann::json::parse(c.line())["id"], nlohmann::json::parse(R"([1,"}"])"));
}

TEST_F(QmpServerTest, BurstOverTheRateIsThrottledUntilTheClockMoves) {
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  std::string burst;
  for (int i = 0; i < 150; ++i) burst += R"({"execute":"query-status","id":)" + std::to_string(i) + "}";
  c.send(burst);
  int ok = 0, throttled = 0;
  for (int i = 0; i < 150; ++i) {
    auto r = nlohmann::json::parse(c.line());
    EXPECT_EQ(r["id"], i);
    if (r.contains("return")) {
      ++ok;
    } else {
      EXPECT_EQ(r["error"]["class"], "OperationThrottled");
      EXPECT_EQ(r["error"]["desc"], "More than 100 requests received during 1 second");
      ++throttled;
    }
  }
  EXPECT_EQ(ok, 100);  // the clock did not move: exactly the bucket's size
  EXPECT_EQ(throttled, 50);
  c.send(R"({"execute":"query-status","id":"x"})");
  EXPECT_EQ(nlohmann::json::parse(c.line())["error"]["class"], "OperationThrottled");
  clock_.advance(std::chrono::milliseconds(10));  // one request's worth leaks out
  c.send(R"({"execute":"query-status","id":"y"})");
  EXPECT_TRUE(nlohmann::json::parse(c.line()).contains("return"));
  c.send(R"({"execute":"query-status","id":"z"})");
  EXPECT_EQ(nlohmann::json::parse(c.line())["error"]["class"], "OperationThrottled");
  clock_.advance(std::chrono::seconds(1));
  c.send(R"({"execute":"query-status","id":"w"})");
  EXPECT_TRUE(nlohmann::json::parse(c.line()).contains("return"));
}

TEST_F(QmpServerTest, GetfdTakesTheFdSentWithTheCommand) {
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  c.send(R"({"execute":"getfd","arguments":{"fdname":"tap0"}})");
  EXPECT_EQ(c.line(), R"({"error":{"class":"GenericError","desc":"No file descriptor supplied )"
                      R"(via SCM_RIGHTS"}})");
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd r(pipe_fds[0]), w(pipe_fds[1]);
  c.send_with_fd(R"({"execute":"getfd","arguments":{"fdname":"tap0"},"id":1})", w.get());
  EXPECT_EQ(c.line(), R"({"return":{},"id":1})");
  UniqueFd got;
  on_loop([&] { got = fds_.take("tap0"); });
  ASSERT_TRUE(got.valid());
  EXPECT_NE(got.get(), w.get());  // our own copy
  w.reset();
  ASSERT_EQ(::write(got.get(), "k", 1), 1);  // it is the pipe's write end
  char ch = 0;
  ASSERT_EQ(::read(r.get(), &ch, 1), 1);
  EXPECT_EQ(ch, 'k');
}

TEST_F(QmpServerTest, GetfdThenClosefdOverTheSocket) {
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd r(pipe_fds[0]), w(pipe_fds[1]);
  c.send_with_fd(R"({"execute":"getfd","arguments":{"fdname":"x"}})", w.get());
  EXPECT_EQ(c.line(), R"({"return":{}})");
  w.reset();
  c.send(R"({"execute":"closefd","arguments":{"fdname":"x"}})");
  EXPECT_EQ(c.line(), R"({"return":{}})");
  char ch = 0;
  EXPECT_EQ(::read(r.get(), &ch, 1), 0);  // every write end is closed now: EOF
  c.send(R"({"execute":"closefd","arguments":{"fdname":"x"}})");
  EXPECT_EQ(c.line(), R"({"error":{"class":"GenericError","desc":"File descriptor named 'x' )"
                      R"(not found"}})");
}

TEST_F(QmpServerTest, EventsEmittedWhileNobodyListensReachTheNextClient) {
  on_loop([&] { events_.emit("POWERDOWN"); });
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  EXPECT_EQ(c.line(), R"({"timestamp":{"seconds":1700000000,"microseconds":123456},)"
                      R"("event":"POWERDOWN"})");
}

TEST_F(QmpServerTest, EventsFromAnotherThreadAreDelivered) {
  Client c(path_);
  EXPECT_EQ(c.line(), greeting_line());
  std::thread([&] { events_.emit("RESUME"); }).join();
  EXPECT_EQ(c.line(), R"({"timestamp":{"seconds":1700000000,"microseconds":123456},)"
                      R"("event":"RESUME"})");
}

}  // namespace
}  // namespace stratovirt::qmp
