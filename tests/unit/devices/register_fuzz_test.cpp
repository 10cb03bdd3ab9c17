// SPDX-License-Identifier: MulanPSL-2.0
// Random guest register traffic (seeded, reproducible): models never crash, and the
// serial's interrupt line always agrees with what IIR reports.
#include <gtest/gtest.h>

#include <random>

#include "devices/acpi/power_registers.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/serial.h"
#include "fakes.h"

namespace stratovirt::devices {
namespace {

TEST(RegisterFuzz, SerialIrqLineMatchesIirUnderRandomTraffic) {
  testing::FakeIrqLine irq;
  testing::FakeCharBackend backend;
  Serial serial("fuzz", irq, &backend);
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> reg(0, 9);  // includes offsets past the registers
  std::uniform_int_distribution<int> action(0, 9);
  for (int i = 0; i < 200000; ++i) {
    int a = action(rng);
    uint8_t v = static_cast<uint8_t>(byte(rng));
    uint64_t off = static_cast<uint64_t>(reg(rng));
    if (a < 4) {
      serial.write(off, std::span<const uint8_t>(&v, 1));
    } else if (a < 8) {
      serial.read(off, std::span<uint8_t>(&v, 1));
    } else if (a == 8) {
      backend.push(std::string(static_cast<size_t>(byte(rng) % 24), 'k'));
    } else {
      bool level = irq.level;
      uint8_t lcr = 0;
      serial.read(3, std::span<uint8_t>(&lcr, 1));
      if (lcr & 0x80) continue;  // IIR is reachable with DLAB set too, but keep it simple
      uint8_t iir = 0;
      serial.read(2, std::span<uint8_t>(&iir, 1));
      ASSERT_EQ(level, (iir & 0x01) == 0) << "iteration " << i << " iir " << int(iir);
      uint8_t lsr = 0;
      serial.read(5, std::span<uint8_t>(&lsr, 1));
      ASSERT_EQ(lsr & 0x60, 0x60);
    }
  }
}

TEST(RegisterFuzz, I8042AndPowerRegistersSurviveRandomTraffic) {
  int resets = 0;
  int poweroffs = 0;
  testing::FakeIrqLine irq;
  auto kbd = I8042::create([&] { ++resets; }, &irq);
  auto data = kbd->data_port();
  auto cmd = kbd->command_port();
  AcpiPowerRegisters pm([&] { ++poweroffs; }, [&] { ++resets; });
  std::mt19937 rng(777);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 100000; ++i) {
    uint8_t v = static_cast<uint8_t>(byte(rng));
    uint8_t wide[8] = {v, v, v, v, v, v, v, v};
    size_t len = size_t{1} << (byte(rng) % 4);
    switch (byte(rng) % 5) {
      case 0: data->write(0, std::span<const uint8_t>(wide, len)); break;
      case 1: cmd->write(0, std::span<const uint8_t>(wide, len)); break;
      case 2: data->read(0, std::span<uint8_t>(wide, len)); break;
      case 3: cmd->read(0, std::span<uint8_t>(wide, len)); break;
      default: pm.write(static_cast<uint64_t>(byte(rng) % 4), std::span<const uint8_t>(wide, len));
    }
    ASSERT_EQ(cmd->name(), "i8042-cmd");
  }
  EXPECT_GT(resets, 0);  // random traffic hits 0xFE / reset values now and then
  EXPECT_GT(poweroffs, 0);
}

}  // namespace
}  // namespace stratovirt::devices
