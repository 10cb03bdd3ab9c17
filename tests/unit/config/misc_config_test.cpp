// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/misc_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;

class MiscOptionsTest : public ::testing::Test, public testing::CmdlineFixture {
 protected:
  std::string error_of(std::vector<std::string> args, bool add_qmp = true) {
    auto r = add_qmp ? parse_qmp(std::move(args)) : parse(std::move(args));
    return r ? std::string("<parsed>") : r.error().to_string();
  }
};

TEST_F(MiscOptionsTest, SerialForms) {
  auto a = parse_qmp({"-kernel", "@k", "-serial", "stdio"});
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->serial->chardev, "serial_chardev");
  EXPECT_TRUE(std::holds_alternative<StdioBackend>(a->find_chardev("serial_chardev")->backend));
  auto b = parse_qmp({"-kernel", "@k", "-chardev", "pty,id=c0", "-serial", "chardev:c0"});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->serial->chardev, "c0");
  auto c = parse_qmp({"-kernel", "@k", "-serial", "socket,path=/tmp/s.sock,server,nowait"});
  ASSERT_TRUE(c) << c.error().to_string();
  auto d = parse_qmp({"-kernel", "@k", "-serial", "file,path=/tmp/serial.log"});
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<FileBackend>(d->find_chardev("serial_chardev")->backend).path, "/tmp/serial.log");
  EXPECT_THAT(error_of({"-kernel", "@k", "-serial", "chardev:nope"}), HasSubstr("-serial: chardev 'nope' not found"));
  EXPECT_THAT(error_of({"-kernel", "@k", "-chardev", "pty,id=c", "-serial", "chardev:c", "-device",
                        R"({"driver":"isa-serial","chardev":"c","id":"serial0","index":0})"}),
              HasSubstr("only one legacy serial"));
  auto isa = parse_qmp({"-kernel", "@k", "-chardev", "pty,id=charserial0", "-device",
                        R"({"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0})"});
  ASSERT_TRUE(isa) << isa.error().to_string();
  EXPECT_EQ(isa->serial->chardev, "charserial0");
}

TEST_F(MiscOptionsTest, QmpAndMon) {
  auto a = parse({"-machine", "none", "-qmp", "unix:/tmp/a.sock,server,nowait", "-qmp", "tcp:127.0.0.1:4444,server,nowait",
                  "-chardev", "socket,id=charmonitor,fd=28,server=on,wait=off", "-mon", "chardev=charmonitor,id=monitor,mode=control"});
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_EQ(a->monitors.size(), 3u);
  const auto& tcp = std::get<SocketBackend>(a->find_chardev(a->monitors[1].chardev)->backend);
  EXPECT_EQ(std::get<TcpSocketAddr>(tcp.addr).host, "127.0.0.1");
  EXPECT_EQ(a->monitors[2].id, "monitor");
  EXPECT_TRUE(parse({"-machine", "none", "-qmp", "unix:/tmp/a.sock,server=on,wait=off"}));
  EXPECT_THAT(error_of({"-machine", "none", "-qmp", "unix:/tmp/a.sock"}, false), HasSubstr("-qmp: property 'server': is required"));
  EXPECT_THAT(error_of({"-machine", "none", "-qmp", "unix:/tmp/a.sock,server"}, false), HasSubstr("property 'nowait': is required"));
  EXPECT_THAT(error_of({"-machine", "none", "-qmp", "unix:/tmp/a:b,server,nowait"}, false), HasSubstr("must not contain ':'"));
  EXPECT_THAT(error_of({"-machine", "none", "-qmp", "stdio"}, false), HasSubstr("expected unix:<path> or tcp:<ip>:<port>"));
  EXPECT_THAT(error_of({"-machine", "none", "-qmp", "tcp:1.2.3.4:0,server,nowait"}, false), HasSubstr("expected tcp:<ip>:<port>"));
  EXPECT_THAT(error_of({"-machine", "none"}, false), HasSubstr("management interface is required"));
  EXPECT_THAT(error_of({"-machine", "none", "-chardev", "pty,id=c", "-mon", "chardev=c,mode=control"}, false),
              HasSubstr("must be a listening socket"));
  EXPECT_THAT(error_of({"-machine", "none", "-chardev", "socket,id=c,path=/tmp/m,server,nowait", "-mon", "chardev=c,mode=readline"}, false),
              HasSubstr("'readline' is not supported"));
  EXPECT_THAT(error_of({"-machine", "none", "-qmp", "unix:/tmp/a.sock,server,nowait,iothread=io9"}, false),
              HasSubstr("iothread 'io9' not found"));
}

TEST_F(MiscOptionsTest, DaemonizeRules) {
  auto a = parse_qmp({"-machine", "none", "-daemonize", "-pidfile", "/tmp/x.pid", "-D", "/tmp/log"});
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_TRUE(a->daemonize);
  EXPECT_EQ(*a->log.file, "/tmp/log");
  EXPECT_THAT(error_of({"-kernel", "@k", "-daemonize", "-serial", "stdio"}), HasSubstr("-daemonize: cannot be used with a stdio"));
  EXPECT_THAT(error_of({"-machine", "none", "-daemonize", "-D"}), HasSubstr("give -D <file>"));
}

TEST_F(MiscOptionsTest, Incoming) {
  EXPECT_EQ(parse_incoming("tcp:192.168.0.1:4446")->kind, IncomingKind::kTcp);
  EXPECT_EQ(parse_incoming("unix:/tmp/mig.sock")->address, "/tmp/mig.sock");
  auto f = parse_incoming("file:/tmp/template,mapped=false");
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ(f->address, "/tmp/template");
  EXPECT_FALSE(f->mapped);
  EXPECT_TRUE(parse_incoming("file:/tmp/t")->mapped);
  EXPECT_FALSE(parse_incoming("tcp:1.2.3.4"));
  EXPECT_FALSE(parse_incoming("ftp:/x"));
  EXPECT_FALSE(parse_incoming("nocolon"));
}

TEST_F(MiscOptionsTest, TraceGlobalSmbiosUuid) {
  auto a = parse_qmp({"-machine", "q35", "-trace", "file=/tmp/events", "-trace", "type=all",
                      "-global", "pcie-root-port.fast-unplug=1",
                      "-smbios", "type=0,vendor=v,version=1,date=2024",
                      "-smbios", "type=1,manufacturer=m,product=p,version=1,serial=s,uuid=33b5f9b2-19d3-4a1e-9c4a-1f6c3b0c8e7d,sku=k,family=f",
                      "-smbios", "type=2,manufacturer=m,product=p,version=1,serial=s,asset=a,location=l",
                      "-smbios", "type=3,manufacturer=m,version=1,serial=s,asset=a,sku=k",
                      "-smbios", "type=4,sock_pfx=CPU,manufacturer=m,version=1,serial=s,asset=a,part=p,max-speed=3000,current-speed=2000",
                      "-smbios", "type=17,loc_pfx=DIMM,bank=b,manufacturer=m,serial=s,asset=a,part=p,speed=3200",
                      "-uuid", "33b5f9b2-19d3-4a1e-9c4a-1f6c3b0c8e7d", "-name", "guest=vm1,debug-threads=on",
                      "-hardware-signature", "0x1234", "-display", "none"});
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->traces.size(), 2u);
  EXPECT_TRUE(*a->global.pcie_root_port_fast_unplug);
  EXPECT_EQ((*a->smbios.type1->uuid)[0], 0x33);
  EXPECT_EQ(*a->smbios.type4->max_speed, 3000u);
  EXPECT_EQ(*a->smbios.type17->bank, "b");
  EXPECT_EQ(*a->name, "vm1");
  EXPECT_EQ(*a->hardware_signature, 0x1234u);
  EXPECT_EQ((*a->uuid)[15], 0x7d);
  EXPECT_THAT(error_of({"-smbios", "type=5"}), HasSubstr("5 is not supported"));
  EXPECT_THAT(error_of({"-smbios", "type=0,vendor=a", "-smbios", "type=0,version=b"}), HasSubstr("given more than once"));
  EXPECT_THAT(error_of({"-smbios", "type=1,uuid=xyz"}), HasSubstr("property 'uuid'"));
  EXPECT_THAT(error_of({"-smbios", "type=0,bogus=1"}), HasSubstr("-smbios type=0: property 'bogus'"));
  EXPECT_THAT(error_of({"-uuid", "33b5f9b2-19d3-4a1e-9c4a"}), HasSubstr("-uuid"));
  EXPECT_THAT(error_of({"-global", "virtio-blk-pci.x=1"}), HasSubstr("only pcie-root-port.fast-unplug"));
  EXPECT_THAT(error_of({"-global", "pcie-root-port.fast-unplug=2"}), HasSubstr("expected 0 or 1"));
  EXPECT_THAT(error_of({"-trace", "type=some"}), HasSubstr("property 'type'"));
  EXPECT_THAT(error_of({"-hardware-signature", "0x100000000"}), HasSubstr("32-bit"));
}

TEST_F(MiscOptionsTest, VncAndDisplay) {
  auto a = parse_qmp({"-object", "tls-creds-x509,id=vnc-tls-creds0,dir=/etc/pki/vnc", "-object",
                      "authz-simple,id=authz0,identity=username", "-vnc",
                      "0.0.0.0:0,tls-creds=vnc-tls-creds0,sasl=on,sasl-authz=authz0"});
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->vnc->display, 0u);
  EXPECT_TRUE(a->vnc->sasl);
  EXPECT_THAT(error_of({"-vnc", "0.0.0.0:0,tls-creds=nope"}), HasSubstr("object 'nope' not found"));
  EXPECT_THAT(error_of({"-vnc", "0.0.0.0:99999"}), HasSubstr("display number"));
  auto g = parse_qmp({"-display", "gtk,app-name=vm,full-screen=on"});
  ASSERT_TRUE(g);
  EXPECT_EQ(g->display->type, DisplayType::kGtk);
  EXPECT_THAT(error_of({"-display", "sdl"}), HasSubstr("property 'type'"));
}

TEST_F(MiscOptionsTest, IgnoredOptionsAreRecorded) {
  auto a = parse_qmp({"-machine", "none", "-no-user-config", "-nodefaults", "-nographic", "-overcommit", "mem-lock=off"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ignored_options, (std::vector<std::string>{"no-user-config", "nodefaults", "nographic", "overcommit"}));
}

TEST_F(MiscOptionsTest, MachineNoneRunsNoGuest) {
  EXPECT_THAT(error_of({"-machine", "none", "-kernel", "@k"}), HasSubstr("-machine none: runs no guest"));
}

}  // namespace
}  // namespace stratovirt::config
