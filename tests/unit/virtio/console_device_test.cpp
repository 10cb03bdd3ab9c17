// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/console_device.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "virtio/mmio_test_driver.h"

namespace stratovirt::virtio {
namespace {

using namespace console;  // NOLINT(google-build-using-namespace)
using testing::FakeRing;
using testing::MmioTestDriver;

// A chardev as FdCharBackend behaves: offers its input, keeps what the frontend refuses
// until input_ready(), after which the test pumps it again (the real one posts that).
class FakeBackend : public CharBackend {
 public:
  void write(std::span<const uint8_t> data) override {
    out.append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  void set_input_handler(InputHandler h) override { handler = std::move(h); }
  void input_ready() override { ++ready_calls; }
  std::string description() const override { return "fake"; }

  void type(const std::string& s) {
    pending += s;
    pump();
  }
  void pump() {
    while (!pending.empty() && handler) {
      size_t n = handler(std::span<const uint8_t>(
          reinterpret_cast<const uint8_t*>(pending.data()), pending.size()));
      if (n == 0) break;
      pending.erase(0, n);
    }
  }

  std::string out;
  std::string pending;
  InputHandler handler;
  int ready_calls = 0;
};

struct Msg {
  uint32_t id;
  uint16_t event;
  uint16_t value;
  std::string extra;
  bool operator==(const Msg&) const = default;
};
void PrintTo(const Msg& m, std::ostream* os) {
  *os << "{id " << m.id << ", event " << m.event << ", value " << m.value << ", '" << m.extra
      << "'}";
}

constexpr uint16_t kRingSize = 16;
constexpr uint64_t kBufBase = 0x100000, kBufEnd = 0x200000;

// A virtio-serial driver as Linux's virtio_console runs it, over MmioTestDriver.
class ConsoleDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serial_.driver = "virtio-serial-device";
    serial_.id = "virtio-serial0";
    serial_.spec = config::VirtioSerialDevice{.max_ports = 2};
  }
  void create(bool named = true) {
    std::vector<ConsolePortConfig> ports(2);
    ports[0].id = "console0";
    ports[0].nr = 0;
    ports[0].console = true;
    ports[0].backend = &be0_;
    ports[1].id = "port1";
    ports[1].nr = 1;
    if (named) ports[1].name = "org.qemu.guest_agent.0";
    ports[1].backend = &be1_;
    auto dev = ConsoleDevice::create(serial_, std::move(ports));
    ASSERT_TRUE(dev) << dev.error().to_string();
    dev_ = dev->get();
    drv_ = std::make_unique<MmioTestDriver>(std::move(*dev), mem_.get());
  }
  // Fresh rings for every queue, then DRIVER_OK.
  bool bring_up(std::optional<uint64_t> features = {}) {
    rings_.clear();
    heads_.clear();
    consumed_.clear();
    EXPECT_TRUE(mem_->fill(0, 0, kBufBase));
    constexpr uint32_t n = 6;  // max_ports 2: two port pairs and the control pair
    for (uint32_t i = 0; i < n; ++i) {
      rings_.push_back(std::make_unique<FakeRing>(*mem_, 0x10000 * (i + 1), kRingSize));
    }
    std::vector<FakeRing*> raw;
    for (auto& r : rings_) raw.push_back(r.get());
    return drv_->bring_up(raw, features);
  }
  uint64_t alloc(uint32_t len) {
    uint64_t a = next_buf_;
    next_buf_ += (len + 63) & ~uint64_t{63};
    EXPECT_LE(next_buf_, kBufEnd);
    return a;
  }
  // Posts `count` device-writable buffers of `len` bytes on `queue` and kicks it.
  void post_rx(uint32_t queue, int count, uint32_t len, bool kick = true) {
    for (int i = 0; i < count; ++i) {
      uint64_t a = alloc(len);
      heads_[queue][rings_[queue]->add_chain({{a, len, true}})] = a;
    }
    if (kick) drv_->kick(queue);
  }
  // Device-readable `data` on `queue`, split into `pieces` descriptors; kicks.
  void send(uint32_t queue, const std::string& data, size_t pieces = 1) {
    std::vector<testing::Desc> chain;
    size_t off = 0;
    for (size_t i = 0; i < pieces; ++i) {
      size_t n = i + 1 == pieces ? data.size() - off : data.size() / pieces;
      uint64_t a = alloc(static_cast<uint32_t>(n + 1));
      testing::put_guest_bytes(*mem_, a, std::string_view(data).substr(off, n));
      chain.push_back({a, static_cast<uint32_t>(n), false});
      off += n;
    }
    rings_[queue]->add_chain(chain);
    drv_->kick(queue);
  }
  void send_control(uint32_t id, uint16_t event, uint16_t value) {
    ControlMessage m{id, event, value};
    send(kControlTxQueue, std::string(reinterpret_cast<const char*>(&m), sizeof(m)));
  }
  // Everything the device completed on receive queue `queue` since the last call.
  std::vector<std::string> take_rx(uint32_t queue) {
    std::vector<std::string> out;
    FakeRing& r = *rings_[queue];
    for (uint16_t& i = consumed_[queue]; i != r.used_idx(); ++i) {
      auto [head, len] = r.used_elem(i);
      out.push_back(testing::guest_bytes(*mem_, heads_[queue].at(static_cast<uint16_t>(head)), len));
    }
    return out;
  }
  std::string take_input(uint32_t queue) {
    std::string s;
    for (auto& chunk : take_rx(queue)) s += chunk;
    return s;
  }
  std::vector<Msg> take_control() {
    std::vector<Msg> out;
    for (auto& raw : take_rx(kControlRxQueue)) {
      EXPECT_GE(raw.size(), sizeof(ControlMessage));
      ControlMessage m{};
      std::memcpy(&m, raw.data(), sizeof(m));
      out.push_back({m.id, m.event, m.value, raw.substr(sizeof(m))});
    }
    return out;
  }
  // Linux's probe: control buffers, DEVICE_READY, then PORT_READY for every port added.
  void handshake() {
    post_rx(kControlRxQueue, 8, 256);
    send_control(0, kDeviceReady, 1);
    auto added = take_control();
    ASSERT_EQ(added, (std::vector<Msg>{{0, kDeviceAdd, 1, ""}, {1, kDeviceAdd, 1, ""}}));
    for (uint32_t nr : {0u, 1u}) {
      post_rx(rx_queue(nr), 4, 64);
      send_control(nr, kPortReady, 1);
    }
  }

  config::DeviceConfig serial_;
  FakeBackend be0_, be1_;
  std::unique_ptr<memory::GuestMemory> mem_ = testing::make_guest_ram(2 << 20);
  std::vector<std::unique_ptr<FakeRing>> rings_;
  std::map<uint32_t, std::map<uint16_t, uint64_t>> heads_;  // queue → head → buffer
  std::map<uint32_t, uint16_t> consumed_;                   // queue → used entries read
  uint64_t next_buf_ = kBufBase;
  ConsoleDevice* dev_ = nullptr;
  std::unique_ptr<MmioTestDriver> drv_;
};

TEST_F(ConsoleDeviceTest, IdentityFeaturesQueuesAndConfig) {
  create();
  EXPECT_EQ(drv_->rd(mmio_reg::kDeviceId), kDeviceIdConsole);
  uint64_t f = drv_->device_features();
  EXPECT_TRUE(f & feature_bit(kFeatureVersion1));
  EXPECT_TRUE(f & feature_bit(kFeatureMultiport));
  EXPECT_TRUE(f & feature_bit(kFeatureEmergWrite));
  EXPECT_FALSE(f & feature_bit(kFeatureSize));
  EXPECT_GT(drv_->queue_num_max(5), 0U);   // port 1 transmitq
  EXPECT_EQ(drv_->queue_num_max(6), 0U);   // max_ports 2 → 6 queues
  EXPECT_EQ(drv_->config<uint16_t>(0), 0);  // cols
  EXPECT_EQ(drv_->config<uint16_t>(2), 0);  // rows
  EXPECT_EQ(drv_->config<uint32_t>(4), 2U);  // max_nr_ports
  EXPECT_EQ(rx_queue(0), 0U);
  EXPECT_EQ(tx_queue(1), 5U);
}

TEST_F(ConsoleDeviceTest, LinuxHandshake) {
  create();
  ASSERT_TRUE(bring_up());
  handshake();
  EXPECT_EQ(take_control(), (std::vector<Msg>{{0, kConsolePort, 1, ""},
                                              {0, kPortOpen, 1, ""},
                                              {1, kPortName, 1, "org.qemu.guest_agent.0"},
                                              {1, kPortOpen, 1, ""}}));
  auto s0 = dev_->port_state(0);
  ASSERT_TRUE(s0);
  EXPECT_TRUE(s0->added && s0->guest_ready);
  EXPECT_FALSE(s0->guest_connected);
  // Linux opens a console port itself (hvc); a serial port when a program opens it.
  send_control(0, kPortOpen, 1);
  EXPECT_TRUE(dev_->port_state(0)->guest_connected);
  EXPECT_FALSE(dev_->port_state(1)->guest_connected);
  send_control(1, kPortOpen, 1);
  EXPECT_TRUE(dev_->port_state(1)->guest_connected);
  send_control(1, kPortOpen, 0);
  EXPECT_FALSE(dev_->port_state(1)->guest_connected);
  EXPECT_FALSE(dev_->port_state(7));
  EXPECT_FALSE(drv_->needs_reset());
  EXPECT_TRUE(drv_->interrupt_status() & kInterruptUsedBuffer);
}

TEST_F(ConsoleDeviceTest, UnnamedPortGetsNoPortName) {
  create(/*named=*/false);
  ASSERT_TRUE(bring_up());
  handshake();
  auto msgs = take_control();
  ASSERT_EQ(msgs.size(), 3U);
  EXPECT_EQ(msgs[2], (Msg{1, kPortOpen, 1, ""}));
}

TEST_F(ConsoleDeviceTest, ControlAnswersWaitForReceiveBuffers) {
  create();
  ASSERT_TRUE(bring_up());
  send_control(0, kDeviceReady, 1);  // before any control receive buffer
  EXPECT_TRUE(take_control().empty());
  post_rx(kControlRxQueue, 1, 256);
  EXPECT_EQ(take_control(), (std::vector<Msg>{{0, kDeviceAdd, 1, ""}}));
  post_rx(kControlRxQueue, 1, 256);
  EXPECT_EQ(take_control(), (std::vector<Msg>{{1, kDeviceAdd, 1, ""}}));
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_F(ConsoleDeviceTest, OutputReachesEachPortsBackend) {
  create();
  ASSERT_TRUE(bring_up());
  handshake();
  send(tx_queue(0), "hello, console\n", 3);
  send(tx_queue(1), "{\"execute\":\"guest-ping\"}");
  EXPECT_EQ(be0_.out, "hello, console\n");
  EXPECT_EQ(be1_.out, "{\"execute\":\"guest-ping\"}");
  FakeRing& tx0 = *rings_[tx_queue(0)];
  ASSERT_EQ(tx0.used_idx(), 1);
  EXPECT_EQ(tx0.used_elem(0).second, 0U);
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_F(ConsoleDeviceTest, InputIntoTheGuestWithBackpressure) {
  create();
  ASSERT_TRUE(bring_up());
  handshake();
  send_control(0, kPortOpen, 1);
  take_input(rx_queue(0));
  // Four 64-byte buffers were posted by handshake(); use them up, then 10 more bytes.
  std::string text(266, '\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  be0_.type(text);
  EXPECT_EQ(take_input(rx_queue(0)), text.substr(0, 256));
  EXPECT_EQ(be0_.pending, text.substr(256));  // refused, kept by the backend
  EXPECT_EQ(be0_.ready_calls, 0);
  post_rx(rx_queue(0), 1, 4);  // the guest posts a small buffer
  EXPECT_EQ(be0_.ready_calls, 1);
  be0_.pump();
  EXPECT_EQ(take_input(rx_queue(0)), text.substr(256, 4));
  post_rx(rx_queue(0), 2, 64);
  EXPECT_EQ(be0_.ready_calls, 2);
  be0_.pump();
  EXPECT_EQ(take_input(rx_queue(0)), text.substr(260));
  EXPECT_TRUE(be0_.pending.empty());
  post_rx(rx_queue(0), 1, 64);
  EXPECT_EQ(be0_.ready_calls, 2);  // nothing was refused since: no wake-up
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_F(ConsoleDeviceTest, InputWaitsUntilTheGuestOpensThePort) {
  create();
  be1_.type("early");  // before the driver exists at all
  EXPECT_EQ(be1_.pending, "early");
  ASSERT_TRUE(bring_up());
  handshake();
  be1_.type(" bird");
  EXPECT_EQ(be1_.pending, "early bird");
  EXPECT_TRUE(take_input(rx_queue(1)).empty());
  send_control(1, kPortOpen, 1);
  EXPECT_EQ(be1_.ready_calls, 1);
  be1_.pump();
  EXPECT_EQ(take_input(rx_queue(1)), "early bird");
  send_control(1, kPortOpen, 0);
  be1_.type("late");
  EXPECT_EQ(be1_.pending, "late");
  EXPECT_TRUE(take_input(rx_queue(1)).empty());
}

TEST_F(ConsoleDeviceTest, WithoutMultiportPortZeroIsOpenAtOnce) {
  create();
  uint64_t f = drv_->device_features() & ~feature_bit(kFeatureMultiport);
  ASSERT_TRUE(bring_up(f));
  post_rx(rx_queue(0), 2, 64);
  be0_.type("root@guest:~# ");
  EXPECT_EQ(take_input(rx_queue(0)), "root@guest:~# ");
  send(tx_queue(0), "ls\n");
  EXPECT_EQ(be0_.out, "ls\n");
  send_control(0, kDeviceReady, 1);  // control queues are not in use: ignored
  post_rx(kControlRxQueue, 1, 256);
  EXPECT_TRUE(take_control().empty());
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_F(ConsoleDeviceTest, EmergencyWriteGoesToPortZero) {
  create();
  drv_->write_config<uint32_t>(8, 'X');
  drv_->write_config<uint32_t>(8, '\n');
  EXPECT_EQ(be0_.out, "X\n");
  EXPECT_TRUE(be1_.out.empty());
}

TEST_F(ConsoleDeviceTest, MalformedControlTrafficNeedsResetThenRecovers) {
  create();
  struct Case {
    const char* name;
    std::function<void()> run;
  };
  const Case cases[] = {
      {"short control message", [this] { send(kControlTxQueue, std::string(4, '\0')); }},
      {"port id beyond max_nr_ports", [this] { send_control(31, kPortReady, 1); }},
      {"tiny control receive buffer",
       [this] {
         post_rx(kControlRxQueue, 1, 4);
         send_control(0, kDeviceReady, 1);
       }},
      {"avail index running ahead",
       [this] {
         rings_[kControlTxQueue]->set_avail_idx(kRingSize + 3);
         drv_->kick(kControlTxQueue);
       }},
      {"read-only receive buffer",
       [this] {
         post_rx(kControlRxQueue, 4, 256);
         send_control(0, kDeviceReady, 1);
         send_control(0, kPortReady, 1);
         send_control(0, kPortOpen, 1);
         rings_[rx_queue(0)]->add_chain({{alloc(16), 16, false}});
         be0_.type("x");
       }},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(bring_up()) << c.name;
    c.run();
    EXPECT_TRUE(drv_->needs_reset()) << c.name;
    EXPECT_TRUE(drv_->interrupt_status() & kInterruptConfigChange) << c.name;
    drv_->ack_interrupts();
  }
  be0_.pending.clear();
  ASSERT_TRUE(bring_up());
  EXPECT_FALSE(drv_->needs_reset());
  handshake();
  EXPECT_EQ(take_control().size(), 4U);
}

TEST_F(ConsoleDeviceTest, UnexpectedControlEventsAreIgnored) {
  create();
  ASSERT_TRUE(bring_up());
  post_rx(kControlRxQueue, 4, 256);
  send_control(0, kResize, 0);       // device → driver only
  send_control(1, kPortOpen, 1);     // port not added yet
  send_control(0, kDeviceReady, 0);  // driver failed: nothing announced
  EXPECT_TRUE(take_control().empty());
  EXPECT_FALSE(dev_->port_state(1)->guest_connected);
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_F(ConsoleDeviceTest, RepeatedDeviceReadyWithoutBuffersStaysBounded) {
  create();
  ASSERT_TRUE(bring_up());
  for (int i = 0; i < 200; ++i) send_control(0, kDeviceReady, 1);
  EXPECT_FALSE(drv_->needs_reset());
  post_rx(kControlRxQueue, kRingSize, 64);  // the ring holds at most 16 answers at once
  EXPECT_EQ(take_control().size(), kRingSize);
}

TEST_F(ConsoleDeviceTest, ResetForgetsPortsAndRefusesInput) {
  create();
  ASSERT_TRUE(bring_up());
  handshake();
  send_control(0, kPortOpen, 1);
  drv_->reset();
  auto s = dev_->port_state(0);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->added || s->guest_ready || s->guest_connected);
  be0_.type("lost?");
  EXPECT_EQ(be0_.pending, "lost?");  // kept, not lost
  ASSERT_TRUE(bring_up());
  handshake();
  take_control();
  int before = be0_.ready_calls;
  send_control(0, kPortOpen, 1);
  EXPECT_EQ(be0_.ready_calls, before + 1);
  be0_.pump();
  EXPECT_EQ(take_input(rx_queue(0)), "lost?");
}

TEST_F(ConsoleDeviceTest, DestructionDetachesFromTheBackends) {
  create();
  EXPECT_TRUE(be0_.handler);
  drv_.reset();
  EXPECT_FALSE(be0_.handler);
  EXPECT_FALSE(be1_.handler);
}

TEST_F(ConsoleDeviceTest, CreateRefusesBadPortSets) {
  auto make = [&](std::vector<std::pair<uint32_t, CharBackend*>> spec) {
    std::vector<ConsolePortConfig> ports;
    for (auto [nr, be] : spec) {
      ConsolePortConfig p;
      p.id = "p" + std::to_string(nr);
      p.nr = nr;
      p.backend = be;
      ports.push_back(std::move(p));
    }
    return ConsoleDevice::create(serial_, std::move(ports));
  };
  EXPECT_TRUE(make({{0, &be0_}, {1, &be1_}}));
  EXPECT_FALSE(make({{0, &be0_}, {0, &be1_}}));  // nr taken
  EXPECT_FALSE(make({{2, &be0_}}));              // nr ≥ max-ports
  EXPECT_FALSE(make({{0, nullptr}}));            // no chardev
  serial_.spec = config::VirtioSerialDevice{.max_ports = 0};
  EXPECT_FALSE(make({}));
  config::DeviceConfig rng;
  rng.spec = config::VirtioRngDevice{};
  EXPECT_FALSE(ConsoleDevice::create(rng, {}));

  // An owned backend is used and destroyed with the device.
  serial_.spec = config::VirtioSerialDevice{.max_ports = 1};
  std::vector<ConsolePortConfig> ports(1);
  auto owned = std::make_unique<FakeBackend>();
  FakeBackend* raw = owned.get();
  ports[0].owned_backend = std::move(owned);
  auto dev = ConsoleDevice::create(serial_, std::move(ports));
  ASSERT_TRUE(dev);
  EXPECT_TRUE(raw->handler);
}

}  // namespace
}  // namespace stratovirt::virtio
