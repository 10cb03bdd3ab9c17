// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/legacy/i8042.h"

#include <gtest/gtest.h>

#include "fakes.h"

namespace stratovirt::devices {
namespace {

class I8042Test : public ::testing::Test {
 protected:
  uint8_t in(BusDevice& d) {
    uint8_t v = 0;
    d.read(0, std::span<uint8_t>(&v, 1));
    return v;
  }
  void out(BusDevice& d, uint8_t v) { d.write(0, std::span<const uint8_t>(&v, 1)); }

  int resets_ = 0;
  testing::FakeIrqLine irq_;
  std::shared_ptr<I8042> kbd_ = I8042::create([this] { ++resets_; }, &irq_);
  std::shared_ptr<BusDevice> data_ = kbd_->data_port();
  std::shared_ptr<BusDevice> cmd_ = kbd_->command_port();
};

TEST_F(I8042Test, RebootKWritesFeAfterWaitingForInputBufferEmpty) {
  // Linux kb_wait(): spin while status bit 1 (IBF) is set.
  EXPECT_EQ(in(*cmd_) & 0x02, 0);
  out(*cmd_, 0xFE);
  EXPECT_EQ(resets_, 1);
  EXPECT_EQ(in(*cmd_) & 0x02, 0);
}

TEST_F(I8042Test, OutputPortWriteWithResetBitLowResets) {
  out(*cmd_, 0xD1);
  out(*data_, 0x03);
  EXPECT_EQ(resets_, 0);
  out(*cmd_, 0xD0);
  EXPECT_EQ(in(*data_), 0x03);
  out(*cmd_, 0xD1);
  out(*data_, 0x02);
  EXPECT_EQ(resets_, 1);
}

TEST_F(I8042Test, PulseWithoutResetBitDoesNothing) {
  out(*cmd_, 0xFF);
  EXPECT_EQ(resets_, 0);
}

TEST_F(I8042Test, StatusAndSelfTest) {
  uint8_t st = in(*cmd_);
  EXPECT_EQ(st & 0x01, 0);     // nothing to read
  EXPECT_EQ(st & 0x04, 0x04);  // system flag
  out(*cmd_, 0xAA);
  st = in(*cmd_);
  EXPECT_EQ(st & 0x09, 0x09);  // OBF, last write was a command
  EXPECT_EQ(in(*data_), 0x55);
  EXPECT_EQ(in(*cmd_) & 0x01, 0);
  out(*cmd_, 0xAB);
  EXPECT_EQ(in(*data_), 0x00);
}

TEST_F(I8042Test, CommandByteReadWrite) {
  out(*cmd_, 0x20);
  EXPECT_EQ(in(*data_), 0x45);
  out(*cmd_, 0x60);
  out(*data_, 0x47);
  out(*cmd_, 0x20);
  EXPECT_EQ(in(*data_), 0x47);
  out(*cmd_, 0xAD);
  out(*cmd_, 0x20);
  EXPECT_EQ(in(*data_) & 0x10, 0x10);
}

TEST_F(I8042Test, KeyboardAnswersAtkbdProbeAndRaisesIrq1) {
  out(*data_, 0xF2);  // identify
  EXPECT_TRUE(irq_.level);
  EXPECT_EQ(in(*data_), 0xFA);
  EXPECT_EQ(in(*data_), 0xAB);
  EXPECT_EQ(in(*data_), 0x83);
  EXPECT_FALSE(irq_.level);
  out(*data_, 0xED);  // LEDs + argument: two ACKs
  out(*data_, 0x07);
  EXPECT_EQ(in(*data_), 0xFA);
  EXPECT_EQ(in(*data_), 0xFA);
  out(*data_, 0xFF);
  EXPECT_EQ(in(*data_), 0xFA);
  EXPECT_EQ(in(*data_), 0xAA);
}

TEST_F(I8042Test, KbdIrqFollowsCommandByteEnable) {
  out(*cmd_, 0x60);
  out(*data_, 0x44);  // interrupt off
  out(*data_, 0xEE);
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(in(*cmd_) & 0x01, 0x01);
  EXPECT_EQ(in(*data_), 0xEE);
}

TEST_F(I8042Test, AuxLoopbackMarksAuxByteAndNoKbdIrq) {
  out(*cmd_, 0xD3);
  out(*data_, 0x5A);
  EXPECT_EQ(in(*cmd_) & 0x21, 0x21);
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(in(*data_), 0x5A);
}

TEST_F(I8042Test, FloodingTheOutputQueueIsBounded) {
  for (int i = 0; i < 1000; ++i) out(*data_, 0xF2);
  int n = 0;
  while (in(*cmd_) & 0x01) {
    in(*data_);
    ++n;
  }
  EXPECT_LE(n, 16);
  EXPECT_GT(n, 0);
}

TEST(I8042NoIrq, WorksWithoutIrqLineOrCallback) {
  auto kbd = I8042::create({});
  kbd->write_command(0xFE);
  kbd->write_data(0xF2);
  EXPECT_EQ(kbd->read_data(), 0xFA);
}

}  // namespace
}  // namespace stratovirt::devices
