// SPDX-License-Identifier: MulanPSL-2.0
// The whole microvm on native KVM, with a tiny 64-bit "kernel" loaded as a raw vmlinux:
// it talks to the serial port and ends the VM through i8042, ACPI or a triple fault.
#include "machine/micro_vm.h"

#include <asm/bootparam.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "machine/x86_64/boot/boot_layout.h"
#include "stratovirt/hypervisor/kvm.h"

namespace stratovirt::machine {
namespace {

using namespace std::chrono_literals;

// mov dx, 0x3f8; mov al, 'O'; out dx, al; mov al, 'K'; out dx, al
const std::vector<uint8_t> kPrintOk = {0x66, 0xBA, 0xF8, 0x03, 0xB0, 0x4F, 0xEE, 0xB0, 0x4B, 0xEE};
// mov al, 0xfe; out 0x64, al; jmp $
const std::vector<uint8_t> kI8042Reset = {0xB0, 0xFE, 0xE6, 0x64, 0xEB, 0xFE};
// mov dx, 0x600; mov al, SLP_TYP(5)<<2 | SLP_EN; out dx, al; jmp $
const std::vector<uint8_t> kAcpiPoweroff = {0x66, 0xBA, 0x00, 0x06, 0xB0, 0x34, 0xEE, 0xEB, 0xFE};

class MicroVmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/kvm", R_OK | W_OK) != 0 || !hypervisor::Kvm::open()) {
      GTEST_SKIP() << "no usable /dev/kvm";
    }
    char tmpl[] = "/tmp/sv-microvm-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    auto loop = EventLoop::create("main");
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    cfg_.memory.size = 128ULL << 20;
  }
  void TearDown() override {
    if (!dir_.empty()) (void)std::system(("rm -rf " + dir_).c_str());
  }

  // Writes `code` as a raw vmlinux (padded to 64 KiB) and points the config at it.
  void use_kernel(std::vector<uint8_t> code) {
    code.resize(64 * 1024, 0xF4);
    std::string path = dir_ + "/vmlinux.bin";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(code.data()), static_cast<std::streamsize>(code.size()));
    cfg_.boot.kernel = path;
    cfg_.boot.cmdline = "console=ttyS0";
  }
  void use_serial_file() {
    config::ChardevConfig c;
    c.id = "ser";
    c.backend = config::FileBackend{dir_ + "/serial.txt"};
    cfg_.chardevs.push_back(c);
    cfg_.serial = config::SerialConfig{"ser"};
  }
  // A 1 MiB raw image as drive d0 behind virtio-blk-device blk0 with iothread=`iothread`.
  void add_virtio_blk(const std::string& iothread) {
    std::string image = dir_ + "/disk.img";
    std::ofstream(image).put('\0');
    ASSERT_EQ(::truncate(image.c_str(), 1 << 20), 0);
    config::DriveConfig drive;
    drive.id = "d0";
    drive.file = image;
    drive.direct = false;
    cfg_.drives.push_back(drive);
    config::DeviceConfig dev;
    dev.driver = "virtio-blk-device";
    dev.id = "blk0";
    dev.transport = config::Transport::kMmio;
    config::VirtioBlkDevice blk;
    blk.drive = "d0";
    blk.iothread = iothread;
    dev.spec = blk;
    cfg_.devices.push_back(dev);
  }
  std::string serial_text() {
    std::ifstream in(dir_ + "/serial.txt");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Creates and starts the machine, runs the loop until it shuts down (or 10 s pass).
  std::optional<ShutdownEvent> run(bool paused = false) {
    auto m = Machine::create(cfg_, *loop_);
    EXPECT_TRUE(m) << m.error().to_string();
    if (!m) return std::nullopt;
    machine_ = std::move(*m);
    machine_->set_shutdown_callback([this](const ShutdownEvent&) { loop_->stop(); });
    EXPECT_TRUE(machine_->start(paused));
    auto guard = loop_->add_timer(10s, [this] { loop_->stop(); });
    EXPECT_TRUE(loop_->run());
    loop_->cancel_timer(guard);
    return machine_->shutdown_event();
  }

  std::string dir_;
  std::unique_ptr<EventLoop> loop_;
  config::VmConfig cfg_;
  std::unique_ptr<Machine> machine_;
};

TEST_F(MicroVmTest, SerialOutputThenI8042RebootExitsZero) {
  std::vector<uint8_t> code = kPrintOk;
  code.insert(code.end(), kI8042Reset.begin(), kI8042Reset.end());
  use_kernel(code);
  use_serial_file();
  auto ev = run();
  ASSERT_TRUE(ev) << "machine did not shut down";
  EXPECT_EQ(ev->reason, ShutdownReason::kGuestReset);
  EXPECT_EQ(ev->exit_code, 0);
  EXPECT_NE(ev->detail.find("i8042"), std::string::npos);
  machine_.reset();  // flushes and closes the serial backend
  EXPECT_EQ(serial_text(), "OK");
}

TEST_F(MicroVmTest, AcpiPoweroffExitsZero) {
  use_kernel(kAcpiPoweroff);
  auto ev = run();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->reason, ShutdownReason::kGuestPoweroff);
  EXPECT_EQ(ev->exit_code, 0);
}

TEST_F(MicroVmTest, TripleFaultIsAReset) {
  use_kernel({0x0F, 0x0B});  // ud2 with the boot IDT (limit 7, empty) -> triple fault
  auto ev = run();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->reason, ShutdownReason::kGuestReset);
  EXPECT_EQ(ev->exit_code, 0);
}

TEST_F(MicroVmTest, TwoVcpusApWaitsForSipi) {
  cfg_.smp.cpus = cfg_.smp.maxcpus = 2;
  cfg_.smp.sockets = 2;
  std::vector<uint8_t> code = kPrintOk;
  code.insert(code.end(), kI8042Reset.begin(), kI8042Reset.end());
  use_kernel(code);
  use_serial_file();
  auto ev = run();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->reason, ShutdownReason::kGuestReset);
  machine_.reset();
  EXPECT_EQ(serial_text(), "OK");  // only the BSP ran the code
}

TEST_F(MicroVmTest, StartPausedThenResume) {
  std::vector<uint8_t> code = kPrintOk;
  code.insert(code.end(), kI8042Reset.begin(), kI8042Reset.end());
  use_kernel(code);
  use_serial_file();
  auto m = Machine::create(cfg_, *loop_);
  ASSERT_TRUE(m) << m.error().to_string();
  machine_ = std::move(*m);
  machine_->set_shutdown_callback([this](const ShutdownEvent&) { loop_->stop(); });
  ASSERT_TRUE(machine_->start(true));
  EXPECT_EQ(machine_->state(), MachineState::kPaused);
  loop_->add_timer(100ms, [this] {
    EXPECT_FALSE(machine_->shutdown_event());  // nothing ran while paused
    auto vcpus = machine_->vcpus();            // the parked thread exists and has a tid
    ASSERT_EQ(vcpus.size(), 1u);
    EXPECT_EQ(vcpus[0].index, 0u);
    EXPECT_GT(vcpus[0].host_tid, 0);
    EXPECT_NE(vcpus[0].host_tid, static_cast<int64_t>(::getpid()));
    EXPECT_TRUE(machine_->resume());
  });
  auto guard = loop_->add_timer(10s, [this] { loop_->stop(); });
  ASSERT_TRUE(loop_->run());
  loop_->cancel_timer(guard);
  ASSERT_TRUE(machine_->shutdown_event());
  EXPECT_EQ(machine_->shutdown_event()->reason, ShutdownReason::kGuestReset);
}

TEST_F(MicroVmTest, HostShutdownStopsSpinningGuest) {
  use_kernel({0xEB, 0xFE});  // jmp $
  auto m = Machine::create(cfg_, *loop_);
  ASSERT_TRUE(m);
  machine_ = std::move(*m);
  ASSERT_TRUE(machine_->start(false));
  ASSERT_TRUE(machine_->pause());
  ASSERT_TRUE(machine_->resume());
  machine_->request_shutdown(ShutdownReason::kHostRequest, "test");
  EXPECT_EQ(machine_->state(), MachineState::kShutdown);
  EXPECT_EQ(machine_->shutdown_event()->exit_code, 0);
}

TEST_F(MicroVmTest, AcpiTablesAndZeroPage) {
  use_kernel({0xEB, 0xFE});
  auto m = MicroVm::create(cfg_, *loop_);
  ASSERT_TRUE(m) << m.error().to_string();
  const auto& mem = (*m)->guest_memory();
  char sig[9] = {};
  ASSERT_TRUE(mem.read(x86::kAcpiTablesAddr, std::span<uint8_t>(reinterpret_cast<uint8_t*>(sig), 8)));
  EXPECT_STREQ(sig, "RSD PTR ");
  auto bp = mem.read_obj<boot_params>(x86::kZeroPageAddr);
  ASSERT_TRUE(bp);
  EXPECT_EQ(bp->acpi_rsdp_addr, x86::kAcpiTablesAddr);
  EXPECT_EQ(*mem.read_obj<uint32_t>(x86::kMpTableAddr), 0x5F504D5FU);  // "_MP_"
}

TEST_F(MicroVmTest, AcpiOffHasNoRsdp) {
  use_kernel({0xEB, 0xFE});
  cfg_.machine.acpi = false;
  auto m = MicroVm::create(cfg_, *loop_);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_FALSE((*m)->acpi());
  const auto& mem = (*m)->guest_memory();
  EXPECT_EQ(*mem.read_obj<uint64_t>(x86::kAcpiTablesAddr), 0U);
  EXPECT_EQ(mem.read_obj<boot_params>(x86::kZeroPageAddr)->acpi_rsdp_addr, 0U);
  EXPECT_EQ(*mem.read_obj<uint32_t>(x86::kMpTableAddr), 0x5F504D5FU);
}

TEST_F(MicroVmTest, UnsupportedOptionsRefused) {
  use_kernel({0xEB, 0xFE});
  config::VmConfig c = cfg_;
  c.incoming = config::IncomingConfig{};
  auto m = Machine::create(c, *loop_);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("-incoming: not supported yet"), std::string::npos);
  c = cfg_;
  c.machine.type = config::MachineType::kQ35;
  m = Machine::create(c, *loop_);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("not supported yet"), std::string::npos);
  c = cfg_;
  c.netdevs.push_back(config::NetdevConfig{});
  c.netdevs.back().id = "n0";
  m = Machine::create(c, *loop_);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("-netdev id=n0: not supported yet"), std::string::npos);
  c = cfg_;
  c.boot.kernel.reset();
  EXPECT_FALSE(Machine::create(c, *loop_));
}

TEST_F(MicroVmTest, NotAKernelRefused) {
  std::string path = dir_ + "/passwd";
  std::ofstream(path) << "root:x:0:0:root:/root:/bin/sh\n";
  cfg_.boot.kernel = path;
  auto m = Machine::create(cfg_, *loop_);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("not a kernel image"), std::string::npos);
}


// Maps 0xF000_0000..0xF020_0000 (a 2 MiB page in a new PD for the 3..4 GiB range), then
// reads the virtio-mmio magic and device id of the first window; prints 'Y' when they
// are "virt" and 2 (virtio-blk), 'N' otherwise, then resets through the i8042.
const std::vector<uint8_t> kProbeVirtioBlk = {
    0xB8, 0x03, 0x00, 0x04, 0x00,                          // mov eax, 0x40003 (PD | P | RW)
    0x48, 0x89, 0x04, 0x25, 0x18, 0xA0, 0x00, 0x00,        // mov [0xA018], rax (PDPT[3])
    0xB8, 0x83, 0x00, 0x00, 0xF0,                          // mov eax, 0xF0000083 (2 MiB page)
    0x48, 0x89, 0x04, 0x25, 0x00, 0x0C, 0x04, 0x00,        // mov [0x40C00], rax (PD[0x180])
    0x48, 0xBB, 0x00, 0x00, 0x10, 0xF0, 0, 0, 0, 0,        // mov rbx, 0xF0100000
    0x8B, 0x03,                                            // mov eax, [rbx]
    0x3D, 0x76, 0x69, 0x72, 0x74,                          // cmp eax, "virt"
    0x75, 0x15,                                            // jne bad
    0x8B, 0x43, 0x08,                                      // mov eax, [rbx + 8]
    0x83, 0xF8, 0x02,                                      // cmp eax, 2
    0x75, 0x0D,                                            // jne bad
    0x66, 0xBA, 0xF8, 0x03, 0xB0, 0x59, 0xEE,              // 'Y' to the UART
    0xB0, 0xFE, 0xE6, 0x64, 0xEB, 0xFE,                    // i8042 reset
    0x66, 0xBA, 0xF8, 0x03, 0xB0, 0x4E, 0xEE,              // bad: 'N' to the UART
    0xB0, 0xFE, 0xE6, 0x64, 0xEB, 0xFE,                    // i8042 reset
};

TEST_F(MicroVmTest, VirtioBlkWindowAnsweredOnMmio) {
  use_kernel(kProbeVirtioBlk);
  use_serial_file();
  cfg_.objects.push_back(config::IothreadObject{"io0"});
  add_virtio_blk("io0");
  auto ev = run();
  ASSERT_TRUE(ev) << "machine did not shut down";
  EXPECT_EQ(ev->reason, ShutdownReason::kGuestReset);
  auto threads = machine_->iothreads();
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_EQ(threads[0].id, "io0");
  EXPECT_GT(threads[0].host_tid, 0);
  machine_.reset();
  EXPECT_EQ(serial_text(), "Y");
}

TEST_F(MicroVmTest, VirtioDeviceWithUnknownIothreadRefused) {
  use_kernel(kI8042Reset);
  add_virtio_blk("nope");
  auto m = Machine::create(cfg_, *loop_);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().to_string().find("iothread 'nope'"), std::string::npos) << m.error().to_string();
  EXPECT_NE(m.error().to_string().find("blk0"), std::string::npos) << m.error().to_string();
}


TEST_F(MicroVmTest, ChardevsReportTheSerialBackend) {
  use_kernel(kI8042Reset);
  config::ChardevConfig c;
  c.id = "charserial0";
  c.backend = config::PtyBackend{};
  cfg_.chardevs.push_back(c);
  cfg_.serial = config::SerialConfig{"charserial0"};
  auto m = Machine::create(cfg_, *loop_);
  ASSERT_TRUE(m) << m.error().to_string();
  auto chardevs = (*m)->chardevs();
  ASSERT_EQ(chardevs.size(), 1u);
  EXPECT_EQ(chardevs[0].id, "charserial0");
  EXPECT_EQ(chardevs[0].description.rfind("pty:/dev/pts/", 0), 0u) << chardevs[0].description;
}

}  // namespace
}  // namespace stratovirt::machine
