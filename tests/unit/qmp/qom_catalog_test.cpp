// SPDX-License-Identifier: MulanPSL-2.0
// The QOM catalog and the command-line option list must only name what src/config parses:
// each property is fed to the real parser, which must not call it unknown.
#include "qmp/qom_catalog.h"

#include <gtest/gtest.h>

#include <map>

#include "stratovirt/config/backend_config.h"
#include "stratovirt/config/device_config.h"
#include "stratovirt/config/machine_config.h"
#include "stratovirt/qmp/qmp_commands.h"

namespace stratovirt::qmp {
namespace {

// The properties a driver needs before its parser reaches its end (unknown-key check).
const std::map<std::string_view, std::string_view>& required() {
  static const std::map<std::string_view, std::string_view> kRequired = {
      {"virtio-blk-device", "drive=d"},       {"virtio-blk-pci", "drive=d"},
      {"vhost-user-blk-device", "chardev=c"}, {"vhost-user-blk-pci", "chardev=c"},
      {"scsi-hd", "drive=d,bus=scsi0.0,scsi-id=0,lun=0"},
      {"scsi-cd", "drive=d,bus=scsi0.0,scsi-id=0,lun=0"},
      {"virtio-net-device", "netdev=n"},      {"virtio-net-pci", "netdev=n"},
      {"virtconsole", "chardev=c"},           {"virtserialport", "chardev=c"},
      {"vhost-vsock-device", "guest-cid=3"},  {"vhost-vsock-pci", "guest-cid=3"},
      {"vhost-user-fs-device", "chardev=c,tag=t"}, {"vhost-user-fs-pci", "chardev=c,tag=t"},
      {"virtio-rng-device", "rng=r"},         {"virtio-rng-pci", "rng=r"},
      {"vfio-pci", "host=00:01.0"},           {"usb-storage", "drive=d"},
      {"isa-serial", "chardev=c"},            {"pcie-root-port", "port=1,chassis=1"},
      {"memory-backend-ram", "size=1M"},      {"memory-backend-file", "size=1M,mem-path=/tmp"},
      {"memory-backend-memfd", "size=1M"},    {"rng-random", "filename=/dev/urandom"},
      {"secret", "data=x"},
  };
  return kRequired;
}

std::string sample(const QomProperty& p) {
  if (p.name == "mac") return "52:54:00:12:34:56";
  if (p.name == "addr") return "0x5";
  if (p.name == "host") return "00:02.0";
  if (p.type == "bool") return "on";
  if (p.type == "OnOffAuto") return "on";
  if (p.type.starts_with("uint") || p.type.starts_with("int") || p.type == "size") return "1";
  return "x";
}

Result<void> parse(const QomType& t, std::string_view extra) {
  std::string text = std::string(t.name) + ",id=t";
  std::string_view key = extra.substr(0, extra.find('='));
  if (auto it = required().find(t.name); it != required().end()) {
    std::string_view rest = it->second;
    while (!rest.empty()) {  // a required property under test is given once, by `extra`
      std::string_view item = rest.substr(0, rest.find(','));
      rest = item.size() < rest.size() ? rest.substr(item.size() + 1) : std::string_view();
      if (!extra.empty() && item.starts_with(std::string(key) + "=")) continue;
      text += ",";
      text += item;
    }
  }
  if (!extra.empty()) {
    text += ",";
    text += extra;
  }
  if (t.kind == QomKind::kDevice) {
    auto props = config::Props::parse("-device", text, "driver");
    if (!props) return std::unexpected(props.error());
    auto dev = config::parse_device(*props, 0);
    if (!dev) return std::unexpected(dev.error());
    return ok();
  }
  auto props = config::Props::parse("-object", text, "qom-type");
  if (!props) return std::unexpected(props.error());
  auto obj = config::parse_object(*props);
  if (!obj) return std::unexpected(obj.error());
  return ok();
}

// Passes when `key` parses, or is rejected for its value or its combination with another
// property (so the parser knows it).
void expect_known(const Result<void>& r, std::string_view key, std::string_view where) {
  if (r) return;
  const std::string& m = r.error().message();
  EXPECT_EQ(m.find("unknown property"), std::string::npos) << where << ": " << m;
  EXPECT_NE(m.find(key), std::string::npos)
      << where << ": the error is about something else: " << m;
}

TEST(QomCatalogTest, EveryTypeParsesAndRejectsUnknownProperties) {
  for (const auto& t : qom_types()) {
    if (t.name == "qemu-xhci") continue;  // an alias: parsed as nec-usb-xhci (checked below)
    auto base = parse(t, "");
    EXPECT_TRUE(base) << t.name << ": " << (base ? "" : base.error().message());
    auto bogus = parse(t, "zz-bogus=1");
    ASSERT_FALSE(bogus) << t.name;
    EXPECT_NE(bogus.error().message().find("unknown property"), std::string::npos)
        << t.name << ": " << bogus.error().message();
  }
}

TEST(QomCatalogTest, EveryListedPropertyIsOneTheParserReads) {
  for (const auto& t : qom_types()) {
    for (const auto& p : t.properties) {
      std::string where = fmt::format("{}.{}", t.name, p.name);
      expect_known(parse(t, fmt::format("{}={}", p.name, sample(p))), p.name, where);
    }
  }
}

TEST(QomCatalogTest, LookupAndAliases) {
  ASSERT_NE(find_qom_type("virtio-blk-pci"), nullptr);
  EXPECT_EQ(find_qom_type("virtio-blk-pci")->kind, QomKind::kDevice);
  EXPECT_EQ(find_qom_type("iothread")->kind, QomKind::kObject);
  EXPECT_EQ(find_qom_type("virtio-gpu-pcix"), nullptr);
  auto props = config::Props::parse("-device", "qemu-xhci,id=u", "driver");
  ASSERT_TRUE(props);
  EXPECT_TRUE(config::parse_device(*props, 0));
}

TEST(QomCatalogTest, CommandLineOptionParametersAreParsed) {
  QmpDispatcher d;
  config::VmConfig cfg;
  EventQueue events;
  FdRegistry fds;
  class Dummy final : public MachineControl {
   public:
    RunState run_state() const override { return RunState::kRunning; }
    Result<void> pause() override { return ok(); }
    Result<void> resume() override { return ok(); }
    void request_shutdown(ShutdownCause) override {}
    Result<void> request_powerdown() override { return ok(); }
    Result<ResetOutcome> request_reset() override { return ResetOutcome::kReset; }
    std::vector<VcpuInfo> vcpus() const override { return {}; }
    std::optional<std::vector<HotpluggableCpu>> hotpluggable_cpus() const override { return {}; }
    std::vector<IothreadInfo> iothreads() const override { return {}; }
    std::vector<ChardevInfo> chardevs() const override { return {}; }
    std::optional<uint64_t> balloon_actual() const override { return {}; }
    Result<void> set_balloon_target(uint64_t) override { return ok(); }
  } machine;
  register_commands(d, CommandEnv{machine, events, fds, cfg, [] { return false; }});
  QmpSession s;
  auto r = nlohmann::json::parse(d.handle_message(R"({"execute":"query-command-line-options"})", s));
  ASSERT_TRUE(r["return"].is_array());
  for (const auto& o : r["return"]) {
    std::string option = o["option"];
    for (const auto& p : o["parameters"]) {
      std::string name = p["name"];
      std::string type = p["type"];
      std::string value = type == "boolean" ? "on" : type == "number" ? "0" : type == "size" ? "1M" : "x";
      std::string where = option + "." + name;
      if (option == "drive") {
        std::string text = "id=d,file=/dev/null," + name + "=" + value;
        if (name == "id" || name == "file") text = "id=d,file=/dev/null";
        auto props = config::Props::parse("-drive", text);
        ASSERT_TRUE(props) << where;
        auto drive = config::parse_drive(*props);
        if (!drive) expect_known(std::unexpected(drive.error()), name, where);
      } else if (option == "machine") {
        std::string text = name == "type" ? "none" : "none," + name + "=" + value;
        auto props = config::Props::parse("-machine", text, "type");
        ASSERT_TRUE(props) << where;
        auto m = config::parse_machine(*props, config::MachineConfig{});
        if (!m) expect_known(std::unexpected(m.error()), name, where);
      } else {
        ADD_FAILURE() << "no parser check for option " << option;
      }
    }
  }
}

}  // namespace
}  // namespace stratovirt::qmp
