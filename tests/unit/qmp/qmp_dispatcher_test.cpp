// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_dispatcher.h"

#include <gtest/gtest.h>

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

// A typed command: {"name":str, "count":int?, "loud":bool?} → echo.
struct EchoArgs {
  std::string name;
  std::optional<int64_t> count;
  std::optional<bool> loud;
  static constexpr std::array<ArgSpec, 3> kSpec{{{"name", ArgType::kString},
                                                 {"count", ArgType::kInt, true},
                                                 {"loud", ArgType::kBool, true}}};
  static EchoArgs from_json(const json& a) {
    return {req_string(a, "name"), opt_int(a, "count"), opt_bool(a, "loud")};
  }
};

QmpDispatcher echo_dispatcher() {
  QmpDispatcher d;
  d.add<EchoArgs>("echo", "any", [](const EchoArgs& a, QmpSession&) -> QmpResult {
    return json{{"name", a.name}, {"count", a.count.value_or(-1)}, {"loud", a.loud.value_or(false)}};
  });
  d.add<NoArgs>("nothing", "EmptyObject",
                [](const NoArgs&, QmpSession&) -> QmpResult { return json::object(); });
  return d;
}

json reply(const QmpDispatcher& d, std::string_view text) {
  QmpSession session;
  return json::parse(d.handle_message(text, session));
}

std::string line(const QmpDispatcher& d, std::string_view text) {
  QmpSession session;
  return d.handle_message(text, session);
}

TEST(QmpDispatcherTest, TypedArgumentsReachTheHandler) {
  auto d = echo_dispatcher();
  EXPECT_EQ(reply(d, R"({"execute":"echo","arguments":{"name":"a","count":3,"loud":true}})"),
            json::parse(R"({"return":{"name":"a","count":3,"loud":true}})"));
  EXPECT_EQ(reply(d, R"({"execute":"echo","arguments":{"name":"b"}})")["return"]["count"], -1);
}

TEST(QmpDispatcherTest, ArgumentErrorsUseQemuWording) {
  auto d = echo_dispatcher();
  struct Case {
    const char* input;
    const char* desc;
  };
  for (const Case& c : {
           Case{R"({"execute":"echo"})", "Parameter 'name' is missing"},
           Case{R"({"execute":"echo","arguments":{}})", "Parameter 'name' is missing"},
           Case{R"({"execute":"echo","arguments":{"name":1}})",
                "Invalid parameter type for 'name', expected: string"},
           Case{R"({"execute":"echo","arguments":{"name":"x","count":"3"}})",
                "Invalid parameter type for 'count', expected: integer"},
           Case{R"({"execute":"echo","arguments":{"name":"x","count":1.5}})",
                "Invalid parameter type for 'count', expected: integer"},
           Case{R"({"execute":"echo","arguments":{"name":"x","loud":"yes"}})",
                "Invalid parameter type for 'loud', expected: boolean"},
           Case{R"({"execute":"echo","arguments":{"name":"x","extra":0}})",
                "Parameter 'extra' is unexpected"},
           Case{R"({"execute":"nothing","arguments":{"x":0}})", "Parameter 'x' is unexpected"},
       }) {
    auto r = reply(d, c.input);
    EXPECT_EQ(r["error"]["class"], "GenericError") << c.input;
    EXPECT_EQ(r["error"]["desc"], c.desc) << c.input;
  }
}

TEST(QmpDispatcherTest, MissingIsReportedBeforeUnexpected) {
  auto d = echo_dispatcher();
  EXPECT_EQ(reply(d, R"({"execute":"echo","arguments":{"zzz":1}})")["error"]["desc"],
            "Parameter 'name' is missing");
}

TEST(QmpDispatcherTest, IdOfAnyTypeIsEchoed) {
  auto d = echo_dispatcher();
  EXPECT_EQ(line(d, R"({"execute":"nothing","id":"a1"})"), R"({"return":{},"id":"a1"})");
  EXPECT_EQ(line(d, R"({"id":{"n":[1]},"execute":"nothing"})"), R"({"return":{},"id":{"n":[1]}})");
  EXPECT_EQ(line(d, R"({"execute":"nothing","id":null})"), R"({"return":{},"id":null})");
  EXPECT_EQ(line(d, R"({"execute":"nothing","id":2.5})"), R"({"return":{},"id":2.5})");
  EXPECT_EQ(reply(d, R"({"execute":"echo","id":[1]})")["id"], json::parse("[1]"));
}

TEST(QmpDispatcherTest, UnknownCommandIsCommandNotFound) {
  QmpDispatcher d;
  EXPECT_EQ(line(d, R"({"execute":"query-status","id":7})"),
            R"({"error":{"class":"CommandNotFound","desc":"The command query-status has not )"
            R"(been found"},"id":7})");
}

TEST(QmpDispatcherTest, HandlerErrorsKeepTheirClass) {
  QmpDispatcher d;
  d.add<NoArgs>("gone", "EmptyObject", [](const NoArgs&, QmpSession&) -> QmpResult {
    return qmp_error(kDeviceNotActive, "No balloon device has been activated");
  });
  EXPECT_EQ(line(d, R"({"execute":"gone"})"),
            R"({"error":{"class":"DeviceNotActive","desc":"No balloon device has been activated"}})");
}

TEST(QmpDispatcherTest, ThrowingHandlerBecomesGenericError) {
  QmpDispatcher d;
  d.add_command({"boom", {}, "any", [](const json& args, QmpSession&) -> QmpResult {
                   return args.at("required").get<int>();  // throws: key missing
                 }});
  auto r = reply(d, R"({"execute":"boom","id":1})");
  EXPECT_EQ(r["error"]["class"], "GenericError");
  EXPECT_EQ(r["id"], 1);
}

TEST(QmpDispatcherTest, MalformedEnvelopesAreGenericErrors) {
  auto d = echo_dispatcher();
  struct Case {
    const char* input;
    const char* desc;
  };
  for (const Case& c : {
           Case{"not json", "JSON parse error"},
           Case{"[1,2]", "QMP input must be a JSON object"},
           Case{R"({"id":3})", "QMP input lacks member 'execute'"},
           Case{R"({"execute":5})", "QMP input member 'execute' must be a string"},
           Case{R"({"execute":"nothing","arguments":[]})",
                "QMP input member 'arguments' must be an object"},
           Case{R"({"execute":"nothing","extra":1})", "QMP input member 'extra' is unexpected"},
       }) {
    auto r = reply(d, c.input);
    EXPECT_EQ(r["error"]["class"], "GenericError") << c.input;
    EXPECT_EQ(r["error"]["desc"], c.desc) << c.input;
  }
  EXPECT_EQ(reply(d, R"({"id":3})")["id"], 3);  // id echoed even on envelope errors
}

TEST(QmpDispatcherTest, ErrorLineCopiesTheId) {
  QmpError e{std::string(kOperationThrottled), std::string(kThrottledDesc)};
  EXPECT_EQ(error_line(e, json::parse(R"({"execute":"x","id":"q"})")),
            R"({"error":{"class":"OperationThrottled","desc":"More than 100 requests received )"
            R"(during 1 second"},"id":"q"})");
  EXPECT_EQ(error_line(e), R"({"error":{"class":"OperationThrottled","desc":"More than 100 )"
                           R"(requests received during 1 second"}})");
}

}  // namespace
}  // namespace stratovirt::qmp
