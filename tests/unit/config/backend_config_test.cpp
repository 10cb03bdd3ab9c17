// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/backend_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;

class BackendTest : public ::testing::Test, public testing::CmdlineFixture {
 protected:
  std::string error_of(std::vector<std::string> args) {
    auto r = parse_qmp(std::move(args));
    return r ? std::string("<parsed>") : r.error().to_string();
  }
};

TEST_F(BackendTest, Objects) {
  auto c = parse_qmp({"-object", "iothread,id=io0", "-object", "rng-random,id=rng0,filename=/dev/urandom",
                      "-object", "memory-backend-memfd,size=256M,id=m0,mem-prealloc=true",
                      "-object", R"({"qom-type":"memory-backend-ram","id":"microvm.ram","size":268435456})",
                      "-object", R"({"qom-type":"secret","id":"masterKey0","format":"raw","file":"/x/master-key.aes"})",
                      "-object", "authz-simple,id=authz0,identity=user"});
  ASSERT_TRUE(c) << c.error().to_string();
  ASSERT_EQ(c->objects.size(), 6u);
  const auto& memfd = std::get<MemoryBackendObject>(c->objects[2]);
  EXPECT_EQ(memfd.kind, MemBackendKind::kMemfd);
  EXPECT_TRUE(memfd.share);  // default on for memfd
  EXPECT_TRUE(memfd.prealloc);
  const auto& ram = std::get<MemoryBackendObject>(c->objects[3]);
  EXPECT_EQ(ram.size, 268435456u);  // bytes, as libvirt writes it
  EXPECT_FALSE(ram.share);
  EXPECT_EQ(object_type_name(c->objects[0]), "iothread");
  EXPECT_NE(c->find_object("masterKey0"), nullptr);
}

TEST_F(BackendTest, ObjectErrors) {
  EXPECT_THAT(error_of({"-object", "memory-backend-file,size=1G,id=m"}),
              HasSubstr("-object memory-backend-file: property 'mem-path': is required"));
  EXPECT_THAT(error_of({"-object", "memory-backend-ram,size=1G,id=m,mem-path=/x"}),
              HasSubstr("only memory-backend-file takes a mem-path"));
  EXPECT_THAT(error_of({"-object", "memory-backend-ram,id=m"}), HasSubstr("property 'size': is required"));
  EXPECT_THAT(error_of({"-object", "memory-backend-ram,id=m,size=1G,policy=bind"}), HasSubstr("needs host-nodes"));
  EXPECT_THAT(error_of({"-object", "memory-backend-ram,id=m,size=1G,host-nodes=0-200"}), HasSubstr("host-nodes"));
  EXPECT_THAT(error_of({"-object", "iothread"}), HasSubstr("property 'id': is required"));
  EXPECT_THAT(error_of({"-object", "foo,id=x"}), HasSubstr("unknown object type"));
  EXPECT_THAT(error_of({"-object", "iothread,id=a", "-object", "iothread,id=a"}),
              HasSubstr("-object: id 'a' is used more than once"));
  EXPECT_THAT(error_of({"-object", "rng-random,id=r,filename=/nonexistent"}), HasSubstr("/nonexistent"));
  EXPECT_THAT(error_of({"-object", "rng-random,id=r,filename=@regular"}), HasSubstr("not a character device"));
  std::vector<std::string> nine;
  for (int i = 0; i < 9; ++i) {
    nine.push_back("-object");
    nine.push_back(fmt::format("iothread,id=io{}", i));
  }
  EXPECT_THAT(error_of(nine), HasSubstr("at most 8 iothreads"));
}

TEST_F(BackendTest, DriveDefaultsAndProperties) {
  auto c = parse_qmp({"-drive", "id=d0,file=@disk.img"});
  ASSERT_TRUE(c) << c.error().to_string();
  const auto& d = c->drives[0];
  EXPECT_TRUE(d.direct);
  EXPECT_EQ(d.aio, AioMode::kNative);
  EXPECT_FALSE(d.readonly);
  EXPECT_FALSE(d.discard);
  EXPECT_EQ(d.detect_zeroes, DetectZeroes::kOff);
  EXPECT_EQ(d.format, ImageFormat::kRaw);
  EXPECT_EQ(d.media, Media::kDisk);

  auto e = parse_qmp({"-drive", "id=d1,file=@a.img,readonly=on,direct=off,throttling.iops-total=1000,"
                                "discard=unmap,detect-zeroes=unmap,format=qcow2,l2-cache-size=1M"});
  ASSERT_TRUE(e) << e.error().to_string();
  const auto& d1 = e->drives[0];
  EXPECT_EQ(d1.aio, AioMode::kOff);  // direct=off ⇒ off
  EXPECT_EQ(*d1.iops_total, 1000u);
  EXPECT_TRUE(d1.discard);
  EXPECT_EQ(d1.detect_zeroes, DetectZeroes::kUnmap);
  EXPECT_EQ(d1.format, ImageFormat::kQcow2);
  EXPECT_EQ(*d1.l2_cache_size, 1u << 20);
  auto uring = parse_qmp({"-drive", "id=d,file=@b.img,aio=io_uring"});
  ASSERT_TRUE(uring);
  EXPECT_EQ(uring->drives[0].aio, AioMode::kIoUring);
}

TEST_F(BackendTest, DriveErrors) {
  EXPECT_THAT(error_of({"-drive", "id=d,file=@x,direct=off,aio=native"}), HasSubstr("property 'aio': native needs direct=on"));
  EXPECT_THAT(error_of({"-drive", "id=d,file=@x,aio=off"}), HasSubstr("property 'aio': off needs direct=off"));
  EXPECT_THAT(error_of({"-drive", "id=d,file=@x,aio=posix"}), HasSubstr("expected native, io_uring, threads or off"));
  EXPECT_THAT(error_of({"-drive", "id=d,file=@x,throttling.iops-total=1000001"}), HasSubstr("throttling.iops-total"));
  EXPECT_THAT(error_of({"-drive", "file=@x"}), HasSubstr("property 'id': is required"));
  EXPECT_THAT(error_of({"-drive", "id=d"}), HasSubstr("property 'file': is required"));
  EXPECT_THAT(error_of({"-drive", "id=d,file=/nonexistent.img"}), HasSubstr("No such file"));
  EXPECT_THAT(error_of({"-drive", "id=d,file=@x,l2-cache-size=64M"}), HasSubstr("at most 32 MiB"));
  EXPECT_THAT(error_of({"-drive", "id=a,file=@same", "-drive", "id=b,file=@same"}),
              HasSubstr("is already used by drive 'a'"));
  EXPECT_EQ(error_of({"-drive", "id=a,file=@same,readonly=on", "-drive", "id=b,file=@same,readonly=on"}),
            "<parsed>");
  EXPECT_THAT(error_of({"-drive", "id=a,file=@x", "-drive", "id=a,file=@y"}), HasSubstr("id 'a' is used more than once"));
}

TEST_F(BackendTest, Pflash) {
  auto c = parse_qmp({"-machine", "q35", "-drive", "file=@vars.fd,if=pflash,unit=1",
                      "-drive", "file=@code.fd,if=pflash,unit=0,readonly=true"});
  ASSERT_TRUE(c) << c.error().to_string();
  ASSERT_EQ(c->pflashes.size(), 2u);
  EXPECT_EQ(*c->pflashes[0].unit, 0u);
  EXPECT_TRUE(c->pflashes[0].readonly);
  EXPECT_TRUE(c->drives.empty());
  EXPECT_THAT(error_of({"-machine", "q35", "-drive", "file=@c,if=pflash"}), HasSubstr("property 'unit': is required"));
  EXPECT_THAT(error_of({"-machine", "q35", "-drive", "file=@c,if=pflash,unit=2"}), HasSubstr("property 'unit'"));
  EXPECT_THAT(error_of({"-machine", "q35", "-drive", "file=@c,if=pflash,unit=1"}), HasSubstr("needs unit 0"));
  EXPECT_THAT(error_of({"-kernel", "@k", "-drive", "file=@c,if=pflash,unit=0"}), HasSubstr("only the q35 machine"));
  EXPECT_THAT(error_of({"-machine", "q35", "-drive", "file=@c,if=pflash,unit=0,format=qcow2"}), HasSubstr("must be raw"));
}

TEST_F(BackendTest, BlockdevPairsFoldIntoDrives) {
  auto c = parse_qmp({"-machine", "q35",
                      "-blockdev", R"({"driver":"file","filename":"@disk.qcow2","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"})",
                      "-blockdev", R"({"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","file":"libvirt-1-storage"})"});
  ASSERT_TRUE(c) << c.error().to_string();
  ASSERT_EQ(c->drives.size(), 1u);
  const auto& d = c->drives[0];
  EXPECT_EQ(d.id, "libvirt-1-format");
  EXPECT_EQ(d.format, ImageFormat::kQcow2);
  EXPECT_TRUE(d.discard);
  EXPECT_FALSE(d.direct);
  EXPECT_THAT(d.file, HasSubstr("disk.qcow2"));
  EXPECT_THAT(error_of({"-blockdev", R"({"node-name":"f","driver":"raw","file":"missing"})"}),
              HasSubstr("no file/host_device node named 'missing'"));
  EXPECT_THAT(error_of({"-blockdev", R"({"node-name":"f","driver":"nbd"})"}), HasSubstr("unsupported"));
}

TEST_F(BackendTest, Netdevs) {
  auto c = parse_qmp({"-netdev", "tap,id=n0,ifname=tap0", "-netdev", "tap,id=n1,fds=3:4,vhost=on,vhostfds=5:6",
                      "-chardev", "socket,id=vu,path=/tmp/vu.sock", "-netdev", "vhost-user,id=n2,chardev=vu,queues=2",
                      "-netdev", R"({"type":"tap","fd":"30","id":"hostnet0"})"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->netdevs[1].fds, (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(c->netdevs[1].queue_pairs, 2u);
  EXPECT_EQ(c->netdevs[2].type, NetdevType::kVhostUser);
  EXPECT_EQ(c->netdevs[2].queue_pairs, 2u);
  EXPECT_EQ(c->netdevs[3].fds, (std::vector<std::string>{"30"}));
  EXPECT_THAT(error_of({"-netdev", "tap,id=n"}), HasSubstr("needs ifname or fd/fds"));
  EXPECT_THAT(error_of({"-netdev", "user,id=n"}), HasSubstr("unsupported netdev type"));
  EXPECT_THAT(error_of({"-netdev", "tap,id=n,ifname=t,queues=17"}), HasSubstr("property 'queues'"));
  EXPECT_THAT(error_of({"-netdev", "tap,id=n,fds=3:4,queues=3"}), HasSubstr("does not match"));
  EXPECT_THAT(error_of({"-netdev", "tap,id=n,fd=3,vhostfd=4"}), HasSubstr("needs vhost=on"));
  EXPECT_THAT(error_of({"-netdev", "vhost-user,id=n"}), HasSubstr("property 'chardev': is required"));
  EXPECT_THAT(error_of({"-netdev", "vhost-user,id=n,chardev=nope"}), HasSubstr("chardev 'nope' not found"));
  EXPECT_THAT(error_of({"-netdev", "tap,id=n,ifname=averyveryverylongname"}), HasSubstr("property 'ifname'"));
  EXPECT_THAT(error_of({"-netdev", "tap,id=n,ifname=t,script=/etc/qemu-ifup"}), HasSubstr("scripts is not supported"));
}

TEST_F(BackendTest, Chardevs) {
  auto c = parse_qmp({"-chardev", "stdio,id=s", "-chardev", "pty,id=p", "-chardev", "file,id=f,path=/tmp/out",
                      "-chardev", "socket,id=u,path=/tmp/u.sock,server,nowait",
                      "-chardev", "socket,id=t,port=4444,host=127.0.0.1,server=on,wait=off",
                      "-chardev", "socket,id=fd,fd=28,server=on,wait=off"});
  ASSERT_TRUE(c) << c.error().to_string();
  const auto& u = std::get<SocketBackend>(c->find_chardev("u")->backend);
  EXPECT_TRUE(u.server);
  EXPECT_FALSE(u.wait);
  const auto& t = std::get<SocketBackend>(c->find_chardev("t")->backend);
  EXPECT_EQ(std::get<TcpSocketAddr>(t.addr).port, 4444);
  EXPECT_FALSE(t.wait);
  EXPECT_EQ(std::get<FdSocketAddr>(std::get<SocketBackend>(c->find_chardev("fd")->backend).addr).fd, 28);
  EXPECT_EQ(backend_name(c->find_chardev("p")->backend), "pty");
  EXPECT_THAT(error_of({"-chardev", "socket,id=x"}), HasSubstr("exactly one of path, port or fd"));
  EXPECT_THAT(error_of({"-chardev", "socket,id=x,path=/a,port=1"}), HasSubstr("exactly one of path, port or fd"));
  EXPECT_THAT(error_of({"-chardev", "socket,id=x,path=/" + std::string(120, 'a')}), HasSubstr("longer than 107"));
  EXPECT_THAT(error_of({"-chardev", "socket,id=x,port=0"}), HasSubstr("property 'port'"));
  EXPECT_THAT(error_of({"-chardev", "file,id=f"}), HasSubstr("property 'path': is required"));
  EXPECT_THAT(error_of({"-chardev", "spice,id=f"}), HasSubstr("unsupported backend 'spice'"));
  EXPECT_THAT(error_of({"-chardev", "pty"}), HasSubstr("property 'id': is required"));
  EXPECT_THAT(error_of({"-chardev", "socket,id=x,path=/a,nowait"}), HasSubstr("only applies to server"));
  EXPECT_THAT(error_of({"-chardev", "stdio,id=a", "-chardev", "stdio,id=b"}), HasSubstr("at most one chardev may use stdio"));
}

}  // namespace
}  // namespace stratovirt::config
