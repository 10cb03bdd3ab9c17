// SPDX-License-Identifier: MulanPSL-2.0
// QMP balloon / query-balloon / BALLOON_CHANGED through MachineAdapter over a machine that
// holds a real virtio-balloon device.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "stratovirt/base/event_loop.h"
#include "stratovirt/qmp/fd_registry.h"
#include "stratovirt/qmp/machine_adapter.h"
#include "stratovirt/qmp/qmp_commands.h"
#include "stratovirt/virtio/balloon_device.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

constexpr uint64_t kRam = 8ULL << 20;

class BalloonMachine final : public machine::Machine {
 public:
  explicit BalloonMachine(virtio::BalloonDevice* balloon) : balloon_(balloon) {}
  void set_shutdown_callback(ShutdownCallback) override {}
  Result<void> start(bool) override { return ok(); }
  Result<void> pause() override { return ok(); }
  Result<void> resume() override { return ok(); }
  void request_shutdown(machine::ShutdownReason, std::string) override {}
  machine::MachineState state() const override { return machine::MachineState::kRunning; }
  std::optional<machine::ShutdownEvent> shutdown_event() const override { return {}; }
  std::vector<machine::VcpuStatus> vcpus() const override { return {}; }
  virtio::BalloonControl* balloon() const override { return balloon_; }

 private:
  virtio::BalloonDevice* balloon_;
};

class BalloonQmpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto region = memory::MmapRegion::anonymous(kRam, memory::MmapOptions{});
    ASSERT_TRUE(region);
    ASSERT_TRUE(mem_.add_region(0, kRam, std::make_shared<memory::MmapRegion>(std::move(*region))));
    config::DeviceConfig dev;
    dev.driver = "virtio-balloon-device";
    dev.id = "balloon0";
    dev.spec = config::VirtioBalloonDevice{};
    auto made = virtio::BalloonDevice::create(dev, mem_);
    ASSERT_TRUE(made);
    device_ = std::move(*made);
    auto loop = EventLoop::create("balloon-qmp-test");
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    machine_ = std::make_unique<BalloonMachine>(device_.get());
    adapter_ = std::make_unique<MachineAdapter>(*machine_, config_, false,
                                                std::vector<ChardevInfo>{}, ShutdownListener{});
    adapter_->emit_balloon_events(events_, *loop_);
    register_commands(d_, CommandEnv{*adapter_, events_, fds_, config_, [] { return true; }});
  }
  json run(std::string_view command, json args = json::object()) {
    json request = {{"execute", command}, {"arguments", std::move(args)}};
    return json::parse(d_.handle_message(request.dump(), session_));
  }
  // Runs what was posted to the main loop.
  void drain_loop() {
    EventLoop* l = loop_.get();
    loop_->post([l] { l->stop(); });
    ASSERT_TRUE(loop_->run());
  }
  uint32_t config_word(uint64_t offset) {
    uint32_t v = 0;
    device_->read_config(offset, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), 4));
    return v;
  }
  // What the guest driver does after inflating: config write of `actual` (a vCPU thread).
  void guest_sets_actual(uint32_t pages) {
    device_->write_config(virtio::balloon::kConfigActual,
                          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&pages), 4));
  }

  memory::GuestMemory mem_;
  std::unique_ptr<virtio::BalloonDevice> device_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<BalloonMachine> machine_;
  config::VmConfig config_;
  std::unique_ptr<MachineAdapter> adapter_;
  EventQueue events_{[] { return std::chrono::microseconds(0); }};
  FdRegistry fds_;
  QmpSession session_;
  QmpDispatcher d_;
};

TEST_F(BalloonQmpTest, QueryBalloonReportsGuestMemory) {
  EXPECT_EQ(run("query-balloon")["return"], (json{{"actual", kRam}}));
}

TEST_F(BalloonQmpTest, BalloonSetsTheTargetInPages) {
  EXPECT_EQ(run("balloon", {{"value", kRam / 2}})["return"], json::object());
  EXPECT_EQ(config_word(virtio::balloon::kConfigNumPages), kRam / 2 / 4096);
  EXPECT_EQ(run("balloon", {{"value", kRam}})["return"], json::object());
  EXPECT_EQ(config_word(virtio::balloon::kConfigNumPages), 0U);
  // Nothing changed in the guest yet: query-balloon still reports all of RAM.
  EXPECT_EQ(run("query-balloon")["return"]["actual"], kRam);
}

TEST_F(BalloonQmpTest, BalloonRefusesValuesOutsideRam) {
  for (json value : {json(kRam + 1), json(0), json(-4096)}) {
    json r = run("balloon", {{"value", value}});
    ASSERT_TRUE(r.contains("error")) << r.dump();
    EXPECT_EQ(r["error"]["class"], "GenericError") << value;
  }
  EXPECT_EQ(config_word(virtio::balloon::kConfigNumPages), 0U);
  json r = run("balloon", {{"value", "1G"}});
  EXPECT_EQ(r["error"]["desc"], "Invalid parameter type for 'value', expected: integer");
}

TEST_F(BalloonQmpTest, GuestChangesBecomeBalloonChangedEvents) {
  ASSERT_TRUE(run("balloon", {{"value", kRam - 100 * 4096}}).contains("return"));
  guest_sets_actual(100);
  EXPECT_EQ(events_.size(), 0U);  // posted to the main loop, not emitted on the vCPU thread
  drain_loop();
  auto lines = events_.drain();
  ASSERT_EQ(lines.size(), 1U);
  json event = json::parse(lines[0]);
  EXPECT_EQ(event["event"], "BALLOON_CHANGED");
  EXPECT_EQ(event["data"], (json{{"actual", kRam - 100 * 4096}}));
  EXPECT_EQ(run("query-balloon")["return"]["actual"], kRam - 100 * 4096);

  // The same value again is no change; the driver letting go of everything is one.
  guest_sets_actual(100);
  guest_sets_actual(0);
  drain_loop();
  lines = events_.drain();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(json::parse(lines[0])["data"]["actual"], kRam);

  auto names = run("query-events")["return"];
  EXPECT_NE(std::find(names.begin(), names.end(), json{{"name", "BALLOON_CHANGED"}}), names.end());
}

TEST_F(BalloonQmpTest, AdapterGoneMeansNoMoreEvents) {
  adapter_.reset();
  guest_sets_actual(5);
  drain_loop();
  EXPECT_EQ(events_.size(), 0U);
}

TEST(BalloonQmpNoDeviceTest, WithoutABalloonBothCommandsSayDeviceNotActive) {
  BalloonMachine machine(nullptr);
  config::VmConfig cfg;
  MachineAdapter adapter(machine, cfg, false, {}, {});
  EventQueue events;
  FdRegistry fds;
  QmpDispatcher d;
  QmpSession session;
  register_commands(d, CommandEnv{adapter, events, fds, cfg, [] { return true; }});
  for (const char* req : {R"({"execute":"query-balloon"})",
                          R"({"execute":"balloon","arguments":{"value":1048576}})"}) {
    json r = json::parse(d.handle_message(req, session));
    EXPECT_EQ(r["error"]["class"], "DeviceNotActive") << r.dump();
    EXPECT_EQ(r["error"]["desc"], "No balloon device has been activated");
  }
  EXPECT_FALSE(adapter.balloon_actual());
  EXPECT_FALSE(adapter.set_balloon_target(4096));
}

}  // namespace
}  // namespace stratovirt::qmp
