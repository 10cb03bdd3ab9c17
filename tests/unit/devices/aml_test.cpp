// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/acpi/aml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stratovirt::devices::aml {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

TEST(AmlPkgLength, OneToFourBytes) {
  EXPECT_THAT(pkg_length(0), ElementsAre(0x01));
  EXPECT_THAT(pkg_length(0x3E), ElementsAre(0x3F));
  EXPECT_THAT(pkg_length(0x3F), ElementsAre(0x41, 0x04));  // 0x41 total
  EXPECT_THAT(pkg_length(0xFFD), ElementsAre(0x4F, 0xFF));  // 0xFFF total
  EXPECT_THAT(pkg_length(0xFFE), ElementsAre(0x81, 0x00, 0x01));  // 0x1001 total
  EXPECT_THAT(pkg_length(0x100000), ElementsAre(0xC4, 0x00, 0x00, 0x01));  // 0x100004
}

TEST(AmlNameString, PrefixesAndSegments) {
  EXPECT_THAT(name_string("_HID"), ElementsAre('_', 'H', 'I', 'D'));
  EXPECT_THAT(name_string("\\_SB"), ElementsAre(0x5C, '_', 'S', 'B', '_'));
  EXPECT_THAT(name_string("\\_SB.COM1"),
              ElementsAre(0x5C, 0x2E, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'));
  EXPECT_THAT(name_string("^A.B.C"), ElementsAre(0x5E, 0x2F, 3, 'A', '_', '_', '_', 'B', '_',
                                                 '_', '_', 'C', '_', '_', '_'));
  EXPECT_THAT(name_string(""), ElementsAre(0x00));
  EXPECT_THAT(name_string("toolong"), ElementsAre('_', '_', '_', '_'));  // rejected
}

TEST(AmlInteger, ShortestEncoding) {
  EXPECT_THAT(integer(0), ElementsAre(0x00));
  EXPECT_THAT(integer(1), ElementsAre(0x01));
  EXPECT_THAT(integer(~uint64_t{0}), ElementsAre(0xFF));
  EXPECT_THAT(integer(0x0F), ElementsAre(0x0A, 0x0F));
  EXPECT_THAT(integer(0x3F8), ElementsAre(0x0B, 0xF8, 0x03));
  EXPECT_THAT(integer(0xF0100000), ElementsAre(0x0C, 0x00, 0x00, 0x10, 0xF0));
  EXPECT_THAT(integer(0x100000000), ElementsAre(0x0E, 0, 0, 0, 0, 1, 0, 0, 0));
}

TEST(AmlData, StringEisaIdPackageBuffer) {
  EXPECT_THAT(string("AB"), ElementsAre(0x0D, 'A', 'B', 0x00));
  EXPECT_THAT(eisa_id("PNP0501"), ElementsAre(0x0C, 0x41, 0xD0, 0x05, 0x01));
  EXPECT_THAT(eisa_id("PNP0A03"), ElementsAre(0x0C, 0x41, 0xD0, 0x0A, 0x03));
  EXPECT_THAT(package({integer(5), integer(0)}), ElementsAre(0x12, 0x05, 0x02, 0x0A, 0x05, 0x00));
  const uint8_t raw[] = {1, 2, 3};
  EXPECT_THAT(buffer(raw), ElementsAre(0x11, 0x06, 0x0A, 0x03, 1, 2, 3));
}

TEST(AmlTerms, NameScopeDeviceMethod) {
  EXPECT_THAT(name("\\_S5", package({integer(5), integer(0)})),
              ElementsAre(0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x05, 0x00));
  EXPECT_THAT(device("DEV0", name("_UID", integer(1))),
              ElementsAre(0x5B, 0x82, 0x0B, 'D', 'E', 'V', '0', 0x08, '_', 'U', 'I', 'D', 0x01));
  EXPECT_THAT(scope("\\_SB", {}), ElementsAre(0x10, 0x06, 0x5C, '_', 'S', 'B', '_'));
  EXPECT_THAT(method("_STA", 0, false, return_value(integer(0x0F))),
              ElementsAre(0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xA4, 0x0A, 0x0F));
  EXPECT_THAT(method("M001", 2, true, {}), ElementsAre(0x14, 0x06, 'M', '0', '0', '1', 0x0A));
}

TEST(AmlResources, DescriptorBytes) {
  EXPECT_THAT(io(0x3F8, 0x3F8, 1, 8), ElementsAre(0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08));
  EXPECT_THAT(irq_no_flags(4), ElementsAre(0x22, 0x10, 0x00));
  EXPECT_THAT(memory32_fixed(0xF0100000, 0x200, true),
              ElementsAre(0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x10, 0xF0, 0x00, 0x02, 0x00, 0x00));
  EXPECT_THAT(extended_interrupt(5, {}),
              ElementsAre(0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00));
  InterruptFlags level_low_shared{true, false, true, true, false};
  EXPECT_THAT(extended_interrupt(16, level_low_shared),
              ElementsAre(0x89, 0x06, 0x00, 0x0D, 0x01, 0x10, 0x00, 0x00, 0x00));
  Bytes expected = {0x11, 0x08, 0x0A, 0x05, 0x22, 0x10, 0x00, 0x79, 0x00};
  EXPECT_THAT(resource_template({irq_no_flags(4)}), ElementsAreArray(expected));
}

}  // namespace
}  // namespace stratovirt::devices::aml
