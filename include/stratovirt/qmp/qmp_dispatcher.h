// SPDX-License-Identifier: MulanPSL-2.0
//
// QmpDispatcher: the table of QMP commands and the request → reply step.
//
// Models QMP's command envelope: {"execute":"<name>","arguments":{...},"id":<any>} gets
// {"return":<value>} or {"error":{"class":"<Class>","desc":"<text>"}}, with "id" echoed.
// A handler receives the arguments object ({} when absent) and returns a value or a
// QmpError. Unknown commands get class CommandNotFound (libvirt matches that string);
// malformed input gets GenericError. Handlers are registered by name at startup; nothing
// is registered behind the caller's back.
// Threads: handle_message() on the loop thread that owns the monitors.
// Failure: never throws; a handler that throws (nlohmann on bad argument types) is
// answered with GenericError.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace stratovirt::qmp {

inline constexpr std::string_view kGenericError = "GenericError";
inline constexpr std::string_view kCommandNotFound = "CommandNotFound";

struct QmpError {
  std::string error_class;
  std::string desc;
};

using QmpResult = std::expected<nlohmann::json, QmpError>;

inline std::unexpected<QmpError> generic_error(std::string desc) {
  return std::unexpected(QmpError{std::string(kGenericError), std::move(desc)});
}

class QmpDispatcher {
 public:
  using Handler = std::function<QmpResult(const nlohmann::json& arguments)>;

  // Replaces an earlier handler of the same name.
  void add_command(std::string name, Handler handler);
  bool has_command(std::string_view name) const;

  // One framed message in, one reply line out (no trailing CRLF).
  std::string handle_message(std::string_view text) const;

 private:
  nlohmann::ordered_json dispatch(const nlohmann::json& request) const;

  std::map<std::string, Handler, std::less<>> commands_;
};

}  // namespace stratovirt::qmp
