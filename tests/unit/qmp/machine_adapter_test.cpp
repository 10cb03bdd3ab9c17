// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/machine_adapter.h"

#include <gtest/gtest.h>

namespace stratovirt::qmp {
namespace {

using machine::MachineState;
using machine::ShutdownReason;

// machine::Machine's contract in miniature: one shutdown callback, called once.
class FakeMachine final : public machine::Machine {
 public:
  void set_shutdown_callback(ShutdownCallback cb) override { cb_ = std::move(cb); }
  Result<void> start(bool paused) override {
    state_ = paused ? MachineState::kPaused : MachineState::kRunning;
    return ok();
  }
  Result<void> pause() override {
    if (state_ != MachineState::kRunning) return make_error(ErrorCode::kInvalidArgument, "not running");
    state_ = MachineState::kPaused;
    return ok();
  }
  Result<void> resume() override {
    if (state_ != MachineState::kPaused) return make_error(ErrorCode::kInvalidArgument, "not paused");
    state_ = MachineState::kRunning;
    return ok();
  }
  void request_shutdown(ShutdownReason reason, std::string detail) override {
    if (event_) return;
    state_ = MachineState::kShutdown;
    event_ = machine::ShutdownEvent{reason, reason == ShutdownReason::kFatalError ? 2 : 0, detail};
    if (cb_) cb_(*event_);
  }
  MachineState state() const override { return state_; }
  std::optional<machine::ShutdownEvent> shutdown_event() const override { return event_; }
  std::vector<machine::VcpuStatus> vcpus() const override { return vcpus_; }

  std::vector<machine::VcpuStatus> vcpus_;

 private:
  ShutdownCallback cb_;
  MachineState state_ = MachineState::kCreated;
  std::optional<machine::ShutdownEvent> event_;
};

TEST(MachineAdapterTest, DashSIsPrelaunchUntilCont) {
  FakeMachine m;
  config::VmConfig cfg;
  MachineAdapter a(m, cfg, true, {}, {});
  EXPECT_EQ(a.run_state(), RunState::kPrelaunch);
  ASSERT_TRUE(m.start(true));
  EXPECT_EQ(a.run_state(), RunState::kPrelaunch);
  ASSERT_TRUE(a.pause());  // nothing running: no error, no change
  ASSERT_TRUE(a.resume());
  EXPECT_EQ(a.run_state(), RunState::kRunning);
  ASSERT_TRUE(a.resume());  // already running
  ASSERT_TRUE(a.pause());
  EXPECT_EQ(a.run_state(), RunState::kPaused);
}

TEST(MachineAdapterTest, ShutdownCausesReachTheListenerOnce) {
  FakeMachine m;
  config::VmConfig cfg;
  std::vector<ShutdownCause> seen;
  MachineAdapter a(m, cfg, false, {}, [&](ShutdownCause c) { seen.push_back(c); });
  ASSERT_TRUE(m.start(false));
  a.request_shutdown(ShutdownCause::kHostSignal);
  a.request_shutdown(ShutdownCause::kHostQmpQuit);
  EXPECT_EQ(seen, std::vector<ShutdownCause>{ShutdownCause::kHostSignal});
  EXPECT_EQ(m.shutdown_event()->detail, "host-signal");
  EXPECT_EQ(a.run_state(), RunState::kShutdown);
  EXPECT_EQ(a.resume().error().message(), "Resetting the Virtual Machine is required");
}

TEST(MachineAdapterTest, GuestAndFatalShutdowns) {
  for (auto [reason, cause, state] :
       {std::tuple{ShutdownReason::kGuestPoweroff, ShutdownCause::kGuestShutdown, RunState::kShutdown},
        std::tuple{ShutdownReason::kGuestReset, ShutdownCause::kGuestReset, RunState::kShutdown},
        std::tuple{ShutdownReason::kGuestPanic, ShutdownCause::kGuestPanic, RunState::kGuestPanicked},
        std::tuple{ShutdownReason::kFatalError, ShutdownCause::kHostError, RunState::kInternalError}}) {
    FakeMachine m;
    config::VmConfig cfg;
    std::optional<ShutdownCause> seen;
    MachineAdapter a(m, cfg, false, {}, [&](ShutdownCause c) { seen = c; });
    ASSERT_TRUE(m.start(false));
    m.request_shutdown(reason, "");
    EXPECT_EQ(seen, cause);
    EXPECT_EQ(a.run_state(), state);
  }
}

TEST(MachineAdapterTest, MicrovmPowerdownAndResetShutDown) {
  FakeMachine m;
  config::VmConfig cfg;
  std::optional<ShutdownCause> seen;
  MachineAdapter a(m, cfg, false, {}, [&](ShutdownCause c) { seen = c; });
  ASSERT_TRUE(m.start(false));
  auto r = a.request_reset();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, ResetOutcome::kShutdown);
  EXPECT_EQ(seen, ShutdownCause::kHostQmpSystemReset);
}

TEST(MachineAdapterTest, TopologyFromTheConfig) {
  FakeMachine m;
  config::VmConfig cfg;
  cfg.smp.cpus = 2;
  cfg.smp.maxcpus = 2;
  cfg.smp.cores = 2;
  MachineAdapter a(m, cfg, false, {}, {});
  auto slots = a.hotpluggable_cpus();
  ASSERT_TRUE(slots);
  EXPECT_EQ(slots->size(), 2u);
  EXPECT_FALSE(a.balloon_actual());
}

TEST(MachineAdapterTest, VcpusCarryThreadIdsAndTopology) {
  FakeMachine m;
  m.vcpus_ = {{0, 4242}, {1, 4243}};
  config::VmConfig cfg;
  cfg.smp.cpus = 2;
  cfg.smp.maxcpus = 2;
  cfg.smp.cores = 2;
  MachineAdapter a(m, cfg, false, {}, {});
  auto v = a.vcpus();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].index, 1u);
  EXPECT_EQ(v[1].thread_id, 4243);
  EXPECT_EQ(v[1].props.core_id, 1u);  // 1 socket x 2 cores
  EXPECT_EQ(v[1].props.socket_id, 0u);
  EXPECT_FALSE(v[0].halted);
}

}  // namespace
}  // namespace stratovirt::qmp
