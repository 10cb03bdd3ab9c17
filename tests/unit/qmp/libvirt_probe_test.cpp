// SPDX-License-Identifier: MulanPSL-2.0
// The answers libvirt 9.0 (Debian 12) needs from its capability probe, in the shapes it
// parses. Each check here stands for a failure seen with the real libvirtd
// (tests/libvirt/run): a reply of the wrong shape there is a refused emulator or a crashed
// daemon, not an error message.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "stratovirt/config/machine_config.h"
#include "stratovirt/config/props.h"
#include "stratovirt/config/vm_config.h"
#include "stratovirt/qmp/none_machine_control.h"
#include "stratovirt/qmp/qmp_commands.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

class LibvirtProbeTest : public ::testing::Test {
 protected:
  LibvirtProbeTest() {
    register_commands(d_, CommandEnv{machine_, events_, fds_, config_, [] { return true; }});
  }
  json run(std::string_view command, json args = json::object()) {
    json request = {{"execute", command}, {"arguments", std::move(args)}};
    return json::parse(d_.handle_message(request.dump(), session_));
  }

  NoneMachineControl machine_{true, {}, {}};
  EventQueue events_;
  FdRegistry fds_;
  config::VmConfig config_;
  QmpSession session_;
  QmpDispatcher d_;
};

// libvirt 9.0 asks qom-list-properties for "none-machine" (always) and for "<m>-machine" of
// every machine query-machines lists, then walks the reply as a string list without checking
// for DeviceNotFound: an error reply made libvirtd dereference NULL and die (SIGSEGV in
// virQEMUCapsInitQMPMonitor) on `virsh capabilities`.
TEST_F(LibvirtProbeTest, EveryMachineClassHasAPropertyList) {
  json machines = run("query-machines")["return"];
  ASSERT_TRUE(machines.is_array());
  bool saw_none = false;
  for (const auto& m : machines) {
    std::string name = m["name"];
    saw_none = saw_none || name == "none";
    json r = run("qom-list-properties", {{"typename", name + "-machine"}});
    ASSERT_TRUE(r.contains("return")) << name << ": " << r.dump();
    ASSERT_TRUE(r["return"].is_array()) << name;
    for (const auto& p : r["return"]) {
      ASSERT_TRUE(p["name"].is_string());
      ASSERT_TRUE(p["type"].is_string());
    }
  }
  EXPECT_TRUE(saw_none);
  // Other unknown classes still answer DeviceNotFound (which libvirt tolerates elsewhere).
  EXPECT_EQ(run("qom-list-properties", {{"typename", "pseries-machine"}})["error"]["class"],
            "DeviceNotFound");
}

// What a machine class lists is what -machine parses.
TEST_F(LibvirtProbeTest, MachineClassPropertiesAreParsedByMachine) {
  json props = run("qom-list-properties", {{"typename", "microvm-machine"}})["return"];
  ASSERT_FALSE(props.empty());
  for (const auto& p : props) {
    std::string name = p["name"];
    std::string value = p["type"] == "bool" ? "off" : "ram0";
    auto parsed = config::Props::parse("-machine", "microvm," + name + "=" + value, "type");
    ASSERT_TRUE(parsed) << name;
    auto m = config::parse_machine(*parsed, config::MachineConfig{});
    if (!m) {
      EXPECT_EQ(m.error().message().find("unknown property"), std::string::npos)
          << name << ": " << m.error().message();
    }
  }
}

// The mandatory probes of libvirt 9.0 (virQEMUCapsInitQMPMonitor), with the types it checks.
TEST_F(LibvirtProbeTest, MandatoryProbeAnswersHaveLibvirtsShapes) {
  EXPECT_EQ(run("qmp_capabilities")["return"], json::object());
  json v = run("query-version")["return"];
  ASSERT_TRUE(v["qemu"]["major"].is_number_integer());
  EXPECT_GE(v["qemu"]["major"].get<int>() * 100 + v["qemu"]["minor"].get<int>(), 402);
  EXPECT_TRUE(v["package"].is_string());
  EXPECT_TRUE(run("query-target")["return"]["arch"].is_string());
  EXPECT_TRUE(run("query-qmp-schema")["return"].is_array());
  json kvm = run("query-kvm")["return"];
  EXPECT_TRUE(kvm["enabled"].is_boolean());
  EXPECT_TRUE(kvm["present"].is_boolean());
  EXPECT_TRUE(run("qom-list-types")["return"].is_array());
  EXPECT_TRUE(run("query-command-line-options")["return"].is_array());
  EXPECT_TRUE(run("query-migrate-capabilities")["return"].is_array());
  EXPECT_TRUE(run("query-tpm-models")["return"].is_array());
  EXPECT_TRUE(run("query-tpm-types")["return"].is_array());
  // Object classes libvirt always asks about (no capability gate): a list, never an error.
  EXPECT_TRUE(run("qom-list-properties", {{"typename", "memory-backend-file"}})["return"]
                  .is_array());
}

// At every domain start libvirt 9.0 turns on the "events" migration capability, then runs
// query-named-block-nodes and qom-list /machine/peripheral; any error there fails the start.
TEST_F(LibvirtProbeTest, DomainStartCommandsAnswer) {
  EXPECT_EQ(run("query-migrate-capabilities")["return"],
            json::parse(R"([{"capability":"events","state":false}])"));
  EXPECT_EQ(run("migrate-set-capabilities",
                {{"capabilities", json::parse(R"([{"capability":"events","state":true}])")}})
                ["return"],
            json::object());
  EXPECT_EQ(run("query-migrate-capabilities")["return"][0]["state"], true);
  EXPECT_EQ(run("migrate-set-capabilities",
                {{"capabilities", json::parse(R"([{"capability":"postcopy-ram","state":true}])")}})
                ["error"]["desc"],
            "Parameter 'capability' does not accept value 'postcopy-ram'");
  EXPECT_EQ(run("migrate-set-capabilities", {{"capabilities", "events"}})["error"]["desc"],
            "Invalid parameter type for 'capabilities', expected: array");
  EXPECT_EQ(run("migrate-set-capabilities")["error"]["desc"], "Parameter 'capabilities' is missing");

  EXPECT_EQ(run("query-named-block-nodes", {{"flat", true}})["return"], json::array());
  EXPECT_EQ(run("qom-list", {{"path", "/machine/peripheral"}})["return"], json::array());
  EXPECT_EQ(run("qom-list", {{"path", "/machine/unattached/device[0]"}})["error"]["class"],
            "DeviceNotFound");
}

TEST(LibvirtCmdlineTest, PeripheralListsTheDeviceIds) {
  std::string kernel = ::testing::TempDir() + "/libvirt_probe_kernel";
  { std::ofstream(kernel) << "x"; }
  std::vector<std::string> args = {"-machine", "microvm", "-kernel", kernel, "-qmp",
                                   "unix:/tmp/x.sock,server,nowait", "-object", "rng-random,id=rng0,filename=/dev/urandom",
                                   "-device", "virtio-rng-device,rng=rng0,id=rng1"};
  auto cfg = config::parse_command_line(args);
  ASSERT_TRUE(cfg) << cfg.error().to_string();
  NoneMachineControl machine{false, {}, {}};
  EventQueue events;
  FdRegistry fds;
  QmpDispatcher d;
  register_commands(d, CommandEnv{machine, events, fds, *cfg, [] { return true; }});
  QmpSession s;
  auto r = json::parse(
      d.handle_message(R"({"execute":"qom-list","arguments":{"path":"/machine/peripheral"}})", s));
  EXPECT_EQ(r["return"], json::parse(R"([{"name":"rng1","type":"child<virtio-rng-device>"}])"));
}

// Options libvirt 9.0 writes for a minimal microvm domain: -no-acpi (no <acpi/> feature) and
// -display none (no <graphics>), which is no display at all.
TEST(LibvirtCmdlineTest, NoAcpiAndDisplayNone) {
  std::vector<std::string> args = {"-machine", "none", "-qmp", "unix:/tmp/x.sock,server,nowait",
                                   "-display", "none", "-no-acpi"};
  auto cfg = config::parse_command_line(args);
  ASSERT_TRUE(cfg) << cfg.error().to_string();
  EXPECT_FALSE(cfg->display);
  ASSERT_TRUE(cfg->machine.acpi);
  EXPECT_FALSE(*cfg->machine.acpi);
  args = {"-machine", "none", "-qmp", "unix:/tmp/x.sock,server,nowait", "-display", "gtk"};
  cfg = config::parse_command_line(args);
  ASSERT_TRUE(cfg) << cfg.error().to_string();
  EXPECT_TRUE(cfg->display);
}

}  // namespace
}  // namespace stratovirt::qmp
