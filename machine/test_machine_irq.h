// SPDX-License-Identifier: MulanPSL-2.0
//
// TestIrqLines: the interrupt lines of the `-accel test` machine, recorded instead of
// delivered (there is no irqchip and no guest).
//
// One RecordingIrqLine per GSI, created on first use. A level line remembers whether it is
// asserted; an edge line (virtio-mmio) counts the edges raised since the last EOI. The test
// protocol asks `query_intx <gsi>` (asserted or an edge pending) and `eoi_intx <gsi>`
// (forget pending edges; a level line stays as the device holds it). Owned by the test
// machine; lines live as long as it. Threads: lines are raised from any thread (atomics);
// line() from the main thread. Failure: none.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "stratovirt/devices/irq_line.h"

namespace stratovirt::machine {

class RecordingIrqLine final : public IrqLine {
 public:
  void set_level(bool asserted) override { level_.store(asserted); }
  void trigger() override { edges_.fetch_add(1); }

  [[nodiscard]] bool asserted() const { return level_.load(); }
  [[nodiscard]] uint64_t pending_edges() const { return edges_.load(); }
  // Drops pending edges; returns how many there were.
  uint64_t eoi() { return edges_.exchange(0); }

 private:
  std::atomic<bool> level_{false};
  std::atomic<uint64_t> edges_{0};
};

class TestIrqLines {
 public:
  // The line for `gsi` (created on first use; the pointer stays valid).
  RecordingIrqLine* line(uint32_t gsi);
  // query_intx: the line is asserted or has edges pending.
  [[nodiscard]] bool query(uint32_t gsi);
  // eoi_intx: forgets pending edges; true if the line was raised (level or edge).
  bool eoi(uint32_t gsi);

 private:
  std::mutex mu_;
  std::map<uint32_t, std::unique_ptr<RecordingIrqLine>> lines_;
};

}  // namespace stratovirt::machine
