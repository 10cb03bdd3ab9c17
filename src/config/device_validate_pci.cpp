// SPDX-License-Identifier: MulanPSL-2.0
//
// PCI topology checks for q35: buses (pcie.0 and root ports), slots, functions,
// multifunction, and automatic slot assignment for devices without addr=.
#include <map>
#include <tuple>

#include "src/config/device_parse.h"

namespace stratovirt::config::device_detail {
namespace {

constexpr uint8_t kHostBridgeSlot = 0;  // MCH at 00.0
constexpr uint8_t kLpcSlot = 0x1f;      // ICH9 LPC at 1f.0
constexpr uint8_t kMaxSlot = 31;
constexpr uint8_t kMaxFunction = 7;

using Slot = std::tuple<std::string, uint8_t, uint8_t>;  // bus, slot, function

std::string where(const std::string& bus, PciAddr a) {
  return fmt::format("{} slot {:#x} function {}", bus, a.slot, a.function);
}

class Topology {
 public:
  Topology() {
    used_[{std::string(kPciRootBus), kHostBridgeSlot, 0}] = "the q35 host bridge";
    used_[{std::string(kPciRootBus), kLpcSlot, 0}] = "the ICH9 LPC bridge";
  }

  Result<void> claim(const DeviceConfig& dev) {
    const PciPlacement& p = *dev.pci;
    Slot key{p.bus, p.addr->slot, p.addr->function};
    auto [it, inserted] = used_.emplace(key, dev.id);
    if (!inserted) {
      std::string owner = it->second.starts_with("the ") ? it->second
                                                         : fmt::format("'{}'", it->second);
      return std::unexpected(device_prop_error(
          dev, "addr", fmt::format("{} is already used by {}", where(p.bus, *p.addr), owner),
          ErrorCode::kAlreadyExists));
    }
    return ok();
  }

  bool slot_free(const std::string& bus, uint8_t slot) const {
    for (uint8_t f = 0; f <= kMaxFunction; ++f) {
      if (used_.contains(Slot{bus, slot, f})) return false;
    }
    return true;
  }

 private:
  std::map<Slot, std::string> used_;
};

Result<void> check_bus(const DeviceConfig& dev, const std::map<std::string, bool>& root_ports) {
  const PciPlacement& p = *dev.pci;
  bool is_root_port = std::holds_alternative<PcieRootPort>(dev.spec);
  if (p.bus == kPciRootBus) return ok();
  if (is_root_port) {
    return std::unexpected(device_prop_error(
        dev, "bus", fmt::format("'{}': root ports attach to pcie.0 only (no PCI bridges)",
                                p.bus)));
  }
  if (!root_ports.contains(p.bus)) {
    return std::unexpected(device_prop_error(
        dev, "bus", fmt::format("'{}' is neither pcie.0 nor the id of a pcie-root-port", p.bus),
        ErrorCode::kNotFound));
  }
  if (p.addr && p.addr->slot != 0) {
    return std::unexpected(device_prop_error(
        dev, "addr",
        fmt::format("devices under root port '{}' must use slot 0, not {:#x}", p.bus,
                    p.addr->slot)));
  }
  return ok();
}

}  // namespace

Result<void> validate_pci_topology(std::vector<DeviceConfig>& devices) {
  std::map<std::string, bool> root_ports;
  for (const auto& dev : devices) {
    if (std::holds_alternative<PcieRootPort>(dev.spec)) root_ports[dev.id] = true;
  }
  Topology topo;
  for (const auto& dev : devices) {
    if (!dev.pci) continue;
    SV_RETURN_IF_ERROR(check_bus(dev, root_ports));
    if (dev.pci->addr) SV_RETURN_IF_ERROR(topo.claim(dev));
  }
  // Devices without addr= take the lowest wholly free slot of their bus.
  for (auto& dev : devices) {
    if (!dev.pci || dev.pci->addr) continue;
    const std::string& bus = dev.pci->bus;
    uint8_t last = bus == kPciRootBus ? kMaxSlot : 0;
    bool placed = false;
    for (uint8_t slot = 0; slot <= last && !placed; ++slot) {
      if (!topo.slot_free(bus, slot)) continue;
      dev.pci->addr = PciAddr{slot, 0};
      SV_RETURN_IF_ERROR(topo.claim(dev));
      placed = true;
    }
    if (!placed) {
      return std::unexpected(device_prop_error(
          dev, "bus", fmt::format("no free slot left on '{}' for a device without addr", bus),
          ErrorCode::kOutOfRange));
    }
  }
  // A function other than 0 needs function 0 of the same slot, with multifunction=on.
  for (const auto& dev : devices) {
    if (!dev.pci || dev.pci->addr->function == 0) continue;
    const DeviceConfig* head = nullptr;
    for (const auto& other : devices) {
      if (other.pci && other.pci->bus == dev.pci->bus &&
          other.pci->addr->slot == dev.pci->addr->slot && other.pci->addr->function == 0) {
        head = &other;
      }
    }
    if (head == nullptr || !head->pci->multifunction) {
      return std::unexpected(device_prop_error(
          dev, "addr",
          fmt::format("{} needs a device at function 0 of that slot with multifunction=on{}",
                      where(dev.pci->bus, *dev.pci->addr),
                      head ? fmt::format(" ('{}' does not set it)", head->id) : "")));
    }
  }
  return ok();
}

}  // namespace stratovirt::config::device_detail
