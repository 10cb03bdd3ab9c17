// SPDX-License-Identifier: MulanPSL-2.0
// Port 0x61, the boot debug port and the ACPI power registers.
#include <gtest/gtest.h>

#include <vector>

#include "devices/acpi/power_registers.h"
#include "devices/legacy/debug_port.h"
#include "devices/legacy/serial.h"
#include "fakes.h"
#include "devices/legacy/system_control_port.h"

namespace stratovirt::devices {
namespace {

uint8_t in(BusDevice& d, uint64_t off = 0) {
  uint8_t v = 0;
  d.read(off, std::span<uint8_t>(&v, 1));
  return v;
}
void out(BusDevice& d, uint8_t v, uint64_t off = 0) {
  d.write(off, std::span<const uint8_t>(&v, 1));
}

TEST(SystemControlPortB, ReadsTimer2HighAndKeepsGateBits) {
  SystemControlPortB p;
  EXPECT_EQ(in(p), 0x20);
  out(p, 0xF3);
  EXPECT_EQ(in(p), 0x23);
  out(p, 0x00);
  EXPECT_EQ(in(p), 0x20);
}

TEST(BootDebugPort, RecordsCodesWithElapsedTime) {
  VirtualClock clock{std::chrono::milliseconds(100)};
  std::vector<std::pair<uint8_t, std::chrono::nanoseconds>> seen;
  BootDebugPort port(clock, clock.now(),
                     [&](uint8_t c, std::chrono::nanoseconds t) { seen.emplace_back(c, t); });
  clock.advance(std::chrono::milliseconds(7));
  out(port, kBootCodeKernelStart);
  clock.advance(std::chrono::milliseconds(30));
  out(port, kBootCodeKernelBooted);
  out(port, 0x55, 1);  // not the port's byte: ignored
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, 0x01);
  EXPECT_EQ(seen[0].second, std::chrono::milliseconds(7));
  EXPECT_EQ(seen[1].first, 0x02);
  EXPECT_EQ(seen[1].second, std::chrono::milliseconds(37));
  EXPECT_EQ(in(port), 0xFF);
  EXPECT_EQ(BootDebugPort::describe(123), "guest init reached");
  EXPECT_EQ(BootDebugPort::describe(9), "");
}

TEST(BootDebugPort, TapOverSerialScratchRecordsAndForwards) {
  VirtualClock clock;
  std::vector<uint8_t> codes;
  auto port = std::make_shared<BootDebugPort>(
      clock, clock.now(), [&](uint8_t c, std::chrono::nanoseconds) { codes.push_back(c); });
  testing::FakeIrqLine irq;
  auto serial = std::make_shared<Serial>("serial0", irq, nullptr);
  auto tap = make_debug_port_tap(serial, 7, port);
  EXPECT_EQ(tap->name(), "serial0");
  out(*tap, 0x01, 7);  // 0x3FF
  out(*tap, 0x03, 3);  // LCR: not recorded
  uint16_t wide = 0x0255;  // 16-bit write at 0x3FE: SCR byte is 0x02
  tap->write(6, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&wide), 2));
  EXPECT_EQ(codes, (std::vector<uint8_t>{0x01, 0x02}));
  EXPECT_EQ(in(*tap, 7), 0x02);  // the serial still got its scratch writes
  EXPECT_EQ(in(*tap, 3), 0x03);
}

class AcpiPowerRegistersTest : public ::testing::Test {
 protected:
  int poweroffs_ = 0;
  int resets_ = 0;
  AcpiPowerRegisters regs_{[this] { ++poweroffs_; }, [this] { ++resets_; }};
};

TEST_F(AcpiPowerRegistersTest, LinuxExtendedSleepS5PowersOff) {
  // acpi_hw_extended_sleep(): clear WAK_STS, write SLP_TYP, then SLP_TYP | SLP_EN.
  out(regs_, 0x80, AcpiPowerRegisters::kSleepStatusOffset);
  out(regs_, AcpiPowerRegisters::kSlpTypS5 << 2, AcpiPowerRegisters::kSleepControlOffset);
  EXPECT_EQ(poweroffs_, 0);
  out(regs_, (AcpiPowerRegisters::kSlpTypS5 << 2) | 0x20,
      AcpiPowerRegisters::kSleepControlOffset);
  EXPECT_EQ(poweroffs_, 1);
  EXPECT_EQ(resets_, 0);
}

TEST_F(AcpiPowerRegistersTest, OtherSleepStatesAreIgnored) {
  out(regs_, (3 << 2) | 0x20, AcpiPowerRegisters::kSleepControlOffset);
  out(regs_, (1 << 2) | 0x20, AcpiPowerRegisters::kSleepControlOffset);
  EXPECT_EQ(poweroffs_, 0);
}

TEST_F(AcpiPowerRegistersTest, ResetNeedsTheResetValue) {
  out(regs_, 0x06, AcpiPowerRegisters::kResetOffset);
  EXPECT_EQ(resets_, 0);
  out(regs_, AcpiPowerRegisters::kResetValue, AcpiPowerRegisters::kResetOffset);
  EXPECT_EQ(resets_, 1);
  EXPECT_EQ(poweroffs_, 0);
}

TEST_F(AcpiPowerRegistersTest, ReadsAndOutOfRangeAreHarmless) {
  EXPECT_EQ(in(regs_, AcpiPowerRegisters::kSleepStatusOffset), 0);
  EXPECT_EQ(in(regs_, AcpiPowerRegisters::kSleepControlOffset), 0);
  uint8_t wide[4] = {0, 0, 0, 0x34};
  regs_.write(0, std::span<const uint8_t>(wide, 4));
  EXPECT_EQ(poweroffs_ + resets_, 0);
}

}  // namespace
}  // namespace stratovirt::devices
