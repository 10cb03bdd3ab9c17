// SPDX-License-Identifier: MulanPSL-2.0
#include "virtio/device/block/block_request.h"

#include <linux/falloc.h>

#include <algorithm>
#include <cstring>

#include "stratovirt/virtio/block_device.h"

namespace stratovirt::virtio::blk {

uint8_t parse_segments(ChainReader& in, bool zero, const block::RawFile& file,
                       std::vector<FallocRange>& out) {
  uint64_t bytes = in.remaining();
  if (bytes == 0 || bytes % sizeof(DiscardSegment) != 0 ||
      bytes / sizeof(DiscardSegment) > kMaxDiscardSegments) {
    return kStatusIoErr;
  }
  for (uint64_t i = 0; i < bytes / sizeof(DiscardSegment); ++i) {
    auto seg = in.read_obj<DiscardSegment>();
    if (!seg) {
      return kStatusIoErr;
    }
    // §5.2.6.2: unmap on a discard, or an unknown flag, is UNSUPP.
    if ((seg->flags & ~(zero ? kFlagUnmap : 0U)) != 0) {
      return kStatusUnsupp;
    }
    if (seg->num_sectors > kMaxDiscardSectors || seg->sector > (UINT64_MAX >> 9)) {
      return kStatusIoErr;
    }
    uint64_t off = seg->sector * kSectorSize;
    uint64_t len = uint64_t{seg->num_sectors} * kSectorSize;
    if (!file.check_range(off, len)) {
      return kStatusIoErr;
    }
    if (len == 0) {
      continue;
    }
    bool punch = !zero || (seg->flags & kFlagUnmap) != 0;
    int mode = punch ? (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) : FALLOC_FL_ZERO_RANGE;
    out.push_back({off, len, mode, !zero});
  }
  return kStatusOk;
}

uint64_t total(std::span<const iovec> iov) {
  uint64_t n = 0;
  for (const auto& v : iov) n += v.iov_len;
  return n;
}

bool all_zero(std::span<const iovec> iov) {
  for (const auto& v : iov) {
    const auto* p = static_cast<const uint8_t*>(v.iov_base);
    if (v.iov_len > 0 && (p[0] != 0 || std::memcmp(p, p + 1, v.iov_len - 1) != 0)) {
      return false;
    }
  }
  return true;
}

void advance(std::vector<iovec>& iov, uint64_t n) {
  size_t first = 0;
  while (n > 0 && first < iov.size()) {
    uint64_t take = std::min<uint64_t>(n, iov[first].iov_len);
    iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + take;
    iov[first].iov_len -= take;
    n -= take;
    if (iov[first].iov_len == 0) ++first;
  }
  iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(first));
}

}  // namespace stratovirt::virtio::blk
