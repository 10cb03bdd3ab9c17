// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/memory/bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace stratovirt {
namespace {

class RecordingDevice : public BusDevice {
 public:
  explicit RecordingDevice(std::string name) : name_(std::move(name)) {}
  void read(uint64_t offset, std::span<uint8_t> data) override {
    last_offset = offset;
    for (auto& b : data) b = static_cast<uint8_t>(offset);
  }
  void write(uint64_t offset, std::span<const uint8_t> data) override {
    last_offset = offset;
    written.assign(data.begin(), data.end());
  }
  std::string_view name() const override { return name_; }
  uint64_t last_offset = ~0ULL;
  std::vector<uint8_t> written;

 private:
  std::string name_;
};

TEST(Bus, DispatchesBaseRelativeOffsets) {
  auto bus = Bus::create("pio");
  auto uart = std::make_shared<RecordingDevice>("uart");
  ASSERT_TRUE(bus->insert(uart, 0x3F8, 8));
  std::array<uint8_t, 1> b{0x41};
  EXPECT_TRUE(bus->write(0x3FD, b));
  EXPECT_EQ(uart->last_offset, 5U);
  EXPECT_EQ(uart->written, std::vector<uint8_t>{0x41});
  EXPECT_TRUE(bus->read(0x3FF, b));
  EXPECT_EQ(b[0], 7);
}

TEST(Bus, UnmappedReadsAllOnes) {
  auto bus = Bus::create("mmio");
  std::array<uint8_t, 4> b{};
  EXPECT_FALSE(bus->read(0x1000, b));
  EXPECT_EQ(b[3], 0xFF);
  EXPECT_FALSE(bus->write(0x1000, b));
}

TEST(Bus, OverlapRejectedAdjacentAccepted) {
  auto bus = Bus::create("mmio");
  auto a = std::make_shared<RecordingDevice>("a");
  ASSERT_TRUE(bus->insert(a, 0x1000, 0x200));
  auto r = bus->insert(std::make_shared<RecordingDevice>("b"), 0x11FF, 0x10);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("overlaps a"), std::string::npos);
  EXPECT_FALSE(bus->insert(std::make_shared<RecordingDevice>("c"), 0xF00, 0x101));
  EXPECT_FALSE(bus->insert(std::make_shared<RecordingDevice>("d"), 0x1000, 1));
  EXPECT_FALSE(bus->insert(std::make_shared<RecordingDevice>("e"), 0x0, 0));
  EXPECT_TRUE(bus->insert(std::make_shared<RecordingDevice>("f"), 0x1200, 0x200));
  EXPECT_TRUE(bus->insert(std::make_shared<RecordingDevice>("g"), 0xE00, 0x200));
}

TEST(Bus, AccessStraddlingEndMisses) {
  auto bus = Bus::create("mmio");
  ASSERT_TRUE(bus->insert(std::make_shared<RecordingDevice>("a"), 0x1000, 4));
  std::array<uint8_t, 4> b{};
  EXPECT_TRUE(bus->read(0x1000, b));
  EXPECT_FALSE(bus->read(0x1002, b));
}

TEST(Bus, RemoveKeepsDeviceAliveForHolder) {
  auto bus = Bus::create("mmio");
  auto a = std::make_shared<RecordingDevice>("a");
  ASSERT_TRUE(bus->insert(a, 0x1000, 4));
  EXPECT_EQ(a.use_count(), 2);
  ASSERT_TRUE(bus->remove(0x1000));
  EXPECT_EQ(a.use_count(), 1);
  EXPECT_FALSE(bus->remove(0x1000));
  std::array<uint8_t, 1> b{};
  EXPECT_FALSE(bus->read(0x1000, b));
}

}  // namespace
}  // namespace stratovirt
