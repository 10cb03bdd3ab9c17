// SPDX-License-Identifier: MulanPSL-2.0
// -device: rules shared by all drivers (ids, PCI placement, aliases, JSON, references).
#include "stratovirt/config/device_config.h"

#include "device_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;
using testing::dev_error;
using testing::parse_dev;
using testing::spec_of;

TEST(PciAddrTest, AcceptsSlotAndFunctionInDecimalOrHex) {
  auto a = parse_pci_addr("3");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a, (PciAddr{3, 0}));
  EXPECT_EQ(*parse_pci_addr("0x1f.0x7"), (PciAddr{31, 7}));
  EXPECT_EQ(*parse_pci_addr("0x2.1"), (PciAddr{2, 1}));
  EXPECT_EQ(*parse_pci_addr("31.7"), (PciAddr{31, 7}));
}

TEST(PciAddrTest, RejectsOutOfRangeAndMalformed) {
  EXPECT_THAT(parse_pci_addr("32").error().message(), HasSubstr("slot 32"));
  EXPECT_THAT(parse_pci_addr("0x20").error().message(), HasSubstr("[0, 31]"));
  EXPECT_THAT(parse_pci_addr("3.8").error().message(), HasSubstr("function 8"));
  EXPECT_FALSE(parse_pci_addr(""));
  EXPECT_FALSE(parse_pci_addr("3."));
  EXPECT_FALSE(parse_pci_addr("a"));
  EXPECT_FALSE(parse_pci_addr("-1"));
}

TEST(MacTest, ParsesAndPrints) {
  auto m = parse_mac("52:54:00:AB:cd:0f");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->to_string(), "52:54:00:ab:cd:0f");
}

TEST(MacTest, RejectsMalformedMulticastAndZero) {
  EXPECT_FALSE(parse_mac("52:54:00:ab:cd"));
  EXPECT_FALSE(parse_mac("52-54-00-ab-cd-0f"));
  EXPECT_FALSE(parse_mac("52:54:00:ab:cd:0g"));
  EXPECT_THAT(parse_mac("01:00:5e:00:00:01").error().message(), HasSubstr("multicast"));
  EXPECT_THAT(parse_mac("00:00:00:00:00:00").error().message(), HasSubstr("zeros"));
}

TEST(HostPciAddrTest, ParsesWithAndWithoutDomain) {
  auto a = parse_host_pci_addr("0000:1a:00.3");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->bus, 0x1a);
  EXPECT_EQ(a->function, 3);
  EXPECT_EQ(a->to_string(), "0000:1a:00.3");
  EXPECT_EQ(parse_host_pci_addr("3b:1f.7")->to_string(), "0000:3b:1f.7");
  EXPECT_FALSE(parse_host_pci_addr("0000:1a:20.0"));
  EXPECT_FALSE(parse_host_pci_addr("0000:1a:00.8"));
  EXPECT_FALSE(parse_host_pci_addr("1a.00:3"));
  EXPECT_FALSE(parse_host_pci_addr("zz:00.0"));
}

TEST(DeviceCommonTest, GeneratesIdFromDriverAndIndex) {
  auto d = parse_dev("virtio-rng-device,rng=r0", 7);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->id, "virtio-rng-device7");
  EXPECT_EQ(d->transport, Transport::kMmio);
  EXPECT_FALSE(d->pci);
}

TEST(DeviceCommonTest, IdLimits) {
  std::string id(255, 'a');
  EXPECT_TRUE(parse_dev("virtio-rng-device,rng=r0,id=" + id));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=r0,id=" + id + "a"), HasSubstr("property 'id'"));
  EXPECT_THAT(dev_error("virtio-rng-device,rng=r0,id="), HasSubstr("property 'id'"));
}

TEST(DeviceCommonTest, UnknownDriverAndPropertyAreRejected) {
  EXPECT_THAT(dev_error("virtio-foo-pci,id=x"), HasSubstr("unknown driver 'virtio-foo-pci'"));
  EXPECT_THAT(dev_error("virtio-blk-device,drive=d0,id=b0,bogus=1"),
              HasSubstr("-device virtio-blk-device: property 'bogus': unknown property"));
  EXPECT_THAT(dev_error("{\"id\":\"x\"}"), HasSubstr("property 'driver'"));
}

TEST(DeviceCommonTest, PciPlacementDefaultsAndValues) {
  auto d = parse_dev("virtio-rng-pci,rng=r0,id=rng0");
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_TRUE(d->pci);
  EXPECT_EQ(d->pci->bus, "pcie.0");
  EXPECT_FALSE(d->pci->addr);
  EXPECT_FALSE(d->pci->multifunction);
  auto e = parse_dev("virtio-balloon-pci,id=b,bus=pci.1,addr=0x0.0x3,multifunction=on");
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e->pci->bus, "pci.1");
  EXPECT_EQ(*e->pci->addr, (PciAddr{0, 3}));
  EXPECT_TRUE(e->pci->multifunction);
  EXPECT_THAT(dev_error("virtio-balloon-pci,id=b,addr=32"), HasSubstr("property 'addr'"));
  EXPECT_THAT(dev_error("virtio-balloon-pci,id=b,addr=1.9"), HasSubstr("property 'addr'"));
  EXPECT_THAT(dev_error("virtio-balloon-pci,id=b,multifunction=maybe"),
              HasSubstr("property 'multifunction'"));
  EXPECT_THAT(dev_error("virtio-balloon-pci,id=b,bus="), HasSubstr("property 'bus'"));
}

TEST(DeviceCommonTest, MmioDriversRejectPciPlacement) {
  for (const char* key : {"bus=pcie.0", "addr=0x3", "multifunction=on"}) {
    std::string line = std::string("virtio-blk-device,drive=d0,id=b0,") + key;
    std::string err = dev_error(line);
    std::string name(key, std::string_view(key).find('='));
    EXPECT_THAT(err, HasSubstr("property '" + name + "'")) << line;
    EXPECT_THAT(err, HasSubstr("virtio-mmio devices have no PCI placement")) << line;
  }
  EXPECT_THAT(dev_error("virtio-net-device,netdev=n0,id=n,bus=pcie.0"), HasSubstr("'bus'"));
}

TEST(DeviceCommonTest, NonPciDriversRejectAddr) {
  EXPECT_THAT(dev_error("usb-kbd,id=k,addr=3"), HasSubstr("property 'addr': usb-kbd is not a PCI"));
  EXPECT_THAT(dev_error("virtconsole,id=c,chardev=c0,multifunction=on"),
              HasSubstr("property 'multifunction'"));
}

TEST(DeviceCommonTest, QemuMmioSpellingsAreAliases) {
  auto d = parse_dev("virtio-net-mmio,netdev=n0,id=n");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->driver, "virtio-net-device");
  EXPECT_EQ(d->transport, Transport::kMmio);
  EXPECT_EQ(parse_dev("virtio-rng-mmio,rng=r")->driver, "virtio-rng-device");
  EXPECT_EQ(parse_dev("vhost-vsock-mmio,guest-cid=3")->driver, "vhost-vsock-device");
  EXPECT_EQ(parse_dev("qemu-xhci,id=usb")->driver, "nec-usb-xhci");
  // Only real mmio drivers have an alias.
  EXPECT_THAT(dev_error("virtio-gpu-mmio,id=g"), HasSubstr("unknown driver"));
}

TEST(DeviceCommonTest, CompatPropertiesFromLibvirtAndKata) {
  EXPECT_TRUE(parse_dev("virtio-blk-pci,drive=d,id=b,romfile="));
  EXPECT_TRUE(parse_dev("virtio-blk-device,drive=d,id=b,romfile="));
  EXPECT_THAT(dev_error("virtio-blk-pci,drive=d,id=b,romfile=/x.rom"),
              HasSubstr("property 'romfile'"));
  EXPECT_TRUE(parse_dev("virtio-net-pci,netdev=n,id=n,disable-legacy=on,disable-modern=off"));
  EXPECT_THAT(dev_error("virtio-net-pci,netdev=n,id=n,disable-modern=on"),
              HasSubstr("property 'disable-modern'"));
  // Not virtio-pci: the virtio compatibility flags stay unknown.
  EXPECT_THAT(dev_error("vfio-pci,id=v,host=01:00.0,disable-legacy=on"),
              HasSubstr("property 'disable-legacy': unknown property"));
  EXPECT_THAT(dev_error("virtio-net-device,netdev=n,id=n,disable-legacy=on"),
              HasSubstr("property 'disable-legacy': unknown property"));
}

TEST(DeviceCommonTest, KataDeviceLines) {
  // The device lines Kata's StratoVirt driver writes (inventory §11).
  const char* lines[] = {
      "virtio-rng-device,rng=objrng0,id=virtio-rng0",
      "virtio-blk-device,drive=rootfs,id=virtio-blk0",
      "virtio-serial-device,id=virtio-serial0",
      "virtconsole,chardev=charconsole0,id=virtio-console0,nr=0",
      "vhost-vsock-device,id=vsock-id,guest-cid=3735928559,vhostfd=5",
      "virtio-net-device,netdev=eth0,id=eth0,mac=02:42:ac:11:00:02",
      "vhost-user-fs-device,chardev=virtio_fs,tag=kataShared,id=virtio-fs0",
  };
  for (const char* line : lines) {
    auto d = parse_dev(line);
    EXPECT_TRUE(d) << line << ": " << d.error().message();
  }
  auto vsock = parse_dev(lines[4]);
  EXPECT_EQ(spec_of<VhostVsockDevice>(vsock).guest_cid, 3735928559u);
  EXPECT_EQ(spec_of<VhostVsockDevice>(vsock).vhostfd, 5);
}

TEST(DeviceCommonTest, KataBlockHotplugJson) {
  auto d = parse_dev(R"({"id":"drive-1","driver":"virtio-blk-mmio","drive":"drive-1",)"
                     R"("addr":"1","romfile":""})");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->driver, "virtio-blk-device");
  const auto& blk = spec_of<VirtioBlkDevice>(d);
  EXPECT_EQ(blk.drive, "drive-1");
  EXPECT_EQ(blk.mmio_slot, 1);
  // StratoVirt's own form: no drive (node-name == id), addr in hex, or lun = slot - 1.
  auto s = parse_dev(R"({"id":"drive-0","driver":"virtio-blk-mmio","addr":"0x3"})");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(spec_of<VirtioBlkDevice>(s).drive, "drive-0");
  EXPECT_EQ(spec_of<VirtioBlkDevice>(s).mmio_slot, 3);
  EXPECT_EQ(spec_of<VirtioBlkDevice>(parse_dev("virtio-blk-mmio,id=d,lun=0")).mmio_slot, 1);
  EXPECT_THAT(dev_error("virtio-blk-mmio,id=d,addr=4"), HasSubstr("property 'addr'"));
  EXPECT_THAT(dev_error("virtio-blk-mmio,id=d,lun=3"), HasSubstr("property 'lun'"));
  EXPECT_THAT(dev_error("virtio-blk-mmio,id=d,lun=1,addr=1"), HasSubstr("given twice"));
}

TEST(DeviceCommonTest, LibvirtJsonForms) {
  auto serial = parse_dev(
      R"({"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0})");
  ASSERT_TRUE(serial) << serial.error().message();
  EXPECT_EQ(spec_of<IsaSerialDevice>(serial).chardev, "charserial0");
  EXPECT_EQ(spec_of<IsaSerialDevice>(serial).index, 0u);
  auto rp = parse_dev(R"({"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1",)"
                      R"("bus":"pcie.0","multifunction":true,"addr":"0x2"})");
  ASSERT_TRUE(rp) << rp.error().message();
  EXPECT_EQ(spec_of<PcieRootPort>(rp).port, 16);
  EXPECT_EQ(spec_of<PcieRootPort>(rp).chassis, 1);
  EXPECT_TRUE(rp->pci->multifunction);
  auto blk = parse_dev(R"({"driver":"virtio-blk-pci","bus":"pci.1","addr":"0x0",)"
                       R"("drive":"libvirt-1-format","id":"virtio-disk0","bootindex":1})");
  ASSERT_TRUE(blk) << blk.error().message();
  EXPECT_EQ(blk->pci->bus, "pci.1");
  EXPECT_EQ(spec_of<VirtioBlkDevice>(blk).bootindex, 1);
  auto net = parse_dev(R"({"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0",)"
                       R"("mac":"52:54:00:6b:3c:58","bus":"pci.2","addr":"0x0","bootindex":2,)"
                       R"("vectors":10})");
  ASSERT_TRUE(net) << net.error().message();
  EXPECT_EQ(spec_of<VirtioNetDevice>(net).mac->to_string(), "52:54:00:6b:3c:58");
  EXPECT_EQ(spec_of<VirtioNetDevice>(net).vectors, 10u);
  auto port = parse_dev(R"({"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,)"
                        R"("chardev":"charchannel0","id":"channel0",)"
                        R"("name":"org.qemu.guest_agent.0"})");
  ASSERT_TRUE(port) << port.error().message();
  EXPECT_EQ(spec_of<VirtioSerialPort>(port).serial_bus, "virtio-serial0");
  EXPECT_EQ(spec_of<VirtioSerialPort>(port).name, "org.qemu.guest_agent.0");
  EXPECT_THAT(dev_error(R"({"driver":"virtio-blk-pci","drive":"d","id":"b","bootindex":256})"),
              HasSubstr("property 'bootindex'"));
}

TEST(DeviceReferencesTest, ListsEveryReferenceWithItsProperty) {
  auto refs_of = [](std::string_view line) {
    auto d = parse_dev(line);
    EXPECT_TRUE(d) << line;
    std::vector<std::string> out;
    for (const auto& r : device_references(*d)) {
      out.push_back(fmt::format("{}:{}:{}", static_cast<int>(r.kind), r.property, r.id));
    }
    return out;
  };
  using ::testing::UnorderedElementsAre;
  auto k = [](RefKind kind, std::string_view prop, std::string_view id) {
    return fmt::format("{}:{}:{}", static_cast<int>(kind), prop, id);
  };
  EXPECT_THAT(refs_of("virtio-blk-pci,id=b,drive=d0,iothread=io1,bus=pci.1"),
              UnorderedElementsAre(k(RefKind::kDrive, "drive", "d0"),
                                   k(RefKind::kIothread, "iothread", "io1"),
                                   k(RefKind::kBus, "bus", "pci.1")));
  EXPECT_THAT(refs_of("virtio-blk-pci,id=b,drive=d0"),
              UnorderedElementsAre(k(RefKind::kDrive, "drive", "d0")));
  EXPECT_THAT(refs_of("virtio-net-device,id=n,netdev=t0,iothread=a,rx-iothread=b,tx-iothread=c"),
              UnorderedElementsAre(k(RefKind::kNetdev, "netdev", "t0"),
                                   k(RefKind::kIothread, "iothread", "a"),
                                   k(RefKind::kIothread, "rx-iothread", "b"),
                                   k(RefKind::kIothread, "tx-iothread", "c")));
  EXPECT_THAT(refs_of("virtconsole,id=c,chardev=ch0,bus=vs0.0"),
              UnorderedElementsAre(k(RefKind::kChardev, "chardev", "ch0"),
                                   k(RefKind::kBus, "bus", "vs0")));
  EXPECT_THAT(refs_of("virtio-rng-device,id=r,rng=obj"),
              UnorderedElementsAre(k(RefKind::kRngObject, "rng", "obj")));
  EXPECT_THAT(refs_of("virtio-mem-pci,id=m,memdev=mem1"),
              UnorderedElementsAre(k(RefKind::kMemdev, "memdev", "mem1")));
  EXPECT_THAT(refs_of("virtio-pmem-device,id=p,memdev=mem2"),
              UnorderedElementsAre(k(RefKind::kMemdev, "memdev", "mem2")));
  EXPECT_THAT(refs_of("scsi-hd,id=s,bus=scsi0.0,scsi-id=0,lun=0,drive=d1"),
              UnorderedElementsAre(k(RefKind::kBus, "bus", "scsi0"),
                                   k(RefKind::kDrive, "drive", "d1")));
  EXPECT_THAT(refs_of("usb-storage,id=u,drive=d2,bus=usb.0"),
              UnorderedElementsAre(k(RefKind::kBus, "bus", "usb"),
                                   k(RefKind::kDrive, "drive", "d2")));
  EXPECT_THAT(refs_of("usb-camera,id=cam,cameradev=c0,iothread=io"),
              UnorderedElementsAre(k(RefKind::kCameradev, "cameradev", "c0"),
                                   k(RefKind::kIothread, "iothread", "io")));
  EXPECT_THAT(refs_of("vhost-user-blk-device,id=v,chardev=spdk"),
              UnorderedElementsAre(k(RefKind::kChardev, "chardev", "spdk")));
  EXPECT_THAT(refs_of("vhost-user-fs-pci,id=f,chardev=fs,tag=t"),
              UnorderedElementsAre(k(RefKind::kChardev, "chardev", "fs")));
  EXPECT_THAT(refs_of("ivshmem-scream,id=s,memdev=sm,interface=ALSA"),
              UnorderedElementsAre(k(RefKind::kMemdev, "memdev", "sm")));
  EXPECT_THAT(refs_of("nec-usb-xhci,id=x,iothread=io"),
              UnorderedElementsAre(k(RefKind::kIothread, "iothread", "io")));
  EXPECT_THAT(refs_of("virtio-scsi-pci,id=s,iothread=io"),
              UnorderedElementsAre(k(RefKind::kIothread, "iothread", "io")));
  EXPECT_THAT(refs_of("vhost-user-gpu-pci,id=g,chardev=gpu"),
              UnorderedElementsAre(k(RefKind::kChardev, "chardev", "gpu")));
  EXPECT_THAT(refs_of("isa-serial,id=s,chardev=cs"),
              UnorderedElementsAre(k(RefKind::kChardev, "chardev", "cs")));
  EXPECT_THAT(refs_of("virtio-balloon-device,id=b"), ::testing::IsEmpty());
}

}  // namespace
}  // namespace stratovirt::config
