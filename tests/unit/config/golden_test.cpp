// SPDX-License-Identifier: MulanPSL-2.0
// Golden tests: complete command lines from the guidebook, Kata and libvirt must parse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;

class GoldenTest : public ::testing::Test, public testing::CmdlineFixture {};

// Guidebook §2.2: q35 with UEFI pflash, virtio-blk-pci and vhost-user-blk-pci.
TEST_F(GoldenTest, GuidebookQ35VhostUserBlk) {
  auto c = parse({"-machine", "q35,mem-share=on", "-smp", "1", "-kernel", "@std-vmlinuxz",
                  "-mem-path", "/dev/hugepages", "-m", "1G", "-append",
                  "console=ttyS0 reboot=k panic=1 root=/dev/vda rw", "-drive",
                  "file=@OVMF_CODE.fd,if=pflash,unit=0,readonly=true", "-drive",
                  "file=@OVMF_VARS.fd,if=pflash,unit=1", "-drive",
                  "file=@openEuler.img,id=rootfs,readonly=off,direct=off", "-device",
                  "virtio-blk-pci,drive=rootfs,id=blk0,bus=pcie.0,addr=0x2,bootindex=0", "-chardev",
                  "socket,id=spdk_vhost_blk0,path=/var/tmp/spdk.sock", "-device",
                  "vhost-user-blk-pci,id=blk1,chardev=spdk_vhost_blk0,bus=pcie.0,addr=0x3", "-qmp",
                  "unix:/tmp/stratovirt.socket,server,nowait", "-serial", "stdio"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->machine.type, MachineType::kQ35);
  EXPECT_EQ(c->pflashes.size(), 2u);
  EXPECT_EQ(c->drives.size(), 1u);
  EXPECT_EQ(c->devices.size(), 2u);
  EXPECT_EQ(c->memory.size, 1ULL << 30);
  EXPECT_EQ(c->boot.cmdline, "console=ttyS0 reboot=k panic=1 root=/dev/vda rw");
}

// Guidebook §2.17: virtio-fs on q35 (its "bug=pcie.0" typo corrected to bus=).
TEST_F(GoldenTest, GuidebookQ35VirtioFs) {
  std::vector<std::string> args = {
      "-machine", "type=q35,dump-guest-core=off,mem-share=on", "-smp", "1", "-m", "1024",
      "-kernel", "@image", "-append", "root=/dev/vda", "console=ttyS0", "reboot=k", "panic=1",
      "random.trust_cpu=on", "rw", "-drive", "file=@fw,if=pflash,unit=0", "-qmp",
      "unix:/tmp/qmp2.socket,server,nowait", "-drive", "id=drive_id,file=@disk,direct=on",
      "-device", "virtio-blk-pci,drive=drive_id,bus=pcie.0,addr=1,id=blk", "-serial", "stdio",
      "-disable-seccomp", "-chardev", "socket,id=virtio_fs,path=/tmp/shared/virtio_fs.sock,server,nowait",
      "-device", "vhost-user-fs-pci,id=device_id,chardev=virtio_fs,tag=myfs,bus=pcie.0,addr=0x7"};
  auto c = parse(args);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_TRUE(c->disable_seccomp);
  EXPECT_EQ(c->boot.cmdline, "root=/dev/vda console=ttyS0 reboot=k panic=1 random.trust_cpu=on rw");
  // The guidebook's literal typo is reported, naming the property.
  auto blk = std::find(args.begin(), args.end(), "virtio-blk-pci,drive=drive_id,bus=pcie.0,addr=1,id=blk");
  ASSERT_NE(blk, args.end());
  *blk = "virtio-blk-pci,drive=drive_id,bug=pcie.0,addr=1,id=blk";
  auto typo = parse(args);
  ASSERT_FALSE(typo);
  EXPECT_THAT(typo.error().message(), HasSubstr("'bug'"));
}

// Guidebook §5: restore a microvm from a template.
TEST_F(GoldenTest, GuidebookMicrovmIncoming) {
  auto c = parse({"-machine", "microvm", "-kernel", "@vmlinux.bin", "-append",
                  "console=ttyS0 pci=off reboot=k quiet panic=1 root=/dev/vda", "-drive",
                  "file=@rootfs,id=rootfs,readonly=off,direct=off", "-device",
                  "virtio-blk-device,drive=rootfs,id=rootfs", "-qmp", "unix:/tmp/sv.socket,server,nowait",
                  "-serial", "stdio", "-incoming", "file:/tmp/template"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->incoming->kind, IncomingKind::kFile);
  EXPECT_EQ(c->drives[0].aio, AioMode::kOff);
}

// Guidebook §6: the StratoVirt part of an ozone line (after "--").
TEST_F(GoldenTest, GuidebookOzoneInnerLine) {
  auto c = parse({"-kernel", "@vmlinux.bin", "-append", "console=ttyS0", "root=/dev/vda", "reboot=k",
                  "panic=1", "rw", "-drive", "file=@rootfs,id=rootfs,readonly=off", "-device",
                  "virtio-blk-device,drive=rootfs,id=rootfs", "-qmp",
                  "unix:./stratovirt.socket,server,nowait", "-serial", "stdio"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->machine.type, MachineType::kMicroVm);  // no -machine ⇒ microvm
}

// Kata's stratovirt driver (inventory §11), debug variant with every optional part.
TEST_F(GoldenTest, KataMicrovm) {
  auto c = parse({"-name", "sandbox-1f2e", "-uuid", "3a1b9c1e-5b6d-4c2e-9f7a-8b9c0d1e2f3a", "-smp", "1",
                  "-m", "2048", "-kernel", "@vmlinux", "-append",
                  "tsc=reliable no_timer_check rcupdate.rcu_expedited=1 reboot=k panic=1 net.ifnames=0 "
                  "pci=off iommu=off acpi=off debug console=hvc0",
                  "-qmp", "unix:/run/vc/vm/1f2e/qmp.socket,server,nowait", "-D", "-disable-seccomp",
                  "-machine", "type=microvm,dump-guest-core=off,mem-share=on", "-initrd", "@kata-initrd",
                  "-object", "rng-random,id=objrng0,filename=/dev/urandom", "-device",
                  "virtio-rng-device,rng=objrng0,id=virtio-rng0", "-drive",
                  "id=rootfs,file=@kata-containers.img,readonly=on,direct=off", "-device",
                  "virtio-blk-device,drive=rootfs,id=virtio-blk0", "-device",
                  "virtio-serial-device,id=virtio-serial0", "-chardev",
                  "socket,id=charconsole0,path=/run/vc/vm/1f2e/console.socket,server,nowait", "-device",
                  "virtconsole,chardev=charconsole0,id=virtio-console0,nr=0", "-device",
                  "vhost-vsock-device,id=vsock-id,guest-cid=3,vhostfd=5", "-netdev",
                  "tap,id=eth0,fds=3:4", "-device", "virtio-net-device,netdev=eth0,id=eth0,mac=02:42:ac:11:00:02",
                  "-chardev", "socket,id=virtio_fs,path=/run/vc/vm/1f2e/virtiofs_kata.socket,server,nowait",
                  "-device", "vhost-user-fs-device,chardev=virtio_fs,tag=kataShared,id=virtio-fs0"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_TRUE(c->log.enabled);
  EXPECT_FALSE(c->log.file);
  EXPECT_TRUE(c->machine.mem_share);
  EXPECT_EQ(c->devices.size(), 7u);
  EXPECT_EQ(c->netdevs[0].queue_pairs, 2u);
}

// libvirt 9's capability probe (peers.md §8.1 / notes/libvirt.md).
TEST_F(GoldenTest, LibvirtProbe) {
  for (std::string accel : {"kvm:tcg", "kvm:mshv:tcg"}) {
    for (std::string qmp : {"unix:/var/lib/libvirt/qemu/qmp-AbC123/qmp.monitor,server=on,wait=off",
                            "unix:/var/lib/libvirt/qemu/qmp-AbC123/qmp.monitor,server,nowait"}) {
      auto c = parse({"-S", "-no-user-config", "-nodefaults", "-nographic", "-machine",
                      "none,accel=" + accel, "-qmp", qmp, "-pidfile",
                      "/var/lib/libvirt/qemu/qmp-AbC123/qmp.pid", "-daemonize"});
      ASSERT_TRUE(c) << c.error().to_string();
      EXPECT_EQ(c->machine.type, MachineType::kNone);
      EXPECT_TRUE(c->daemonize);
      EXPECT_TRUE(c->freeze_cpu);
      EXPECT_EQ(c->monitors.size(), 1u);
    }
  }
}

// What libvirt 9 runs to start a microvm guest (notes/libvirt.md).
TEST_F(GoldenTest, LibvirtMicrovmStart) {
  auto c = parse({"-name", "guest=vm1,debug-threads=on", "-S", "-object",
                  R"({"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-1-vm1/master-key.aes"})",
                  "-machine", "microvm,usb=off,dump-guest-core=off,memory-backend=microvm.ram", "-accel", "kvm",
                  "-cpu", "qemu64", "-m", "256", "-object",
                  R"({"qom-type":"memory-backend-ram","id":"microvm.ram","size":268435456})", "-overcommit",
                  "mem-lock=off", "-smp", "1,sockets=1,cores=1,threads=1", "-uuid",
                  "0f2d3c4b-5a69-4788-97a6-b5c4d3e2f1a0", "-display", "none", "-no-user-config", "-nodefaults",
                  "-chardev", "socket,id=charmonitor,fd=28,server=on,wait=off", "-mon",
                  "chardev=charmonitor,id=monitor,mode=control", "-rtc", "base=utc", "-no-shutdown", "-boot",
                  "strict=on", "-kernel", "@vmlinuz", "-initrd", "@initrd.img", "-append",
                  "console=ttyS0 reboot=k panic=1", "-chardev", "pty,id=charserial0", "-device",
                  R"({"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0})", "-audiodev",
                  R"({"id":"audio1","driver":"none"})", "-sandbox",
                  "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny", "-msg",
                  "timestamp=on"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(*c->name, "vm1");
  EXPECT_EQ(*c->machine.memory_backend, "microvm.ram");
  EXPECT_EQ(c->serial->chardev, "charserial0");
  EXPECT_TRUE(c->no_shutdown);
  EXPECT_TRUE(c->devices.empty());
}

// libvirt's q35 additions: root ports, -blockdev pairs and JSON virtio-blk-pci.
TEST_F(GoldenTest, LibvirtQ35Devices) {
  auto c = parse({"-machine", "pc-q35-7.2,usb=off,dump-guest-core=off", "-accel", "kvm", "-m", "512",
                  "-kernel", "@vmlinuz", "-qmp", "unix:/tmp/lv.sock,server,nowait", "-device",
                  R"({"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1","bus":"pcie.0","multifunction":true,"addr":"0x2"})",
                  "-device",
                  R"({"driver":"pcie-root-port","port":17,"chassis":2,"id":"pci.2","bus":"pcie.0","addr":"0x2.0x1"})",
                  "-blockdev",
                  R"({"driver":"file","filename":"@vm1.img","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"})",
                  "-blockdev",
                  R"({"node-name":"libvirt-1-format","read-only":false,"driver":"raw","file":"libvirt-1-storage"})",
                  "-device",
                  R"({"driver":"virtio-blk-pci","bus":"pci.2","addr":"0x0","drive":"libvirt-1-format","id":"virtio-disk0","bootindex":1})"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->drives[0].id, "libvirt-1-format");
  EXPECT_EQ(c->devices.size(), 3u);
}

}  // namespace
}  // namespace stratovirt::config
