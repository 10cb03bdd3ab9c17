// SPDX-License-Identifier: MulanPSL-2.0
// virtio-rng-device and virtio-serial-device/virtconsole through the real binary under
// `-accel test`: entropy bytes from the rng-random source (with the max-bytes/period limit
// on the virtual clock), console output to and input from a socket chardev.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "support/mod_test/virtio_mmio_driver.h"

namespace stratovirt::testing {
namespace {

// The first device that is not virtio-blk/net sits after the six replaceable slots.
constexpr uint64_t kFirstOtherBase = 0xF0100C00;
constexpr uint32_t kFirstOtherIrq = 11;

// Sets up every queue the device has (QueueNumMax != 0), sizes `size`.
std::vector<std::unique_ptr<TestVirtqueue>> start_all_queues(TestVm& vm, VirtioMmioDriver& d,
                                                             GuestAllocator& alloc,
                                                             uint16_t size = 16) {
  std::vector<std::unique_ptr<TestVirtqueue>> qs;
  d.reset();
  EXPECT_TRUE(d.negotiate(kVirtioFVersion1));
  for (uint32_t q = 0; q < 16 && d.queue_num_max(q) != 0; ++q) {
    qs.push_back(std::make_unique<TestVirtqueue>(vm, alloc, size));
    d.setup_queue(q, *qs.back());
  }
  d.driver_ok();
  EXPECT_EQ(d.status() & vstatus::kNeedsReset, 0u);
  return qs;
}

// The source must be a character device: /dev/zero makes the delivered bytes checkable.
TEST(RngTest, EntropyBytesComeFromTheSource) {
  TestVm vm({"-object", "rng-random,id=r0,filename=/dev/zero", "-device",
             "virtio-rng-device,rng=r0,id=vrng0"});
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  VirtioMmioDriver d(vm, kFirstOtherBase, kFirstOtherIrq);
  EXPECT_EQ(d.magic(), 0x74726976u);
  EXPECT_EQ(d.device_id(), 4u);
  GuestAllocator alloc;
  auto qs = start_all_queues(vm, d, alloc);
  ASSERT_EQ(qs.size(), 1u);
  uint64_t buf = alloc.alloc(100);
  vm.memset(buf, 100, 0xcc);
  qs[0]->make_available(qs[0]->add_chain({{buf, 100, true}}));
  d.kick(0);
  EXPECT_NE(d.wait_interrupt() & 1, 0u);
  auto used = qs[0]->pop_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->len, 100u);
  EXPECT_EQ(vm.read(buf, 100), std::vector<uint8_t>(100, 0));
}

TEST(RngTest, MaxBytesPerPeriodHoldsOnTheVirtualClock) {
  TestVm vm({"-object", "rng-random,id=r0,filename=/dev/urandom", "-device",
             "virtio-rng-device,rng=r0,id=vrng0,max-bytes=64,period=1000"});
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  VirtioMmioDriver d(vm, kFirstOtherBase, kFirstOtherIrq);
  GuestAllocator alloc;
  auto qs = start_all_queues(vm, d, alloc);
  ASSERT_EQ(qs.size(), 1u);
  auto& q = *qs[0];
  uint64_t total = 0;
  auto drain = [&] {
    while (auto u = q.pop_used()) total += u->len;
  };
  for (int i = 0; i < 4; ++i) {
    uint64_t buf = alloc.alloc(64);
    q.make_available(q.add_chain({{buf, 64, true}}));
  }
  d.kick(0);
  d.wait_interrupt();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // real time does not count
  drain();
  EXPECT_EQ(total, 64u);  // one period's worth
  for (int round = 0; round < 10 && total < 256; ++round) {
    vm.clock_step(1000000000);
    eventually([&] { return q.used_idx() == 4; }, std::chrono::milliseconds(50));
    drain();
  }
  EXPECT_EQ(total, 256u);
  EXPECT_GE(vm.clock_step(0), 3000000000u);  // four periods' bytes took three more seconds
}

TEST(ConsoleTest, OutputReachesTheSocketAndInputReachesTheGuest) {
  TempDir dir;
  std::string sock = dir.file("console.sock");
  TestVm vm({"-chardev", "socket,id=con0,path=" + sock + ",server,nowait", "-device",
             "virtio-serial-device,id=vs0", "-device", "virtconsole,chardev=con0,id=c0"});
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  UniqueFd host = connect_unix_stream(sock);
  ASSERT_TRUE(host.valid());
  VirtioMmioDriver d(vm, kFirstOtherBase, kFirstOtherIrq);
  EXPECT_EQ(d.device_id(), 3u);
  GuestAllocator alloc;
  auto qs = start_all_queues(vm, d, alloc);
  ASSERT_GE(qs.size(), 2u);  // receiveq0, transmitq0 (+ control queues)

  // Guest → host on transmitq0.
  std::string text = "login: h2\n";
  uint64_t tx = alloc.alloc(text.size());
  vm.write(tx, std::vector<uint8_t>(text.begin(), text.end()));
  qs[1]->make_available(qs[1]->add_chain({{tx, static_cast<uint32_t>(text.size()), false}}));
  d.kick(1);
  std::string got;
  std::string pending;
  ASSERT_TRUE(eventually([&] {
    got += read_crlf_line(host.get(), pending, 50);
    return pending == text || got == text;
  })) << got
      << pending;
  EXPECT_TRUE(qs[1]->pop_used());

  // Host → guest on receiveq0.
  uint64_t rx = alloc.alloc(64);
  qs[0]->make_available(qs[0]->add_chain({{rx, 64, true}}));
  d.kick(0);
  ASSERT_EQ(::send(host.get(), "ping", 4, MSG_NOSIGNAL), 4);
  std::optional<UsedElem> used;
  ASSERT_TRUE(eventually([&] { return (used = qs[0]->pop_used()).has_value(); }));
  EXPECT_EQ(used->len, 4u);
  auto bytes = vm.read(rx, 4);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "ping");
  EXPECT_TRUE(d.wait_interrupt() & 1);
}

}  // namespace
}  // namespace stratovirt::testing
