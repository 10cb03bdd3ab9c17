// SPDX-License-Identifier: MulanPSL-2.0
// Recorded interrupt lines of the `-accel test` machine.
#include "machine/test_machine_irq.h"

namespace stratovirt::machine {

RecordingIrqLine* TestIrqLines::line(uint32_t gsi) {
  std::lock_guard lock(mu_);
  auto& slot = lines_[gsi];
  if (!slot) slot = std::make_unique<RecordingIrqLine>();
  return slot.get();
}

bool TestIrqLines::query(uint32_t gsi) {
  RecordingIrqLine* l = line(gsi);
  return l->asserted() || l->pending_edges() > 0;
}

bool TestIrqLines::eoi(uint32_t gsi) {
  RecordingIrqLine* l = line(gsi);
  bool level = l->asserted();
  return l->eoi() > 0 || level;
}

}  // namespace stratovirt::machine
