// SPDX-License-Identifier: MulanPSL-2.0
// -device block family: virtio-blk, vhost-user-blk, virtio-scsi-pci, scsi-hd/cd.
#include "stratovirt/config/device_config.h"

#include "device_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;
using testing::dev_error;
using testing::parse_dev;
using testing::spec_of;

TEST(VirtioBlkTest, GuidebookMmioLine) {
  auto d = parse_dev("virtio-blk-device,drive=drive_id,id=blkid,iothread=iothread1,serial=sn1");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->driver, "virtio-blk-device");
  EXPECT_EQ(d->id, "blkid");
  const auto& b = spec_of<VirtioBlkDevice>(d);
  EXPECT_EQ(b.drive, "drive_id");
  EXPECT_EQ(b.iothread, "iothread1");
  EXPECT_EQ(b.serial, "sn1");
  EXPECT_EQ(b.queue_size, 256);
  EXPECT_FALSE(b.num_queues);  // filled by validate_devices
  EXPECT_FALSE(b.bootindex);
  EXPECT_FALSE(b.mmio_slot);
}

TEST(VirtioBlkTest, GuidebookPciLine) {
  auto d = parse_dev(
      "virtio-blk-pci,id=blk_id,drive=drive_id,bus=pcie.0,addr=0x3,multifunction=on,"
      "iothread=iothread1,serial=serial_num,num-queues=4,bootindex=1,queue-size=512");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->transport, Transport::kPci);
  EXPECT_EQ(*d->pci->addr, (PciAddr{3, 0}));
  EXPECT_TRUE(d->pci->multifunction);
  const auto& b = spec_of<VirtioBlkDevice>(d);
  EXPECT_EQ(b.num_queues, 4u);
  EXPECT_EQ(b.bootindex, 1);
  EXPECT_EQ(b.queue_size, 512);
}

TEST(VirtioBlkTest, QueueSizeIsAPowerOfTwoInTwoExclusiveTo1024) {
  for (const char* ok : {"4", "8", "1024", "0x100"}) {
    auto d = parse_dev(std::string("virtio-blk-pci,drive=d,id=b,queue-size=") + ok);
    EXPECT_TRUE(d) << ok;
  }
  EXPECT_EQ(dev_error("virtio-blk-device,drive=d0,id=b0,queue-size=300"),
            "-device virtio-blk-device: property 'queue-size': 300 is not a power of 2 in "
            "(2, 1024]");
  for (const char* bad : {"2", "0", "1", "2048", "255", "big"}) {
    EXPECT_THAT(dev_error(std::string("virtio-blk-pci,drive=d,id=b,queue-size=") + bad),
                HasSubstr("property 'queue-size'"))
        << bad;
  }
}

TEST(VirtioBlkTest, NumQueuesOneTo32) {
  EXPECT_EQ(spec_of<VirtioBlkDevice>(parse_dev("virtio-blk-pci,drive=d,id=b,num-queues=32"))
                .num_queues,
            32u);
  EXPECT_EQ(spec_of<VirtioBlkDevice>(parse_dev("virtio-blk-pci,drive=d,id=b,num-queues=1"))
                .num_queues,
            1u);
  EXPECT_THAT(dev_error("virtio-blk-pci,drive=d,id=b,num-queues=0"),
              HasSubstr("property 'num-queues'"));
  EXPECT_THAT(dev_error("virtio-blk-pci,drive=d,id=b,num-queues=33"),
              HasSubstr("property 'num-queues': 33 is out of range [1, 32]"));
  // virtio-mmio block devices have one queue.
  EXPECT_TRUE(parse_dev("virtio-blk-device,drive=d,id=b,num-queues=1"));
  EXPECT_THAT(dev_error("virtio-blk-device,drive=d,id=b,num-queues=2"),
              HasSubstr("property 'num-queues'"));
}

TEST(VirtioBlkTest, SerialUpTo20Characters) {
  std::string s20(20, 's');
  EXPECT_EQ(spec_of<VirtioBlkDevice>(parse_dev("virtio-blk-pci,drive=d,id=b,serial=" + s20))
                .serial,
            s20);
  EXPECT_THAT(dev_error("virtio-blk-pci,drive=d,id=b,serial=" + s20 + "x"),
              HasSubstr("property 'serial': value is longer than 20 characters"));
}

TEST(VirtioBlkTest, BootindexZeroTo255AndDriveRequired) {
  EXPECT_EQ(spec_of<VirtioBlkDevice>(parse_dev("virtio-blk-pci,drive=d,id=b,bootindex=0"))
                .bootindex,
            0);
  EXPECT_EQ(spec_of<VirtioBlkDevice>(parse_dev("virtio-blk-pci,drive=d,id=b,bootindex=255"))
                .bootindex,
            255);
  EXPECT_THAT(dev_error("virtio-blk-pci,drive=d,id=b,bootindex=256"),
              HasSubstr("property 'bootindex'"));
  EXPECT_THAT(dev_error("virtio-blk-device,id=b"), HasSubstr("property 'drive': is required"));
  EXPECT_THAT(dev_error("virtio-blk-device,id=b,drive="), HasSubstr("property 'drive'"));
  EXPECT_THAT(dev_error("virtio-blk-device,id=b,drive=d,iothread="),
              HasSubstr("property 'iothread'"));
}

TEST(VhostUserBlkTest, GuidebookLines) {
  auto m = parse_dev("vhost-user-blk-device,id=blk_id,chardev=chardev_id,num-queues=2,"
                     "queue-size=128");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(spec_of<VhostUserBlkDevice>(m).chardev, "chardev_id");
  EXPECT_EQ(spec_of<VhostUserBlkDevice>(m).num_queues, 2u);
  EXPECT_EQ(spec_of<VhostUserBlkDevice>(m).queue_size, 128);
  auto p = parse_dev("vhost-user-blk-pci,id=blk1,chardev=spdk_vhost_blk0,bus=pcie.0,addr=0x3,"
                     "num-queues=2,bootindex=1,queue-size=256");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(spec_of<VhostUserBlkDevice>(p).bootindex, 1);
  auto d = parse_dev("vhost-user-blk-pci,id=blk1,chardev=c");
  EXPECT_EQ(spec_of<VhostUserBlkDevice>(d).queue_size, 256);
  EXPECT_FALSE(spec_of<VhostUserBlkDevice>(d).num_queues);
  EXPECT_THAT(dev_error("vhost-user-blk-pci,id=b"), HasSubstr("property 'chardev'"));
  EXPECT_THAT(dev_error("vhost-user-blk-pci,id=b,chardev=c,queue-size=3"),
              HasSubstr("property 'queue-size'"));
  EXPECT_THAT(dev_error("vhost-user-blk-pci,id=b,chardev=c,num-queues=40"),
              HasSubstr("property 'num-queues'"));
  EXPECT_THAT(dev_error("vhost-user-blk-device,id=b,chardev=c,drive=x"),
              HasSubstr("property 'drive': unknown property"));
}

TEST(VirtioScsiTest, GuidebookLinesAndDefaults) {
  auto a = parse_dev("virtio-scsi-pci,id=scsi_id,bus=pcie.0,addr=0x3,multifunction=on,"
                     "iothread=iothread1,num-queues=4,queue-size=256");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(spec_of<VirtioScsiController>(a).num_queues, 4u);
  EXPECT_EQ(spec_of<VirtioScsiController>(a).iothread, "iothread1");
  auto b = parse_dev("virtio-scsi-pci,bus=pcie.1,addr=0x0,id=scsi0,multifunction=on,"
                     "iothread=iothread1,num-queues=4");
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->pci->bus, "pcie.1");
  auto d = parse_dev("virtio-scsi-pci,id=s");
  EXPECT_EQ(spec_of<VirtioScsiController>(d).num_queues, 1u);
  EXPECT_EQ(spec_of<VirtioScsiController>(d).queue_size, 256);
  // libvirt spells it num_queues.
  EXPECT_EQ(spec_of<VirtioScsiController>(parse_dev("virtio-scsi-pci,id=s,num_queues=8"))
                .num_queues,
            8u);
  EXPECT_THAT(dev_error("virtio-scsi-pci,id=s,num_queues=8,num-queues=8"),
              HasSubstr("given twice"));
  EXPECT_THAT(dev_error("virtio-scsi-pci,id=s,num-queues=33"), HasSubstr("'num-queues'"));
  EXPECT_THAT(dev_error("virtio-scsi-pci,id=s,queue-size=2048"), HasSubstr("'queue-size'"));
}

TEST(ScsiDiskTest, GuidebookLine) {
  auto d = parse_dev("scsi-hd,bus=scsi0.0,scsi-id=0,lun=0,drive=drive-scsi0-0-0-0,"
                     "id=scsi0-0-0-0,serial=123456,bootindex=1");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->transport, Transport::kOther);
  const auto& s = spec_of<ScsiDevice>(d);
  EXPECT_FALSE(s.cdrom);
  EXPECT_EQ(s.controller, "scsi0");
  EXPECT_EQ(s.channel, 0);
  EXPECT_EQ(s.drive, "drive-scsi0-0-0-0");
  EXPECT_EQ(s.serial, "123456");
  EXPECT_EQ(s.bootindex, 1);
  auto cd = parse_dev(R"({"driver":"scsi-cd","bus":"scsi0.0","channel":0,"scsi-id":255,)"
                      R"("lun":255,"device_id":"drive-scsi0-0-255-255","drive":"d","id":"c"})");
  ASSERT_TRUE(cd) << cd.error().message();
  EXPECT_TRUE(spec_of<ScsiDevice>(cd).cdrom);
  EXPECT_EQ(spec_of<ScsiDevice>(cd).scsi_id, 255);
  EXPECT_EQ(spec_of<ScsiDevice>(cd).lun, 255);
  EXPECT_EQ(spec_of<ScsiDevice>(cd).device_id, "drive-scsi0-0-255-255");
}

TEST(ScsiDiskTest, AddressLimits) {
  const std::string base = "scsi-hd,bus=s.0,drive=d,id=x,";
  EXPECT_THAT(dev_error(base + "scsi-id=256,lun=0"), HasSubstr("property 'scsi-id'"));
  EXPECT_THAT(dev_error(base + "scsi-id=0,lun=256"), HasSubstr("property 'lun'"));
  EXPECT_THAT(dev_error(base + "lun=0"), HasSubstr("property 'scsi-id': is required"));
  EXPECT_THAT(dev_error(base + "scsi-id=0"), HasSubstr("property 'lun': is required"));
  EXPECT_THAT(dev_error(base + "scsi-id=0,lun=0,channel=1"), HasSubstr("property 'channel'"));
  // Bootable disks: target 0..31, lun 0..7.
  EXPECT_TRUE(parse_dev(base + "scsi-id=31,lun=7,bootindex=0"));
  EXPECT_THAT(dev_error(base + "scsi-id=32,lun=0,bootindex=0"), HasSubstr("property 'scsi-id'"));
  EXPECT_THAT(dev_error(base + "scsi-id=0,lun=8,bootindex=0"), HasSubstr("property 'lun'"));
  EXPECT_TRUE(parse_dev(base + "scsi-id=32,lun=8"));
  EXPECT_THAT(dev_error("scsi-hd,bus=scsi0,drive=d,id=x,scsi-id=0,lun=0"),
              HasSubstr("property 'bus'"));
  EXPECT_THAT(dev_error("scsi-hd,drive=d,id=x,scsi-id=0,lun=0"), HasSubstr("property 'bus'"));
}

}  // namespace
}  // namespace stratovirt::config
