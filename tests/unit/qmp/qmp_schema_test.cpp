// SPDX-License-Identifier: MulanPSL-2.0
// query-qmp-schema: an array in QEMU's SchemaInfo format, derived from the command table.
#include <gtest/gtest.h>

#include <map>

#include "qmp/commands.h"
#include "stratovirt/qmp/none_machine_control.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

class QmpSchemaTest : public ::testing::Test {
 protected:
  QmpSchemaTest() {
    register_commands(d_, CommandEnv{machine_, events_, fds_, cfg_, [] { return false; }});
    QmpSession s;
    schema_ = json::parse(d_.handle_message(R"({"execute":"query-qmp-schema"})", s))["return"];
    for (const auto& e : schema_) by_name_[e["name"]] = e;
  }

  // libvirt's schema paths: "command/arg-type/member" or "command/ret-type/member".
  const json* lookup(const std::string& command, const std::string& which,
                     const std::string& member) {
    auto cmd = by_name_.find(command);
    if (cmd == by_name_.end()) return nullptr;
    auto type = by_name_.find(cmd->second[which].get<std::string>());
    if (type == by_name_.end()) return nullptr;
    const json& t = type->second;
    if (t["meta-type"] == "array") {
      type = by_name_.find(t["element-type"].get<std::string>());
      if (type == by_name_.end()) return nullptr;
    }
    for (const auto& m : type->second["members"]) {
      if (m["name"] == member) return &m;
    }
    return nullptr;
  }

  NoneMachineControl machine_{false, {}, {}};
  EventQueue events_;
  FdRegistry fds_;
  config::VmConfig cfg_;
  QmpDispatcher d_;
  json schema_;
  std::map<std::string, json> by_name_;
};

TEST_F(QmpSchemaTest, IsAnArrayWithEveryCommandAndNoDanglingType) {
  ASSERT_TRUE(schema_.is_array());
  for (const auto& [name, cmd] : d_.commands()) {
    ASSERT_EQ(by_name_.count(name), 1u) << name;
    EXPECT_EQ(by_name_[name]["meta-type"], "command");
  }
  EXPECT_TRUE(unresolved_schema_types(d_).empty());
  // Every referenced name resolves to an entry.
  for (const auto& e : schema_) {
    for (const char* ref : {"arg-type", "ret-type", "element-type"}) {
      if (e.contains(ref)) {
        EXPECT_EQ(by_name_.count(e[ref].get<std::string>()), 1u) << e.dump();
      }
    }
    if (e["meta-type"] == "object") {
      for (const auto& m : e["members"]) {
        EXPECT_EQ(by_name_.count(m["type"].get<std::string>()), 1u) << e.dump();
      }
    }
  }
  // Names are unique.
  EXPECT_EQ(by_name_.size(), schema_.size());
}

TEST_F(QmpSchemaTest, ArgumentsMirrorTheTable) {
  const json* fdname = lookup("getfd", "arg-type", "fdname");
  ASSERT_NE(fdname, nullptr);
  EXPECT_EQ((*fdname)["type"], "str");
  EXPECT_FALSE(fdname->contains("default"));  // required
  const json* cpu_index = lookup("human-monitor-command", "arg-type", "cpu-index");
  ASSERT_NE(cpu_index, nullptr);
  EXPECT_EQ((*cpu_index)["type"], "int");
  EXPECT_TRUE(cpu_index->contains("default"));  // optional
  EXPECT_EQ(lookup("getfd", "arg-type", "fd"), nullptr);
}

TEST_F(QmpSchemaTest, PathsLibvirtQueries) {
  EXPECT_NE(lookup("query-kvm", "ret-type", "present"), nullptr);
  EXPECT_NE(lookup("query-status", "ret-type", "status"), nullptr);
  EXPECT_NE(lookup("query-machines", "ret-type", "default-ram-id"), nullptr);
  EXPECT_NE(lookup("query-cpus-fast", "ret-type", "thread-id"), nullptr);
  // Not implemented, so not advertised: libvirt must not pick JSON -device from here.
  EXPECT_EQ(by_name_.count("device_add"), 0u);
  EXPECT_EQ(by_name_.count("object-add"), 0u);
}

TEST_F(QmpSchemaTest, EventsAndEnums) {
  ASSERT_EQ(by_name_.count("SHUTDOWN"), 1u);
  EXPECT_EQ(by_name_["SHUTDOWN"]["meta-type"], "event");
  const json& arg = by_name_[by_name_["SHUTDOWN"]["arg-type"].get<std::string>()];
  EXPECT_EQ(arg["members"].size(), 2u);
  const json& cause = by_name_["ShutdownCause"];
  EXPECT_EQ(cause["meta-type"], "enum");
  EXPECT_NE(std::find(cause["values"].begin(), cause["values"].end(), "host-qmp-quit"),
            cause["values"].end());
  EXPECT_EQ(by_name_["str"]["json-type"], "string");
}

}  // namespace
}  // namespace stratovirt::qmp
