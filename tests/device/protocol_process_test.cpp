// SPDX-License-Identifier: MulanPSL-2.0
// `stratovirt -accel test` end to end: connect-back, the protocol on the real binary,
// QMP beside it, shutdown when the driver goes away, startup errors.
#include <gtest/gtest.h>

#include "support/mod_test/test_vm.h"

namespace stratovirt::testing {
namespace {

TEST(ProtocolProcessTest, ConnectsBackAndServesQmpBesideTheProtocol) {
  TestVm vm;
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  EXPECT_EQ(vm.qmp(R"({"execute":"query-status"})"),
            R"({"return":{"running":true,"singlestep":false,"status":"running"}})");
  vm.writeq(0x1000, 0x1122334455667788);
  EXPECT_EQ(vm.readq(0x1000), 0x1122334455667788u);
  EXPECT_EQ(vm.readl(0x1004), 0x11223344u);
  // The microvm's RAM ends at -m (256 MiB by default): the last byte is RAM, the next is not.
  EXPECT_EQ(vm.command("writeb 0xfffffff 0x5a"), "OK");
  EXPECT_EQ(vm.command("readb 0xfffffff"), "OK 0x000000000000005a");
  EXPECT_EQ(vm.command("readb 0x10000000").rfind("ERR no RAM or device at 0x10000000", 0), 0u);
  EXPECT_EQ(vm.qmp(R"({"execute":"stop"})"), R"({"return":{}})");
  EXPECT_NE(vm.qmp(R"({"execute":"query-status"})").find("\"paused\""), std::string::npos);
  EXPECT_EQ(vm.qmp(R"({"execute":"cont"})"), R"({"return":{}})");
  EXPECT_EQ(vm.qmp(R"({"execute":"quit"})"), R"({"return":{}})");
  EXPECT_EQ(vm.process().wait(), 0) << vm.process().err();
}

TEST(ProtocolProcessTest, GarbageGetsRepliesAndTheVmmStaysUp) {
  TestVm vm;
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  EXPECT_EQ(vm.command("hello world"), "Unsupported command");
  EXPECT_EQ(vm.command(std::string(3000, 'x')), "Unsupported command");
  EXPECT_EQ(vm.command("readq").rfind("ERR usage", 0), 0u);
  EXPECT_EQ(vm.command("write 0x0 0x2 0xzzzz").rfind("ERR ", 0), 0u);
  EXPECT_EQ(vm.command("memset 0xffffffffffff 0x1000 0x0").rfind("ERR ", 0), 0u);
  EXPECT_EQ(vm.command(std::string("readb\0\x01\xff", 8)), "Unsupported command");
  EXPECT_EQ(vm.command(std::string("readb 0x\0\xff", 10)).rfind("ERR ", 0), 0u);
  EXPECT_TRUE(process_alive(vm.process().pid()));
  EXPECT_EQ(vm.command("readb 0x0"), "OK 0x0000000000000000");
}

TEST(ProtocolProcessTest, NewlineSeparatedLinesAndLargeWrites) {
  TestVm vm;
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  ASSERT_TRUE(vm.send_raw("writeb 0x10 0x1\nwriteb 0x11 0x2\r\nreadw 0x10\n"));
  EXPECT_EQ(vm.reply_line(), "OK");
  EXPECT_EQ(vm.reply_line(), "OK");
  EXPECT_EQ(vm.reply_line(), "OK 0x0000000000000201");
  // 256 KiB in one message (512 Ki hex digits: several socket reads on the VMM side).
  std::vector<uint8_t> data(256 * 1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  vm.write(0x200000, data);
  EXPECT_EQ(vm.read(0x200000, data.size()), data);
  vm.memset(0x200000, 0x100, 0xee);
  EXPECT_EQ(vm.readq(0x2000f8), 0xeeeeeeeeeeeeeeeeu);
  EXPECT_EQ(vm.read(0x200100, 8), std::vector<uint8_t>(data.begin() + 0x100, data.begin() + 0x108));
}

TEST(ProtocolProcessTest, VirtualClockMovesOnlyWhenStepped) {
  TestVm vm;
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  EXPECT_EQ(vm.clock_step(), 0u);  // no timer pending
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(vm.clock_step(), 0u);
  EXPECT_EQ(vm.clock_step(1500), 1500u);
  EXPECT_EQ(vm.clock_set(1000000), 1000000u);
  EXPECT_EQ(vm.clock_set(5), 1000000u);
}

TEST(ProtocolProcessTest, SerialOutputReachesItsChardevAndRaisesIrq4) {
  TempDir logs;
  std::string log = logs.file("serial.log");
  TestVm vm2({"-chardev", "file,id=con,path=" + log, "-serial", "chardev:con"});
  ASSERT_TRUE(vm2.ready()) << vm2.startup_error();
  for (char c : std::string("hi\n")) vm2.out('b', 0x3f8, static_cast<uint8_t>(c));
  EXPECT_EQ(vm2.in('b', 0x3fd) & 0x60, 0x60u);  // LSR: THR and transmitter empty
  EXPECT_FALSE(vm2.query_intx(4));
  vm2.out('b', 0x3f9, 0x02);  // IER: THR empty interrupt
  EXPECT_TRUE(vm2.query_intx(4));
  EXPECT_EQ(vm2.in('b', 0x3fa) & 0x0f, 0x02u);  // IIR: THR empty, which reading clears
  EXPECT_FALSE(vm2.query_intx(4));
  vm2.close_test_socket();
  EXPECT_EQ(vm2.process().wait(), 0);
  EXPECT_EQ(slurp(log), "hi\n");
}

TEST(ProtocolProcessTest, ClosingTheTestSocketShutsTheVmmDown) {
  TestVm vm;
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  vm.close_test_socket();
  EXPECT_EQ(vm.process().wait(), 0) << vm.process().err();
}

TEST(ProtocolProcessTest, MachineAccelPropertyAndSigterm) {
  TestVm vm({}, /*machine_property=*/true);
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  EXPECT_EQ(vm.command("readb 0x0"), "OK 0x0000000000000000");
  vm.process().signal(SIGTERM);
  EXPECT_EQ(vm.process().wait(), 0) << vm.process().err();
}

TEST(ProtocolProcessTest, StartupErrorsNameTheirCause) {
  TempDir dir;
  std::string qmp = "unix:" + dir.file("q.sock") + ",server,nowait";
  Process nobody(
      {"-accel", "test", "-machine", "microvm", "-qmp", qmp, "-mod-test", dir.file("nobody.sock")},
      dir.path());
  EXPECT_EQ(nobody.wait(), 1);
  EXPECT_NE(nobody.err().find("-mod-test " + dir.file("nobody.sock") +
                              ": cannot connect to the test driver"),
            std::string::npos)
      << nobody.err();
  Process no_socket({"-accel", "test", "-machine", "microvm", "-qmp", qmp}, dir.path());
  EXPECT_EQ(no_socket.wait(), 1);
  EXPECT_NE(no_socket.err().find("-accel test: needs -mod-test"), std::string::npos)
      << no_socket.err();
  Process q35({"-accel", "test", "-machine", "q35", "-qmp", qmp, "-mod-test", dir.file("t.sock")},
              dir.path());
  EXPECT_EQ(q35.wait(), 1);
  EXPECT_NE(q35.err().find("-machine q35: not supported yet (accel=test)"), std::string::npos)
      << q35.err();
}

}  // namespace
}  // namespace stratovirt::testing
