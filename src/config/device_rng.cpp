// SPDX-License-Identifier: MulanPSL-2.0
//
// virtio-rng -device parser: the entropy source object and the optional rate limit.
#include "src/config/device_parse.h"

namespace stratovirt::config::device_detail {
namespace {

constexpr unsigned __int128 kMinRate = 64;           // bytes per second
constexpr unsigned __int128 kMaxRate = 1000000000;   // bytes per second

}  // namespace

Result<void> parse_virtio_rng(Props& props, ParseState& st) {
  VirtioRngDevice rng;
  SV_ASSIGN_OR_RETURN(rng.rng, props.require_string("rng"));
  SV_ASSIGN_OR_RETURN(rng.max_bytes, props.get_uint("max-bytes", 1));
  SV_ASSIGN_OR_RETURN(rng.period_ms, props.get_uint("period", 1));
  if (rng.max_bytes.has_value() != rng.period_ms.has_value()) {
    std::string_view missing = rng.max_bytes ? "period" : "max-bytes";
    std::string_view given = rng.max_bytes ? "max-bytes" : "period";
    return std::unexpected(props.prop_error(
        missing, fmt::format("is required when {} is set (the limit is max-bytes per period)",
                             given)));
  }
  if (rng.max_bytes) {
    // 64 <= max-bytes / period(ms) * 1000 <= 1e9, without rounding or overflow.
    unsigned __int128 bytes_ms = static_cast<unsigned __int128>(*rng.max_bytes) * 1000;
    unsigned __int128 period = *rng.period_ms;
    if (bytes_ms < kMinRate * period || bytes_ms > kMaxRate * period) {
      return std::unexpected(props.prop_error(
          "max-bytes",
          fmt::format("{} bytes per {} ms is outside the rate range [64, 1000000000] bytes/s",
                      *rng.max_bytes, *rng.period_ms),
          ErrorCode::kOutOfRange));
    }
  }
  SV_RETURN_IF_ERROR(require_function_zero(props, st.dev));
  st.dev.spec = std::move(rng);
  return ok();
}

}  // namespace stratovirt::config::device_detail
