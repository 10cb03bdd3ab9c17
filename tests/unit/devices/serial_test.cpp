// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/legacy/serial.h"

#include <gtest/gtest.h>

#include "fakes.h"

namespace stratovirt::devices {
namespace {

using testing::FakeCharBackend;
using testing::FakeIrqLine;

constexpr uint64_t kRbr = 0, kThr = 0, kDll = 0, kIer = 1, kDlm = 1, kIir = 2, kFcr = 2,
                   kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;

class SerialTest : public ::testing::Test {
 protected:
  uint8_t in(uint64_t reg) {
    uint8_t v = 0;
    serial_.read(reg, std::span<uint8_t>(&v, 1));
    return v;
  }
  void out(uint64_t reg, uint8_t v) { serial_.write(reg, std::span<const uint8_t>(&v, 1)); }

  // What serial8250_do_startup/set_termios do: 115200 8N1, FIFO on (trigger 14), OUT2|DTR|RTS.
  void linux_startup() {
    out(kLcr, 0x80);
    out(kDll, 0x01);
    out(kDlm, 0x00);
    out(kLcr, 0x03);
    out(kFcr, 0x01 | 0x02 | 0x04 | 0xC0);
    out(kMcr, 0x0B);
  }

  FakeIrqLine irq_;
  FakeCharBackend backend_;
  Serial serial_{"serial0", irq_, &backend_};
};

TEST_F(SerialTest, PowerOnState) {
  EXPECT_EQ(in(kIir), 0x01);  // no interrupt, FIFOs off
  EXPECT_EQ(in(kLsr), 0x60);  // THRE | TEMT
  EXPECT_EQ(in(kMsr), 0xB0);  // DCD | DSR | CTS
  EXPECT_EQ(in(kIer), 0x00);
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(serial_.name(), "serial0");
}

TEST_F(SerialTest, ScratchAndIerProbeLikeAutoconfig) {
  out(kScr, 0xA5);
  EXPECT_EQ(in(kScr), 0xA5);
  out(kScr, 0x5A);
  EXPECT_EQ(in(kScr), 0x5A);
  out(kIer, 0x00);
  EXPECT_EQ(in(kIer) & 0x0F, 0x00);
  out(kIer, 0xFF);
  EXPECT_EQ(in(kIer), 0x0F);  // only the four defined bits stick
  out(kIer, 0x00);
}

TEST_F(SerialTest, LoopbackProbeSeesModemLinesAndEchoesData) {
  out(kMcr, 0x10 | 0x0A);  // LOOP | OUT2 | RTS
  EXPECT_EQ(in(kMsr) & 0xF0, 0x90);  // DCD | CTS, as autoconfig expects
  out(kMcr, 0x10 | 0x05);             // LOOP | OUT1 | DTR
  uint8_t msr = in(kMsr);
  EXPECT_EQ(msr & 0xF0, 0x60);  // RI | DSR
  EXPECT_EQ(msr & 0x0F, 0x0B);  // DCTS | DDSR | DDCD (RI rose: no TERI)
  EXPECT_EQ(in(kMsr) & 0x0F, 0x00);  // deltas cleared by the read

  out(kThr, 'x');
  EXPECT_EQ(in(kLsr) & 0x01, 0x01);
  EXPECT_EQ(in(kRbr), 'x');
  EXPECT_TRUE(backend_.output.empty());  // loopback output never reaches the host
  out(kMcr, 0x00);
  EXPECT_EQ(in(kMsr) & 0xF0, 0xB0);
}

TEST_F(SerialTest, FifoEnableReportedIn16550AIirBits) {
  out(kFcr, 0x01);
  EXPECT_EQ(in(kIir) >> 6, 3);  // 16550A
  // 16750 check: FCR bit 5 with DLAB set must not make IIR bit 5 read back.
  out(kLcr, 0x80);
  out(kFcr, 0x21);
  out(kLcr, 0x00);
  EXPECT_EQ(in(kIir) >> 5, 6);
  out(kFcr, 0x00);
  EXPECT_EQ(in(kIir) & 0xC0, 0x00);
}

TEST_F(SerialTest, DivisorLatchIsSeparateFromDataAndIer) {
  out(kLcr, 0x80);
  out(kDll, 0x34);
  out(kDlm, 0x12);
  EXPECT_EQ(in(kDll), 0x34);
  EXPECT_EQ(in(kDlm), 0x12);
  out(kLcr, 0x03);
  EXPECT_EQ(in(kIer), 0x00);
  EXPECT_EQ(in(kLcr), 0x03);
  out(kThr, 'A');
  EXPECT_EQ(backend_.output, "A");
}

TEST_F(SerialTest, TransmitGoesToBackendAndThreInterruptFollowsLinuxTxPath) {
  linux_startup();
  EXPECT_FALSE(irq_.level);
  out(kIer, 0x02);  // start_tx: enable THRI
  EXPECT_TRUE(irq_.level);
  EXPECT_EQ(in(kIir), 0xC2);  // THRE, FIFOs on; reading acknowledges it
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(in(kIir), 0xC1);
  for (char c : std::string("hello\r\n")) out(kThr, static_cast<uint8_t>(c));
  EXPECT_EQ(backend_.output, "hello\r\n");
  EXPECT_TRUE(irq_.level);  // THR empty again
  out(kIer, 0x00);          // stop_tx
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(in(kLsr) & 0x60, 0x60);
}

TEST_F(SerialTest, ThreBugProbeSeesInterruptWhenEnablingThri) {
  // serial8250_do_startup: IER=THRI, read IIR, IER=0, IER=THRI, read IIR.
  out(kIer, 0x02);
  EXPECT_EQ(in(kIir) & 0x01, 0x00);
  out(kIer, 0x00);
  out(kIer, 0x02);
  EXPECT_EQ(in(kIir) & 0x0F, 0x02);
  out(kIer, 0x00);
}

TEST_F(SerialTest, ReceiveRaisesTimeoutThenRdaAtTriggerLevel) {
  linux_startup();
  out(kIer, 0x05);  // RDI | RLSI
  EXPECT_EQ(backend_.push("abc"), 3u);
  EXPECT_TRUE(irq_.level);
  EXPECT_EQ(in(kIir), 0xCC);  // below trigger 14: character timeout
  EXPECT_EQ(backend_.push("defghijklmn"), 11u);
  EXPECT_EQ(in(kIir), 0xC4);  // 14 bytes: data available
  std::string got;
  while (in(kLsr) & 0x01) got.push_back(static_cast<char>(in(kRbr)));
  EXPECT_EQ(got, "abcdefghijklmn");
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(in(kIir), 0xC1);
}

TEST_F(SerialTest, BackPressureAcceptsOnlyWhatFitsAndSignalsReady) {
  linux_startup();
  std::string big(40, 'z');
  EXPECT_EQ(backend_.push(big), Serial::kFifoSize);
  EXPECT_EQ(backend_.push("q"), 0u);
  EXPECT_EQ(backend_.ready_calls, 0);
  in(kRbr);
  EXPECT_EQ(backend_.ready_calls, 1);
  in(kRbr);
  EXPECT_EQ(backend_.ready_calls, 1);  // only once per refusal
  EXPECT_EQ(backend_.push("12"), 2u);
}

TEST_F(SerialTest, WithoutFifoHoldingRegisterTakesOneByte) {
  out(kIer, 0x01);
  EXPECT_EQ(backend_.push("xy"), 1u);
  EXPECT_EQ(in(kIir), 0x04);
  EXPECT_EQ(in(kRbr), 'x');
  EXPECT_EQ(backend_.ready_calls, 1);
  EXPECT_EQ(in(kIir), 0x01);
}

TEST_F(SerialTest, FcrClearDropsReceivedData) {
  linux_startup();
  EXPECT_EQ(backend_.push("abcd"), 4u);
  out(kFcr, 0x03);
  EXPECT_EQ(in(kLsr) & 0x01, 0x00);
  EXPECT_EQ(in(kRbr), 0x00);  // empty RBR reads zero
}

TEST_F(SerialTest, LoopbackOverrunRaisesLineStatusInterrupt) {
  out(kFcr, 0x01);
  out(kMcr, 0x10);
  out(kIer, 0x04);
  for (int i = 0; i < 17; ++i) out(kThr, static_cast<uint8_t>(i));
  EXPECT_TRUE(irq_.level);
  EXPECT_EQ(in(kIir) & 0x0F, 0x06);
  EXPECT_EQ(in(kLsr) & 0x03, 0x03);  // DR | OE; reading clears OE
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(in(kLsr) & 0x02, 0x00);
}

TEST_F(SerialTest, LoopbackHoldsBackHostInputUntilItEnds) {
  out(kFcr, 0x01);
  out(kMcr, 0x10);
  EXPECT_EQ(backend_.push("a"), 0u);
  out(kMcr, 0x0B);
  EXPECT_EQ(backend_.ready_calls, 1);
  EXPECT_EQ(backend_.push("a"), 1u);
}

TEST_F(SerialTest, ModemStatusInterruptOnLoopbackLineChange) {
  out(kMcr, 0x10);
  in(kMsr);  // clear deltas from entering loopback
  out(kIer, 0x08);
  EXPECT_FALSE(irq_.level);
  out(kMcr, 0x12);  // RTS -> CTS
  EXPECT_TRUE(irq_.level);
  EXPECT_EQ(in(kIir), 0x00);
  EXPECT_EQ(in(kMsr) & 0x0F, 0x01);
  EXPECT_FALSE(irq_.level);
}

TEST_F(SerialTest, WideAndOutOfRangeAccessesDoNotCrash) {
  uint8_t buf[4] = {1, 2, 3, 4};
  serial_.write(6, std::span<const uint8_t>(buf, 4));  // MSR (ignored), SCR = 2, beyond
  EXPECT_EQ(in(kScr), 2);
  uint8_t rd[4] = {};
  serial_.read(6, std::span<uint8_t>(rd, 4));
  EXPECT_EQ(rd[1], 2);
  EXPECT_EQ(rd[2], 0xFF);
  EXPECT_EQ(rd[3], 0xFF);
}

TEST_F(SerialTest, ResetRestoresPowerOnStateAndLowersIrq) {
  linux_startup();
  out(kIer, 0x02);
  EXPECT_TRUE(irq_.level);
  out(kScr, 9);
  serial_.reset();
  EXPECT_FALSE(irq_.level);
  EXPECT_EQ(in(kScr), 0);
  EXPECT_EQ(in(kIir), 0x01);
}

TEST(SerialNoBackend, OutputIsDiscarded) {
  FakeIrqLine irq;
  Serial s("s", irq, nullptr);
  uint8_t v = 'a';
  s.write(0, std::span<const uint8_t>(&v, 1));
  uint8_t lsr = 0;
  s.read(5, std::span<uint8_t>(&lsr, 1));
  EXPECT_EQ(lsr, 0x60);
}

TEST(SerialBackendLifetime, HandlerOutlivingTheSerialDiscardsInput) {
  FakeIrqLine irq;
  FakeCharBackend backend;
  {
    Serial s("s", irq, &backend);
    ASSERT_TRUE(static_cast<bool>(backend.handler));
    EXPECT_EQ(backend.push("ab"), 1u);  // FIFO off: one-byte holding register
  }
  EXPECT_EQ(backend.push("later"), 5u);  // consumed and dropped, no use of the dead Serial
}

TEST(SerialBackendLifetime, BackendMayBeDestroyedFirst) {
  FakeIrqLine irq;
  auto backend = std::make_unique<FakeCharBackend>();
  auto s = std::make_shared<Serial>("s", irq, backend.get());
  backend.reset();  // machine teardown order: backend, then the bus holding the Serial
  s.reset();        // must not touch the freed backend (ASan checks this)
  SUCCEED();
}

}  // namespace
}  // namespace stratovirt::devices
