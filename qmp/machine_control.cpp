// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/machine_control.h"

#include <fmt/format.h>

namespace stratovirt::qmp {

std::string_view to_string(RunState state) {
  switch (state) {
    case RunState::kPrelaunch: return "prelaunch";
    case RunState::kRunning: return "running";
    case RunState::kPaused: return "paused";
    case RunState::kShutdown: return "shutdown";
    case RunState::kInternalError: return "internal-error";
    case RunState::kGuestPanicked: return "guest-panicked";
  }
  return "running";
}

bool needs_reset(RunState state) {
  return state == RunState::kShutdown || state == RunState::kInternalError ||
         state == RunState::kGuestPanicked;
}

std::string_view to_string(ShutdownCause cause) {
  switch (cause) {
    case ShutdownCause::kHostError: return "host-error";
    case ShutdownCause::kHostQmpQuit: return "host-qmp-quit";
    case ShutdownCause::kHostQmpSystemReset: return "host-qmp-system-reset";
    case ShutdownCause::kHostSignal: return "host-signal";
    case ShutdownCause::kGuestShutdown: return "guest-shutdown";
    case ShutdownCause::kGuestReset: return "guest-reset";
    case ShutdownCause::kGuestPanic: return "guest-panic";
  }
  return "host-error";
}

bool is_guest(ShutdownCause cause) {
  return cause == ShutdownCause::kGuestShutdown || cause == ShutdownCause::kGuestReset ||
         cause == ShutdownCause::kGuestPanic;
}

CpuProps cpu_props(const config::SmpConfig& smp, uint32_t index) {
  uint32_t threads = smp.threads == 0 ? 1 : smp.threads;
  uint32_t cores = smp.cores == 0 ? 1 : smp.cores;
  uint32_t dies = smp.dies == 0 ? 1 : smp.dies;
  CpuProps p;
  p.thread_id = index % threads;
  p.core_id = (index / threads) % cores;
  uint32_t die = (index / (threads * cores)) % dies;
  if (dies > 1) p.die_id = die;
  p.socket_id = index / (threads * cores * dies);
  return p;
}

std::vector<HotpluggableCpu> topology_cpus(const config::SmpConfig& smp,
                                           const std::vector<VcpuInfo>& online) {
  std::vector<HotpluggableCpu> slots;
  uint32_t max = smp.maxcpus < smp.cpus ? smp.cpus : smp.maxcpus;
  for (uint32_t i = 0; i < max; ++i) {
    HotpluggableCpu slot;
    slot.type = "host-x86_64-cpu";
    slot.props = cpu_props(smp, i);
    for (const auto& v : online) {
      if (v.index == i) slot.qom_path = fmt::format("/machine/unattached/device[{}]", i);
    }
    slots.push_back(std::move(slot));
  }
  return slots;
}

}  // namespace stratovirt::qmp
