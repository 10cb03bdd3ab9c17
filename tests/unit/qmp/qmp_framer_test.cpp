// SPDX-License-Identifier: MulanPSL-2.0
#include "qmp/qmp_framer.h"

#include <gtest/gtest.h>

namespace stratovirt::qmp {
namespace {

TEST(QmpFramerTest, SplitsObjectsWithOrWithoutNewlines) {
  QmpFramer framer(1024);
  framer.feed("{\"execute\":\"a\"}\r\n  {\"execute\":\"b\"}{\"execute\":\"c\"}");
  EXPECT_EQ(framer.next(), "{\"execute\":\"a\"}");
  EXPECT_EQ(framer.next(), "{\"execute\":\"b\"}");
  EXPECT_EQ(framer.next(), "{\"execute\":\"c\"}");
  EXPECT_EQ(framer.next(), std::nullopt);
}

TEST(QmpFramerTest, ReassemblesAnObjectSplitAcrossReads) {
  QmpFramer framer(1024);
  framer.feed("{\"execute\":\"qmp_");
  EXPECT_EQ(framer.next(), std::nullopt);
  framer.feed("capabilities\",\"arguments\":{\"x\":[1,{}]}");
  EXPECT_EQ(framer.next(), std::nullopt);
  framer.feed("}\n");
  EXPECT_EQ(framer.next(), "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"x\":[1,{}]}}");
}

TEST(QmpFramerTest, BracesInsideStringsAndEscapedQuotesDoNotCount) {
  QmpFramer framer(1024);
  std::string msg = R"({"id":"}{\"}","execute":"x"})";
  framer.feed(msg + "{}");
  EXPECT_EQ(framer.next(), msg);
  EXPECT_EQ(framer.next(), "{}");
}

TEST(QmpFramerTest, NonJsonTextIsOneMessagePerLine) {
  QmpFramer framer(1024);
  framer.feed("garbage here\n{}");
  EXPECT_EQ(framer.next(), "garbage here\n");
  EXPECT_EQ(framer.next(), "{}");
  framer.feed("no newline yet");
  EXPECT_EQ(framer.next(), std::nullopt);
}

TEST(QmpFramerTest, OversizedMessageOverflows) {
  QmpFramer framer(16);
  framer.feed("{\"execute\":\"");
  EXPECT_EQ(framer.next(), std::nullopt);
  EXPECT_FALSE(framer.overflowed());
  framer.feed("aaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(framer.next(), std::nullopt);
  EXPECT_TRUE(framer.overflowed());
  framer.feed("{}");
  EXPECT_EQ(framer.next(), std::nullopt);  // stays unusable
}

}  // namespace
}  // namespace stratovirt::qmp
