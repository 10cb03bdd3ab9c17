// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "stratovirt/qmp/monitor_setup.h"
#include "support/temp_dir.h"

namespace stratovirt::qmp {
namespace {

// A blocking QMP client with a receive timeout.
class Client {
 public:
  explicit Client(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    connected_ = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  bool connected() const { return connected_; }
  void send(std::string_view text) {
    ASSERT_EQ(::send(fd_.get(), text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
  }
  // One "\r\n"-terminated line (without it), or "" after 5 s / on EOF.
  std::string line() {
    for (;;) {
      if (auto pos = buf_.find("\r\n"); pos != std::string::npos) {
        std::string l = buf_.substr(0, pos);
        buf_.erase(0, pos + 2);
        return l;
      }
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return "";
      char tmp[4096];
      ssize_t n = ::recv(fd_.get(), tmp, sizeof(tmp), 0);
      if (n <= 0) return "";
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

 private:
  UniqueFd fd_;
  bool connected_ = false;
  std::string buf_;
};

class QmpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("qmp.sock");
    auto loop = EventLoop::create("qmp-test");
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    add_basic_commands(dispatcher_, [this] { ++quits_; });
    auto listener = SocketListener::bind_unix(path_);
    ASSERT_TRUE(listener);
    std::vector<SocketListener> listeners;
    listeners.push_back(std::move(*listener));
    auto server = QmpServer::create(*loop_, std::move(listeners), dispatcher_);
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

  stratovirt::testing::TempDir dir_;
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

}  // namespace
}  // namespace stratovirt::qmp
