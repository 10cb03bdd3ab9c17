// SPDX-License-Identifier: MulanPSL-2.0
//
// DescriptorChain::walk_packed: one packed-ring buffer (virtio 1.2 §2.8.6, §2.8.7).
#include <utility>

#include "stratovirt/virtio/descriptor_chain.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

namespace {

bool available(uint16_t flags, bool wrap) {
  bool avail = (flags & kPackedDescFlagAvail) != 0;
  bool used = (flags & kPackedDescFlagUsed) != 0;
  return avail == wrap && used != wrap;
}

}  // namespace

Result<PackedBuffer> DescriptorChain::walk_packed(const memory::GuestMemory& mem, uint64_t ring,
                                                  uint16_t queue_size, uint16_t start, bool wrap) {
  if (start >= queue_size) {
    return errorf(ErrorCode::kInternal, "packed ring slot {} >= queue size {}", start, queue_size);
  }
  DescriptorChain chain(&mem, start);  // head_ names the slot until the id is known
  uint16_t pos = start;
  uint16_t slots = 0;
  uint16_t id = 0;
  // A NEXT list occupies consecutive slots (wrapping at the end, where the driver's wrap
  // counter flips) and is at most queue-size long (§2.8.17): longer is a loop or a bug.
  while (true) {
    if (slots == queue_size) {
      return errorf(ErrorCode::kGuest, "packed buffer at slot {}: longer than queue size {}", start,
                    queue_size);
    }
    SV_ASSIGN_OR_RETURN(auto d, mem.read_obj<PackedDescriptor>(ring + uint64_t{pos} * 16));
    if (!available(d.flags, wrap)) {
      return errorf(ErrorCode::kGuest,
                    "packed buffer at slot {}: descriptor {} in its list is not available", start,
                    pos);
    }
    ++slots;
    if (++pos == queue_size) {
      pos = 0;
      wrap = !wrap;
    }
    if ((d.flags & kDescFlagIndirect) != 0) {
      if ((d.flags & kDescFlagNext) != 0) {
        return errorf(ErrorCode::kGuest, "packed buffer at slot {}: indirect with NEXT set", start);
      }
      if (slots > 1) {
        return errorf(ErrorCode::kGuest,
                      "packed buffer at slot {}: indirect descriptor inside a NEXT list", start);
      }
      SV_RETURN_IF_ERROR(chain.check_indirect(d.addr, d.len, queue_size));
      // Table entries follow each other; WRITE is their only flag, the others and the id
      // are reserved and ignored (§2.8.7), so an entry can neither chain nor nest.
      for (uint32_t i = 0; i < d.len / 16; ++i) {
        SV_ASSIGN_OR_RETURN(auto e, mem.read_obj<PackedDescriptor>(d.addr + uint64_t{i} * 16));
        SV_RETURN_IF_ERROR(chain.add(e.addr, e.len, (e.flags & kDescFlagWrite) != 0));
      }
      id = d.id;
      break;
    }
    SV_RETURN_IF_ERROR(chain.add(d.addr, d.len, (d.flags & kDescFlagWrite) != 0));
    if ((d.flags & kDescFlagNext) == 0) {
      id = d.id;  // the buffer id is in the last descriptor of the list
      break;
    }
  }
  if (id >= queue_size) {
    return errorf(ErrorCode::kGuest, "packed buffer at slot {}: buffer id {} >= queue size {}",
                  start, id, queue_size);
  }
  chain.head_ = id;
  return PackedBuffer{std::move(chain), slots};
}

}  // namespace stratovirt::virtio
