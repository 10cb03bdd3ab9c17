// SPDX-License-Identifier: MulanPSL-2.0
//
// Test doubles for device models: an IrqLine that records its level and a CharBackend
// that records output and lets a test push input the way a real backend would.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "stratovirt/devices/char_backend.h"
#include "stratovirt/devices/irq_line.h"

namespace stratovirt::devices::testing {

class FakeIrqLine : public IrqLine {
 public:
  void set_level(bool asserted) override {
    level = asserted;
    ++level_changes;
  }
  void trigger() override { ++edges; }
  bool level = false;
  int level_changes = 0;
  int edges = 0;
};

class FakeCharBackend : public CharBackend {
 public:
  void write(std::span<const uint8_t> data) override {
    std::lock_guard lock(mu);
    output.append(data.begin(), data.end());
  }
  void set_input_handler(InputHandler h) override { handler = std::move(h); }
  void input_ready() override { ++ready_calls; }
  std::string description() const override { return "fake"; }

  // Offers `s` to the frontend; returns the number of bytes it accepted.
  size_t push(const std::string& s) {
    if (!handler) return 0;
    return handler(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }

  std::mutex mu;
  std::string output;
  InputHandler handler;
  int ready_calls = 0;
};

}  // namespace stratovirt::devices::testing
