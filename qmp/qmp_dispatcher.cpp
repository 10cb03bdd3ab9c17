// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_dispatcher.h"

#include <exception>

namespace stratovirt::qmp {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json error_reply(const QmpError& error) {
  ordered_json reply;
  reply["error"]["class"] = error.error_class;
  reply["error"]["desc"] = error.desc;
  return reply;
}

ordered_json error_reply(std::string_view error_class, std::string desc) {
  return error_reply(QmpError{std::string(error_class), std::move(desc)});
}

// Checks the envelope; returns the error reply for a malformed one.
std::optional<ordered_json> check_envelope(const json& request) {
  if (!request.is_object()) return error_reply(kGenericError, "QMP input must be a JSON object");
  for (const auto& [key, value] : request.items()) {
    if (key != "execute" && key != "arguments" && key != "id") {
      return error_reply(kGenericError, "QMP input member '" + key + "' is unexpected");
    }
  }
  auto execute = request.find("execute");
  if (execute == request.end()) {
    return error_reply(kGenericError, "QMP input lacks member 'execute'");
  }
  if (!execute->is_string()) {
    return error_reply(kGenericError, "QMP input member 'execute' must be a string");
  }
  auto arguments = request.find("arguments");
  if (arguments != request.end() && !arguments->is_object()) {
    return error_reply(kGenericError, "QMP input member 'arguments' must be an object");
  }
  return std::nullopt;
}

void copy_id(const json& request, ordered_json& reply) {
  if (!request.is_object()) return;
  if (auto id = request.find("id"); id != request.end()) reply["id"] = *id;
}

std::string dump(const ordered_json& reply) {
  return reply.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

void QmpDispatcher::add_command(Command command) {
  std::string name = command.name;
  commands_.insert_or_assign(std::move(name), std::move(command));
}

bool QmpDispatcher::has_command(std::string_view name) const {
  return commands_.find(name) != commands_.end();
}

ordered_json QmpDispatcher::dispatch(const json& request, QmpSession& session) const {
  if (auto bad = check_envelope(request)) return *bad;
  const auto& name = request["execute"].get_ref<const std::string&>();
  auto it = commands_.find(name);
  if (it == commands_.end()) return error_reply(command_not_found(name));
  auto arguments = request.find("arguments");
  const json& args = arguments != request.end() ? *arguments : json::object();
  if (auto bad = check_arguments(it->second.args, args)) return error_reply(*bad);
  QmpResult result;
  try {
    result = it->second.handler(args, session);
  } catch (const std::exception& e) {
    result = generic_error(name + ": " + e.what());
  }
  if (!result) return error_reply(result.error());
  ordered_json reply;
  reply["return"] = std::move(*result);
  return reply;
}

std::string QmpDispatcher::handle_message(std::string_view text, QmpSession& session) const {
  json request = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return dump(error_reply(kGenericError, "JSON parse error"));
  ordered_json reply = dispatch(request, session);
  copy_id(request, reply);
  return dump(reply);
}

std::string error_line(const QmpError& error, const json& request) {
  ordered_json reply = error_reply(error);
  copy_id(request, reply);
  return dump(reply);
}

}  // namespace stratovirt::qmp
