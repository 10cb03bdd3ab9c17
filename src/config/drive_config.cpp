// SPDX-License-Identifier: MulanPSL-2.0
// -drive and -blockdev parsers.
#include "stratovirt/config/backend_config.h"

namespace stratovirt::config {
namespace {

Result<std::optional<AioMode>> get_aio(Props& props) {
  return props.get_enum<AioMode>("aio", {{"native", AioMode::kNative},
                                         {"io_uring", AioMode::kIoUring},
                                         {"threads", AioMode::kThreads},
                                         {"off", AioMode::kOff}});
}

Result<std::optional<DetectZeroes>> get_detect_zeroes(Props& props) {
  return props.get_enum<DetectZeroes>("detect-zeroes", {{"off", DetectZeroes::kOff},
                                                        {"on", DetectZeroes::kOn},
                                                        {"unmap", DetectZeroes::kUnmap}});
}

// discard=unmap|ignore (also on/off as QEMU accepts).
Result<std::optional<bool>> get_discard(Props& props) {
  return props.get_enum<bool>("discard",
                              {{"unmap", true}, {"on", true}, {"ignore", false}, {"off", false}});
}

}  // namespace

Result<DriveConfig> parse_drive(Props& props) {
  DriveConfig d;
  SV_ASSIGN_OR_RETURN(auto iface, props.get_enum<DriveIf>(
                                      "if", {{"none", DriveIf::kNone}, {"pflash", DriveIf::kPflash}}));
  if (iface) d.interface = *iface;
  SV_ASSIGN_OR_RETURN(auto unit, props.get_uint("unit", 0, 1));
  SV_ASSIGN_OR_RETURN(auto id, props.get_string("id"));
  SV_ASSIGN_OR_RETURN(auto file, props.get_path("file"));
  if (!file) return std::unexpected(props.prop_error("file", "is required"));
  d.file = std::move(*file);
  if (d.interface == DriveIf::kPflash) {
    if (!unit) return std::unexpected(props.prop_error("unit", "is required for if=pflash (0 or 1)"));
    d.unit = static_cast<uint32_t>(*unit);
    d.id = id.value_or(fmt::format("pflash{}", *unit));
  } else {
    if (unit) return std::unexpected(props.prop_error("unit", "only applies to if=pflash"));
    if (!id || id->empty()) return std::unexpected(props.prop_error("id", "is required"));
    d.id = std::move(*id);
  }
  SV_ASSIGN_OR_RETURN(auto ro, props.get_bool("readonly"));
  d.readonly = ro.value_or(false);
  SV_ASSIGN_OR_RETURN(auto direct, props.get_bool("direct"));
  d.direct = direct.value_or(true);
  SV_ASSIGN_OR_RETURN(auto aio, get_aio(props));
  if (aio) {
    if (*aio == AioMode::kNative && !d.direct) {
      return std::unexpected(props.prop_error("aio", "native needs direct=on"));
    }
    if (*aio == AioMode::kOff && d.direct) {
      return std::unexpected(props.prop_error("aio", "off needs direct=off"));
    }
    d.aio = *aio;
  } else {
    d.aio = d.direct ? AioMode::kNative : AioMode::kOff;
  }
  SV_ASSIGN_OR_RETURN(auto iops, props.get_uint("throttling.iops-total", 0, kMaxIopsTotal));
  if (iops && *iops > 0) d.iops_total = *iops;
  SV_ASSIGN_OR_RETURN(auto discard, get_discard(props));
  d.discard = discard.value_or(false);
  SV_ASSIGN_OR_RETURN(auto dz, get_detect_zeroes(props));
  d.detect_zeroes = dz.value_or(DetectZeroes::kOff);
  SV_ASSIGN_OR_RETURN(auto format, props.get_enum<ImageFormat>(
                                       "format", {{"raw", ImageFormat::kRaw},
                                                  {"qcow2", ImageFormat::kQcow2}}));
  d.format = format.value_or(ImageFormat::kRaw);
  if (d.interface == DriveIf::kPflash && d.format != ImageFormat::kRaw) {
    return std::unexpected(props.prop_error("format", "pflash drives must be raw"));
  }
  SV_ASSIGN_OR_RETURN(auto media, props.get_enum<Media>(
                                      "media", {{"disk", Media::kDisk}, {"cdrom", Media::kCdrom}}));
  d.media = media.value_or(Media::kDisk);
  SV_ASSIGN_OR_RETURN(d.l2_cache_size, props.get_size("l2-cache-size", kShiftBytes));
  SV_ASSIGN_OR_RETURN(d.refcount_cache_size, props.get_size("refcount-cache-size", kShiftBytes));
  if (d.l2_cache_size && *d.l2_cache_size > kMaxQcow2CacheSize) {
    return std::unexpected(props.prop_error("l2-cache-size", "must be at most 32 MiB",
                                            ErrorCode::kOutOfRange));
  }
  if (d.refcount_cache_size && *d.refcount_cache_size > kMaxQcow2CacheSize) {
    return std::unexpected(props.prop_error("refcount-cache-size", "must be at most 32 MiB",
                                            ErrorCode::kOutOfRange));
  }
  SV_RETURN_IF_ERROR(props.finish());
  return d;
}

Result<BlockdevNode> parse_blockdev(Props& props) {
  BlockdevNode n;
  SV_ASSIGN_OR_RETURN(n.driver, props.require_string("driver"));
  props.set_context(fmt::format("-blockdev {}", n.driver));
  SV_ASSIGN_OR_RETURN(n.node_name, props.require_string("node-name"));
  bool protocol = n.driver == "file" || n.driver == "host_device";
  bool format = n.driver == "raw" || n.driver == "qcow2";
  if (!protocol && !format) {
    return std::unexpected(props.prop_error(
        "driver", "unsupported (expected file, host_device, raw or qcow2)", ErrorCode::kNotSupported));
  }
  SV_ASSIGN_OR_RETURN(n.read_only, props.get_bool("read-only"));
  SV_ASSIGN_OR_RETURN(auto auto_ro, props.get_bool("auto-read-only"));  // libvirt; no effect
  (void)auto_ro;
  SV_ASSIGN_OR_RETURN(n.direct, props.get_bool("cache.direct"));
  SV_ASSIGN_OR_RETURN(auto no_flush, props.get_bool("cache.no-flush"));
  if (no_flush.value_or(false)) {
    return std::unexpected(props.prop_error("cache.no-flush", "ignoring guest flushes is not supported",
                                            ErrorCode::kNotSupported));
  }
  SV_ASSIGN_OR_RETURN(n.aio, get_aio(props));
  SV_ASSIGN_OR_RETURN(n.discard, get_discard(props));
  SV_ASSIGN_OR_RETURN(n.detect_zeroes, get_detect_zeroes(props));
  if (protocol) {
    SV_ASSIGN_OR_RETURN(auto filename, props.get_path("filename"));
    if (!filename) return std::unexpected(props.prop_error("filename", "is required"));
    n.filename = std::move(filename);
  } else {
    // "file" is a child node name, or an inline protocol node flattened to file.*.
    SV_ASSIGN_OR_RETURN(auto child, props.get_string("file"));
    if (child) {
      n.file = std::move(child);
    } else {
      SV_ASSIGN_OR_RETURN(auto inline_driver, props.get_string("file.driver"));
      SV_ASSIGN_OR_RETURN(auto inline_name, props.get_path("file.filename"));
      if (!inline_name) return std::unexpected(props.prop_error("file", "is required"));
      if (inline_driver && *inline_driver != "file" && *inline_driver != "host_device") {
        return std::unexpected(props.prop_error("file.driver", "expected file or host_device"));
      }
      n.filename = std::move(inline_name);
      SV_ASSIGN_OR_RETURN(auto inline_aio, props.get_enum<AioMode>(
                                              "file.aio", {{"native", AioMode::kNative},
                                                           {"io_uring", AioMode::kIoUring},
                                                           {"threads", AioMode::kThreads}}));
      if (inline_aio) n.aio = inline_aio;
    }
  }
  SV_RETURN_IF_ERROR(props.finish());
  return n;
}

}  // namespace stratovirt::config
