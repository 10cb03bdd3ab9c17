// SPDX-License-Identifier: MulanPSL-2.0
// The real binary with `-machine none`, driven as libvirt, govmm and ncat users drive it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/unix_connect.h"
#include "support/crlf_line.h"
#include "support/temp_dir.h"
#include "unit/app/process_util.h"

namespace stratovirt::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A QMP client on a raw unix socket: also sends fds with SCM_RIGHTS.
class Monitor {
 public:
  explicit Monitor(const std::string& path)
      : fd_(connect_unix_stream(path)) {}
  bool connected() const { return fd_.valid(); }
  bool send(std::string_view text, int pass_fd = -1) {
    iovec iov{const_cast<char*>(text.data()), text.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (pass_fd >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    size_t sent = 0;
    while (sent < text.size()) {
      iov.iov_base = const_cast<char*>(text.data() + sent);
      iov.iov_len = text.size() - sent;
      ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
      msg.msg_control = nullptr;
      msg.msg_controllen = 0;
    }
    return true;
  }
  // One line without "\r\n"; "" on timeout or EOF.
  std::string line() { return read_crlf_line(fd_.get(), buf_, 10000); }
  json next() {
    std::string l = line();
    json j = json::parse(l, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: '" << l << "'";
    return j;
  }
  // Sends one command and returns its reply, skipping events.
  json execute(const std::string& command, const json& args = nullptr, int pass_fd = -1) {
    json req = {{"execute", command}};
    if (!args.is_null()) req["arguments"] = args;
    EXPECT_TRUE(send(req.dump() + "\n", pass_fd));
    for (;;) {
      json r = next();
      if (r.is_discarded() || !r.contains("event")) return r;
      events.push_back(r);
    }
  }
  std::vector<json> events;

 private:
  UniqueFd fd_;
  std::string buf_;
};

class QmpProtocolTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}) {
    sock_ = dir_.file("q.sock");
    std::vector<std::string> args{"-machine", "none", "-qmp", "unix:" + sock_ + ",server,nowait"};
    args.insert(args.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<Process>(args, dir_.path());
    ASSERT_TRUE(eventually([&] { return fs::exists(sock_); })) << proc_->err();
  }
  std::unique_ptr<Monitor> connect() {
    auto m = std::make_unique<Monitor>(sock_);
    EXPECT_TRUE(m->connected());
    json greeting = m->next();
    EXPECT_TRUE(greeting.contains("QMP")) << greeting.dump();
    return m;
  }

  TempDir dir_;
  std::string sock_;
  std::unique_ptr<Process> proc_;
};

TEST_F(QmpProtocolTest, LibvirtProbeSequence) {
  start({"-S", "-no-user-config", "-nodefaults", "-nographic"});
  auto m = connect();
  EXPECT_EQ(m->execute("qmp_capabilities"), json::parse(R"({"return":{}})"));
  json v = m->execute("query-version")["return"];
  ASSERT_TRUE(v["qemu"]["major"].is_number_integer());
  int version = v["qemu"]["major"].get<int>() * 10000 + v["qemu"]["minor"].get<int>() * 100 +
                v["qemu"]["micro"].get<int>();
  EXPECT_GE(version, 60200);  // libvirt ≥ 11.2 needs 6.2; Debian 12's 9.0 needs 4.2
  EXPECT_TRUE(v["package"].is_string());
  EXPECT_EQ(m->execute("query-target")["return"]["arch"], "x86_64");
  json schema = m->execute("query-qmp-schema")["return"];
  ASSERT_TRUE(schema.is_array());
  EXPECT_GT(schema.size(), 20u);
  json kvm = m->execute("query-kvm")["return"];
  EXPECT_TRUE(kvm["enabled"].is_boolean());
  EXPECT_TRUE(kvm["present"].is_boolean());
  // Truthful: present exactly when /dev/kvm opens for us.
  bool can_open = ::access("/dev/kvm", R_OK | W_OK) == 0;
  if (!can_open) {
    EXPECT_FALSE(kvm["present"].get<bool>());
  }
  json types = m->execute("qom-list-types")["return"];
  ASSERT_TRUE(types.is_array());
  std::set<std::string> names;
  for (const auto& t : types) names.insert(t["name"]);
  EXPECT_EQ(names.count("virtio-blk-pci"), 1u);
  json props = m->execute("device-list-properties", {{"typename", "virtio-blk-pci"}});
  ASSERT_TRUE(props["return"].is_array()) << props.dump();
  for (const auto& p : props["return"]) {
    EXPECT_TRUE(p["name"].is_string());
    EXPECT_TRUE(p["type"].is_string());
  }
  json unknown = m->execute("device-list-properties", {{"typename", "virtio-gpu-ccw"}});
  EXPECT_EQ(unknown["error"]["class"], "DeviceNotFound");
  json qom = m->execute("qom-list-properties", {{"typename", "microvm-machine"}});
  EXPECT_TRUE(qom.contains("return") || qom["error"]["class"] == "DeviceNotFound");
  json machines = m->execute("query-machines")["return"];
  ASSERT_TRUE(machines.is_array());
  bool has_default = false;
  for (const auto& mi : machines) {
    EXPECT_TRUE(mi["name"].is_string());
    has_default = has_default || mi.value("is-default", false);
  }
  EXPECT_TRUE(has_default);
  json cpu_defs = m->execute("query-cpu-definitions")["return"];
  EXPECT_TRUE(cpu_defs.is_array());
  EXPECT_EQ(m->execute("query-tpm-models")["return"], json::array());
  EXPECT_EQ(m->execute("query-tpm-types")["return"], json::array());
  json opts = m->execute("query-command-line-options")["return"];
  ASSERT_TRUE(opts.is_array());
  for (const auto& o : opts) EXPECT_TRUE(o["parameters"].is_array());
  EXPECT_TRUE(m->execute("query-migrate-capabilities")["return"].is_array());
  EXPECT_EQ(m->execute("query-status")["return"]["status"], "prelaunch");  // -S
  EXPECT_EQ(m->execute("quit"), json::parse(R"({"return":{}})"));
  EXPECT_EQ(proc_->wait(), 0) << proc_->err();
}

TEST_F(QmpProtocolTest, GovmmConnectAndQueryCpus) {
  start();
  Monitor m(sock_);
  ASSERT_TRUE(m.connected());
  json greeting = m.next();
  EXPECT_GE(greeting["QMP"]["version"]["qemu"]["major"].get<int>(), 5);  // govmm's floor
  EXPECT_TRUE(greeting["QMP"]["capabilities"].is_array());
  EXPECT_EQ(greeting["QMP"]["version"], m.execute("query-version")["return"]);
  EXPECT_EQ(m.execute("qmp_capabilities")["return"], json::object());
  EXPECT_EQ(m.execute("query-cpus")["return"], json::array());  // -machine none: no vCPUs
  EXPECT_EQ(m.execute("query-cpus-fast")["return"], json::array());
  EXPECT_EQ(m.execute("query-status")["return"]["status"], "running");
  json chardevs = m.execute("query-chardev")["return"];
  ASSERT_EQ(chardevs.size(), 1u);
  EXPECT_EQ(chardevs[0]["filename"], "unix:" + sock_ + ",server=on");
}

TEST_F(QmpProtocolTest, StopContWithEventsAndStatus) {
  start();
  auto m = connect();
  EXPECT_EQ(m->execute("stop", nullptr)["return"], json::object());
  json stop = m->next();
  EXPECT_EQ(stop["event"], "STOP");
  EXPECT_TRUE(stop["timestamp"]["seconds"].is_number_integer());
  EXPECT_TRUE(stop["timestamp"]["microseconds"].is_number_integer());
  EXPECT_EQ(m->execute("query-status")["return"],
            json::parse(R"({"running":false,"singlestep":false,"status":"paused"})"));
  EXPECT_EQ(m->execute("cont")["return"], json::object());
  EXPECT_EQ(m->next()["event"], "RESUME");
  EXPECT_EQ(m->execute("query-status")["return"]["running"], true);
  EXPECT_EQ(m->execute("human-monitor-command", {{"command-line", "info status"}})["return"],
            "VM status: running\r\n");
}

TEST_F(QmpProtocolTest, QuitRepliesThenShutdownEventThenExitsZero) {
  start();
  auto m = connect();
  ASSERT_TRUE(m->send(R"({"execute":"quit","id":"bye"})"));
  EXPECT_EQ(m->line(), R"({"return":{},"id":"bye"})");
  json ev = m->next();
  EXPECT_EQ(ev["event"], "SHUTDOWN");
  EXPECT_EQ(ev["data"], json::parse(R"({"guest":false,"reason":"host-qmp-quit"})"));
  EXPECT_EQ(proc_->wait(), 0) << proc_->err();
  EXPECT_FALSE(fs::exists(sock_));
}

TEST_F(QmpProtocolTest, SigtermSendsShutdownHostSignal) {
  start();
  auto m = connect();
  EXPECT_EQ(m->execute("qmp_capabilities")["return"], json::object());
  proc_->signal(SIGTERM);
  json ev = m->next();
  EXPECT_EQ(ev["event"], "SHUTDOWN");
  EXPECT_EQ(ev["data"]["reason"], "host-signal");
  EXPECT_EQ(proc_->wait(), 0) << proc_->err();
}

TEST_F(QmpProtocolTest, GetfdOverTheRealSocket) {
  start();
  auto m = connect();
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  EXPECT_EQ(m->execute("getfd", {{"fdname", "fd0"}})["error"]["desc"],
            "No file descriptor supplied via SCM_RIGHTS");
  EXPECT_EQ(m->execute("getfd", {{"fdname", "fd0"}}, w.get())["return"], json::object());
  w.reset();  // the VMM holds the only write end now
  pollfd pr{r.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&pr, 1, 100), 0);  // no EOF yet: the fd is alive in the VMM
  EXPECT_EQ(m->execute("closefd", {{"fdname", "fd0"}})["return"], json::object());
  char ch = 0;
  EXPECT_EQ(::read(r.get(), &ch, 1), 0);  // closed by closefd: EOF
  EXPECT_EQ(m->execute("closefd", {{"fdname", "fd0"}})["error"]["class"], "GenericError");
}

TEST_F(QmpProtocolTest, BurstIsThrottledAndTheConnectionSurvives) {
  start();
  auto m = connect();
  std::string burst;
  for (int i = 0; i < 150; ++i) {
    burst += R"({"execute":"query-status","id":)" + std::to_string(i) + "}\r\n";
  }
  ASSERT_TRUE(m->send(burst));
  int ok = 0, throttled = 0;
  for (int i = 0; i < 150; ++i) {
    json r = m->next();
    ASSERT_EQ(r["id"], i);
    if (r.contains("return")) ++ok;
    if (r.contains("error")) {
      EXPECT_EQ(r["error"], json::parse(R"({"class":"OperationThrottled","desc":"More than 100 )"
                                        R"(requests received during 1 second"})"));
      ++throttled;
    }
  }
  EXPECT_GE(ok, 100);
  EXPECT_GT(throttled, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(m->execute("query-status")["return"]["status"], "running");
}

TEST_F(QmpProtocolTest, OversizedInputErrorsClosesAndTheNextClientIsServed) {
  start();
  auto m = connect();
  std::string huge = R"({"execute":"qmp_capabilities","arguments":{"x":")" +
                     std::string(200 * 1024, 'a') + "\"}}";
  m->send(huge);
  json r = m->next();
  EXPECT_EQ(r["error"]["class"], "GenericError");
  EXPECT_EQ(m->line(), "");  // closed
  auto next = connect();
  EXPECT_EQ(next->execute("query-status")["return"]["status"], "running");
}

TEST_F(QmpProtocolTest, NcatStyleSplitAndCombinedInput) {
  start();
  auto m = connect();
  ASSERT_TRUE(m->send("{\"execute\":\"qmp_capa"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(m->send("bilities\"}\n{\"execute\":\"query-target\"}{\"execute\":\"nope\"}\n"));
  EXPECT_EQ(m->line(), R"({"return":{}})");
  EXPECT_EQ(m->line(), R"({"return":{"arch":"x86_64"}})");
  EXPECT_EQ(m->next()["error"]["class"], "CommandNotFound");
}

}  // namespace
}  // namespace stratovirt::testing
