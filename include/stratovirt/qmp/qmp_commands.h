// SPDX-License-Identifier: MulanPSL-2.0
//
// The QMP command table of this build: register_commands() fills a QmpDispatcher with
// every command docs/qmp.md lists (lifecycle, probes libvirt and govmm run, vCPU and
// chardev queries, QOM introspection, getfd/closefd, a minimal human-monitor-command).
// Handlers reach the VM only through MachineControl, emit events into the EventQueue
// and keep passed fds in the FdRegistry; everything in CommandEnv must outlive the
// dispatcher. Device hot-plug commands (device_add, blockdev-add, netdev_add, ...) come
// with the virtio work and are absent here (CommandNotFound).
// Threads: handlers run on the main loop thread. Failure: errors are QMP replies.
#pragma once

#include <functional>

#include "stratovirt/config/vm_config.h"
#include "stratovirt/qmp/fd_registry.h"
#include "stratovirt/qmp/machine_control.h"
#include "stratovirt/qmp/qmp_dispatcher.h"
#include "stratovirt/qmp/qmp_events.h"

namespace stratovirt::qmp {

struct CommandEnv {
  MachineControl& machine;
  EventQueue& events;
  FdRegistry& fds;
  const config::VmConfig& config;
  // Whether /dev/kvm opens with the expected API version (query-kvm "present").
  std::function<bool()> kvm_present;
};

// True when `path` opens read-write and KVM_GET_API_VERSION answers 12.
bool probe_kvm(const char* path = "/dev/kvm");

void register_commands(QmpDispatcher& dispatcher, const CommandEnv& env);

}  // namespace stratovirt::qmp
