// SPDX-License-Identifier: MulanPSL-2.0
//
// QmpDispatcher: the table of QMP commands and the request → reply step.
//
// Models QMP's command envelope: {"execute":"<name>","arguments":{...},"id":<any>} gets
// {"return":<value>} or {"error":{"class":"<Class>","desc":"<text>"}}, with "id" echoed
// (any JSON type). Each command is a table entry: a name, its typed arguments (ArgSpecs
// checked before the handler runs), the schema type of its result and a handler. The
// typed add<Args>() turns the checked JSON into the command's argument struct, so a
// handler never sees raw JSON. Unknown commands get CommandNotFound (libvirt matches that
// string); malformed envelopes GenericError. The table is filled explicitly at startup.
// QmpSession is one connection's state a handler may use (fds received with SCM_RIGHTS).
// Threads: handle_message() on the loop thread that owns the monitors.
// Failure: never throws; a handler that throws anyway is answered with GenericError.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "stratovirt/base/unique_fd.h"
#include "stratovirt/qmp/qmp_args.h"
#include "stratovirt/qmp/qmp_error.h"

namespace stratovirt::qmp {

// Per-connection state visible to handlers.
struct QmpSession {
  // Received with SCM_RIGHTS and not yet claimed by getfd, oldest first.
  std::deque<UniqueFd> received_fds;
};

class QmpDispatcher {
 public:
  using Handler = std::function<QmpResult(const nlohmann::json& arguments, QmpSession& session)>;

  struct Command {
    std::string name;
    std::vector<ArgSpec> args;
    std::string returns;  // schema type of the result: "any", "StatusInfo", "[CpuInfoFast]"
    Handler handler;      // receives arguments that passed check_arguments()
  };

  // Replaces an earlier command of the same name.
  void add_command(Command command);

  // `fn(const Args&, QmpSession&) -> QmpResult`; Args provides kSpec and from_json().
  template <typename Args, typename Fn>
  void add(std::string name, std::string returns, Fn fn) {
    add_command(Command{
        std::move(name), std::vector<ArgSpec>(Args::kSpec.begin(), Args::kSpec.end()),
        std::move(returns),
        [fn = std::move(fn)](const nlohmann::json& a, QmpSession& s) -> QmpResult {
          return fn(Args::from_json(a), s);
        }});
  }

  bool has_command(std::string_view name) const;
  const std::map<std::string, Command, std::less<>>& commands() const { return commands_; }

  // One framed message in, one reply line out (no trailing CRLF).
  std::string handle_message(std::string_view text, QmpSession& session) const;

 private:
  nlohmann::ordered_json dispatch(const nlohmann::json& request, QmpSession& session) const;

  std::map<std::string, Command, std::less<>> commands_;
};

// {"error":{...}} for `error`, with "id" copied from `request` when it has one.
std::string error_line(const QmpError& error, const nlohmann::json& request = nullptr);

}  // namespace stratovirt::qmp
