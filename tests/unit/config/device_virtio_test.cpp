// SPDX-License-Identifier: MulanPSL-2.0
// -device virtio families: net, serial/ports, vsock, fs, rng, balloon, mem, pmem, input.
#include "stratovirt/config/device_config.h"

#include "device_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;
using testing::dev_error;
using testing::parse_dev;
using testing::spec_of;

TEST(VirtioNetTest, GuidebookLines) {
  auto m = parse_dev("virtio-net-device,id=net_id,netdev=netdev_id,iothread=iothread1,"
                     "mac=12:34:56:78:9a:bc");
  ASSERT_TRUE(m) << m.error().message();
  const auto& n = spec_of<VirtioNetDevice>(m);
  EXPECT_EQ(n.netdev, "netdev_id");
  EXPECT_EQ(n.mac->to_string(), "12:34:56:78:9a:bc");
  EXPECT_FALSE(n.mq);
  EXPECT_EQ(n.queue_size, 256);
  EXPECT_FALSE(n.rx_iothread);
  auto p = parse_dev("virtio-net-pci,id=net_id,netdev=netdev_id,bus=pcie.0,addr=0x2,"
                     "multifunction=on,iothread=iothread1,mac=12:34:56:78:9a:bc,mq=on,"
                     "queue-size=4096");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(spec_of<VirtioNetDevice>(p).mq);
  EXPECT_EQ(spec_of<VirtioNetDevice>(p).queue_size, 4096);
}

TEST(VirtioNetTest, Limits) {
  EXPECT_TRUE(parse_dev("virtio-net-pci,netdev=n,id=x,queue-size=256"));
  for (const char* bad : {"128", "8192", "300"}) {
    EXPECT_THAT(dev_error(std::string("virtio-net-pci,netdev=n,id=x,queue-size=") + bad),
                HasSubstr("property 'queue-size'"))
        << bad;
  }
  EXPECT_THAT(dev_error("virtio-net-pci,netdev=n,id=x,queue-size=128"),
              HasSubstr("not a power of 2 in [256, 4096]"));
  EXPECT_THAT(dev_error("virtio-net-pci,netdev=n,id=x,mac=12:34:56"), HasSubstr("property 'mac'"));
  EXPECT_THAT(dev_error("virtio-net-pci,netdev=n,id=x,mac=ff:ff:ff:ff:ff:ff"),
              HasSubstr("property 'mac'"));
  EXPECT_THAT(dev_error("virtio-net-pci,id=x"), HasSubstr("property 'netdev'"));
  EXPECT_THAT(dev_error("virtio-net-pci,netdev=n,id=x,addr=0x2.0x1"),
              HasSubstr("property 'addr': virtio-net-pci is a single-function device"));
  auto io = parse_dev("virtio-net-pci,netdev=n,id=x,rx-iothread=r,tx-iothread=t,vectors=4");
  ASSERT_TRUE(io) << io.error().message();
  EXPECT_EQ(spec_of<VirtioNetDevice>(io).rx_iothread, "r");
  EXPECT_EQ(spec_of<VirtioNetDevice>(io).tx_iothread, "t");
}

TEST(VirtioSerialTest, GuidebookLinesAndMaxPorts) {
  auto m = parse_dev("virtio-serial-device,id=virtio-serial0");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(spec_of<VirtioSerialDevice>(m).max_ports, 1u);  // forced on virtio-mmio
  auto p = parse_dev("virtio-serial-pci,id=virtio-serial0,bus=pcie.0,addr=0x3,"
                     "multifunction=on,max_ports=8");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(spec_of<VirtioSerialDevice>(p).max_ports, 8u);
  EXPECT_EQ(spec_of<VirtioSerialDevice>(parse_dev("virtio-serial-pci,id=s")).max_ports, 31u);
  EXPECT_EQ(spec_of<VirtioSerialDevice>(parse_dev("virtio-serial-pci,id=s,max-ports=1")).max_ports,
            1u);
  EXPECT_THAT(dev_error("virtio-serial-pci,id=s,max-ports=0"), HasSubstr("property 'max-ports'"));
  EXPECT_THAT(dev_error("virtio-serial-pci,id=s,max-ports=32"), HasSubstr("property 'max-ports'"));
  EXPECT_THAT(dev_error("virtio-serial-pci,id=s,max_ports=32"), HasSubstr("property 'max_ports'"));
  EXPECT_TRUE(parse_dev("virtio-serial-device,id=s,max-ports=1"));
  EXPECT_THAT(dev_error("virtio-serial-device,id=s,max-ports=2"),
              HasSubstr("property 'max-ports'"));
}

TEST(VirtioSerialTest, PortLines) {
  auto c = parse_dev("virtconsole,id=console_id,chardev=virtioconsole1,nr=0");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(spec_of<VirtioSerialPort>(c).console);
  EXPECT_EQ(spec_of<VirtioSerialPort>(c).nr, 0u);
  // The guidebook's generic-port example uses nr=0: it parses (validate_devices rejects it).
  auto g = parse_dev("virtserialport,id=serialport_id,chardev=virtioserialport1,nr=0");
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_FALSE(spec_of<VirtioSerialPort>(g).console);
  EXPECT_TRUE(parse_dev("virtserialport,id=p,chardev=c,nr=30"));
  EXPECT_THAT(dev_error("virtserialport,id=p,chardev=c,nr=31"), HasSubstr("property 'nr'"));
  EXPECT_THAT(dev_error("virtserialport,id=p"), HasSubstr("property 'chardev'"));
  EXPECT_THAT(dev_error("virtserialport,id=p,chardev=c,bus=vs0"), HasSubstr("property 'bus'"));
}

TEST(VhostVsockTest, GuestCidLimits) {
  auto m = parse_dev("vhost-vsock-device,id=vsock_id,guest-cid=3");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(spec_of<VhostVsockDevice>(m).guest_cid, 3u);
  EXPECT_FALSE(spec_of<VhostVsockDevice>(m).vhostfd);
  auto p = parse_dev("vhost-vsock-pci,id=vsock_id,guest-cid=4294967294,bus=pcie.0,addr=0x3,"
                     "multifunction=on");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_THAT(dev_error("vhost-vsock-device,id=v,guest-cid=2"), HasSubstr("property 'guest-cid'"));
  EXPECT_THAT(dev_error("vhost-vsock-device,id=v,guest-cid=4294967295"),
              HasSubstr("property 'guest-cid'"));
  EXPECT_THAT(dev_error("vhost-vsock-device,id=v"), HasSubstr("property 'guest-cid': is required"));
  EXPECT_THAT(dev_error("vhost-vsock-device,id=v,guest-cid=3,vhostfd=-1"),
              HasSubstr("property 'vhostfd'"));
}

TEST(VhostUserFsTest, TagShorterThan36) {
  auto m = parse_dev("vhost-user-fs-device,id=device_id,chardev=chardevid,tag=mount_tag");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(spec_of<VhostUserFsDevice>(m).tag, "mount_tag");
  auto p = parse_dev("vhost-user-fs-pci,id=device_id,chardev=virtio_fs,tag=myfs,bus=pcie.0,"
                     "addr=0x7");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(parse_dev("vhost-user-fs-pci,id=f,chardev=c,tag=" + std::string(35, 't')));
  EXPECT_THAT(dev_error("vhost-user-fs-pci,id=f,chardev=c,tag=" + std::string(36, 't')),
              HasSubstr("property 'tag'"));
  EXPECT_THAT(dev_error("vhost-user-fs-pci,id=f,chardev=c,tag="), HasSubstr("property 'tag'"));
  EXPECT_THAT(dev_error("vhost-user-fs-pci,id=f,tag=t"), HasSubstr("property 'chardev'"));
  EXPECT_EQ(spec_of<VhostUserFsDevice>(
                parse_dev(R"({"driver":"vhost-user-fs-pci","id":"fs0","chardev":"chr",)"
                          R"("queue-size":1024,"tag":"t","bus":"pci.1","addr":"0x0"})"))
                .queue_size,
            1024);
}

TEST(VirtioRngTest, RateBetween64And1e9BytesPerSecond) {
  auto m = parse_dev("virtio-rng-device,rng=objrng0,max-bytes=1234,period=1000");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(spec_of<VirtioRngDevice>(m).rng, "objrng0");
  EXPECT_EQ(spec_of<VirtioRngDevice>(m).max_bytes, 1234u);
  EXPECT_EQ(spec_of<VirtioRngDevice>(m).period_ms, 1000u);
  auto p = parse_dev("virtio-rng-pci,id=rng_id,rng=objrng0,max-bytes=1234,period=1000,"
                     "bus=pcie.0,addr=0x1,multifunction=on");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_FALSE(spec_of<VirtioRngDevice>(parse_dev("virtio-rng-pci,id=r,rng=o")).max_bytes);
  // Exactly at the limits: 64 B/s and 1e9 B/s.
  EXPECT_TRUE(parse_dev("virtio-rng-device,rng=o,max-bytes=64,period=1000"));
  EXPECT_TRUE(parse_dev("virtio-rng-device,rng=o,max-bytes=1000000,period=1"));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=o,max-bytes=63,period=1000"),
              HasSubstr("property 'max-bytes'"));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=o,max-bytes=1000001,period=1"),
              HasSubstr("property 'max-bytes'"));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=o,max-bytes=18446744073709551615,period=1"),
              HasSubstr("property 'max-bytes'"));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=o,max-bytes=100"), HasSubstr("property 'period'"));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=o,period=100"), HasSubstr("property 'max-bytes'"));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=o,max-bytes=100,period=0"),
              HasSubstr("property 'period'"));
  EXPECT_THAT(dev_error("virtio-rng-device,id=r"), HasSubstr("property 'rng'"));
  EXPECT_THAT(dev_error("virtio-rng-pci,rng=o,addr=1.1"), HasSubstr("single-function"));
}

TEST(VirtioBalloonTest, DefaultsAndLimits) {
  auto m = parse_dev("virtio-balloon-device,deflate-on-oom=true,free-page-reporting=false");
  ASSERT_TRUE(m) << m.error().message();
  const auto& b = spec_of<VirtioBalloonDevice>(m);
  EXPECT_TRUE(b.deflate_on_oom);
  EXPECT_FALSE(b.free_page_reporting);
  EXPECT_FALSE(b.auto_balloon);
  EXPECT_EQ(b.membuf_percent, 50u);
  EXPECT_EQ(b.monitor_interval, 10u);
  auto p = parse_dev("virtio-balloon-pci,id=balloon_id,bus=pcie.0,addr=0x4,deflate-on-oom=true,"
                     "free-page-reporting=true,multifunction=on");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(spec_of<VirtioBalloonDevice>(p).free_page_reporting);
  auto u = parse_dev("virtio-balloon-device,deflate_on_oom=on,auto-balloon=true,"
                     "membuf-percent=20,monitor-interval=300");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(spec_of<VirtioBalloonDevice>(u).deflate_on_oom);
  EXPECT_EQ(spec_of<VirtioBalloonDevice>(u).membuf_percent, 20u);
  EXPECT_EQ(spec_of<VirtioBalloonDevice>(u).monitor_interval, 300u);
  EXPECT_TRUE(parse_dev("virtio-balloon-device,membuf-percent=80,monitor-interval=5"));
  EXPECT_THAT(dev_error("virtio-balloon-device,membuf-percent=19"),
              HasSubstr("property 'membuf-percent'"));
  EXPECT_THAT(dev_error("virtio-balloon-device,membuf-percent=81"),
              HasSubstr("property 'membuf-percent'"));
  EXPECT_THAT(dev_error("virtio-balloon-device,monitor-interval=4"),
              HasSubstr("property 'monitor-interval'"));
  EXPECT_THAT(dev_error("virtio-balloon-device,monitor-interval=301"),
              HasSubstr("property 'monitor-interval'"));
  EXPECT_THAT(dev_error("virtio-balloon-device,deflate-on-oom=maybe"),
              HasSubstr("property 'deflate-on-oom'"));
}

TEST(VirtioMemTest, DefaultsAndAlignment) {
  auto m = parse_dev("virtio-mem-pci,id=vm0,memdev=mem1,requested-size=64M,node=1");
  ASSERT_TRUE(m) << m.error().message();
  const auto& v = spec_of<VirtioMemDevice>(m);
  EXPECT_EQ(v.memdev, "mem1");
  EXPECT_EQ(v.block_size, 32ULL << 20);
  EXPECT_EQ(v.requested_size, 64ULL << 20);
  EXPECT_EQ(v.node, 1);
  EXPECT_FALSE(v.unplugged_inaccessible);
  auto j = parse_dev(R"({"driver":"virtio-mem-device","id":"m","memdev":"x",)"
                     R"("block-size":2097152,"requested-size":4194304,"memaddr":"0x140000000"})");
  ASSERT_TRUE(j) << j.error().message();
  EXPECT_EQ(spec_of<VirtioMemDevice>(j).memaddr, 0x140000000u);
  EXPECT_THAT(dev_error("virtio-mem-pci,id=m,memdev=x,block-size=3M"),
              HasSubstr("property 'block-size'"));
  EXPECT_THAT(dev_error("virtio-mem-pci,id=m,memdev=x,requested-size=48M"),
              HasSubstr("property 'requested-size'"));
  EXPECT_THAT(dev_error("virtio-mem-pci,id=m,memdev=x,memaddr=0x100000"),
              HasSubstr("property 'memaddr'"));
  EXPECT_THAT(dev_error("virtio-mem-pci,id=m"), HasSubstr("property 'memdev'"));
}

TEST(VirtioPmemTest, MemaddrIs2MiBAligned) {
  auto m = parse_dev("virtio-pmem-pci,id=p,memdev=pm0,memaddr=0x200000");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(spec_of<VirtioPmemDevice>(m).memaddr, 0x200000u);
  EXPECT_FALSE(spec_of<VirtioPmemDevice>(parse_dev("virtio-pmem-device,id=p,memdev=m")).memaddr);
  EXPECT_THAT(dev_error("virtio-pmem-device,id=p,memdev=m,memaddr=0x100000"),
              HasSubstr("property 'memaddr'"));
  EXPECT_THAT(dev_error("virtio-pmem-device,id=p"), HasSubstr("property 'memdev'"));
}

TEST(VirtioInputTest, EvdevAndMultitouch) {
  auto i = parse_dev("virtio-input-pci,id=in0,evdev=/dev/input/event3");
  ASSERT_TRUE(i) << i.error().message();
  EXPECT_EQ(spec_of<VirtioInputDevice>(i).evdev, "/dev/input/event3");
  EXPECT_THAT(dev_error("virtio-input-device,id=in0"), HasSubstr("property 'evdev'"));
  auto t = parse_dev("virtio-multitouch-pci,id=t,touchtype=pad,x=1920,y=1080,serial=s");
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(spec_of<VirtioMultitouchDevice>(t).touch_type, TouchType::kPad);
  EXPECT_EQ(spec_of<VirtioMultitouchDevice>(t).x, 1920u);
  auto d = parse_dev("virtio-multitouch-device,id=t");
  EXPECT_EQ(spec_of<VirtioMultitouchDevice>(d).x, 0x7fffu);
  EXPECT_EQ(spec_of<VirtioMultitouchDevice>(d).touch_type, TouchType::kScreen);
  EXPECT_THAT(dev_error("virtio-multitouch-device,id=t,touchtype=mouse"),
              HasSubstr("property 'touchtype'"));
}

}  // namespace
}  // namespace stratovirt::config
