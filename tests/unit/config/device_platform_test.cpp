// SPDX-License-Identifier: MulanPSL-2.0
// -device display, PCI platform, legacy and USB drivers.
#include "stratovirt/config/device_config.h"

#include "device_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;
using testing::dev_error;
using testing::parse_dev;
using testing::spec_of;

TEST(VirtioGpuTest, GuidebookLineAndDefaults) {
  auto g = parse_dev("virtio-gpu-pci,id=gpu0,bus=pcie.0,addr=0x2.0x0,max_outputs=16,edid=false,"
                     "xres=1920,yres=1080,max_hostmem=536870912");
  ASSERT_TRUE(g) << g.error().message();
  const auto& v = spec_of<VirtioGpuDevice>(g);
  EXPECT_EQ(v.max_outputs, 16u);
  EXPECT_FALSE(v.edid);
  EXPECT_EQ(v.xres, 1920u);
  EXPECT_EQ(v.max_hostmem, 512ULL << 20);
  auto d = parse_dev("virtio-gpu-pci,id=g");
  const auto& dv = spec_of<VirtioGpuDevice>(d);
  EXPECT_EQ(dv.max_outputs, 1u);
  EXPECT_TRUE(dv.edid);
  EXPECT_EQ(dv.xres, 1024u);
  EXPECT_EQ(dv.yres, 768u);
  EXPECT_EQ(dv.max_hostmem, 256ULL << 20);
  EXPECT_FALSE(dv.enable_bar0);
  EXPECT_EQ(dv.cursor_size, 128u);
  auto dash = parse_dev("virtio-gpu-pci,id=g,max-outputs=2,enable-bar0=true,cursor-size=64");
  ASSERT_TRUE(dash) << dash.error().message();
  EXPECT_TRUE(spec_of<VirtioGpuDevice>(dash).enable_bar0);
  EXPECT_THAT(dev_error("virtio-gpu-pci,id=g,max_outputs=17"), HasSubstr("property 'max_outputs'"));
  EXPECT_THAT(dev_error("virtio-gpu-pci,id=g,max_outputs=0"), HasSubstr("property 'max_outputs'"));
  EXPECT_THAT(dev_error("virtio-gpu-pci,id=g,max_hostmem=0"), HasSubstr("property 'max_hostmem'"));
  EXPECT_THAT(dev_error("virtio-gpu-pci,id=g,max_outputs=1,max-outputs=1"),
              HasSubstr("given twice"));
}

TEST(VhostUserGpuTest, DefaultsAndLimits) {
  auto g = parse_dev("vhost-user-gpu-pci,id=g,chardev=gpu0,virgl=on");
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ(spec_of<VhostUserGpuDevice>(g).num_queues, 2u);
  EXPECT_EQ(spec_of<VhostUserGpuDevice>(g).xres, 1024u);
  EXPECT_TRUE(spec_of<VhostUserGpuDevice>(g).virgl);
  EXPECT_THAT(dev_error("vhost-user-gpu-pci,id=g"), HasSubstr("property 'chardev'"));
  EXPECT_THAT(dev_error("vhost-user-gpu-pci,id=g,chardev=c,max_outputs=17"),
              HasSubstr("'max_outputs'"));
}

TEST(RamfbTest, Aarch64Only) {
#if defined(__aarch64__)
  auto r = parse_dev("ramfb,id=ramfb0,install=true");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(spec_of<RamfbDevice>(r).install);
#else
  EXPECT_THAT(dev_error("ramfb,id=ramfb0,install=true"), HasSubstr("only supported on aarch64"));
#endif
}

TEST(PcieRootPortTest, GuidebookLine) {
  auto r = parse_dev("pcie-root-port,id=pcie.1,port=0x1,bus=pcie.0,addr=0x1,multifunction=on");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(spec_of<PcieRootPort>(r).port, 1);
  EXPECT_FALSE(spec_of<PcieRootPort>(r).chassis);
  EXPECT_EQ(*r->pci->addr, (PciAddr{1, 0}));
  EXPECT_TRUE(parse_dev("pcie-root-port,id=p,port=255,chassis=3"));
  EXPECT_THAT(dev_error("pcie-root-port,id=p,port=256"), HasSubstr("property 'port'"));
  EXPECT_THAT(dev_error("pcie-root-port,id=p"), HasSubstr("property 'port': is required"));
  EXPECT_THAT(dev_error("pcie-root-port,id=p,port=1,chassis=256"), HasSubstr("'chassis'"));
}

TEST(VfioPciTest, HostOrSysfsdev) {
  auto v = parse_dev("vfio-pci,id=vfio_id,host=0000:1a:00.3,bus=pcie.0,addr=0x03,"
                     "multifunction=on");
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(spec_of<VfioPciDevice>(v).host->to_string(), "0000:1a:00.3");
  auto s = parse_dev("vfio-pci,id=v,sysfsdev=/sys/bus/mdev/devices/abc");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(spec_of<VfioPciDevice>(s).sysfsdev, "/sys/bus/mdev/devices/abc");
  EXPECT_THAT(dev_error("vfio-pci,id=v"), HasSubstr("property 'host': is required"));
  EXPECT_THAT(dev_error("vfio-pci,id=v,host=01:00.0,sysfsdev=/x"), HasSubstr("conflicts"));
  EXPECT_THAT(dev_error("vfio-pci,id=v,host=01:00"), HasSubstr("property 'host'"));
}

TEST(IvshmemScreamTest, InterfaceAndDemoPaths) {
  auto s = parse_dev("ivshmem-scream,id=scream0,memdev=scream_mem,interface=Demo,"
                     "playback=/tmp/play,record=/tmp/rec,bus=pcie.0,addr=0x2.0x0");
  ASSERT_TRUE(s) << s.error().message();
  const auto& v = spec_of<IvshmemScreamDevice>(s);
  EXPECT_EQ(v.interface, ScreamInterface::kDemo);
  EXPECT_TRUE(v.record_auth);
  EXPECT_EQ(v.playback, "/tmp/play");
  EXPECT_EQ(spec_of<IvshmemScreamDevice>(parse_dev("ivshmem-scream,id=s,memdev=m,"
                                                   "interface=PulseAudio,record-auth=off"))
                .interface,
            ScreamInterface::kPulseAudio);
  EXPECT_THAT(dev_error("ivshmem-scream,id=s,memdev=m,interface=Demo,record=/r"),
              HasSubstr("property 'playback'"));
  EXPECT_THAT(dev_error("ivshmem-scream,id=s,memdev=m,interface=OSS"),
              HasSubstr("property 'interface'"));
  EXPECT_THAT(dev_error("ivshmem-scream,id=s,memdev=m"), HasSubstr("property 'interface'"));
  EXPECT_THAT(dev_error("ivshmem-scream,id=s,interface=ALSA"), HasSubstr("property 'memdev'"));
}

TEST(PvpanicTest, FeatureMask) {
  auto p = parse_dev("pvpanic,id=pv,bus=pcie.0,addr=0x7");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(spec_of<PvpanicDevice>(p).supported_features, 3u);
  EXPECT_EQ(spec_of<PvpanicDevice>(p).dumpfile_path, "./");
  EXPECT_TRUE(parse_dev("pvpanic,id=pv,supported-features=7,dumpfile-path=/var/dump"));
  EXPECT_TRUE(parse_dev("pvpanic,id=pv,supported-features=0"));
  EXPECT_THAT(dev_error("pvpanic,id=pv,supported-features=8"),
              HasSubstr("property 'supported-features'"));
  EXPECT_THAT(dev_error("pvpanic,id=pv,supported-features=5"),
              HasSubstr("property 'supported-features'"));
}

TEST(IsaSerialTest, OnlyIndexZero) {
  auto s = parse_dev("isa-serial,chardev=charserial0,id=serial0");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(spec_of<IsaSerialDevice>(s).index);
  EXPECT_THAT(dev_error("isa-serial,chardev=c,id=s,index=1"), HasSubstr("property 'index'"));
  EXPECT_THAT(dev_error("isa-serial,id=s"), HasSubstr("property 'chardev'"));
}

TEST(UsbTest, XhciLinesAndLimits) {
  auto x = parse_dev("nec-usb-xhci,id=xhci,bus=pcie.0,addr=0xa,iothread=iothread1");
  ASSERT_TRUE(x) << x.error().message();
  EXPECT_EQ(spec_of<UsbXhciController>(x).p2, 4);
  EXPECT_EQ(spec_of<UsbXhciController>(x).p3, 4);
  EXPECT_EQ(spec_of<UsbXhciController>(x).iothread, "iothread1");
  auto q = parse_dev(R"({"driver":"qemu-xhci","p2":15,"p3":15,"id":"usb","bus":"pci.2",)"
                     R"("addr":"0x0"})");
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->driver, "nec-usb-xhci");
  EXPECT_EQ(spec_of<UsbXhciController>(q).p2, 15);
  EXPECT_THAT(dev_error("nec-usb-xhci,id=x,p2=0"), HasSubstr("property 'p2'"));
  EXPECT_THAT(dev_error("nec-usb-xhci,id=x,p3=255"), HasSubstr("property 'p3'"));
}

TEST(UsbTest, GuidebookDeviceLines) {
  auto k = parse_dev("usb-kbd,id=kbd");
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(spec_of<UsbHidDevice>(k).kind, UsbHidKind::kKeyboard);
  ASSERT_TRUE(k->usb);
  EXPECT_FALSE(k->usb->bus);
  EXPECT_EQ(spec_of<UsbHidDevice>(parse_dev("usb-tablet,id=tablet")).kind, UsbHidKind::kTablet);
  auto cam = parse_dev("usb-camera,id=camera,backend=v4l2,path=/dev/video0");
  ASSERT_TRUE(cam) << cam.error().message();
  EXPECT_EQ(spec_of<UsbCameraDevice>(cam).backend, CameraBackendKind::kV4l2);
  EXPECT_TRUE(parse_dev("usb-camera,id=camera,backend=demo"));
  EXPECT_EQ(spec_of<UsbCameraDevice>(parse_dev("usb-camera,id=c,cameradev=cam0")).cameradev,
            "cam0");
  auto st = parse_dev("usb-storage,drive=drive_id,id=storage_id");
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_FALSE(spec_of<UsbStorageDevice>(st).uas);
  EXPECT_TRUE(spec_of<UsbStorageDevice>(parse_dev("usb-uas,drive=d,id=u")).uas);
  auto h1 = parse_dev("usb-host,id=hostid,hostbus=1,hostaddr=2,isobufs=8,isobsize=64");
  ASSERT_TRUE(h1) << h1.error().message();
  EXPECT_EQ(spec_of<UsbHostDevice>(h1).isobufs, 8u);
  EXPECT_TRUE(parse_dev("usb-host,id=hostid,hostbus=1,hostport=1.2"));
  auto h3 = parse_dev("usb-host,id=hostid,vendorid=0x1d6b,productid=0x0002");
  ASSERT_TRUE(h3) << h3.error().message();
  EXPECT_EQ(spec_of<UsbHostDevice>(h3).vendorid, 0x1d6b);
  EXPECT_EQ(spec_of<UsbHostDevice>(h3).isobufs, 4u);
  EXPECT_EQ(spec_of<UsbHostDevice>(h3).isobsize, 32u);
}

TEST(UsbTest, DeviceErrors) {
  EXPECT_THAT(dev_error("usb-camera,id=c,backend=v4l2"), HasSubstr("property 'path'"));
  EXPECT_THAT(dev_error("usb-camera,id=c"), HasSubstr("property 'cameradev'"));
  EXPECT_THAT(dev_error("usb-camera,id=c,cameradev=x,backend=demo"), HasSubstr("'backend'"));
  EXPECT_THAT(dev_error("usb-camera,id=c,backend=qt"), HasSubstr("property 'backend'"));
  EXPECT_THAT(dev_error("usb-storage,id=s"), HasSubstr("property 'drive'"));
  EXPECT_THAT(dev_error("usb-host,id=h,hostbus=1"), HasSubstr("usb-host needs"));
  EXPECT_THAT(dev_error("usb-host,id=h,hostbus=1,hostaddr=128"), HasSubstr("property 'hostaddr'"));
  EXPECT_THAT(dev_error("usb-host,id=h,vendorid=0x10000,productid=1"),
              HasSubstr("property 'vendorid'"));
  EXPECT_THAT(dev_error("usb-host,id=h,hostbus=1,hostport=1..2"), HasSubstr("'hostport'"));
  EXPECT_THAT(dev_error("usb-tablet,id=t,bus=usb"), HasSubstr("property 'bus'"));
  EXPECT_THAT(dev_error("usb-tablet,id=t,bus=usb.0,port=0"), HasSubstr("property 'port'"));
  auto t = parse_dev(R"({"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"1"})");
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->usb->bus, "usb.0");
  EXPECT_EQ(t->usb->port, "1");
}

}  // namespace
}  // namespace stratovirt::config
