// SPDX-License-Identifier: MulanPSL-2.0
//
// C-layout views of the KVM ioctl structs that end in a flexible array.
//
// The UAPI headers declare those arrays with __DECLARE_FLEX_ARRAY, which under C++ wraps
// them in a struct with an empty member: sizeof() and the array offset then differ from the
// kernel's C layout (kvm_cpuid2 is 12 bytes in C++, 8 in C), so the ioctl numbers built from
// sizeof() are wrong and the kernel answers EINVAL. This header restates the 8-byte headers
// and the ioctl numbers with the C sizes. Private to src/hypervisor/kvm/.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace stratovirt::hypervisor::abi {

// kvm_cpuid2, kvm_msrs and kvm_irq_routing all start with two u32s, then the array.
struct FlexHeader {
  uint32_t count;
  uint32_t second;  // padding (cpuid2, msrs) or flags (irq_routing)
};
static_assert(sizeof(FlexHeader) == 8);

inline constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, FlexHeader);
inline constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, FlexHeader);
inline constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, FlexHeader);
inline constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, FlexHeader);
inline constexpr unsigned long kSetGsiRouting = _IOW(KVMIO, 0x6a, FlexHeader);

// A zeroed buffer holding a FlexHeader followed by `count` entries of T.
template <typename T>
class FlexBuffer {
 public:
  explicit FlexBuffer(uint32_t count)
      : bytes_(sizeof(FlexHeader) + count * sizeof(T)), buf_(std::make_unique<uint8_t[]>(bytes_)) {
    std::memset(buf_.get(), 0, bytes_);
    header()->count = count;
  }
  FlexBuffer(std::span<const T> entries) : FlexBuffer(static_cast<uint32_t>(entries.size())) {
    std::memcpy(buf_.get() + sizeof(FlexHeader), entries.data(), entries.size() * sizeof(T));
  }
  FlexHeader* header() { return reinterpret_cast<FlexHeader*>(buf_.get()); }
  void* data() { return buf_.get(); }
  // Copies entry i out (the array is not necessarily aligned for T).
  T entry(uint32_t i) const {
    T v;
    std::memcpy(&v, buf_.get() + sizeof(FlexHeader) + i * sizeof(T), sizeof(T));
    return v;
  }

 private:
  size_t bytes_;
  std::unique_ptr<uint8_t[]> buf_;
};

}  // namespace stratovirt::hypervisor::abi
