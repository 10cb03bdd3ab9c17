// SPDX-License-Identifier: MulanPSL-2.0
// VmFd: VM ioctls.
#include "stratovirt/hypervisor/vm_fd.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>

#include "src/hypervisor/kvm/kvm_abi.h"

namespace stratovirt::hypervisor {
namespace {

Result<void> vm_ioctl(int fd, unsigned long req, const void* arg, const char* what) {
  if (::ioctl(fd, req, arg) < 0) return sys_errorf("kvm: {}", what);
  return ok();
}

kvm_ioeventfd make_ioeventfd(int event_fd, const IoEventFdSpec& spec, bool deassign) {
  kvm_ioeventfd io{};
  io.addr = spec.addr;
  io.len = spec.len;
  io.fd = event_fd;
  if (spec.pio) io.flags |= KVM_IOEVENTFD_FLAG_PIO;
  if (spec.datamatch) {
    io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
    io.datamatch = *spec.datamatch;
  }
  if (deassign) io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
  return io;
}

}  // namespace

Result<void> VmFd::set_memory_region(uint32_t slot, uint64_t guest_addr, uint64_t size,
                                     void* host_addr, bool readonly) const {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.flags = readonly ? KVM_MEM_READONLY : 0;
  region.guest_phys_addr = guest_addr;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host_addr);
  if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0) {
    return sys_errorf("kvm: KVM_SET_USER_MEMORY_REGION slot {} [{:#x}, {:#x})", slot, guest_addr,
                      guest_addr + size);
  }
  return ok();
}

Result<void> VmFd::set_tss_addr(uint64_t addr) const {
  if (::ioctl(fd_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(addr)) < 0) {
    return sys_errorf("kvm: KVM_SET_TSS_ADDR {:#x}", addr);
  }
  return ok();
}

Result<void> VmFd::set_identity_map_addr(uint64_t addr) const {
  return vm_ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &addr, "KVM_SET_IDENTITY_MAP_ADDR");
}

Result<void> VmFd::create_irqchip() const {
  if (::ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0) < 0) return sys_errorf("kvm: KVM_CREATE_IRQCHIP");
  return ok();
}

Result<void> VmFd::create_pit2() const {
  kvm_pit_config pit{};
  pit.flags = KVM_PIT_SPEAKER_DUMMY;
  return vm_ioctl(fd_.get(), KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2");
}

Result<void> VmFd::irq_line(uint32_t irq, bool level) const {
  kvm_irq_level line{};
  line.irq = irq;
  line.level = level ? 1 : 0;
  if (::ioctl(fd_.get(), KVM_IRQ_LINE, &line) < 0) return sys_errorf("kvm: KVM_IRQ_LINE {}", irq);
  return ok();
}

Result<void> VmFd::register_irqfd(int event_fd, uint32_t gsi) const {
  kvm_irqfd irqfd{};
  irqfd.fd = static_cast<uint32_t>(event_fd);
  irqfd.gsi = gsi;
  if (::ioctl(fd_.get(), KVM_IRQFD, &irqfd) < 0) return sys_errorf("kvm: KVM_IRQFD gsi {}", gsi);
  return ok();
}

Result<void> VmFd::unregister_irqfd(int event_fd, uint32_t gsi) const {
  kvm_irqfd irqfd{};
  irqfd.fd = static_cast<uint32_t>(event_fd);
  irqfd.gsi = gsi;
  irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
  if (::ioctl(fd_.get(), KVM_IRQFD, &irqfd) < 0) {
    return sys_errorf("kvm: KVM_IRQFD deassign gsi {}", gsi);
  }
  return ok();
}

Result<void> VmFd::register_ioeventfd(int event_fd, const IoEventFdSpec& spec) const {
  auto io = make_ioeventfd(event_fd, spec, false);
  if (::ioctl(fd_.get(), KVM_IOEVENTFD, &io) < 0) {
    return sys_errorf("kvm: KVM_IOEVENTFD {} {:#x}/{}", spec.pio ? "pio" : "mmio", spec.addr,
                      spec.len);
  }
  return ok();
}

Result<void> VmFd::unregister_ioeventfd(int event_fd, const IoEventFdSpec& spec) const {
  auto io = make_ioeventfd(event_fd, spec, true);
  if (::ioctl(fd_.get(), KVM_IOEVENTFD, &io) < 0) {
    return sys_errorf("kvm: KVM_IOEVENTFD deassign {:#x}", spec.addr);
  }
  return ok();
}

Result<void> VmFd::set_gsi_routing(const std::vector<kvm_irq_routing_entry>& entries) const {
  abi::FlexBuffer<kvm_irq_routing_entry> buf{std::span<const kvm_irq_routing_entry>(entries)};
  return vm_ioctl(fd_.get(), abi::kSetGsiRouting, buf.data(), "KVM_SET_GSI_ROUTING");
}

Result<void> VmFd::signal_msi(uint64_t address, uint32_t data) const {
  kvm_msi msi{};
  msi.address_lo = static_cast<uint32_t>(address);
  msi.address_hi = static_cast<uint32_t>(address >> 32);
  msi.data = data;
  return vm_ioctl(fd_.get(), KVM_SIGNAL_MSI, &msi, "KVM_SIGNAL_MSI");
}

Result<VcpuFd> VmFd::create_vcpu(uint32_t id) const {
  int raw = ::ioctl(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(id));
  if (raw < 0) return sys_errorf("kvm: KVM_CREATE_VCPU {}", id);
  UniqueFd fd(raw);
  void* run = ::mmap(nullptr, vcpu_mmap_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (run == MAP_FAILED) return sys_errorf("kvm: mmap kvm_run of vcpu {}", id);
  return VcpuFd(std::move(fd), id, static_cast<kvm_run*>(run), vcpu_mmap_size_);
}

}  // namespace stratovirt::hypervisor
