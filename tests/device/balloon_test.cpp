// SPDX-License-Identifier: MulanPSL-2.0
// virtio-balloon-device through the real binary under `-accel test`: QMP balloon sets the
// target and raises a config interrupt, an inflated page is given back to the host (reads
// zero), the driver's `actual` shows in query-balloon.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/mod_test/virtio_mmio_driver.h"

namespace stratovirt::testing {
namespace {

using nlohmann::json;

constexpr uint64_t kBase = 0xF0100C00;  // first window after the six replaceable slots
constexpr uint32_t kIrq = 11;
constexpr uint64_t kRam = 256ULL << 20;
constexpr uint64_t kVictim = 0x8000000;  // 128 MiB, far from the test allocator's area

uint64_t query_actual(TestVm& vm) {
  json r = json::parse(vm.qmp(R"({"execute":"query-balloon"})"));
  return r["return"]["actual"].get<uint64_t>();
}

TEST(BalloonTest, QmpTargetInflateAndActual) {
  TestVm vm({"-m", "256", "-device", "virtio-balloon-device,id=balloon0,deflate-on-oom=on"});
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  VirtioMmioDriver d(vm, kBase, kIrq);
  EXPECT_EQ(d.device_id(), 5u);
  EXPECT_EQ(d.device_features() & ((uint64_t{1} << 32) | 4), (uint64_t{1} << 32) | 4);
  EXPECT_EQ(query_actual(vm), kRam);

  GuestAllocator alloc;
  TestVirtqueue inflate(vm, alloc, 16);
  TestVirtqueue deflate(vm, alloc, 16);
  ASSERT_TRUE(d.init(kVirtioFVersion1, {&inflate, &deflate}));

  EXPECT_EQ(vm.qmp(R"({"execute":"balloon","arguments":{"value":134217728}})"), R"({"return":{}})");
  EXPECT_NE(d.wait_interrupt() & 2, 0u);  // configuration change
  EXPECT_EQ(d.config(0, 'l'), (kRam - (128ULL << 20)) / 4096);
  EXPECT_NE(vm.qmp(R"({"execute":"balloon","arguments":{"value":536870912}})").find("error"),
            std::string::npos);

  vm.memset(kVictim, 4096, 0xAB);
  uint64_t pfns = alloc.alloc(4);
  uint32_t pfn = kVictim >> 12;
  vm.write(pfns, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&pfn), 4));
  inflate.make_available(inflate.add_chain({{pfns, 4, false}}));
  d.kick(0);
  EXPECT_NE(d.wait_interrupt() & 1, 0u);
  ASSERT_TRUE(inflate.pop_used());
  EXPECT_EQ(vm.read(kVictim, 4096), std::vector<uint8_t>(4096, 0));

  vm.writel(kBase + 0x100 + 4, 1);  // actual = 1 page
  EXPECT_EQ(query_actual(vm), kRam - 4096);
  EXPECT_EQ(d.status() & vstatus::kNeedsReset, 0u);
}

TEST(BalloonTest, SecondBalloonIsRefused) {
  TestVm vm({"-device", "virtio-balloon-device,id=b0", "-device", "virtio-balloon-device,id=b1"});
  EXPECT_FALSE(vm.ready());
  EXPECT_NE(vm.startup_error().find("only one virtio-balloon device is allowed"), std::string::npos)
      << vm.startup_error();
}

TEST(BalloonTest, WithoutABalloonQmpSaysDeviceNotActive) {
  TestVm vm;
  ASSERT_TRUE(vm.ready()) << vm.startup_error();
  EXPECT_NE(vm.qmp(R"({"execute":"query-balloon"})").find("DeviceNotActive"), std::string::npos);
}

}  // namespace
}  // namespace stratovirt::testing
