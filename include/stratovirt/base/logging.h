// SPDX-License-Identifier: MulanPSL-2.0
//
// Logging setup: the process's named spdlog loggers, created once at startup.
//
// `-D` sends log lines to stderr, `-D <file>` appends them to a file; the level comes from
// the environment variable STRATOVIRT_LOG_LEVEL (trace|debug|info|warn|error, default
// error). Without -D only errors are logged, to stderr. Every layer asks for its logger
// by name (kLogger*), so nothing but spdlog's registry is shared; guest-triggerable
// messages go through SV_LOG_RATELIMITED (rate_limiter.h).
// Threads: init_logging() once on the main thread before other threads exist; logger()
// and the loggers themselves from any thread.
// Failure: an invalid level or an unopenable log file is an error naming the value/path.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "stratovirt/base/error.h"

namespace stratovirt {

inline constexpr std::string_view kLogLevelEnv = "STRATOVIRT_LOG_LEVEL";

inline constexpr std::string_view kLoggerMain = "main";
inline constexpr std::string_view kLoggerQmp = "qmp";
inline constexpr std::string_view kLoggerMachine = "machine";
inline constexpr std::string_view kLoggerVcpu = "vcpu";
inline constexpr std::string_view kLoggerDevices = "devices";
inline constexpr std::string_view kLoggerVirtio = "virtio";
inline constexpr std::string_view kLoggerBlock = "block";
inline constexpr std::string_view kLoggerMemory = "memory";
inline constexpr std::string_view kLoggerHypervisor = "hypervisor";

// nullopt or empty → error (the default); otherwise one of the five names.
Result<spdlog::level::level_enum> parse_log_level(std::optional<std::string_view> text);

struct LogOptions {
  bool enabled = false;                   // -D given
  std::optional<std::string> file;        // -D <file>; stderr when absent
  std::optional<std::string> level_text;  // the STRATOVIRT_LOG_LEVEL value, if set
};

// Reads STRATOVIRT_LOG_LEVEL into a LogOptions with the given -D settings.
LogOptions log_options_from_env(bool enabled, std::optional<std::string> file);

// Creates the named loggers (replacing earlier ones, so tests may call it again).
Result<void> init_logging(const LogOptions& options);

// The named logger; unknown names get "main". Before init_logging(), a stderr logger
// that logs errors only.
std::shared_ptr<spdlog::logger> logger(std::string_view name);

// Flushes every logger (call before exit).
void flush_logs();

}  // namespace stratovirt
