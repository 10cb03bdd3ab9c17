// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/legacy/debug_port.h"

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::devices {

BootDebugPort::BootDebugPort(const Clock& clock, std::chrono::nanoseconds vmm_start,
                             MilestoneCallback on_code)
    : clock_(clock), vmm_start_(vmm_start), on_code_(std::move(on_code)) {}

void BootDebugPort::read(uint64_t, std::span<uint8_t> data) {
  for (auto& b : data) b = 0xFF;
}

void BootDebugPort::write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset == 0 && !data.empty()) record(data[0]);
}

std::string_view BootDebugPort::describe(uint8_t code) {
  switch (code) {
    case kBootCodeKernelStart: return "kernel starts to boot";
    case kBootCodeKernelBooted: return "kernel boot complete";
    case kBootCodeFirecrackerInit: return "guest init reached";
    default: return "";
  }
}

void BootDebugPort::record(uint8_t code) {
  auto elapsed = clock_.now() - vmm_start_;
  auto what = describe(code);
  double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  SV_LOG_RATELIMITED(logger(kLoggerDevices), spdlog::level::info,
                     "boot debug port: code {:#04x}{}{} at {:.3f} ms since vmm start", code,
                     what.empty() ? "" : " ", what, ms);
  if (on_code_) on_code_(code, elapsed);
}

namespace {

class DebugPortTap final : public BusDevice {
 public:
  DebugPortTap(std::shared_ptr<BusDevice> inner, uint64_t tap_offset,
               std::shared_ptr<BootDebugPort> port)
      : inner_(std::move(inner)), tap_offset_(tap_offset), port_(std::move(port)) {}
  void read(uint64_t offset, std::span<uint8_t> data) override { inner_->read(offset, data); }
  void write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset <= tap_offset_ && tap_offset_ - offset < data.size()) {
      port_->record(data[tap_offset_ - offset]);
    }
    inner_->write(offset, data);
  }
  std::string_view name() const override { return inner_->name(); }

 private:
  std::shared_ptr<BusDevice> inner_;
  uint64_t tap_offset_;
  std::shared_ptr<BootDebugPort> port_;
};

}  // namespace

std::shared_ptr<BusDevice> make_debug_port_tap(std::shared_ptr<BusDevice> inner,
                                               uint64_t tap_offset,
                                               std::shared_ptr<BootDebugPort> port) {
  return std::make_shared<DebugPortTap>(std::move(inner), tap_offset, std::move(port));
}

}  // namespace stratovirt::devices
