// SPDX-License-Identifier: MulanPSL-2.0
//
// Memory-family -device parsers: virtio-balloon, virtio-mem, virtio-pmem.
#include <bit>

#include "src/config/device_parse.h"

namespace stratovirt::config::device_detail {
namespace {

constexpr uint64_t kPmemAlign = 2ULL << 20;

Result<bool> get_flag(Props& props, std::string_view key, std::string_view alias) {
  SV_ASSIGN_OR_RETURN(std::string_view k, pick_key(props, key, alias));
  SV_ASSIGN_OR_RETURN(auto v, props.get_bool(k));
  return v.value_or(false);
}

}  // namespace

Result<void> parse_virtio_balloon(Props& props, ParseState& st) {
  VirtioBalloonDevice b;
  // The guidebook's prose spells these with underscores, its examples with dashes.
  SV_ASSIGN_OR_RETURN(b.deflate_on_oom, get_flag(props, "deflate-on-oom", "deflate_on_oom"));
  SV_ASSIGN_OR_RETURN(b.free_page_reporting,
                      get_flag(props, "free-page-reporting", "free_page_reporting"));
  SV_ASSIGN_OR_RETURN(b.auto_balloon, get_flag(props, "auto-balloon", "auto_balloon"));
  SV_ASSIGN_OR_RETURN(auto membuf, props.get_uint("membuf-percent", 20, 80));
  if (membuf) b.membuf_percent = static_cast<uint32_t>(*membuf);
  SV_ASSIGN_OR_RETURN(auto interval, props.get_uint("monitor-interval", 5, 300));
  if (interval) b.monitor_interval = static_cast<uint32_t>(*interval);
  st.dev.spec = b;
  return ok();
}

Result<void> parse_virtio_mem(Props& props, ParseState& st) {
  VirtioMemDevice mem;
  SV_ASSIGN_OR_RETURN(mem.memdev, props.require_string("memdev"));
  SV_ASSIGN_OR_RETURN(mem.memaddr, props.get_uint("memaddr"));
  SV_ASSIGN_OR_RETURN(auto requested, props.get_size("requested-size", kShiftBytes));
  mem.requested_size = requested.value_or(0);
  SV_ASSIGN_OR_RETURN(auto block, props.get_size("block-size", kShiftBytes));
  mem.block_size = block.value_or(kDefaultMemBlockSize);
  SV_ASSIGN_OR_RETURN(auto node, props.get_uint("node", 0, UINT16_MAX));
  if (node) mem.node = static_cast<uint16_t>(*node);
  SV_ASSIGN_OR_RETURN(auto inaccessible, props.get_bool("unplugged-inaccessible"));
  mem.unplugged_inaccessible = inaccessible.value_or(false);

  if (!std::has_single_bit(mem.block_size)) {
    return std::unexpected(props.prop_error(
        "block-size", fmt::format("{} is not a power of 2", mem.block_size)));
  }
  if (mem.requested_size % mem.block_size != 0) {
    return std::unexpected(props.prop_error(
        "requested-size", fmt::format("{} is not a multiple of block-size {}",
                                      mem.requested_size, mem.block_size)));
  }
  if (mem.memaddr && *mem.memaddr % mem.block_size != 0) {
    return std::unexpected(props.prop_error(
        "memaddr", fmt::format("{:#x} is not aligned to block-size {}", *mem.memaddr,
                               mem.block_size)));
  }
  st.dev.spec = std::move(mem);
  return ok();
}

Result<void> parse_virtio_pmem(Props& props, ParseState& st) {
  VirtioPmemDevice pmem;
  SV_ASSIGN_OR_RETURN(pmem.memdev, props.require_string("memdev"));
  SV_ASSIGN_OR_RETURN(pmem.memaddr, props.get_uint("memaddr"));
  if (pmem.memaddr && *pmem.memaddr % kPmemAlign != 0) {
    return std::unexpected(props.prop_error(
        "memaddr", fmt::format("{:#x} is not aligned to 2 MiB", *pmem.memaddr)));
  }
  st.dev.spec = std::move(pmem);
  return ok();
}

}  // namespace stratovirt::config::device_detail
