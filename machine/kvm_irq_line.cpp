// SPDX-License-Identifier: MulanPSL-2.0
// KvmIrqLine: KVM_IRQ_LINE on one GSI.
#include "machine/kvm_irq_line.h"

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::machine {

void KvmIrqLine::set_level(bool asserted) {
  if (auto r = vm_.irq_line(gsi_, asserted); !r) {
    SV_LOG_RATELIMITED(logger(kLoggerMachine), spdlog::level::warn, "irq {}: {}", gsi_, r.error());
  }
}

void KvmIrqLine::trigger() {
  set_level(true);
  set_level(false);
}

}  // namespace stratovirt::machine
