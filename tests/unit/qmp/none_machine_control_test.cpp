// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/none_machine_control.h"

#include <gtest/gtest.h>

namespace stratovirt::qmp {
namespace {

TEST(NoneMachineControlTest, PrelaunchWithDashSThenRunning) {
  NoneMachineControl m(true, {}, {});
  EXPECT_EQ(m.run_state(), RunState::kPrelaunch);
  ASSERT_TRUE(m.pause());  // stop before the first cont changes nothing (QEMU)
  EXPECT_EQ(m.run_state(), RunState::kPrelaunch);
  ASSERT_TRUE(m.resume());
  EXPECT_EQ(m.run_state(), RunState::kRunning);
  ASSERT_TRUE(m.pause());
  EXPECT_EQ(m.run_state(), RunState::kPaused);
  auto reset = m.request_reset();
  ASSERT_TRUE(reset);
  EXPECT_EQ(*reset, ResetOutcome::kReset);
  EXPECT_EQ(m.run_state(), RunState::kPrelaunch);  // a reset stopped machine is prelaunch
}

TEST(NoneMachineControlTest, ShutdownTellsTheListenerOnceAndNeedsAReset) {
  std::vector<ShutdownCause> seen;
  NoneMachineControl m(false, {}, [&](ShutdownCause c) { seen.push_back(c); });
  EXPECT_EQ(m.run_state(), RunState::kRunning);
  m.request_shutdown(ShutdownCause::kHostQmpQuit);
  m.request_shutdown(ShutdownCause::kHostSignal);
  EXPECT_EQ(seen, std::vector<ShutdownCause>{ShutdownCause::kHostQmpQuit});
  EXPECT_EQ(m.run_state(), RunState::kShutdown);
  auto r = m.resume();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "Resetting the Virtual Machine is required");
}

TEST(NoneMachineControlTest, NothingToReportButChardevs) {
  NoneMachineControl m(false, {ChardevInfo{"mon", "unix:/x,server=on", true}}, {});
  EXPECT_TRUE(m.vcpus().empty());
  EXPECT_FALSE(m.hotpluggable_cpus());
  EXPECT_TRUE(m.iothreads().empty());
  ASSERT_EQ(m.chardevs().size(), 1u);
  EXPECT_EQ(m.chardevs()[0].filename, "unix:/x,server=on");
  EXPECT_FALSE(m.balloon_actual());
  EXPECT_FALSE(m.set_balloon_target(1 << 20));
}

TEST(TopologyTest, CpuPropsFollowX86Order) {
  config::SmpConfig smp;
  smp.cpus = 8;
  smp.maxcpus = 8;
  smp.sockets = 2;
  smp.cores = 2;
  smp.threads = 2;
  auto p5 = cpu_props(smp, 5);  // socket 1, core 0, thread 1
  EXPECT_EQ(p5.socket_id, 1u);
  EXPECT_EQ(p5.core_id, 0u);
  EXPECT_EQ(p5.thread_id, 1u);
  EXPECT_FALSE(p5.die_id);
  smp.sockets = 1;
  smp.dies = 2;
  auto p6 = cpu_props(smp, 6);  // die 1, core 1, thread 0
  ASSERT_TRUE(p6.die_id);
  EXPECT_EQ(*p6.die_id, 1u);
  EXPECT_EQ(p6.core_id, 1u);
  EXPECT_EQ(p6.socket_id, 0u);
}

TEST(TopologyTest, SlotsUpToMaxcpusOnlineOnesHaveAPath) {
  config::SmpConfig smp;
  smp.cpus = 2;
  smp.maxcpus = 4;
  smp.cores = 4;
  std::vector<VcpuInfo> online{{0, 100, false, {}}, {1, 101, false, {}}};
  auto slots = topology_cpus(smp, online);
  ASSERT_EQ(slots.size(), 4u);
  EXPECT_EQ(slots[1].qom_path, "/machine/unattached/device[1]");
  EXPECT_FALSE(slots[2].qom_path);
  EXPECT_EQ(slots[3].props.core_id, 3u);
  EXPECT_EQ(slots[0].type, "host-x86_64-cpu");
}

}  // namespace
}  // namespace stratovirt::qmp
