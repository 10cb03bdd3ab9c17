// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <exception>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "stratovirt/base/unique_fd.h"

namespace stratovirt {
namespace {

constexpr std::array<std::string_view, 9> kLoggerNames = {
    kLoggerMain,    kLoggerQmp,   kLoggerMachine, kLoggerVcpu,      kLoggerDevices,
    kLoggerVirtio,  kLoggerBlock, kLoggerMemory,  kLoggerHypervisor,
};

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e %l [%n] %v";

struct LevelName {
  std::string_view name;
  spdlog::level::level_enum level;
};
constexpr std::array<LevelName, 5> kLevels = {{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
}};

// Used only before init_logging(): errors to stderr, nothing registered.
std::shared_ptr<spdlog::logger> early_logger() {
  static const auto early = [] {
    auto l = std::make_shared<spdlog::logger>(
        std::string(kLoggerMain), std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_level(spdlog::level::err);
    l->set_pattern(kPattern);
    return l;
  }();
  return early;
}

// Checks up front that the file can be opened for appending, for a clean error message
// (spdlog reports open failures by throwing).
Result<void> check_log_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd) return sys_errorf("log file {}", path);
  return ok();
}

}  // namespace

Result<spdlog::level::level_enum> parse_log_level(std::optional<std::string_view> text) {
  if (!text || text->empty()) return spdlog::level::err;
  for (const auto& entry : kLevels) {
    if (entry.name == *text) return entry.level;
  }
  return errorf(ErrorCode::kInvalidArgument,
                "invalid {} '{}' (expected trace, debug, info, warn or error)", kLogLevelEnv,
                *text);
}

LogOptions log_options_from_env(bool enabled, std::optional<std::string> file) {
  LogOptions options;
  options.enabled = enabled;
  options.file = std::move(file);
  if (const char* env = std::getenv(std::string(kLogLevelEnv).c_str())) options.level_text = env;
  return options;
}

Result<void> init_logging(const LogOptions& options) {
  SV_ASSIGN_OR_RETURN(auto level, parse_log_level(options.level_text));
  if (!options.enabled) level = spdlog::level::err;

  spdlog::sink_ptr sink;
  if (options.enabled && options.file) {
    SV_RETURN_IF_ERROR(check_log_file(*options.file));
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(*options.file);
    } catch (const std::exception& e) {
      return errorf(ErrorCode::kIo, "log file {}: {}", *options.file, e.what());
    }
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }

  for (auto name : kLoggerNames) {
    auto l = std::make_shared<spdlog::logger>(std::string(name), sink);
    l->set_level(level);
    l->set_pattern(kPattern);
    l->flush_on(spdlog::level::trace);  // a VMM logs little; never lose the last lines
    spdlog::drop(std::string(name));
    spdlog::register_logger(l);
  }
  return ok();
}

std::shared_ptr<spdlog::logger> logger(std::string_view name) {
  if (auto l = spdlog::get(std::string(name))) return l;
  if (auto l = spdlog::get(std::string(kLoggerMain))) return l;
  return early_logger();
}

void flush_logs() {
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
}

}  // namespace stratovirt
