// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/props.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;

TEST(PropsTest, ImplicitKeyFlagsAndValues) {
  auto p = Props::parse("-chardev", "socket,id=c0,path=/tmp/s,server,nowait", "backend");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(*p->get_string("backend").value(), "socket");
  EXPECT_EQ(*p->get_string("id").value(), "c0");
  EXPECT_TRUE(*p->get_bool("server").value());
  EXPECT_TRUE(*p->get_bool("nowait").value());
  EXPECT_TRUE(p->get_string("path").value().has_value());
  EXPECT_TRUE(p->finish());
}

TEST(PropsTest, EscapedCommaIsPartOfTheValue) {
  auto p = Props::parse("-drive", "id=d,file=/a,,b", "");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->get_string("file").value(), "/a,b");
}

TEST(PropsTest, UnknownPropertyIsNamed) {
  auto p = Props::parse("-drive", "id=d,bogus=1", "");
  ASSERT_TRUE(p);
  (void)p->get_string("id");
  auto r = p->finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "-drive: property 'bogus': unknown property");
}

TEST(PropsTest, DuplicateKeyRejected) {
  auto p = Props::parse("-m", "size=1G,size=2G", "size");
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error().message(), HasSubstr("'size' given more than once"));
}

TEST(PropsTest, EmptyTokenRejectedButTrailingCommaAllowed) {
  EXPECT_FALSE(Props::parse("-drive", ",id=a", ""));  // empty leading token
  auto escaped = Props::parse("-drive", "id=a,,", "");
  ASSERT_TRUE(escaped);
  EXPECT_EQ(*escaped->get_string("id").value(), "a,");
  EXPECT_TRUE(Props::parse("-drive", "id=a,", ""));
  EXPECT_FALSE(Props::parse("-drive", "", ""));
  EXPECT_FALSE(Props::parse("-drive", "=x", ""));
}

TEST(PropsTest, JsonFormFlattensAndRenamesTypeKey) {
  auto p = Props::parse("-device",
                        R"({"driver":"virtio-blk-pci","id":"d0","bootindex":1,"share-rw":false,
                            "throttling":{"iops-total":5}})",
                        "driver", "driver");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_TRUE(p->from_json());
  EXPECT_EQ(*p->get_string("driver").value(), "virtio-blk-pci");
  EXPECT_EQ(*p->get_uint("bootindex").value(), 1u);
  EXPECT_FALSE(*p->get_bool("share-rw").value());
  EXPECT_EQ(*p->get_uint("throttling.iops-total").value(), 5u);
}

TEST(PropsTest, JsonRejectsArraysAndGarbage) {
  EXPECT_FALSE(Props::parse("-object", R"({"qom-type":"x","list":[1]})", "qom-type", "qom-type"));
  EXPECT_FALSE(Props::parse("-object", R"({"qom-type":)", "qom-type", "qom-type"));
}

TEST(PropsTest, BareTokenWhereValueNeeded) {
  auto p = Props::parse("-drive", "file", "");
  ASSERT_TRUE(p);
  auto r = p->get_string("file");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("a value is required"));
}

TEST(PropsTest, StringLengthLimit) {
  auto p = Props::parse("-name", "guest=" + std::string(256, 'a'), "guest");
  ASSERT_TRUE(p);
  auto r = p->get_string("guest");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("longer than 255"));
}

TEST(PropsTest, UintRangeAndHex) {
  auto p = Props::parse("-x", "a=0x10,b=300,c=-1,d=12abc", "");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->get_uint("a").value(), 16u);
  auto b = p->get_uint("b", 0, 255);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message(), "-x: property 'b': 300 is out of range [0, 255]");
  EXPECT_FALSE(p->get_uint("c"));
  EXPECT_FALSE(p->get_uint("d"));
}

TEST(ParseSizeTest, SuffixesAndDefaults) {
  EXPECT_EQ(*parse_size("256", kShiftMiB), 256ULL << 20);
  EXPECT_EQ(*parse_size("256m", kShiftMiB), 256ULL << 20);
  EXPECT_EQ(*parse_size("1G", kShiftMiB), 1ULL << 30);
  EXPECT_EQ(*parse_size("2g", kShiftBytes), 2ULL << 30);
  EXPECT_EQ(*parse_size("4k", kShiftBytes), 4096u);
  EXPECT_EQ(*parse_size("268435456", kShiftBytes), 268435456u);
  EXPECT_FALSE(parse_size("1.5G", kShiftMiB));
  EXPECT_FALSE(parse_size("G", kShiftMiB));
  EXPECT_FALSE(parse_size("-1", kShiftMiB));
  EXPECT_FALSE(parse_size("99999999999999999999T", kShiftMiB));
  EXPECT_FALSE(parse_size("17179869184T", kShiftMiB));  // overflows 64 bits
}

TEST(ParseBoolTest, AllSpellings) {
  for (auto t : {"on", "true", "yes", "1"}) EXPECT_TRUE(*parse_bool(t)) << t;
  for (auto f : {"off", "false", "no", "0"}) EXPECT_FALSE(*parse_bool(f)) << f;
  auto bad = parse_bool("maybe");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("expected on or off"));
}

TEST(ParseIdListTest, RangesAndErrors) {
  EXPECT_EQ(*parse_id_list("0-1:4-5", 8), (std::vector<uint32_t>{0, 1, 4, 5}));
  EXPECT_EQ(*parse_id_list("3", 8), (std::vector<uint32_t>{3}));
  EXPECT_FALSE(parse_id_list("2-1", 8));
  EXPECT_FALSE(parse_id_list("0-8", 8));
  EXPECT_FALSE(parse_id_list("0:0", 8));
  EXPECT_FALSE(parse_id_list("0::1", 8));
}

}  // namespace
}  // namespace stratovirt::config
