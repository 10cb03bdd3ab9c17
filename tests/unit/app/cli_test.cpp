// SPDX-License-Identifier: MulanPSL-2.0
// The binary's informational options and its startup errors (exit code 1, one message).
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "unit/app/process_util.h"

namespace stratovirt::testing {
namespace {

TEST(CliTest, VersionPrintsTheVersion) {
  TempDir dir;
  for (const char* opt : {"-version", "-V"}) {
    Process p({opt}, dir.path());
    EXPECT_EQ(p.wait(), 0) << opt;
    EXPECT_EQ(p.out(), std::string("StratoVirt-cpp ") + SV_VERSION + "\n");
  }
}

TEST(CliTest, HelpPrintsUsage) {
  TempDir dir;
  for (const char* opt : {"-help", "-h"}) {
    Process p({opt}, dir.path());
    EXPECT_EQ(p.wait(), 0) << opt;
    EXPECT_NE(p.out().find("-qmp"), std::string::npos) << p.out();
    EXPECT_NE(p.out().find("-daemonize"), std::string::npos);
  }
}

TEST(CliTest, UnknownOptionExitsOneNamingIt) {
  TempDir dir;
  Process p({"-machine", "none", "-no-such-option-h2"}, dir.path());
  EXPECT_EQ(p.wait(), 1);
  EXPECT_EQ(p.err().rfind("stratovirt: ", 0), 0u) << p.err();
  EXPECT_NE(p.err().find("-no-such-option-h2"), std::string::npos) << p.err();
}

TEST(CliTest, MonitorIsRequired) {
  TempDir dir;
  Process p({"-machine", "none"}, dir.path());
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.err().find("-qmp"), std::string::npos) << p.err();
}

TEST(CliTest, UnrealizableMachinesAndDevicesAreRefusedAndLeaveNothingBehind) {
  TempDir dir;
  std::string sock = dir.file("q.sock");
  Process p({"-machine", "q35", "-qmp", "unix:" + sock + ",server,nowait"}, dir.path());
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.err().find("-machine q35: not supported yet"), std::string::npos) << p.err();
  EXPECT_FALSE(std::filesystem::exists(sock));
  // A device parsed but not realizable yet is named, never silently ignored.
  std::string kernel = dir.file("vmlinuz");
  std::ofstream(kernel) << "not a kernel";
  Process d({"-machine", "microvm", "-kernel", kernel, "-device",
             "vhost-vsock-device,id=vsock0,guest-cid=3", "-qmp", "unix:" + sock + ",server,nowait"},
            dir.path());
  EXPECT_EQ(d.wait(), 1);
  EXPECT_NE(d.err().find("vsock0"), std::string::npos) << d.err();
  EXPECT_NE(d.err().find("vhost-vsock-device is not implemented on virtio-mmio yet"),
            std::string::npos)
      << d.err();
  EXPECT_FALSE(std::filesystem::exists(sock));
}

TEST(CliTest, InvalidLogLevelIsAClearError) {
  TempDir dir;
  Process p({"-machine", "none", "-qmp", "unix:" + dir.file("q.sock") + ",server,nowait", "-D"},
            dir.path(), {"STRATOVIRT_LOG_LEVEL=chatty"});
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.err().find("STRATOVIRT_LOG_LEVEL 'chatty'"), std::string::npos) << p.err();
}

}  // namespace
}  // namespace stratovirt::testing
