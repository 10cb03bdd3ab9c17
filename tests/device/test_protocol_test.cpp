// SPDX-License-Identifier: MulanPSL-2.0
// The -mod-test command set in process: RAM, MMIO and PIO buses, recorded IRQs, the clock.
#include "machine/test_protocol.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "stratovirt/memory/mmap_region.h"

namespace stratovirt::machine {
namespace {

// A 4-byte register that remembers the last write and echoes it.
class Register final : public BusDevice {
 public:
  void read(uint64_t offset, std::span<uint8_t> data) override {
    std::memset(data.data(), 0, data.size());
    std::memcpy(data.data(), bytes_.data() + offset, std::min<size_t>(data.size(), 4 - offset));
    last_read_width = data.size();
  }
  void write(uint64_t offset, std::span<const uint8_t> data) override {
    std::memcpy(bytes_.data() + offset, data.data(), std::min<size_t>(data.size(), 4 - offset));
  }
  std::string_view name() const override { return "reg"; }
  size_t last_read_width = 0;

 private:
  std::array<uint8_t, 8> bytes_{};
};

class TestProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto region = memory::MmapRegion::anonymous(0x10000, {});
    ASSERT_TRUE(region);
    ASSERT_TRUE(
        memory_.add_region(0, 0x10000, std::make_shared<memory::MmapRegion>(std::move(*region))));
    ASSERT_TRUE(mmio_->insert(reg_, 0xF0000000, 4));
    ASSERT_TRUE(pio_->insert(port_, 0x70, 4));
    auto loop = EventLoop::create("test", clock_);
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    target_ = TestTarget{&memory_, mmio_.get(), pio_.get(), &irqs_, &clock_, loop_.get()};
  }
  std::string run(std::string_view cmd) { return execute_test_command(cmd, target_); }

  memory::GuestMemory memory_;
  std::unique_ptr<Bus> mmio_ = Bus::create("mmio");
  std::unique_ptr<Bus> pio_ = Bus::create("pio");
  std::shared_ptr<Register> reg_ = std::make_shared<Register>();
  std::shared_ptr<Register> port_ = std::make_shared<Register>();
  TestIrqLines irqs_;
  VirtualClock clock_;
  std::unique_ptr<EventLoop> loop_;
  TestTarget target_;
};

TEST_F(TestProtocolTest, RamReadWriteInEveryWidth) {
  EXPECT_EQ(run("writeb 0x100 0xab"), "OK");
  EXPECT_EQ(run("readb 0x100"), "OK 0x00000000000000ab");
  EXPECT_EQ(run("writew 0x102 0x1234"), "OK");
  EXPECT_EQ(run("readw 0x102"), "OK 0x0000000000001234");
  EXPECT_EQ(run("writel 104 deadbeef"), "OK");  // "0x" is optional
  EXPECT_EQ(run("readl 0x104"), "OK 0x00000000deadbeef");
  EXPECT_EQ(run("writeq 0x108 0x0123456789abcdef"), "OK");
  EXPECT_EQ(run("readq 0x108"), "OK 0x0123456789abcdef");
  // Little-endian bytes in memory order.
  EXPECT_EQ(run("read 0x108 0x4"), "OK 0xefcdab89");
  EXPECT_EQ(run("write 0x200 0x3 0x010203"), "OK");
  EXPECT_EQ(run("read 0x200 3"), "OK 0x010203");
  EXPECT_EQ(run("memset 0x200 0x2 0x7f"), "OK");
  EXPECT_EQ(run("read 0x1ff 0x4"), "OK 0x007f7f03");
}

TEST_F(TestProtocolTest, MmioAccessesReachTheBus) {
  EXPECT_EQ(run("writel 0xf0000000 0x11223344"), "OK");
  EXPECT_EQ(run("readl 0xf0000000"), "OK 0x0000000011223344");
  EXPECT_EQ(reg_->last_read_width, 4u);
  EXPECT_EQ(run("readw 0xf0000002"), "OK 0x0000000000001122");
  EXPECT_EQ(reg_->last_read_width, 2u);
  EXPECT_EQ(run("read 0xf0000000 4"), "OK 0x44332211");
}

TEST_F(TestProtocolTest, AddressesNeitherRamNorDeviceAreErrors) {
  EXPECT_EQ(run("readl 0x20000000").rfind("ERR no RAM or device at 0x20000000", 0), 0u);
  EXPECT_EQ(run("writeq 0xfffffffffffffff8 1").rfind("ERR ", 0), 0u);
  EXPECT_EQ(run("read 0xfff0 0x20").rfind("ERR ", 0), 0u);   // crosses the end of RAM
  EXPECT_EQ(run("read 0xf0000000 3").rfind("ERR ", 0), 0u);  // MMIO: 1/2/4/8 only
  EXPECT_EQ(run("memset 0xf0000000 4 0").rfind("ERR ", 0), 0u);
  EXPECT_EQ(run("read 0 0").rfind("ERR ", 0), 0u);
  EXPECT_EQ(run("read 0 0x2000000").rfind("ERR ", 0), 0u);  // above the 16 MiB limit
}

TEST_F(TestProtocolTest, MalformedCommandsAreRefusedNotFatal) {
  EXPECT_EQ(run("frobnicate 1 2"), "Unsupported command");
  EXPECT_EQ(run(""), "Unsupported command");
  EXPECT_EQ(run("readz 0"), "Unsupported command");
  EXPECT_EQ(run("inq 0x70"), "Unsupported command");
  EXPECT_EQ(run("readb").rfind("ERR usage: read[bwlq] <addr>", 0), 0u);
  EXPECT_EQ(run("readb 0xZZ").rfind("ERR address '0xZZ' is not a 64-bit hex number", 0), 0u);
  EXPECT_EQ(run("readb 0x11111111111111111").rfind("ERR ", 0), 0u);  // 65 bits
  EXPECT_EQ(run("writeb 0 0x100").rfind("ERR value 0x100 does not fit in 1 bytes", 0), 0u);
  EXPECT_EQ(run("write 0 4 0x0102").rfind("ERR data has 4 hex digits, 4 bytes need 8", 0), 0u);
  EXPECT_EQ(run("write 0 1 0xzz").rfind("ERR ", 0), 0u);
  EXPECT_EQ(run("clock_step -5").rfind("ERR ", 0), 0u);
  EXPECT_EQ(run("clock_step 0x10").rfind("ERR ", 0), 0u);  // clock arguments are decimal
  EXPECT_EQ(run("query_intx 99999").rfind("ERR ", 0), 0u);
  EXPECT_EQ(run("readb 0 extra").rfind("ERR usage", 0), 0u);
}

TEST_F(TestProtocolTest, ClockStepRunsDueTimersAndStepsToTheNextDeadline) {
  int fired = 0;
  loop_->add_timer(std::chrono::nanoseconds(1000), [&] { ++fired; });
  loop_->add_timer(std::chrono::nanoseconds(5000), [&] { fired += 10; });
  EXPECT_EQ(run("clock_step 999"), "OK 999");
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(run("clock_step 1"), "OK 1000");
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(run("clock_step"), "OK 5000");  // to the next deadline
  EXPECT_EQ(fired, 11);
  EXPECT_EQ(run("clock_step"), "OK 5000");      // nothing pending: time stays
  EXPECT_EQ(run("clock_set 4000"), "OK 5000");  // never backwards
  loop_->add_timer(std::chrono::nanoseconds(100), [&] { fired += 100; });
  EXPECT_EQ(run("clock_set 6000"), "OK 6000");
  EXPECT_EQ(fired, 111);
  EXPECT_EQ(run("clock_step 9223372036854775807").rfind("ERR ", 0), 0u);
}

TEST_F(TestProtocolTest, InterruptsAreRecordedAndAcknowledged) {
  EXPECT_EQ(run("query_intx 5"), "OK FALSE");
  irqs_.line(5)->trigger();
  EXPECT_EQ(run("query_intx 5"), "OK TRUE");
  EXPECT_EQ(run("query_intx 5"), "OK TRUE");  // query does not consume
  EXPECT_EQ(run("eoi_intx 5"), "OK TRUE");
  EXPECT_EQ(run("query_intx 5"), "OK FALSE");
  EXPECT_EQ(run("eoi_intx 5"), "OK FALSE");
  irqs_.line(4)->set_level(true);
  EXPECT_EQ(run("eoi_intx 4"), "OK TRUE");
  EXPECT_EQ(run("query_intx 4"), "OK TRUE");  // a level line stays up until the device lowers it
  irqs_.line(4)->set_level(false);
  EXPECT_EQ(run("query_intx 4"), "OK FALSE");
  EXPECT_EQ(run("query_msix 4276092928 1"), "OK FALSE");  // no MSI on the microvm
}

TEST_F(TestProtocolTest, PortIo) {
  EXPECT_EQ(run("outl 0x70 0xcafef00d"), "OK");
  EXPECT_EQ(run("inl 0x70"), "OK 0x00000000cafef00d");
  EXPECT_EQ(run("inb 0x71"), "OK 0x00000000000000f0");
  EXPECT_EQ(run("outw 0x70 0x1"), "OK");
  EXPECT_EQ(run("inw 0x70"), "OK 0x0000000000000001");
  EXPECT_EQ(run("inb 0x80"), "OK 0x00000000000000ff");  // nothing there: floats high
  EXPECT_EQ(run("outb 0x80 0x1"), "OK");
  EXPECT_EQ(run("inb 0x10000").rfind("ERR port 0x10000 is above 0xffff", 0), 0u);
}

TEST(TestCommandFramingTest, IncompleteWritesAreRecognised) {
  EXPECT_TRUE(test_command_incomplete("write 0x0 0x4 0x0102"));
  EXPECT_TRUE(test_command_incomplete("write 0x0 0x4"));
  EXPECT_FALSE(test_command_incomplete("write 0x0 0x4 0x01020304"));
  EXPECT_FALSE(test_command_incomplete("readb 0x0"));
  EXPECT_FALSE(test_command_incomplete("write 0x0 0x0 0x"));
}

}  // namespace
}  // namespace stratovirt::machine
