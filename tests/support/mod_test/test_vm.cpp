// SPDX-License-Identifier: MulanPSL-2.0
// TestVm: launch, connect-back, and the protocol/QMP round trips.
#include "support/mod_test/test_vm.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include <fmt/format.h>

namespace stratovirt::testing {
namespace {

constexpr int kReplyTimeoutMs = 10000;

UniqueFd listen_unix(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  if (::listen(fd.get(), 1) != 0) return {};
  return fd;
}

}  // namespace

TestVm::TestVm(const std::vector<std::string>& args, bool machine_property) {
  std::string test_sock = dir_.file("test.sock");
  std::string qmp_sock = dir_.file("qmp.sock");
  listener_ = listen_unix(test_sock);
  if (!listener_) {
    why_ = "cannot listen on " + test_sock;
    return;
  }
  std::vector<std::string> argv;
  if (machine_property) {
    argv = {"-machine", "microvm,accel=test"};
  } else {
    argv = {"-accel", "test", "-machine", "microvm"};
  }
  for (const std::string& a : {std::string("-qmp"), "unix:" + qmp_sock + ",server,nowait",
                               std::string("-mod-test"), test_sock}) {
    argv.push_back(a);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  process_.emplace(argv, dir_.path());
  // Wait for the connect-back while the VMM is alive.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      conn_ = UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      break;
    }
    if (process_->wait(std::chrono::milliseconds(0))) break;
  }
  if (!conn_) {
    process_->wait(std::chrono::seconds(2));
    why_ = "no connect-back; stderr: " + process_->err();
    return;
  }
  qmp_.emplace(qmp_sock);
  if (!qmp_->connected() || qmp_->line().find("\"QMP\"") == std::string::npos) {
    why_ = "no QMP greeting; stderr: " + process_->err();
    return;
  }
  if (qmp(R"({"execute":"qmp_capabilities"})") != R"({"return":{}})") {
    why_ = "qmp_capabilities failed";
    return;
  }
  ready_ = true;
}

TestVm::~TestVm() {
  close_test_socket();
  if (process_) process_->wait(std::chrono::seconds(5));
}

bool TestVm::send_raw(std::string_view bytes) {
  if (!conn_) return false;
  return ::send(conn_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(bytes.size());
}

std::string TestVm::reply_line() {
  if (!conn_) return "";
  return read_crlf_line(conn_.get(), buf_, kReplyTimeoutMs);
}

std::string TestVm::command(std::string_view cmd) {
  if (!send_raw(cmd)) return "";
  return reply_line();
}

void TestVm::close_test_socket() {
  conn_.reset();
}

void TestVm::expect_ok(std::string_view cmd) {
  std::string r = command(cmd);
  EXPECT_EQ(r, "OK") << cmd;
}

uint64_t TestVm::ok_number(std::string_view cmd, int base) {
  std::string r = command(cmd);
  if (!r.starts_with("OK ")) {
    ADD_FAILURE() << cmd << " -> " << r;
    return 0;
  }
  return std::stoull(r.substr(3), nullptr, base);
}

uint64_t TestVm::read_n(std::string_view cmd, uint64_t addr) {
  return ok_number(fmt::format("{} {:#x}", cmd, addr), 16);
}

void TestVm::write_n(std::string_view cmd, uint64_t addr, uint64_t value) {
  expect_ok(fmt::format("{} {:#x} {:#x}", cmd, addr, value));
}

std::vector<uint8_t> TestVm::read(uint64_t addr, uint64_t size) {
  std::string cmd = fmt::format("read {:#x} {:#x}", addr, size);
  std::string r = command(cmd);
  std::vector<uint8_t> out;
  if (!r.starts_with("OK 0x") || r.size() != 5 + size * 2) {
    ADD_FAILURE() << cmd << " -> " << r.substr(0, 200);
    return out;
  }
  out.resize(size);
  for (uint64_t i = 0; i < size; ++i) {
    out[i] = static_cast<uint8_t>(std::stoul(r.substr(5 + 2 * i, 2), nullptr, 16));
  }
  return out;
}

void TestVm::write(uint64_t addr, std::span<const uint8_t> bytes) {
  std::string cmd = fmt::format("write {:#x} {:#x} 0x", addr, bytes.size());
  for (uint8_t b : bytes) cmd += fmt::format("{:02x}", b);
  expect_ok(cmd);
}

void TestVm::memset(uint64_t addr, uint64_t size, uint8_t pattern) {
  expect_ok(fmt::format("memset {:#x} {:#x} {:#x}", addr, size, pattern));
}

uint64_t TestVm::clock_step(std::optional<uint64_t> ns) {
  return ok_number(ns ? fmt::format("clock_step {}", *ns) : std::string("clock_step"), 10);
}

uint64_t TestVm::clock_set(uint64_t ns) {
  return ok_number(fmt::format("clock_set {}", ns), 10);
}

bool TestVm::query_intx(uint32_t irq) {
  return command(fmt::format("query_intx {}", irq)) == "OK TRUE";
}

bool TestVm::eoi_intx(uint32_t irq) {
  return command(fmt::format("eoi_intx {}", irq)) == "OK TRUE";
}

uint64_t TestVm::in(char width, uint16_t port) {
  return ok_number(fmt::format("in{} {:#x}", width, port), 16);
}

void TestVm::out(char width, uint16_t port, uint64_t value) {
  expect_ok(fmt::format("out{} {:#x} {:#x}", width, port, value));
}

std::string TestVm::qmp(std::string_view json) {
  if (!qmp_ || !qmp_->send(json)) return "";
  for (;;) {
    std::string l = qmp_->line();
    if (l.empty() || l.find("\"event\"") == std::string::npos) return l;
  }
}

}  // namespace stratovirt::testing
