// SPDX-License-Identifier: MulanPSL-2.0
#include "qmp/leak_bucket.h"

namespace stratovirt::qmp {

bool LeakBucket::admit(std::chrono::nanoseconds now) {
  if (last_ && now > *last_) {
    auto elapsed = static_cast<uint64_t>((now - *last_).count());
    level_ns_ = elapsed >= level_ns_ ? 0 : level_ns_ - elapsed;
  }
  if (!last_ || now > *last_) last_ = now;
  if (level_ns_ + cost_ns_ > capacity_ns_) return false;
  level_ns_ += cost_ns_;
  return true;
}

}  // namespace stratovirt::qmp
