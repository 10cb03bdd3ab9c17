// SPDX-License-Identifier: MulanPSL-2.0
// KvmIrqLine: KVM_IRQ_LINE on one GSI.
#include "machine/kvm_irq_line.h"

#include <sys/epoll.h>

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

namespace stratovirt::machine {

Result<std::unique_ptr<KvmIrqfdLine>> KvmIrqfdLine::create(const hypervisor::VmFd& vm,
                                                           uint32_t gsi) {
  SV_ASSIGN_OR_RETURN(EventFd fd, EventFd::create());
  SV_RETURN_IF_ERROR(vm.register_irqfd(fd.fd(), gsi));
  return std::unique_ptr<KvmIrqfdLine>(new KvmIrqfdLine(vm, gsi, std::move(fd)));
}

KvmIrqfdLine::~KvmIrqfdLine() {
  if (auto r = vm_.unregister_irqfd(fd_.fd(), gsi_); !r) {
    logger(kLoggerMachine)->warn("irqfd {}: {}", gsi_, r.error());
  }
}

void KvmIrqfdLine::trigger() {
  if (auto r = fd_.write(1); !r) {
    SV_LOG_RATELIMITED(logger(kLoggerMachine), spdlog::level::warn, "irqfd {}: {}", gsi_,
                       r.error());
  }
}

Result<std::unique_ptr<IoEventKick>> IoEventKick::create(const hypervisor::VmFd& vm, uint64_t addr,
                                                         uint32_t queue, EventLoop& loop,
                                                         std::function<void()> kick) {
  SV_ASSIGN_OR_RETURN(EventFd fd, EventFd::create());
  hypervisor::IoEventFdSpec spec;
  spec.addr = addr;
  spec.len = 4;
  spec.datamatch = queue;
  std::unique_ptr<IoEventKick> k(new IoEventKick(vm, spec, loop, std::move(fd)));
  SV_RETURN_IF_ERROR(vm.register_ioeventfd(k->fd_.fd(), spec));
  const EventFd* efd = &k->fd_;
  auto added = loop.add_fd(efd->fd(), EPOLLIN, [efd, kick = std::move(kick)](uint32_t) {
    if (auto n = efd->read(); n && *n > 0) kick();
  });
  if (!added) {
    (void)vm.unregister_ioeventfd(k->fd_.fd(), spec);
    return std::unexpected(added.error());
  }
  k->in_loop_ = true;
  return k;
}

IoEventKick::~IoEventKick() {
  if (in_loop_) loop_.remove_fd(fd_.fd());
  if (auto r = vm_.unregister_ioeventfd(fd_.fd(), spec_); !r) {
    logger(kLoggerMachine)->warn("ioeventfd {:#x}: {}", spec_.addr, r.error());
  }
}

}  // namespace stratovirt::machine
