// SPDX-License-Identifier: MulanPSL-2.0
// validate_devices(): every cross-device rule, passing and failing.
#include "stratovirt/config/device_config.h"

#include "device_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;
using testing::spec_of;
using testing::validate_error;
using testing::validate_lines;

constexpr auto kMicro = MachineType::kMicroVm;
constexpr auto kQ35 = MachineType::kQ35;

TEST(ValidateDevicesTest, KataMicrovmSetPasses) {
  auto r = validate_lines({"virtio-rng-device,rng=objrng0,id=virtio-rng0",
                           "virtio-blk-device,drive=rootfs,id=virtio-blk0",
                           "virtio-serial-device,id=virtio-serial0",
                           "virtconsole,chardev=charconsole0,id=virtio-console0,nr=0",
                           "vhost-vsock-device,id=vsock-id,guest-cid=3,vhostfd=3",
                           "virtio-net-device,netdev=eth0,id=eth0,mac=02:42:ac:11:00:02",
                           "vhost-user-fs-device,chardev=virtio_fs,tag=kataShared,id=virtio-fs0"},
                          kMicro, 4);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(std::get<VirtioBlkDevice>((*r)[1].spec).num_queues, 1u);  // forced 1 on microvm
}

TEST(ValidateDevicesTest, LibvirtQ35SetPasses) {
  auto r = validate_lines(
      {R"({"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1","bus":"pcie.0",)"
       R"("multifunction":true,"addr":"0x2"})",
       R"({"driver":"pcie-root-port","port":17,"chassis":2,"id":"pci.2","bus":"pcie.0",)"
       R"("addr":"0x2.0x1"})",
       R"({"driver":"pcie-root-port","port":18,"chassis":3,"id":"pci.3","bus":"pcie.0",)"
       R"("addr":"0x2.0x2"})",
       R"({"driver":"pcie-root-port","port":19,"chassis":4,"id":"pci.4","bus":"pcie.0",)"
       R"("addr":"0x2.0x3"})",
       R"({"driver":"qemu-xhci","p2":15,"p3":15,"id":"usb","bus":"pci.2","addr":"0x0"})",
       R"({"driver":"virtio-blk-pci","bus":"pci.1","addr":"0x0","drive":"libvirt-1-format",)"
       R"("id":"virtio-disk0","bootindex":1})",
       R"({"driver":"virtio-serial-pci","id":"virtio-serial0","bus":"pci.3","addr":"0x0"})",
       R"({"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,"chardev":"ch0",)"
       R"("id":"channel0","name":"org.qemu.guest_agent.0"})",
       R"({"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"1"})",
       R"({"driver":"virtio-scsi-pci","id":"scsi0","num_queues":4,"bus":"pci.4","addr":"0x0"})",
       R"({"driver":"scsi-hd","bus":"scsi0.0","channel":0,"scsi-id":0,"lun":0,)"
       R"("device_id":"drive-scsi0-0-0-0","drive":"libvirt-2-format","id":"scsi0-0-0-0"})",
       R"({"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0})"},
      kQ35, 64);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(std::get<VirtioBlkDevice>((*r)[5].spec).num_queues, 32u);  // min(64, 32)
}

TEST(ValidateDevicesTest, NumQueuesDefaultIsMinCpus32) {
  auto r = validate_lines({"virtio-blk-pci,drive=d,id=b", "vhost-user-blk-pci,chardev=c,id=v",
                           "virtio-blk-pci,drive=d2,id=b2,num-queues=2"},
                          kQ35, 3);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(std::get<VirtioBlkDevice>((*r)[0].spec).num_queues, 3u);
  EXPECT_EQ(std::get<VhostUserBlkDevice>((*r)[1].spec).num_queues, 3u);
  EXPECT_EQ(std::get<VirtioBlkDevice>((*r)[2].spec).num_queues, 2u);
}

TEST(ValidateDevicesTest, UniqueIds) {
  EXPECT_THAT(validate_error({"virtio-rng-device,rng=r,id=x", "virtio-balloon-device,id=x"},
                             kMicro),
              HasSubstr("property 'id': 'x' is already used by -device virtio-rng-device"));
}

TEST(ValidateDevicesTest, TransportMustMatchMachine) {
  EXPECT_THAT(validate_error({"virtio-blk-device,drive=d,id=b"}, kQ35),
              HasSubstr("virtio-mmio devices need -machine microvm"));
  EXPECT_THAT(validate_error({"virtio-blk-pci,drive=d,id=b"}, kMicro),
              HasSubstr("PCI devices need -machine q35"));
  EXPECT_THAT(validate_error({"virtio-balloon-device,id=b"}, MachineType::kNone),
              HasSubstr("-machine none takes no devices"));
  EXPECT_TRUE(validate_lines({}, MachineType::kNone));
  EXPECT_TRUE(validate_lines({"isa-serial,chardev=c,id=s"}, kMicro));
}

TEST(ValidateDevicesTest, Singletons) {
  EXPECT_THAT(validate_error({"virtio-serial-device,id=a", "virtio-serial-device,id=b"}, kMicro),
              HasSubstr("only one virtio-serial device"));
  EXPECT_THAT(validate_error({"vhost-vsock-pci,id=a,guest-cid=3",
                              "vhost-vsock-pci,id=b,guest-cid=4"},
                             kQ35),
              HasSubstr("only one vhost-vsock device"));
  EXPECT_THAT(validate_error({"nec-usb-xhci,id=a", "qemu-xhci,id=b"}, kQ35),
              HasSubstr("only one USB controller"));
  EXPECT_THAT(validate_error({"nec-usb-xhci,id=x", "usb-kbd,id=k1", "usb-kbd,id=k2"}, kQ35),
              HasSubstr("only one usb-kbd"));
  EXPECT_THAT(validate_error({"isa-serial,chardev=a,id=s1", "isa-serial,chardev=b,id=s2"}, kQ35),
              HasSubstr("only one legacy serial"));
  EXPECT_TRUE(validate_lines({"nec-usb-xhci,id=x", "usb-kbd,id=k", "usb-tablet,id=t"}, kQ35));
}

TEST(ValidateDevicesTest, SerialPortsNeedAVirtioSerial) {
  EXPECT_THAT(validate_error({"virtconsole,chardev=c,id=con"}, kMicro),
              HasSubstr("needs a virtio-serial-device or virtio-serial-pci"));
  EXPECT_THAT(validate_error({"virtio-serial-pci,id=vs", "virtserialport,chardev=c,id=p,"
                                                         "bus=other.0"},
                             kQ35),
              HasSubstr("property 'bus'"));
}

TEST(ValidateDevicesTest, SerialPortNumbers) {
  // nr unique.
  EXPECT_THAT(validate_error({"virtio-serial-pci,id=vs", "virtconsole,chardev=a,id=c,nr=1",
                              "virtserialport,chardev=b,id=p,nr=1"},
                             kQ35),
              HasSubstr("property 'nr': port 1 is already used by 'c'"));
  // nr=0 only for virtconsole.
  EXPECT_THAT(validate_error({"virtio-serial-pci,id=vs", "virtserialport,chardev=b,id=p,nr=0"},
                             kQ35),
              HasSubstr("property 'nr': port 0 is reserved for a virtconsole"));
  // All or none.
  EXPECT_THAT(validate_error({"virtio-serial-pci,id=vs", "virtconsole,chardev=a,id=c,nr=0",
                              "virtserialport,chardev=b,id=p"},
                             kQ35),
              HasSubstr("property 'nr': is missing while 'c' sets it"));
  // nr below max-ports.
  EXPECT_THAT(validate_error({"virtio-serial-pci,id=vs,max-ports=2",
                              "virtserialport,chardev=b,id=p,nr=2"},
                             kQ35),
              HasSubstr("property 'nr': 2 is out of range [0, 1]"));
  // Port count within max-ports (mmio: 1).
  EXPECT_THAT(validate_error({"virtio-serial-device,id=vs", "virtconsole,chardev=a,id=c",
                              "virtserialport,chardev=b,id=p"},
                             kMicro),
              HasSubstr("max-ports 1, but 2 ports"));
  // Numbering without nr: first console 0, others from 1.
  auto r = validate_lines({"virtio-serial-pci,id=vs", "virtserialport,chardev=a,id=p1",
                           "virtconsole,chardev=b,id=c", "virtserialport,chardev=d,id=p2"},
                          kQ35);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(std::get<VirtioSerialPort>((*r)[1].spec).nr, 1u);
  EXPECT_EQ(std::get<VirtioSerialPort>((*r)[2].spec).nr, 0u);
  EXPECT_EQ(std::get<VirtioSerialPort>((*r)[3].spec).nr, 2u);
}

TEST(ValidateDevicesTest, UsbDevicesNeedTheController) {
  EXPECT_THAT(validate_error({"usb-tablet,id=t"}, kQ35), HasSubstr("needs a USB controller"));
  EXPECT_THAT(validate_error({"nec-usb-xhci,id=usb", "usb-tablet,id=t,bus=xhci.0"}, kQ35),
              HasSubstr("property 'bus'"));
  EXPECT_THAT(validate_error({"nec-usb-xhci,id=usb,p2=1,p3=1", "usb-tablet,id=t,port=3"}, kQ35),
              HasSubstr("property 'port': root port 3 is out of range [1, 2]"));
  EXPECT_THAT(validate_error({"nec-usb-xhci,id=usb", "usb-tablet,id=t,port=1",
                              "usb-kbd,id=k,port=1"},
                             kQ35),
              HasSubstr("property 'port'"));
  EXPECT_TRUE(validate_lines({"nec-usb-xhci,id=usb", "usb-storage,id=s,drive=d,bus=usb.0,port=2"},
                             kQ35));
}

TEST(ValidateDevicesTest, ScsiDisksNeedTheirController) {
  EXPECT_THAT(validate_error({"scsi-hd,bus=scsi0.0,scsi-id=0,lun=0,drive=d,id=s"}, kQ35),
              HasSubstr("property 'bus': 'scsi0.0' needs a virtio-scsi-pci with id 'scsi0'"));
  EXPECT_THAT(validate_error({"virtio-scsi-pci,id=scsi0",
                              "scsi-hd,bus=scsi0.0,scsi-id=0,lun=0,drive=d,id=s1",
                              "scsi-cd,bus=scsi0.0,scsi-id=0,lun=0,drive=e,id=s2"},
                             kQ35),
              HasSubstr("property 'lun': scsi0 target 0 lun 0 is already used by 's1'"));
  EXPECT_TRUE(validate_lines({"virtio-scsi-pci,id=scsi0",
                              "scsi-hd,bus=scsi0.0,scsi-id=0,lun=0,drive=d,id=s1",
                              "scsi-cd,bus=scsi0.0,scsi-id=0,lun=1,drive=e,id=s2"},
                             kQ35));
}

TEST(ValidateDevicesTest, PciBusMustBeRootOrRootPort) {
  EXPECT_THAT(validate_error({"virtio-balloon-pci,id=b,bus=pci.9"}, kQ35),
              HasSubstr("property 'bus': 'pci.9' is neither pcie.0 nor the id of a "
                        "pcie-root-port"));
  EXPECT_THAT(validate_error({"virtio-rng-pci,rng=r,id=r0", "virtio-balloon-pci,id=b,bus=r0"},
                             kQ35),
              HasSubstr("property 'bus'"));
  EXPECT_THAT(validate_error({"pcie-root-port,id=p1,port=1,addr=3",
                              "pcie-root-port,id=p2,port=2,bus=p1"},
                             kQ35),
              HasSubstr("root ports attach to pcie.0 only"));
}

TEST(ValidateDevicesTest, RootPortChildrenUseSlotZero) {
  EXPECT_THAT(validate_error({"pcie-root-port,id=p1,port=1,addr=3",
                              "virtio-balloon-pci,id=b,bus=p1,addr=1"},
                             kQ35),
              HasSubstr("property 'addr': devices under root port 'p1' must use slot 0"));
  auto r = validate_lines({"pcie-root-port,id=p1,port=1,addr=3",
                           "virtio-balloon-pci,id=b,bus=p1"},
                          kQ35);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*(*r)[1].pci->addr, (PciAddr{0, 0}));
  EXPECT_THAT(validate_error({"pcie-root-port,id=p1,port=1,addr=3",
                              "virtio-balloon-pci,id=b,bus=p1", "virtio-rng-pci,rng=x,bus=p1"},
                             kQ35),
              HasSubstr("no free slot left on 'p1'"));
}

TEST(ValidateDevicesTest, SlotsAreUniqueAndReserved) {
  EXPECT_THAT(validate_error({"virtio-balloon-pci,id=a,addr=3", "virtio-rng-pci,rng=r,id=b,addr=3"},
                             kQ35),
              HasSubstr("property 'addr': pcie.0 slot 0x3 function 0 is already used by 'a'"));
  EXPECT_THAT(validate_error({"virtio-balloon-pci,id=a,addr=0"}, kQ35),
              HasSubstr("the q35 host bridge"));
  EXPECT_THAT(validate_error({"virtio-balloon-pci,id=a,addr=0x1f"}, kQ35),
              HasSubstr("the ICH9 LPC bridge"));
  // Unaddressed devices take the lowest free slots, skipping explicit ones.
  auto r = validate_lines({"virtio-balloon-pci,id=a,addr=1", "virtio-rng-pci,rng=r,id=b",
                           "virtio-gpu-pci,id=c"},
                          kQ35);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ((*r)[1].pci->addr->slot, 2);
  EXPECT_EQ((*r)[2].pci->addr->slot, 3);
}

TEST(ValidateDevicesTest, MultifunctionNeedsFunctionZeroWithFlag) {
  EXPECT_THAT(validate_error({"virtio-balloon-pci,id=a,addr=3.1"}, kQ35),
              HasSubstr("property 'addr': pcie.0 slot 0x3 function 1 needs a device at "
                        "function 0"));
  EXPECT_THAT(validate_error({"virtio-balloon-pci,id=a,addr=3.0",
                              "virtio-gpu-pci,id=b,addr=3.1"},
                             kQ35),
              HasSubstr("('a' does not set it)"));
  EXPECT_TRUE(validate_lines({"virtio-balloon-pci,id=a,addr=3.0,multifunction=on",
                              "virtio-gpu-pci,id=b,addr=3.1"},
                             kQ35));
}

TEST(ValidateDevicesTest, MicrovmIrqBudget) {
  std::vector<std::string> blk;
  for (int i = 0; i < 5; ++i) blk.push_back(fmt::format("virtio-blk-device,drive=d{},id=b{}", i, i));
  std::vector<std::string_view> four(blk.begin(), blk.begin() + 4);
  EXPECT_TRUE(validate_lines(four, kMicro));
  std::vector<std::string_view> five(blk.begin(), blk.end());
  EXPECT_THAT(validate_error(five, kMicro), HasSubstr("at most 4 virtio-blk devices"));

  EXPECT_TRUE(validate_lines({"virtio-net-device,netdev=a,id=n1", "virtio-net-device,netdev=b,id=n2"},
                             kMicro));
  EXPECT_THAT(validate_error({"virtio-net-device,netdev=a,id=n1", "virtio-net-device,netdev=b,id=n2",
                              "virtio-net-device,netdev=c,id=n3"},
                             kMicro),
              HasSubstr("at most 2 virtio-net devices"));

  std::vector<std::string_view> others = {
      "virtio-rng-device,rng=r,id=o1", "virtio-balloon-device,id=o2",
      "vhost-vsock-device,guest-cid=3,id=o3", "virtio-serial-device,id=o4",
      "vhost-user-fs-device,chardev=c,tag=t,id=o5"};
  EXPECT_TRUE(validate_lines(others, kMicro));
  others.push_back("virtio-input-device,evdev=/dev/input/event0,id=o6");
  EXPECT_THAT(validate_error(others, kMicro),
              HasSubstr("at most 5 virtio-mmio devices besides virtio-blk and virtio-net"));
  // Hot-plug slots are unique.
  EXPECT_THAT(validate_error({"virtio-blk-mmio,id=a,addr=1", "virtio-blk-mmio,id=b,addr=1"},
                             kMicro),
              HasSubstr("property 'addr': block slot 1 is already used by 'a'"));
}

}  // namespace
}  // namespace stratovirt::config
