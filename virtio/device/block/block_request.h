// SPDX-License-Identifier: MulanPSL-2.0
//
// virtio-blk request formats (virtio 1.2 §5.2.6) and the iovec helpers of its data plane.
//
// RequestHeader opens every request; DISCARD and WRITE_ZEROES carry 16-byte segments, which
// parse_segments() checks (count, flags, size, image range) and turns into fallocate
// ranges. Private to virtio/device/block. Pure functions; no threads. Failure: a virtio-blk
// status byte (IOERR/UNSUPP) for the request.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <vector>

#include "stratovirt/block/raw_file.h"
#include "stratovirt/virtio/descriptor_chain.h"

namespace stratovirt::virtio::blk {

struct RequestHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};
struct DiscardSegment {
  uint64_t sector;
  uint32_t num_sectors;
  uint32_t flags;  // bit 0: unmap (write-zeroes only)
};
static_assert(sizeof(DiscardSegment) == 16);

inline constexpr uint32_t kMaxDiscardSectors = 1U << 22;
inline constexpr uint32_t kFlagUnmap = 1;

// One fallocate of a DISCARD/WRITE_ZEROES (or a detected all-zero write).
struct FallocRange {
  uint64_t offset = 0;
  uint64_t len = 0;
  int mode = 0;
  bool discard = false;  // a DISCARD: a file that cannot punch holes is not an error
};

// Reads the rest of `in` as segments of a DISCARD (`zero` false) or WRITE_ZEROES; appends
// their non-empty ranges to `out`. Returns kStatusOk, or the status to complete with.
uint8_t parse_segments(ChainReader& in, bool zero, const block::RawFile& file,
                       std::vector<FallocRange>& out);

uint64_t total(std::span<const iovec> iov);
bool all_zero(std::span<const iovec> iov);
// Drops the first `n` bytes of `iov` (after a short transfer).
void advance(std::vector<iovec>& iov, uint64_t n);

}  // namespace stratovirt::virtio::blk
