// SPDX-License-Identifier: MulanPSL-2.0
//
// Human-interface -device parsers: virtio-input, virtio-multitouch, virtio-gpu-pci,
// vhost-user-gpu-pci, ramfb.
#include "src/config/device_parse.h"

namespace stratovirt::config::device_detail {
namespace {

constexpr uint64_t kMaxGpuOutputs = 16;

#if defined(__aarch64__)
constexpr bool kHostIsAarch64 = true;
#else
constexpr bool kHostIsAarch64 = false;
#endif

// GPU properties carry both spellings: max_outputs and max-outputs, and so on.
Result<std::optional<uint64_t>> get_gpu_uint(Props& props, std::string_view underscore,
                                             std::string_view dash, uint64_t min,
                                             uint64_t max) {
  SV_ASSIGN_OR_RETURN(std::string_view key, pick_key(props, underscore, dash));
  return props.get_uint(key, min, max);
}

struct Screen {
  uint32_t max_outputs = 1;
  bool edid = true;
  uint32_t xres = 1024;
  uint32_t yres = 768;
};

Result<Screen> parse_screen(Props& props) {
  Screen s;
  SV_ASSIGN_OR_RETURN(auto outputs, get_gpu_uint(props, "max_outputs", "max-outputs", 1,
                                                 kMaxGpuOutputs));
  if (outputs) s.max_outputs = static_cast<uint32_t>(*outputs);
  SV_ASSIGN_OR_RETURN(auto edid, props.get_bool("edid"));
  s.edid = edid.value_or(true);
  SV_ASSIGN_OR_RETURN(auto xres, props.get_uint("xres", 1, UINT32_MAX));
  if (xres) s.xres = static_cast<uint32_t>(*xres);
  SV_ASSIGN_OR_RETURN(auto yres, props.get_uint("yres", 1, UINT32_MAX));
  if (yres) s.yres = static_cast<uint32_t>(*yres);
  return s;
}

}  // namespace

Result<void> parse_virtio_input(Props& props, ParseState& st) {
  VirtioInputDevice input;
  SV_ASSIGN_OR_RETURN(auto evdev, props.get_path("evdev"));
  if (!evdev) return std::unexpected(props.prop_error("evdev", "is required"));
  input.evdev = std::move(*evdev);
  st.dev.spec = std::move(input);
  return ok();
}

Result<void> parse_virtio_multitouch(Props& props, ParseState& st) {
  VirtioMultitouchDevice touch;
  SV_ASSIGN_OR_RETURN(touch.serial, props.get_string("serial"));
  SV_ASSIGN_OR_RETURN(auto x, props.get_uint("x", 1, UINT32_MAX));
  if (x) touch.x = static_cast<uint32_t>(*x);
  SV_ASSIGN_OR_RETURN(auto y, props.get_uint("y", 1, UINT32_MAX));
  if (y) touch.y = static_cast<uint32_t>(*y);
  SV_ASSIGN_OR_RETURN(auto type, props.get_enum<TouchType>(
                                     "touchtype", {{"screen", TouchType::kScreen},
                                                   {"pad", TouchType::kPad}}));
  touch.touch_type = type.value_or(TouchType::kScreen);
  st.dev.spec = std::move(touch);
  return ok();
}

Result<void> parse_virtio_gpu(Props& props, ParseState& st) {
  VirtioGpuDevice gpu;
  SV_ASSIGN_OR_RETURN(Screen screen, parse_screen(props));
  gpu.max_outputs = screen.max_outputs;
  gpu.edid = screen.edid;
  gpu.xres = screen.xres;
  gpu.yres = screen.yres;
  SV_ASSIGN_OR_RETURN(std::string_view mem_key, pick_key(props, "max_hostmem", "max-hostmem"));
  SV_ASSIGN_OR_RETURN(auto hostmem, props.get_size(mem_key, kShiftBytes));
  if (hostmem && *hostmem == 0) {
    return std::unexpected(props.prop_error(mem_key, "must be at least 1 byte"));
  }
  if (hostmem) gpu.max_hostmem = *hostmem;
  SV_ASSIGN_OR_RETURN(std::string_view bar_key, pick_key(props, "enable_bar0", "enable-bar0"));
  SV_ASSIGN_OR_RETURN(auto bar0, props.get_bool(bar_key));
  gpu.enable_bar0 = bar0.value_or(false);
  SV_ASSIGN_OR_RETURN(auto cursor, get_gpu_uint(props, "cursor_size", "cursor-size", 0,
                                                UINT32_MAX));
  if (cursor) gpu.cursor_size = static_cast<uint32_t>(*cursor);
  st.dev.spec = gpu;
  return ok();
}

Result<void> parse_vhost_user_gpu(Props& props, ParseState& st) {
  VhostUserGpuDevice gpu;
  SV_ASSIGN_OR_RETURN(gpu.chardev, props.require_string("chardev"));
  SV_ASSIGN_OR_RETURN(Screen screen, parse_screen(props));
  gpu.max_outputs = screen.max_outputs;
  gpu.edid = screen.edid;
  gpu.xres = screen.xres;
  gpu.yres = screen.yres;
  SV_ASSIGN_OR_RETURN(auto nq, get_num_queues(props, "num-queues"));
  gpu.num_queues = nq.value_or(2);
  SV_ASSIGN_OR_RETURN(gpu.queue_size, get_block_queue_size(props));
  SV_ASSIGN_OR_RETURN(auto virgl, props.get_bool("virgl"));
  gpu.virgl = virgl.value_or(false);
  st.dev.spec = std::move(gpu);
  return ok();
}

Result<void> parse_ramfb(Props& props, ParseState& st) {
  if (!kHostIsAarch64) {
    return std::unexpected(props.error(
        "ramfb is only supported on aarch64 (it is the boot display of Windows guests there)",
        ErrorCode::kNotSupported));
  }
  RamfbDevice fb;
  SV_ASSIGN_OR_RETURN(auto install, props.get_bool("install"));
  fb.install = install.value_or(false);
  st.dev.spec = fb;
  return ok();
}

}  // namespace stratovirt::config::device_detail
