// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_args.h"

#include <fmt/format.h>

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

// QEMU's names for the expected JSON type in "Invalid parameter type" errors.
std::string_view expected_name(ArgType type) {
  switch (type) {
    case ArgType::kString: return "string";
    case ArgType::kInt: return "integer";
    case ArgType::kBool: return "boolean";
    case ArgType::kNumber: return "number";
    case ArgType::kObject: return "object";
    case ArgType::kAny: return "any";
  }
  return "any";
}

bool has_type(const json& v, ArgType type) {
  switch (type) {
    case ArgType::kString: return v.is_string();
    case ArgType::kInt: return v.is_number_integer();
    case ArgType::kBool: return v.is_boolean();
    case ArgType::kNumber: return v.is_number();
    case ArgType::kObject: return v.is_object();
    case ArgType::kAny: return true;
  }
  return false;
}

const json* member(const json& args, std::string_view name) {
  if (!args.is_object()) return nullptr;
  auto it = args.find(name);
  return it == args.end() ? nullptr : &*it;
}

}  // namespace

QmpError missing_parameter(std::string_view name) {
  return {std::string(kGenericError), fmt::format("Parameter '{}' is missing", name)};
}
QmpError unexpected_parameter(std::string_view name) {
  return {std::string(kGenericError), fmt::format("Parameter '{}' is unexpected", name)};
}
QmpError invalid_parameter_type(std::string_view name, std::string_view expected) {
  return {std::string(kGenericError),
          fmt::format("Invalid parameter type for '{}', expected: {}", name, expected)};
}
QmpError command_not_found(std::string_view command) {
  return {std::string(kCommandNotFound), fmt::format("The command {} has not been found", command)};
}

std::string_view schema_type(ArgType type) {
  switch (type) {
    case ArgType::kString: return "str";
    case ArgType::kInt: return "int";
    case ArgType::kBool: return "bool";
    case ArgType::kNumber: return "number";
    case ArgType::kObject:
    case ArgType::kAny: return "any";
  }
  return "any";
}

std::optional<QmpError> check_arguments(std::span<const ArgSpec> spec, const json& args) {
  if (!args.is_object()) return invalid_parameter_type("arguments", "object");
  for (const ArgSpec& arg : spec) {
    const json* v = member(args, arg.name);
    if (v == nullptr) {
      if (arg.optional) continue;
      return missing_parameter(arg.name);
    }
    if (!has_type(*v, arg.type)) return invalid_parameter_type(arg.name, expected_name(arg.type));
  }
  for (const auto& [key, value] : args.items()) {
    bool known = false;
    for (const ArgSpec& arg : spec) known = known || arg.name == key;
    if (!known) return unexpected_parameter(key);
  }
  return std::nullopt;
}

std::optional<std::string> opt_string(const json& args, std::string_view name) {
  const json* v = member(args, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get_ref<const std::string&>();
}

std::optional<int64_t> opt_int(const json& args, std::string_view name) {
  const json* v = member(args, name);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = v->get_ptr<const json::number_integer_t*>()) return *i;
  if (const auto* u = v->get_ptr<const json::number_unsigned_t*>()) {
    return static_cast<int64_t>(*u);
  }
  return std::nullopt;
}

std::optional<bool> opt_bool(const json& args, std::string_view name) {
  const json* v = member(args, name);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

std::string req_string(const json& args, std::string_view name) {
  return opt_string(args, name).value_or(std::string());
}

int64_t req_int(const json& args, std::string_view name) {
  return opt_int(args, name).value_or(0);
}

}  // namespace stratovirt::qmp
