// SPDX-License-Identifier: MulanPSL-2.0
// Nothing a driver sends stops the VMM: seeded random register, ring and garbage traffic
// against virtio-blk, virtio-rng, the console and the UART, then QMP and the protocol
// must still answer.
#include <gtest/gtest.h>

#include <random>

#include <fmt/format.h>

#include "support/mod_test/virtio_mmio_driver.h"

namespace stratovirt::testing {
namespace {

TEST(RobustnessTest, RandomDriverTrafficNeverStopsTheVmm) {
  TempDir dir;
  std::string image = dir.write("disk.img", std::string(256 * 1024, '\0'));
  TestVm vm({"-drive", "id=d0,file=" + image, "-device", "virtio-blk-device,drive=d0,id=blk0",
             "-object", "rng-random,id=r0,filename=/dev/urandom", "-device",
             "virtio-rng-device,rng=r0,id=rng0", "-chardev", "file,id=c0,path=/dev/null", "-device",
             "virtio-serial-device,id=vs0", "-device", "virtconsole,chardev=c0,id=con0", "-serial",
             "file,path=/dev/null"});
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  // blk in slot 0, rng and the serial device after the six replaceable slots.
  const uint64_t windows[] = {0xF0100000, 0xF0100C00, 0xF0100E00};
  const uint64_t hot_regs[] = {0x014, 0x020, 0x024, 0x030, 0x038, 0x044, 0x050,
                               0x064, 0x070, 0x080, 0x084, 0x090, 0x0a0, 0x100};
  std::mt19937_64 rng(0x5eed0042);
  auto pick = [&](uint64_t n) { return rng() % n; };
  const char* garbage[] = {"",          "readq",    "write 0 0",           "clock_step x",
                           "\xff\xfe",  "eoi_intx", "write 0x1000 0x4 0x", "query_msix 1",
                           "outb 0x3f8"};
  size_t replies = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string cmd;
    uint64_t win = windows[pick(3)];
    switch (pick(7)) {
      case 0:
      case 1:  // a register the driver programs, with a random or small value
        cmd = fmt::format("writel {:#x} {:#x}", win + hot_regs[pick(std::size(hot_regs))],
                          pick(2) ? rng() & 0xffffffff : pick(0x100));
        break;
      case 2:  // status walks towards DRIVER_OK
        cmd = fmt::format("writel {:#x} {:#x}", win + 0x70, pick(16));
        break;
      case 3:  // any register, any width
        cmd = fmt::format("read{} {:#x}", "bwlq"[pick(4)], win + pick(0x200));
        break;
      case 4:  // descriptors and rings in low RAM, where queues often point
        cmd = fmt::format("writeq {:#x} {:#x}", pick(0x10000) & ~7ULL, rng());
        break;
      case 5:
        cmd = fmt::format("out{} {:#x} {:#x}", "bwl"[pick(3)], 0x3f8 + pick(8), pick(0x100));
        break;
      default:
        cmd = garbage[pick(std::size(garbage))];
        break;
    }
    if (cmd.empty()) cmd = " ";
    std::string reply = vm.command(cmd);
    ASSERT_FALSE(reply.empty()) << "no reply to '" << cmd << "' (command " << i << ")";
    ++replies;
  }
  EXPECT_EQ(replies, 3000u);
  EXPECT_TRUE(process_alive(vm.process().pid()));
  EXPECT_NE(vm.qmp(R"({"execute":"query-status"})").find("\"running\""), std::string::npos);
  vm.writeq(0x3000, 0xfeedface);
  EXPECT_EQ(vm.readq(0x3000), 0xfeedfaceu);
  // And the blk device still works after a reset.
  VirtioMmioDriver d(vm, 0xF0100000, 5);
  GuestAllocator alloc(0x8000000, 0x9000000);
  TestVirtqueue q(vm, alloc, 8);
  ASSERT_TRUE(d.init(kVirtioFVersion1, {&q}));
  uint64_t hdr = alloc.alloc(16), st = alloc.alloc(1);
  vm.writel(hdr, 4);  // FLUSH
  vm.writeb(st, 0xff);
  q.make_available(q.add_chain({{hdr, 16, false}, {st, 1, true}}));
  d.kick(0);
  d.wait_interrupt();
  ASSERT_TRUE(q.pop_used());
  EXPECT_EQ(vm.readb(st), 0u);
}

}  // namespace
}  // namespace stratovirt::testing
