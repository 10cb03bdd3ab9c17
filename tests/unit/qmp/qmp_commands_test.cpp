// SPDX-License-Identifier: MulanPSL-2.0
// Every command of the table against a fake machine: arguments, results, errors, events.
#include "stratovirt/qmp/qmp_commands.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "stratovirt/qmp/qmp_version.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

class FakeMachine final : public MachineControl {
 public:
  RunState run_state() const override { return state; }
  Result<void> pause() override {
    if (fail_pause) return make_error(ErrorCode::kInternal, "vcpu 0 did not stop");
    if (state == RunState::kRunning) state = RunState::kPaused;
    return ok();
  }
  Result<void> resume() override {
    if (needs_reset(state)) {
      return make_error(ErrorCode::kInvalidArgument, "Resetting the Virtual Machine is required");
    }
    state = RunState::kRunning;
    return ok();
  }
  void request_shutdown(ShutdownCause cause) override {
    state = RunState::kShutdown;
    shutdowns.push_back(cause);
  }
  Result<void> request_powerdown() override {
    ++powerdowns;
    return ok();
  }
  Result<ResetOutcome> request_reset() override { return reset_outcome; }
  std::vector<VcpuInfo> vcpus() const override { return cpus; }
  std::optional<std::vector<HotpluggableCpu>> hotpluggable_cpus() const override {
    if (!smp) return std::nullopt;
    return topology_cpus(*smp, cpus);
  }
  std::vector<IothreadInfo> iothreads() const override { return threads; }
  std::vector<ChardevInfo> chardevs() const override { return chars; }
  std::optional<uint64_t> balloon_actual() const override { return balloon; }
  Result<void> set_balloon_target(uint64_t bytes) override {
    balloon = bytes;
    return ok();
  }

  RunState state = RunState::kRunning;
  bool fail_pause = false;
  std::vector<ShutdownCause> shutdowns;
  int powerdowns = 0;
  ResetOutcome reset_outcome = ResetOutcome::kReset;
  std::vector<VcpuInfo> cpus;
  std::optional<config::SmpConfig> smp;
  std::vector<IothreadInfo> threads;
  std::vector<ChardevInfo> chars;
  std::optional<uint64_t> balloon;
};

class QmpCommandsTest : public ::testing::Test {
 protected:
  QmpCommandsTest() {
    register_commands(d_, CommandEnv{machine_, events_, fds_, config_, [this] { return kvm_; }});
  }

  json run(std::string_view command, json args = json::object()) {
    json request = {{"execute", command}, {"arguments", std::move(args)}};
    return json::parse(d_.handle_message(request.dump(), session_));
  }
  json ret(std::string_view command, json args = json::object()) {
    json r = run(command, std::move(args));
    EXPECT_TRUE(r.contains("return")) << command << ": " << r.dump();
    return r["return"];
  }
  json err(std::string_view command, json args = json::object()) {
    json r = run(command, std::move(args));
    EXPECT_TRUE(r.contains("error")) << command << ": " << r.dump();
    return r["error"];
  }
  std::vector<std::string> event_names() {
    std::vector<std::string> names;
    for (const auto& line : events_.drain()) names.push_back(json::parse(line)["event"]);
    return names;
  }

  FakeMachine machine_;
  EventQueue events_{[] { return std::chrono::microseconds(0); }};
  FdRegistry fds_;
  config::VmConfig config_;
  bool kvm_ = true;
  QmpSession session_;
  QmpDispatcher d_;
};

TEST_F(QmpCommandsTest, CapabilitiesNegotiation) {
  EXPECT_EQ(ret("qmp_capabilities"), json::object());
  EXPECT_EQ(ret("qmp_capabilities", {{"enable", json::array()}}), json::object());
  EXPECT_EQ(err("qmp_capabilities", {{"enable", json::array({"oob"})}})["desc"],
            "Capability 'oob' not available");
  EXPECT_EQ(err("qmp_capabilities", {{"enable", "oob"}})["desc"],
            "Invalid parameter type for 'enable', expected: array");
  EXPECT_EQ(err("qmp_capabilities", {{"x", 1}})["desc"], "Parameter 'x' is unexpected");
}

TEST_F(QmpCommandsTest, StopContEmitEventsOnlyOnChange) {
  EXPECT_EQ(ret("stop"), json::object());
  EXPECT_EQ(ret("query-status"),
            json::parse(R"({"running":false,"singlestep":false,"status":"paused"})"));
  EXPECT_EQ(ret("stop"), json::object());  // already paused: no second STOP
  EXPECT_EQ(ret("cont"), json::object());
  EXPECT_EQ(ret("cont"), json::object());  // already running: no second RESUME
  EXPECT_EQ(event_names(), (std::vector<std::string>{"STOP", "RESUME"}));
  EXPECT_EQ(ret("query-status")["status"], "running");
  EXPECT_EQ(err("stop", {{"now", true}})["desc"], "Parameter 'now' is unexpected");
}

TEST_F(QmpCommandsTest, PrelaunchContResumes) {
  machine_.state = RunState::kPrelaunch;
  EXPECT_EQ(ret("query-status"),
            json::parse(R"({"running":false,"singlestep":false,"status":"prelaunch"})"));
  ret("stop");
  EXPECT_TRUE(event_names().empty());
  ret("cont");
  EXPECT_EQ(event_names(), std::vector<std::string>{"RESUME"});
}

TEST_F(QmpCommandsTest, MachineErrorsBecomeGenericErrors) {
  machine_.fail_pause = true;
  EXPECT_EQ(err("stop"), json::parse(R"({"class":"GenericError","desc":"vcpu 0 did not stop"})"));
  machine_.state = RunState::kShutdown;
  EXPECT_EQ(err("cont")["desc"], "Resetting the Virtual Machine is required");
  EXPECT_TRUE(event_names().empty());
}

TEST_F(QmpCommandsTest, QuitAsksTheMachineToShutDown) {
  EXPECT_EQ(ret("quit"), json::object());
  EXPECT_EQ(machine_.shutdowns, std::vector<ShutdownCause>{ShutdownCause::kHostQmpQuit});
}

TEST_F(QmpCommandsTest, PowerdownAndReset) {
  ret("system_powerdown");
  EXPECT_EQ(machine_.powerdowns, 1);
  ret("system_reset");
  auto lines = events_.drain();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[0])["event"], "POWERDOWN");
  EXPECT_EQ(json::parse(lines[1])["event"], "RESET");
  EXPECT_EQ(json::parse(lines[1])["data"],
            json::parse(R"({"guest":false,"reason":"host-qmp-system-reset"})"));
  machine_.reset_outcome = ResetOutcome::kShutdown;  // microvm: the listener reports it
  ret("system_reset");
  EXPECT_TRUE(event_names().empty());
}

TEST_F(QmpCommandsTest, VersionMatchesTheGreetingAndSatisfiesClients) {
  json v = ret("query-version");
  EXPECT_EQ(v, json(version_json()));
  EXPECT_GE(v["qemu"]["major"].get<int>(), 6);  // govmm: ≥ 5; libvirt ≥ 11.2: ≥ 6.2
  EXPECT_EQ(v["package"], std::string("StratoVirt-cpp ") + SV_VERSION);
}

TEST_F(QmpCommandsTest, QueryCommandsListsTheTable) {
  json list = ret("query-commands");
  std::set<std::string> names;
  for (const auto& c : list) names.insert(c["name"]);
  for (const char* n : {"qmp_capabilities", "quit", "stop", "cont", "query-status", "getfd",
                        "closefd", "query-qmp-schema", "query-cpus", "human-monitor-command"}) {
    EXPECT_EQ(names.count(n), 1u) << n;
  }
  EXPECT_EQ(names.count("device_add"), 0u);  // comes with virtio
  EXPECT_EQ(names.size(), d_.commands().size());
  EXPECT_EQ(err("device_add", {{"driver", "virtio-blk-pci"}})["class"], "CommandNotFound");
}

TEST_F(QmpCommandsTest, TargetEventsMigrateTpm) {
  EXPECT_EQ(ret("query-target"), json::parse(R"({"arch":"x86_64"})"));
  json events = ret("query-events");
  ASSERT_TRUE(events.is_array());
  EXPECT_NE(std::find(events.begin(), events.end(), json{{"name", "SHUTDOWN"}}), events.end());
  EXPECT_EQ(ret("query-migrate-capabilities"),
            json::parse(R"([{"capability":"events","state":false}])"));
  EXPECT_EQ(ret("query-tpm-models"), json::array());
  EXPECT_EQ(ret("query-tpm-types"), json::array());
}

TEST_F(QmpCommandsTest, KvmIsReportedTruthfully) {
  EXPECT_EQ(ret("query-kvm"), json::parse(R"({"enabled":true,"present":true})"));
  kvm_ = false;
  EXPECT_EQ(ret("query-kvm"), json::parse(R"({"enabled":false,"present":false})"));
}

TEST_F(QmpCommandsTest, KvmPresentButAnotherAccelIsNotEnabled) {
  config::VmConfig cfg;
  cfg.machine.accel = config::Accel::kTest;
  QmpDispatcher d;
  register_commands(d, CommandEnv{machine_, events_, fds_, cfg, [] { return true; }});
  QmpSession s;
  EXPECT_EQ(json::parse(d.handle_message(R"({"execute":"query-kvm"})", s))["return"],
            json::parse(R"({"enabled":false,"present":true})"));
}

TEST_F(QmpCommandsTest, ProbeKvmOnANonKvmFileIsFalse) {
  EXPECT_FALSE(probe_kvm("/dev/null"));
  EXPECT_FALSE(probe_kvm("/nonexistent/kvm"));
}

TEST_F(QmpCommandsTest, Machines) {
  json list = ret("query-machines");
  ASSERT_EQ(list.size(), 3u);
  std::map<std::string, json> by_name;
  for (const auto& m : list) by_name[m["name"]] = m;
  EXPECT_EQ(by_name["microvm"]["is-default"], true);
  EXPECT_EQ(by_name["q35"]["cpu-max"], 254);
  EXPECT_FALSE(by_name["q35"].contains("is-default"));
  EXPECT_EQ(by_name["none"]["hotpluggable-cpus"], false);
  for (const auto& m : list) {
    EXPECT_TRUE(m["cpu-max"].is_number_integer());
    EXPECT_TRUE(m["hotpluggable-cpus"].is_boolean());
    EXPECT_TRUE(m["deprecated"].is_boolean());
  }
}

TEST_F(QmpCommandsTest, CpuDefinitionsAndCommandLineOptions) {
  json defs = ret("query-cpu-definitions");
  ASSERT_EQ(defs.size(), 1u);
  EXPECT_EQ(defs[0]["name"], "host");
  json opts = ret("query-command-line-options");
  ASSERT_TRUE(opts.is_array());
  json drive = ret("query-command-line-options", {{"option", "drive"}});
  ASSERT_EQ(drive.size(), 1u);
  std::set<std::string> params;
  for (const auto& p : drive[0]["parameters"]) params.insert(p["name"]);
  EXPECT_EQ(params.count("discard"), 1u);
  EXPECT_EQ(params.count("detect-zeroes"), 1u);
  EXPECT_EQ(err("query-command-line-options", {{"option", "spice"}})["desc"],
            "Invalid parameter 'option'");
  EXPECT_EQ(err("query-command-line-options", {{"option", 3}})["desc"],
            "Invalid parameter type for 'option', expected: string");
}

TEST_F(QmpCommandsTest, CpusFromTheMachine) {
  EXPECT_EQ(ret("query-cpus"), json::array());
  machine_.cpus = {{0, 4001, false, {0, std::nullopt, 0, 0}}, {1, 4002, true, {0, std::nullopt, 1, 0}}};
  json cpus = ret("query-cpus");
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_EQ(cpus[0], json::parse(R"({"CPU":0,"current":true,"halted":false,)"
                                 R"("qom_path":"/machine/unattached/device[0]","thread_id":4001,)"
                                 R"("arch":"x86","props":{"core-id":0,"thread-id":0,"socket-id":0}})"));
  EXPECT_EQ(cpus[1]["current"], false);
  EXPECT_EQ(cpus[1]["halted"], true);
  json fast = ret("query-cpus-fast");
  EXPECT_EQ(fast[1], json::parse(R"({"cpu-index":1,"qom-path":"/machine/unattached/device[1]",)"
                                 R"("thread-id":4002,"target":"x86_64",)"
                                 R"("props":{"core-id":1,"thread-id":0,"socket-id":0}})"));
}

TEST_F(QmpCommandsTest, HotpluggableCpus) {
  EXPECT_EQ(err("query-hotpluggable-cpus"),
            json::parse(R"({"class":"GenericError","desc":"machine does not support )"
                        R"(hot-plugging CPUs"})"));
  config::SmpConfig smp;
  smp.cpus = 1;
  smp.maxcpus = 2;
  smp.cores = 2;
  machine_.smp = smp;
  machine_.cpus = {{0, 1, false, {}}};
  json list = ret("query-hotpluggable-cpus");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["qom-path"], "/machine/unattached/device[0]");
  EXPECT_FALSE(list[1].contains("qom-path"));
  EXPECT_EQ(list[1]["props"]["core-id"], 1);
  EXPECT_EQ(list[1]["vcpus-count"], 1);
  EXPECT_EQ(list[1]["type"], "host-x86_64-cpu");
}

TEST_F(QmpCommandsTest, IothreadsAndChardevs) {
  EXPECT_EQ(ret("query-iothreads"), json::array());
  machine_.threads = {{"io0", 777}};
  EXPECT_EQ(ret("query-iothreads")[0]["thread-id"], 777);
  EXPECT_EQ(ret("query-iothreads")[0]["id"], "io0");
  machine_.chars = {{"charserial0", "pty:/dev/pts/5", true}};
  EXPECT_EQ(ret("query-chardev"),
            json::parse(R"([{"label":"charserial0","filename":"pty:/dev/pts/5","frontend-open":true}])"));
}

TEST_F(QmpCommandsTest, BalloonNotActive) {
  EXPECT_EQ(err("query-balloon"),
            json::parse(R"({"class":"DeviceNotActive","desc":"No balloon device has been activated"})"));
  EXPECT_EQ(err("balloon", {{"value", 1 << 30}})["class"], "DeviceNotActive");
  EXPECT_EQ(err("balloon")["desc"], "Parameter 'value' is missing");
  EXPECT_EQ(err("balloon", {{"value", "1G"}})["desc"],
            "Invalid parameter type for 'value', expected: integer");
  machine_.balloon = 512u << 20;
  EXPECT_EQ(ret("query-balloon"), json::parse(R"({"actual":536870912})"));
  EXPECT_EQ(ret("balloon", {{"value", 256 << 20}}), json::object());
  EXPECT_EQ(machine_.balloon, 256u << 20);
  EXPECT_EQ(err("balloon", {{"value", 0}})["class"], "GenericError");
}

TEST_F(QmpCommandsTest, GetfdAndClosefd) {
  EXPECT_EQ(err("getfd")["desc"], "Parameter 'fdname' is missing");
  EXPECT_EQ(err("getfd", {{"fdname", 3}})["desc"],
            "Invalid parameter type for 'fdname', expected: string");
  EXPECT_EQ(err("getfd", {{"fdname", "a"}})["desc"], "No file descriptor supplied via SCM_RIGHTS");
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd keep(p[0]);
  session_.received_fds.emplace_back(p[1]);
  EXPECT_EQ(err("getfd", {{"fdname", "3tap"}})["desc"],
            "Parameter 'fdname' expects a name not starting with a digit");
  EXPECT_EQ(session_.received_fds.size(), 1u);  // a refused getfd leaves the fd pending
  EXPECT_EQ(ret("getfd", {{"fdname", "tap0"}}), json::object());
  EXPECT_TRUE(session_.received_fds.empty());
  EXPECT_TRUE(fds_.contains("tap0"));
  EXPECT_EQ(ret("closefd", {{"fdname", "tap0"}}), json::object());
  EXPECT_EQ(err("closefd", {{"fdname", "tap0"}})["desc"], "File descriptor named 'tap0' not found");
  EXPECT_EQ(err("closefd")["desc"], "Parameter 'fdname' is missing");
}

TEST_F(QmpCommandsTest, HumanMonitorCommand) {
  EXPECT_EQ(ret("human-monitor-command", {{"command-line", "info status"}}),
            "VM status: running\r\n");
  machine_.state = RunState::kPrelaunch;
  EXPECT_EQ(ret("human-monitor-command", {{"command-line", "  info   status "}}),
            "VM status: paused (prelaunch)\r\n");
  machine_.state = RunState::kPaused;
  EXPECT_EQ(ret("human-monitor-command", {{"command-line", "info status"}}),
            "VM status: paused\r\n");
  EXPECT_EQ(ret("human-monitor-command", {{"command-line", "info version"}}),
            std::string("7.2.0 (StratoVirt-cpp ") + SV_VERSION + ")\r\n");
  machine_.cpus = {{0, 11, false, {}}, {1, 12, false, {}}};
  EXPECT_EQ(ret("human-monitor-command", {{"command-line", "info cpus"}}),
            "* CPU #0: thread_id=11\r\n  CPU #1: thread_id=12\r\n");
  EXPECT_EQ(err("human-monitor-command", {{"command-line", "savevm x"}})["class"], "GenericError");
  EXPECT_EQ(err("human-monitor-command")["desc"], "Parameter 'command-line' is missing");
  EXPECT_EQ(ret("human-monitor-command", {{"command-line", "info status"}, {"cpu-index", 0}}),
            "VM status: paused\r\n");
}


TEST_F(QmpCommandsTest, QueryBlockListsDrivesUsedByVirtioBlkDevices) {
  EXPECT_EQ(ret("query-block"), json::array());
  char path[] = "/tmp/sv-qblock-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 1 << 20), 0);
  ::close(fd);
  config::DriveConfig drive;
  drive.id = "d0";
  drive.file = path;
  drive.readonly = true;
  drive.iops_total = 100;
  config_.drives.push_back(drive);
  config::DriveConfig unused = drive;
  unused.id = "d1";
  config_.drives.push_back(unused);
  config::DeviceConfig dev;
  dev.driver = "virtio-blk-device";
  dev.id = "blk0";
  dev.transport = config::Transport::kMmio;
  config::VirtioBlkDevice blk;
  blk.drive = "d0";
  dev.spec = blk;
  config_.devices.push_back(dev);
  json list = ret("query-block");
  ::unlink(path);
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["device"], "d0");
  EXPECT_EQ(list[0]["qdev"], "blk0");
  EXPECT_EQ(list[0]["inserted"]["ro"], true);
  EXPECT_EQ(list[0]["inserted"]["iops"], 100);
  EXPECT_EQ(list[0]["inserted"]["image"]["virtual-size"], 1 << 20);
  EXPECT_EQ(list[0]["inserted"]["file"], path);
}

TEST_F(QmpCommandsTest, MigrationIsRefusedAndNoneHasRun) {
  EXPECT_EQ(ret("query-migrate"), json::object());
  json e = err("migrate", {{"uri", "tcp:127.0.0.1:4444"}});
  EXPECT_EQ(e["class"], "GenericError");
  EXPECT_NE(e["desc"].get<std::string>().find("not supported"), std::string::npos) << e.dump();
  EXPECT_EQ(err("migrate")["desc"], "Parameter 'uri' is missing");
}

}  // namespace
}  // namespace stratovirt::qmp
