// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/cmdline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;

Result<RawCommandLine> lex(std::vector<std::string> args) { return lex_command_line(args); }

TEST(CmdlineLexerTest, ValuesFlagsAndOrder) {
  auto r = lex({"-machine", "microvm", "-mem-prealloc", "-m", "512", "-S"});
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->options.size(), 4u);
  EXPECT_EQ(r->options[0].name, "machine");
  EXPECT_EQ(*r->options[0].value, "microvm");
  EXPECT_EQ(r->options[1].name, "mem-prealloc");
  EXPECT_FALSE(r->options[1].value);
  EXPECT_EQ(r->options[3].name, "S");
}

TEST(CmdlineLexerTest, AppendJoinsTokensUntilNextOption) {
  auto r = lex({"-append", "console=ttyS0", "reboot=k", "panic=1", "-m", "256"});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->options[0].value, "console=ttyS0 reboot=k panic=1");
  EXPECT_EQ(r->options[1].name, "m");
}

TEST(CmdlineLexerTest, OptionalValueForD) {
  auto a = lex({"-D", "-m", "256"});
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->options[0].value);
  auto b = lex({"-D", "/tmp/log"});
  ASSERT_TRUE(b);
  EXPECT_EQ(*b->options[0].value, "/tmp/log");
}

TEST(CmdlineLexerTest, HelpVersionAndAliases) {
  auto r = lex({"-h", "-V", "-freeze"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->help);
  EXPECT_TRUE(r->version);
  EXPECT_EQ(r->options[0].name, "S");
  EXPECT_TRUE(lex({"-help"})->help);
  EXPECT_TRUE(lex({"-version"})->version);
  EXPECT_TRUE(lex({"--version"})->version);
}

TEST(CmdlineLexerTest, DoubleDashEndsOptions) {
  auto r = lex({"-m", "256", "--", "-not-an-option", "x"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->options.size(), 1u);
  EXPECT_EQ(r->extra_args, (std::vector<std::string>{"-not-an-option", "x"}));
}

TEST(CmdlineLexerTest, Errors) {
  auto unknown = lex({"-bogus"});
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message(), HasSubstr("unknown option '-bogus'"));
  auto missing = lex({"-kernel"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "-kernel: missing value");
  auto twice = lex({"-m", "256", "-m", "512"});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(), "-m: given more than once");
  auto stray = lex({"microvm"});
  ASSERT_FALSE(stray);
  EXPECT_THAT(stray.error().message(), HasSubstr("unexpected argument 'microvm'"));
  auto flag_value = lex({"-daemonize=yes"});
  ASSERT_FALSE(flag_value);
  EXPECT_THAT(flag_value.error().message(), HasSubstr("takes no value"));
}

TEST(CmdlineLexerTest, RepeatableOptions) {
  auto r = lex({"-device", "a", "-device", "b", "-object", "iothread,id=x", "-object", "iothread,id=y"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->options.size(), 4u);
}

TEST(CmdlineLexerTest, LibvirtIgnoredOptionsWithAndWithoutValues) {
  auto r = lex({"-no-user-config", "-nodefaults", "-nographic", "-overcommit", "mem-lock=off",
                "-rtc", "base=utc", "-no-shutdown", "-boot", "strict=on", "-msg", "timestamp=on",
                "-sandbox", "on,obsolete=deny"});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->options.size(), 9u);
}

TEST(CmdlineLexerTest, UsageListsEveryVisibleOption) {
  std::string u = usage_text();
  for (const auto& o : option_table()) {
    if (!o.usage.empty()) {
      EXPECT_THAT(u, HasSubstr(o.usage));
    }
  }
  EXPECT_THAT(u, HasSubstr("-nodefaults"));
}

}  // namespace
}  // namespace stratovirt::config
