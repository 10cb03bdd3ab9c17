// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/legacy/system_control_port.h"

namespace stratovirt::devices {
namespace {
constexpr uint8_t kTimer2Out = 0x20;
constexpr uint8_t kWritableBits = 0x0F;
}  // namespace

void SystemControlPortB::read(uint64_t offset, std::span<uint8_t> data) {
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = (offset + i == 0) ? static_cast<uint8_t>(kTimer2Out | latch_.load()) : 0xFF;
  }
}

void SystemControlPortB::write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset == 0 && !data.empty()) latch_.store(data[0] & kWritableBits);
}

}  // namespace stratovirt::devices
