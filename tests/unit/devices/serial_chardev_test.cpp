// SPDX-License-Identifier: MulanPSL-2.0
// The 16550 wired to a real chardev backend: a "vCPU" thread polls LSR/RBR the way the
// Linux 8250 driver does while a peer types far more than the 16-byte FIFO holds.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "devices/chardev/char_backends.h"
#include "devices/legacy/serial.h"
#include "fakes.h"

namespace stratovirt::devices {
namespace {

using namespace std::chrono_literals;

TEST(SerialWithChardev, BulkInputArrivesInOrderThroughBackPressure) {
  auto loop_r = EventLoop::create("serial-test");
  ASSERT_TRUE(loop_r.has_value());
  auto loop = std::move(*loop_r);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);

  // Created before the loop runs, as the machine does.
  config::ChardevConfig cfg{"serial0", config::SocketBackend{config::FdSocketAddr{sv[0]}, false, false}};
  auto backend_r = open_char_backend(cfg, *loop);
  ASSERT_TRUE(backend_r.has_value()) << backend_r.error().to_string();
  auto backend = std::move(*backend_r);
  testing::FakeIrqLine irq;
  auto serial = std::make_unique<Serial>("serial0", irq, backend.get());
  std::thread loop_thread([&] { (void)loop->run(); });

  auto out = [&](uint64_t reg, uint8_t v) { serial->write(reg, std::span<const uint8_t>(&v, 1)); };
  auto in = [&](uint64_t reg) {
    uint8_t v = 0;
    serial->read(reg, std::span<uint8_t>(&v, 1));
    return v;
  };
  out(3, 0x03);
  out(2, 0xC7);  // FIFO on, clear, trigger 14
  out(1, 0x01);  // RDA interrupt

  std::string typed;
  for (int i = 0; i < 3000; ++i) typed.push_back(static_cast<char>('a' + i % 26));
  std::thread peer([&] {
    size_t off = 0;
    while (off < typed.size()) {
      ssize_t w = ::write(sv[1], typed.data() + off, typed.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
  });

  std::string got;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.size() < typed.size() && std::chrono::steady_clock::now() < deadline) {
    if (in(5) & 0x01) {
      got.push_back(static_cast<char>(in(0)));
    } else {
      std::this_thread::sleep_for(100us);
    }
  }
  peer.join();
  EXPECT_EQ(got.size(), typed.size());
  EXPECT_EQ(got, typed);

  // Guest output reaches the peer.
  for (char c : std::string("login: ")) out(0, static_cast<uint8_t>(c));
  std::string echoed;
  while (echoed.size() < 7) {
    pollfd p{sv[1], POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) break;
    char buf[16];
    ssize_t r = ::read(sv[1], buf, sizeof(buf));
    if (r <= 0) break;
    echoed.append(buf, static_cast<size_t>(r));
  }
  EXPECT_EQ(echoed, "login: ");

  loop->stop();
  loop_thread.join();
  serial.reset();
  backend.reset();
  ::close(sv[1]);
}

}  // namespace
}  // namespace stratovirt::devices
