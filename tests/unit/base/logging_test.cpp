// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/logging.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace stratovirt {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(LogLevelTest, ParsesTheFiveNamesAndDefaultsToError) {
  EXPECT_EQ(parse_log_level("trace").value(), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("debug").value(), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info").value(), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn").value(), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error").value(), spdlog::level::err);
  EXPECT_EQ(parse_log_level(std::nullopt).value(), spdlog::level::err);
  EXPECT_EQ(parse_log_level("").value(), spdlog::level::err);
}

TEST(LogLevelTest, InvalidLevelNamesTheVariableAndTheValue) {
  for (const char* bad : {"verbose", "INFO", "warning", "err", "off"}) {
    auto level = parse_log_level(bad);
    ASSERT_FALSE(level) << bad;
    EXPECT_EQ(level.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(level.error().message().find("STRATOVIRT_LOG_LEVEL"), std::string::npos);
    EXPECT_NE(level.error().message().find(std::string("'") + bad + "'"), std::string::npos);
  }
}

TEST(LoggingTest, FileSinkHonoursTheLevelForEveryNamedLogger) {
  testing::TempDir dir;
  std::string path = dir.file("sv.log");
  LogOptions options{.enabled = true, .file = path, .level_text = "info"};
  ASSERT_TRUE(init_logging(options));
  logger(kLoggerQmp)->info("qmp line {}", 1);
  logger(kLoggerVcpu)->debug("hidden debug line");
  logger("no-such-logger")->warn("falls back to main");
  flush_logs();
  std::string text = read_file(path);
  EXPECT_NE(text.find("[qmp] qmp line 1"), std::string::npos) << text;
  EXPECT_NE(text.find("[main] falls back to main"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden debug line"), std::string::npos) << text;
}

TEST(LoggingTest, WithoutDashDOnlyErrorsAreEnabled) {
  ASSERT_TRUE(init_logging(LogOptions{.enabled = false, .file = {}, .level_text = "trace"}));
  EXPECT_FALSE(logger(kLoggerVirtio)->should_log(spdlog::level::warn));
  EXPECT_TRUE(logger(kLoggerVirtio)->should_log(spdlog::level::err));
}

TEST(LoggingTest, BadSettingsAreErrors) {
  EXPECT_FALSE(init_logging(LogOptions{.enabled = true, .file = {}, .level_text = "loud"}));
  auto bad_file = init_logging(
      LogOptions{.enabled = true, .file = "/nonexistent-dir-h2/sv.log", .level_text = {}});
  ASSERT_FALSE(bad_file);
  EXPECT_NE(bad_file.error().to_string().find("/nonexistent-dir-h2/sv.log"), std::string::npos);
}

}  // namespace
}  // namespace stratovirt
