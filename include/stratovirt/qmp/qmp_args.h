// SPDX-License-Identifier: MulanPSL-2.0
//
// Typed QMP arguments: each command declares its arguments once as ArgSpecs; the
// dispatcher checks a request against them before the handler runs, and the same specs
// feed query-qmp-schema, so what the schema advertises is what is accepted.
//
// check_arguments() reports, in QEMU's wording and order, the first missing required
// member ("Parameter 'x' is missing"), the first member of the wrong JSON type
// ("Invalid parameter type for 'x', expected: string") and then the first unknown member
// ("Parameter 'x' is unexpected"). After it passed, the typed getters below cannot fail,
// so an argument struct's from_json() is a plain read.
// Threads: any (pure functions). Failure: errors are returned, nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stratovirt/qmp/qmp_error.h"

namespace stratovirt::qmp {

enum class ArgType { kString, kInt, kBool, kNumber, kObject, kAny };

struct ArgSpec {
  std::string_view name;
  ArgType type;
  bool optional = false;
};

// The QAPI builtin for `type`: "str", "int", "bool", "number", "any" (objects: "any").
std::string_view schema_type(ArgType type);

std::optional<QmpError> check_arguments(std::span<const ArgSpec> spec,
                                        const nlohmann::json& args);

// Reads of members check_arguments() has validated (a missing optional → nullopt).
std::optional<std::string> opt_string(const nlohmann::json& args, std::string_view name);
std::optional<int64_t> opt_int(const nlohmann::json& args, std::string_view name);
std::optional<bool> opt_bool(const nlohmann::json& args, std::string_view name);
// Required members: the spec guarantees presence; an empty/zero value if misused.
std::string req_string(const nlohmann::json& args, std::string_view name);
int64_t req_int(const nlohmann::json& args, std::string_view name);

// For commands without arguments.
struct NoArgs {
  static constexpr std::span<const ArgSpec> kSpec{};
  static NoArgs from_json(const nlohmann::json&) { return {}; }
};

}  // namespace stratovirt::qmp
