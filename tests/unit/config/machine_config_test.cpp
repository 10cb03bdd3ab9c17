// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/machine_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_util.h"

namespace stratovirt::config {
namespace {

using ::testing::HasSubstr;

class MachineOptionsTest : public ::testing::Test, public testing::CmdlineFixture {};

TEST_F(MachineOptionsTest, DefaultsAreStratoVirts) {
  auto c = parse_qmp({"-kernel", "@k"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->machine.type, MachineType::kMicroVm);
  EXPECT_TRUE(c->machine.dump_guest_core);
  EXPECT_FALSE(c->machine.mem_share);
  EXPECT_EQ(c->machine.accel, Accel::kKvm);
  EXPECT_EQ(c->memory.size, 256ULL << 20);
  EXPECT_EQ(c->smp.cpus, 1u);
  EXPECT_EQ(c->smp.maxcpus, 1u);
  EXPECT_EQ(c->cpu.model, "host");
}

TEST_F(MachineOptionsTest, MachineProperties) {
  auto c = parse_qmp({"-machine", "type=q35,dump-guest-core=off,mem-share=on,accel=kvm,usb=off"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->machine.type, MachineType::kQ35);
  EXPECT_FALSE(c->machine.dump_guest_core);
  EXPECT_TRUE(c->machine.mem_share);
  auto v = parse_qmp({"-machine", "pc-q35-7.2"});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->machine.type, MachineType::kQ35);
  auto acpi = parse_qmp({"-machine", "microvm,acpi=off", "-kernel", "@k"});
  ASSERT_TRUE(acpi);
  EXPECT_EQ(acpi->machine.acpi, std::optional<bool>(false));
}

TEST_F(MachineOptionsTest, MachineErrors) {
  auto bad = parse_qmp({"-machine", "pc"});
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("-machine: property 'type': unknown machine 'pc'"));
  auto usb = parse_qmp({"-machine", "q35,usb=on"});
  ASSERT_FALSE(usb);
  EXPECT_THAT(usb.error().message(), HasSubstr("property 'usb'"));
  auto virt = parse_qmp({"-machine", "virt"});
  ASSERT_FALSE(virt);
  EXPECT_EQ(virt.error().code(), ErrorCode::kNotSupported);
  auto tcg = parse_qmp({"-machine", "q35,accel=tcg"});
  ASSERT_FALSE(tcg);
  EXPECT_THAT(tcg.error().message(), HasSubstr("property 'accel'"));
  auto prop = parse_qmp({"-machine", "q35,foo=bar"});
  ASSERT_FALSE(prop);
  EXPECT_THAT(prop.error().message(), HasSubstr("-machine: property 'foo': unknown property"));
  auto microvm = parse_qmp({"-machine", "microvm"});
  ASSERT_FALSE(microvm);
  EXPECT_THAT(microvm.error().message(), HasSubstr("needs -kernel"));
}

TEST_F(MachineOptionsTest, AccelPreferenceListAndLaterWins) {
  auto c = parse_qmp({"-machine", "none,accel=kvm:tcg"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->machine.accel, Accel::kKvm);
  auto t = parse({"-machine", "q35,accel=kvm", "-accel", "test", "-mod-test", "/tmp/x.sock",
                  "-qmp", "unix:/tmp/svq.sock,server,nowait"});
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_EQ(t->machine.accel, Accel::kTest);
  auto need = parse_qmp({"-machine", "q35", "-accel", "test"});
  ASSERT_FALSE(need);
  EXPECT_THAT(need.error().message(), HasSubstr("-mod-test"));
  auto mt = parse_qmp({"-machine", "q35", "-mod-test", "/tmp/x"});
  ASSERT_FALSE(mt);
  EXPECT_THAT(mt.error().message(), HasSubstr("-mod-test: needs -accel test"));
}

struct SmpCase {
  std::string arg;
  uint32_t cpus, maxcpus, sockets, dies, clusters, cores, threads;
};

class SmpTest : public ::testing::TestWithParam<SmpCase> {};

TEST_P(SmpTest, Topology) {
  const auto& c = GetParam();
  auto props = Props::parse("-smp", c.arg, "cpus");
  ASSERT_TRUE(props);
  auto s = parse_smp(*props);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->cpus, c.cpus);
  EXPECT_EQ(s->maxcpus, c.maxcpus);
  EXPECT_EQ(s->sockets, c.sockets);
  EXPECT_EQ(s->dies, c.dies);
  EXPECT_EQ(s->clusters, c.clusters);
  EXPECT_EQ(s->cores, c.cores);
  EXPECT_EQ(s->threads, c.threads);
}

INSTANTIATE_TEST_SUITE_P(
    Valid, SmpTest,
    ::testing::Values(SmpCase{"4", 4, 4, 1, 1, 1, 4, 1}, SmpCase{"cpus=2,maxcpus=4", 2, 4, 1, 1, 1, 4, 1},
                      SmpCase{"8,sockets=2,cores=2,threads=2", 8, 8, 2, 1, 1, 2, 2},
                      SmpCase{"1,sockets=1,cores=1,threads=1", 1, 1, 1, 1, 1, 1, 1},
                      SmpCase{"4,maxcpus=8,sockets=2,dies=2,clusters=1,cores=2,threads=1", 4, 8, 2, 2, 1, 2, 1},
                      SmpCase{"sockets=2,cores=3", 6, 6, 2, 1, 1, 3, 1},
                      SmpCase{"254", 254, 254, 1, 1, 1, 254, 1}));

TEST(SmpErrorTest, MessagesNameTheRule) {
  auto run = [](std::string arg) {
    auto props = Props::parse("-smp", arg, "cpus");
    return parse_smp(*props);
  };
  auto a = run("cpus=4,maxcpus=2");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message(), "-smp: maxcpus (2) must be >= cpus (4)");
  auto b = run("4,sockets=3,cores=1,threads=1");
  ASSERT_FALSE(b);
  EXPECT_THAT(b.error().message(), HasSubstr("= 3 must equal maxcpus (4)"));
  auto c = run("255");
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message(), HasSubstr("property 'cpus': 255 is out of range [1, 254]"));
  EXPECT_FALSE(run("0"));
  EXPECT_FALSE(run("4,bogus=1"));
  auto d = run("sockets=16,cores=16");
  ASSERT_FALSE(d);
  EXPECT_THAT(d.error().message(), HasSubstr("more than the maximum 254"));
}

TEST_F(MachineOptionsTest, Memory) {
  auto a = parse_qmp({"-m", "1G"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->memory.size, 1ULL << 30);
  auto b = parse_qmp({"-m", "size=512,maxmem=1G"});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->memory.size, 512ULL << 20);
  EXPECT_EQ(*b->memory.maxmem, 1ULL << 30);
  auto low = parse_qmp({"-m", "64"});
  ASSERT_FALSE(low);
  EXPECT_EQ(low.error().message(), "-m: property 'size': 64 MiB is out of range [128 MiB, 512 GiB]");
  EXPECT_FALSE(parse_qmp({"-m", "513G"}));
  EXPECT_TRUE(parse_qmp({"-m", "128M"}));
  EXPECT_TRUE(parse_qmp({"-m", "512G"}));
  auto maxmem = parse_qmp({"-m", "1G,maxmem=512M"});
  ASSERT_FALSE(maxmem);
  EXPECT_THAT(maxmem.error().message(), HasSubstr("property 'maxmem': 512 MiB must be >= size (1 GiB)"));
  auto path = parse_qmp({"-mem-path", "/dev/hugepages", "-mem-prealloc"});
  ASSERT_TRUE(path);
  EXPECT_EQ(*path->memory.mem_path, "/dev/hugepages");
  EXPECT_TRUE(path->memory.prealloc);
}

TEST_F(MachineOptionsTest, Cpu) {
  auto a = parse_qmp({"-cpu", "host,kvm-steal-time=on"});
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->cpu.kvm_steal_time);
  EXPECT_TRUE(parse_qmp({"-cpu", "host,pmu=off"}));
  auto pmu = parse_qmp({"-cpu", "host,pmu=on"});
  ASSERT_FALSE(pmu);
  EXPECT_THAT(pmu.error().message(), HasSubstr("property 'pmu': only supported on aarch64"));
  EXPECT_FALSE(parse_qmp({"-cpu", "Skylake"}));
  EXPECT_TRUE(parse_qmp({"-cpu", "qemu64"}));  // libvirt's default
}

TEST_F(MachineOptionsTest, Numa) {
  auto ok = parse_qmp({"-smp", "8", "-m", "4G", "-object", "memory-backend-ram,size=2G,id=mem0,host-nodes=0-1,policy=bind",
                       "-object", "memory-backend-ram,size=2G,id=mem1,host-nodes=0-1,policy=bind",
                       "-numa", "node,nodeid=0,cpus=0-1:4-5,memdev=mem0", "-numa",
                       "node,nodeid=1,cpus=2-3:6-7,memdev=mem1", "-numa", "dist,src=0,dst=0,val=10",
                       "-numa", "dist,src=0,dst=1,val=20", "-numa", "dist,src=1,dst=0,val=20", "-numa",
                       "dist,src=1,dst=1,val=10"});
  ASSERT_TRUE(ok) << ok.error().to_string();
  ASSERT_EQ(ok->numa_nodes.size(), 2u);
  EXPECT_EQ(ok->numa_nodes[0].cpus, (std::vector<uint32_t>{0, 1, 4, 5}));
  EXPECT_EQ(ok->numa_dists.size(), 4u);

  auto sum = parse_qmp({"-m", "4G", "-object", "memory-backend-ram,size=2G,id=mem0",
                        "-numa", "node,cpus=0,memdev=mem0"});
  ASSERT_FALSE(sum);
  EXPECT_THAT(sum.error().message(), HasSubstr("node memory adds up to 2048 MiB but -m is 4096 MiB"));
  auto missing = parse_qmp({"-numa", "node,cpus=0,memdev=nope"});
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("memory backend 'nope' not found"));
  auto local = parse_qmp({"-numa", "dist,src=0,dst=0,val=20"});
  ASSERT_FALSE(local);
  EXPECT_THAT(local.error().message(), HasSubstr("to itself must be 10"));
  auto remote = parse_qmp({"-numa", "dist,src=0,dst=1,val=10"});
  ASSERT_FALSE(remote);
  EXPECT_THAT(remote.error().message(), HasSubstr("must be > 10"));
  auto cpu = parse_qmp({"-smp", "2", "-object", "memory-backend-ram,size=256M,id=m",
                        "-numa", "node,cpus=0-2,memdev=m"});
  ASSERT_FALSE(cpu);
  EXPECT_THAT(cpu.error().message(), HasSubstr("cpu 2 is beyond maxcpus (2)"));
  std::vector<std::string> nine = {"-m", "9G"};
  for (int i = 0; i < 9; ++i) {
    nine.push_back("-object");
    nine.push_back(fmt::format("memory-backend-ram,size=1G,id=m{}", i));
    nine.push_back("-numa");
    nine.push_back(fmt::format("node,memdev=m{}", i));
  }
  auto too_many = parse_qmp(nine);
  ASSERT_FALSE(too_many);
  EXPECT_THAT(too_many.error().message(), HasSubstr("at most 8 nodes"));
}

TEST_F(MachineOptionsTest, BootFilesMustExist) {
  auto missing = parse_qmp({"-kernel", "/nonexistent/vmlinuz"});
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().to_string(), HasSubstr("-kernel: /nonexistent/vmlinuz: No such file"));
  auto dir = parse_qmp({"-kernel", "/tmp"});
  ASSERT_FALSE(dir);
  EXPECT_THAT(dir.error().message(), HasSubstr("is not a regular file"));
  auto ok = parse_qmp({"-kernel", "@vmlinuz", "-initrd", "@initrd", "-append", "console=ttyS0", "panic=1"});
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->boot.cmdline, "console=ttyS0 panic=1");
  auto long_param = parse_qmp({"-kernel", "@k", "-append", "x=" + std::string(300, 'a')});
  ASSERT_FALSE(long_param);
  EXPECT_THAT(long_param.error().message(), HasSubstr("longer than 255"));
  EXPECT_FALSE(parse_qmp({"-machine", "q35", "-initrd", "@i"}));
}

}  // namespace
}  // namespace stratovirt::config
