// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_dispatcher.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "stratovirt/qmp/monitor_setup.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

json reply(const QmpDispatcher& d, std::string_view text) {
  return json::parse(d.handle_message(text));
}

TEST(QmpDispatcherTest, BasicCommandsAndIdEcho) {
  QmpDispatcher d;
  int quits = 0;
  add_basic_commands(d, [&] { ++quits; });
  EXPECT_EQ(d.handle_message(R"({"execute":"qmp_capabilities"})"), R"({"return":{}})");
  EXPECT_EQ(d.handle_message(R"({"execute":"qmp_capabilities","id":"a1"})"),
            R"({"return":{},"id":"a1"})");
  EXPECT_EQ(quits, 0);
  EXPECT_EQ(d.handle_message(R"({"id":{"n":[1]},"execute":"quit"})"),
            R"({"return":{},"id":{"n":[1]}})");
  EXPECT_EQ(quits, 1);
}

TEST(QmpDispatcherTest, UnknownCommandIsCommandNotFound) {
  QmpDispatcher d;
  EXPECT_EQ(d.handle_message(R"({"execute":"query-status","id":7})"),
            R"({"error":{"class":"CommandNotFound","desc":"The command query-status has not )"
            R"(been found"},"id":7})");
}

TEST(QmpDispatcherTest, HandlerGetsArgumentsAndMayFail) {
  QmpDispatcher d;
  d.add_command("echo", [](const json& args) -> QmpResult {
    if (!args.contains("value")) return generic_error("echo: 'value' is missing");
    return args["value"];
  });
  EXPECT_TRUE(d.has_command("echo"));
  EXPECT_EQ(reply(d, R"({"execute":"echo","arguments":{"value":[1,"x"]}})")["return"],
            json::parse(R"([1,"x"])"));
  auto missing = reply(d, R"({"execute":"echo"})");
  EXPECT_EQ(missing["error"]["class"], "GenericError");
  EXPECT_EQ(missing["error"]["desc"], "echo: 'value' is missing");
}

TEST(QmpDispatcherTest, ThrowingHandlerBecomesGenericError) {
  QmpDispatcher d;
  d.add_command("boom", [](const json& args) -> QmpResult {
    return args.at("required").get<int>();  // throws: key missing
  });
  auto r = reply(d, R"({"execute":"boom","id":1})");
  EXPECT_EQ(r["error"]["class"], "GenericError");
  EXPECT_EQ(r["id"], 1);
}

TEST(QmpDispatcherTest, MalformedEnvelopesAreGenericErrors) {
  QmpDispatcher d;
  add_basic_commands(d, [] {});
  struct Case {
    const char* input;
    const char* desc;
  };
  for (const Case& c : {
           Case{"not json", "JSON parse error"},
           Case{"[1,2]", "QMP input must be a JSON object"},
           Case{R"({"id":3})", "QMP input lacks member 'execute'"},
           Case{R"({"execute":5})", "QMP input member 'execute' must be a string"},
           Case{R"({"execute":"quit","arguments":[]})",
                "QMP input member 'arguments' must be an object"},
           Case{R"({"execute":"quit","extra":1})", "QMP input member 'extra' is unexpected"},
       }) {
    auto r = reply(d, c.input);
    EXPECT_EQ(r["error"]["class"], "GenericError") << c.input;
    EXPECT_EQ(r["error"]["desc"], c.desc) << c.input;
  }
  EXPECT_EQ(reply(d, R"({"id":3})")["id"], 3);  // id echoed even on envelope errors
}

}  // namespace
}  // namespace stratovirt::qmp
