// SPDX-License-Identifier: MulanPSL-2.0
//
// ByteBucket: virtio-rng's max-bytes per period as a token bucket over a Clock.
//
// Holds at most `max_bytes` (one period's worth), refilled continuously at max_bytes per
// period, so over any interval T at most max_bytes + rate*T bytes are handed out. Starts
// full. Exact integer arithmetic (byte-nanoseconds in 128 bits), so no drift and no
// overflow for any period the config layer accepts. Owned by one RngDevice, used under
// its mutex. No failure modes: asking for more than is available is the caller's bug and
// clamps to zero.
#pragma once

#include <chrono>
#include <cstdint>

#include "stratovirt/base/clock.h"

namespace stratovirt::virtio {

class ByteBucket {
 public:
  ByteBucket(uint64_t max_bytes, std::chrono::milliseconds period, const Clock& clock);

  [[nodiscard]] uint64_t capacity() const { return max_bytes_; }
  // Whole bytes that may be handed out now.
  uint64_t available();
  void take(uint64_t bytes);
  // How long until `bytes` (≤ capacity) are available; zero when they are now.
  std::chrono::nanoseconds time_until(uint64_t bytes);

 private:
  void refill();

  uint64_t max_bytes_;
  unsigned __int128 period_ns_;
  const Clock& clock_;
  unsigned __int128 credit_;  // bytes * period_ns
  std::chrono::nanoseconds last_;
};

}  // namespace stratovirt::virtio
