// SPDX-License-Identifier: MulanPSL-2.0
//
// Numbers from the virtio 1.2 specification shared by queues, transports and devices.
//
// Device status bits (§2.1), reserved feature bits (§6), split-ring descriptor flags
// (§2.7.5), packed-ring flags and event suppression values (§2.8) and device ids (§5).
// Constants only; no state, any thread.
#pragma once

#include <cstdint>

namespace stratovirt::virtio {

// §2.1 device status field.
inline constexpr uint32_t kStatusAcknowledge = 0x01;
inline constexpr uint32_t kStatusDriver = 0x02;
inline constexpr uint32_t kStatusDriverOk = 0x04;
inline constexpr uint32_t kStatusFeaturesOk = 0x08;
inline constexpr uint32_t kStatusNeedsReset = 0x40;
inline constexpr uint32_t kStatusFailed = 0x80;

// §6 reserved feature bits.
inline constexpr unsigned kFeatureIndirectDesc = 28;  // VIRTIO_F_INDIRECT_DESC
inline constexpr unsigned kFeatureEventIdx = 29;      // VIRTIO_F_EVENT_IDX
inline constexpr unsigned kFeatureVersion1 = 32;      // VIRTIO_F_VERSION_1
inline constexpr unsigned kFeatureRingPacked = 34;    // VIRTIO_F_RING_PACKED

constexpr uint64_t feature_bit(unsigned bit) { return uint64_t{1} << bit; }

// §2.7.5 split virtqueue descriptor flags.
inline constexpr uint16_t kDescFlagNext = 1;
inline constexpr uint16_t kDescFlagWrite = 2;
inline constexpr uint16_t kDescFlagIndirect = 4;
// §2.7.6 / §2.7.8 ring flags.
inline constexpr uint16_t kAvailFlagNoInterrupt = 1;
inline constexpr uint16_t kUsedFlagNoNotify = 1;

// §2.8.1 packed ring: a descriptor is available when AVAIL matches the driver's wrap counter
// and USED does not; used when both match the device's wrap counter.
inline constexpr uint16_t kPackedDescFlagAvail = 1U << 7;
inline constexpr uint16_t kPackedDescFlagUsed = 1U << 15;
// §2.8.10 event suppression flags (desc_event_flags) and off_wrap bit 15.
inline constexpr uint16_t kRingEventFlagsEnable = 0;
inline constexpr uint16_t kRingEventFlagsDisable = 1;
inline constexpr uint16_t kRingEventFlagsDesc = 2;
inline constexpr uint16_t kRingEventWrapBit = 1U << 15;

// §5 device ids.
inline constexpr uint32_t kDeviceIdNet = 1;
inline constexpr uint32_t kDeviceIdBlock = 2;
inline constexpr uint32_t kDeviceIdConsole = 3;
inline constexpr uint32_t kDeviceIdRng = 4;

// Largest queue size a split ring may have (§2.7: Queue Size ≤ 32768).
inline constexpr uint16_t kMaxSplitQueueSize = 32768;
// Largest packed ring (§2.8: up to 2^15 entries; need not be a power of two).
inline constexpr uint16_t kMaxPackedQueueSize = 32768;

}  // namespace stratovirt::virtio
