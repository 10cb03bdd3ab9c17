// SPDX-License-Identifier: MulanPSL-2.0
//
// Block and migration queries: query-block (and query-named-block-nodes, its nodes) lists the drives that a -device uses (as QEMU
// shows -drive / -blockdev nodes: "device" is the drive id for -drive, "qdev" the device
// id), with the image's current size read from the file at query time; query-migrate
// answers {} (no migration has run: this VMM cannot migrate yet) and migrate refuses
// with a GenericError saying so.
#include <sys/stat.h>

#include <fmt/format.h>

#include <variant>

#include "qmp/commands.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

std::string_view aio_name(config::AioMode m) {
  switch (m) {
    case config::AioMode::kNative: return "native";
    case config::AioMode::kIoUring: return "io_uring";
    case config::AioMode::kThreads: return "threads";
    case config::AioMode::kOff: return "off";
  }
  return "native";
}

std::string_view detect_zeroes_name(config::DetectZeroes d) {
  switch (d) {
    case config::DetectZeroes::kOff: return "off";
    case config::DetectZeroes::kOn: return "on";
    case config::DetectZeroes::kUnmap: return "unmap";
  }
  return "off";
}

json block_info(const config::DeviceConfig& dev, const config::DriveConfig& drive) {
  const char* format = drive.format == config::ImageFormat::kQcow2 ? "qcow2" : "raw";
  json image = {{"filename", drive.file}, {"format", format}};
  struct stat st {};
  if (::stat(drive.file.c_str(), &st) == 0) {
    image["virtual-size"] = static_cast<int64_t>(st.st_size);
    image["actual-size"] = static_cast<int64_t>(st.st_blocks) * 512;
  }
  const int64_t iops = drive.iops_total ? static_cast<int64_t>(*drive.iops_total) : 0;
  json inserted = {{"file", drive.file},
                   {"node-name", drive.id},
                   {"ro", drive.readonly},
                   {"drv", format},
                   {"backing_file_depth", 0},
                   {"encrypted", false},
                   {"detect_zeroes", detect_zeroes_name(drive.detect_zeroes)},
                   {"bps", 0},
                   {"bps_rd", 0},
                   {"bps_wr", 0},
                   {"iops", iops},
                   {"iops_rd", 0},
                   {"iops_wr", 0},
                   {"write_threshold", 0},
                   {"cache", {{"writeback", true}, {"direct", drive.direct}, {"no-flush", false}}},
                   {"aio", aio_name(drive.aio)},
                   {"image", std::move(image)}};
  return {{"device", drive.id},
          {"qdev", dev.id},
          {"locked", false},
          {"removable", false},
          {"type", "unknown"},
          {"io-status", "ok"},
          {"inserted", std::move(inserted)}};
}

struct NamedNodesArgs {
  static constexpr std::array<ArgSpec, 1> kSpec{{{"flat", ArgType::kBool, true}}};
  static NamedNodesArgs from_json(const json&) { return {}; }
};

struct MigrateArgs {
  std::string uri;
  static constexpr std::array<ArgSpec, 5> kSpec{{{"uri", ArgType::kString},
                                                  {"blk", ArgType::kBool, true},
                                                  {"inc", ArgType::kBool, true},
                                                  {"detach", ArgType::kBool, true},
                                                  {"resume", ArgType::kBool, true}}};
  static MigrateArgs from_json(const json& a) { return {req_string(a, "uri")}; }
};

}  // namespace

void register_block_commands(QmpDispatcher& d, const CommandEnv& env) {
  const config::VmConfig& cfg = env.config;

  d.add<NoArgs>("query-block", "[BlockInfo]", [&cfg](const NoArgs&, QmpSession&) -> QmpResult {
    json list = json::array();
    for (const auto& dev : cfg.devices) {
      const auto* blk = std::get_if<config::VirtioBlkDevice>(&dev.spec);
      if (blk == nullptr) continue;
      if (const auto* drive = cfg.find_drive(blk->drive)) list.push_back(block_info(dev, *drive));
    }
    return list;
  });

  // The nodes behind query-block's drives (QEMU's BlockDeviceInfo). libvirt 9.0 runs it at
  // every domain start (with or without disks) and gives up on the domain when it fails.
  d.add<NamedNodesArgs>("query-named-block-nodes", "[BlockDeviceInfo]",
                        [&cfg](const NamedNodesArgs&, QmpSession&) -> QmpResult {
                          json list = json::array();
                          for (const auto& dev : cfg.devices) {
                            const auto* blk = std::get_if<config::VirtioBlkDevice>(&dev.spec);
                            if (blk == nullptr) continue;
                            if (const auto* drive = cfg.find_drive(blk->drive)) {
                              list.push_back(block_info(dev, *drive)["inserted"]);
                            }
                          }
                          return list;
                        });

  d.add<NoArgs>("query-migrate", "MigrationInfo",
                [](const NoArgs&, QmpSession&) -> QmpResult { return json::object(); });

  d.add<MigrateArgs>("migrate", "EmptyObject", [](const MigrateArgs& a, QmpSession&) -> QmpResult {
    return generic_error(
        fmt::format("migration to '{}' is not supported by this VMM yet", a.uri));
  });
}

}  // namespace stratovirt::qmp
