// SPDX-License-Identifier: MulanPSL-2.0
//
// QmpError: the error half of every QMP reply, {"class":"<Class>","desc":"<text>"}.
//
// The classes are QEMU's (qapi/error.json); management tools match the class strings
// exactly (libvirt: CommandNotFound, DeviceNotFound; everyone: GenericError), so they are
// spelled once, here. The helpers build the errors QEMU words the same way every time
// (missing/unexpected/mistyped arguments, throttling).
// Value types, any thread. Failure: none.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace stratovirt::qmp {

inline constexpr std::string_view kGenericError = "GenericError";
inline constexpr std::string_view kCommandNotFound = "CommandNotFound";
inline constexpr std::string_view kDeviceNotFound = "DeviceNotFound";
inline constexpr std::string_view kDeviceNotActive = "DeviceNotActive";
inline constexpr std::string_view kKvmMissingCap = "KVMMissingCap";
inline constexpr std::string_view kOperationThrottled = "OperationThrottled";

// Flow control: at most this many commands per second per connection.
inline constexpr unsigned kMaxCommandsPerSecond = 100;
inline constexpr std::string_view kThrottledDesc =
    "More than 100 requests received during 1 second";

struct QmpError {
  std::string error_class;
  std::string desc;

  bool operator==(const QmpError&) const = default;
};

using QmpResult = std::expected<nlohmann::json, QmpError>;

inline std::unexpected<QmpError> qmp_error(std::string_view error_class, std::string desc) {
  return std::unexpected(QmpError{std::string(error_class), std::move(desc)});
}
inline std::unexpected<QmpError> generic_error(std::string desc) {
  return qmp_error(kGenericError, std::move(desc));
}

// "Parameter 'x' is missing" and friends (QEMU's qobject-input-visitor wording).
QmpError missing_parameter(std::string_view name);
QmpError unexpected_parameter(std::string_view name);
QmpError invalid_parameter_type(std::string_view name, std::string_view expected);
QmpError command_not_found(std::string_view command);

}  // namespace stratovirt::qmp
