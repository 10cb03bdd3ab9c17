// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/descriptor_chain.h"

#include <algorithm>
#include <cstring>

#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

namespace {
constexpr uint64_t kMaxChainBytes = 0xFFFF'FFFFULL;
}

Result<void> DescriptorChain::add(uint64_t addr, uint32_t len, bool writable) {
  if (!writable && writable_ > 0) {
    return errorf(ErrorCode::kGuest, "descriptor chain {}: device-readable buffer after a "
                  "device-writable one", head_);
  }
  if (len > 0 && !mem_->contains(addr, len)) {
    return errorf(ErrorCode::kGuest, "descriptor chain {}: buffer {:#x}+{:#x} outside guest RAM",
                  head_, addr, len);
  }
  if (readable_ + writable_ + len > kMaxChainBytes) {
    return errorf(ErrorCode::kGuest, "descriptor chain {}: total length over 4 GiB", head_);
  }
  if (len == 0) {
    return ok();
  }
  segments_.push_back({addr, len, writable});
  (writable ? writable_ : readable_) += len;
  return ok();
}

Result<void> DescriptorChain::check_indirect(uint64_t table, uint32_t len,
                                             uint16_t queue_size) const {
  if (len == 0 || len % 16 != 0 || len / 16 > queue_size) {
    return errorf(ErrorCode::kGuest, "descriptor chain {}: bad indirect table length {}", head_,
                  len);
  }
  if (!mem_->contains(table, len)) {
    return errorf(ErrorCode::kGuest,
                  "descriptor chain {}: indirect table {:#x}+{:#x} outside guest RAM", head_,
                  table, len);
  }
  return ok();
}

Result<DescriptorChain> DescriptorChain::walk(const memory::GuestMemory& mem,
                                              uint64_t desc_table, uint16_t queue_size,
                                              uint16_t head) {
  DescriptorChain chain(&mem, head);
  if (head >= queue_size) {
    return errorf(ErrorCode::kGuest, "descriptor chain head {} >= queue size {}", head,
                  queue_size);
  }
  // Every descriptor visited spends one unit of its table's budget (queue size for the ring,
  // the entry count for an indirect table): a longer chain (§2.7.5.2) is a loop or a bug.
  uint32_t budget = queue_size;
  uint64_t table = desc_table;
  uint32_t table_size = queue_size;
  bool indirect = false;
  uint32_t index = head;
  while (true) {
    if (budget == 0) {
      return errorf(ErrorCode::kGuest, "descriptor chain {}: longer than queue size {} (loop?)",
                    head, queue_size);
    }
    --budget;
    SV_ASSIGN_OR_RETURN(auto d, mem.read_obj<SplitDescriptor>(table + uint64_t{index} * 16));
    if ((d.flags & kDescFlagIndirect) != 0) {
      if (indirect) {
        return errorf(ErrorCode::kGuest, "descriptor chain {}: nested indirect table", head);
      }
      if ((d.flags & kDescFlagNext) != 0) {
        return errorf(ErrorCode::kGuest, "descriptor chain {}: indirect with NEXT set", head);
      }
      SV_RETURN_IF_ERROR(chain.check_indirect(d.addr, d.len, queue_size));
      indirect = true;
      table = d.addr;
      table_size = d.len / 16;
      index = 0;
      budget = table_size;  // the table has its own budget: it may hold queue-size entries
      continue;
    }
    SV_RETURN_IF_ERROR(chain.add(d.addr, d.len, (d.flags & kDescFlagWrite) != 0));
    if ((d.flags & kDescFlagNext) == 0) {
      break;
    }
    if (d.next >= table_size) {
      return errorf(ErrorCode::kGuest, "descriptor chain {}: next index {} >= table size {}",
                    head, d.next, table_size);
    }
    index = d.next;
  }
  return chain;
}

ChainCursor::ChainCursor(const DescriptorChain& chain, bool writable) : mem_(&chain.memory()) {
  for (const auto& s : chain.segments()) {
    if (s.writable == writable) {
      segs_.push_back(s);
      remaining_ += s.len;
    }
  }
}

Result<std::vector<iovec>> ChainCursor::take_iovecs(uint64_t len) {
  if (len > remaining_) {
    return errorf(ErrorCode::kOutOfRange, "descriptor chain too short ({} < {})", remaining_,
                  len);
  }
  std::vector<iovec> out;
  while (len > 0) {
    const auto& s = segs_[index_];
    uint64_t n = std::min<uint64_t>(len, s.len - offset_);
    SV_ASSIGN_OR_RETURN(uint8_t * p, mem_->host_ptr(s.addr + offset_, n));
    out.push_back({p, static_cast<size_t>(n)});
    SV_RETURN_IF_ERROR(skip(n));
    len -= n;
  }
  return out;
}

Result<void> ChainCursor::skip(uint64_t len) {
  if (len > remaining_) {
    return errorf(ErrorCode::kOutOfRange, "descriptor chain too short ({} < {})", remaining_,
                  len);
  }
  remaining_ -= len;
  consumed_ += len;
  while (len > 0) {
    uint64_t n = std::min<uint64_t>(len, segs_[index_].len - offset_);
    offset_ += n;
    len -= n;
    if (offset_ == segs_[index_].len) {
      ++index_;
      offset_ = 0;
    }
  }
  return ok();
}

Result<void> ChainCursor::copy(uint64_t len, uint8_t* out, const uint8_t* in) {
  SV_ASSIGN_OR_RETURN(auto iov, take_iovecs(len));
  for (const auto& v : iov) {
    if (out != nullptr) {
      std::memcpy(out, v.iov_base, v.iov_len);
      out += v.iov_len;
    } else {
      std::memcpy(v.iov_base, in, v.iov_len);
      in += v.iov_len;
    }
  }
  return ok();
}

}  // namespace stratovirt::virtio
