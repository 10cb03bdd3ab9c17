// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/acpi/microvm_acpi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "devices/acpi/power_registers.h"

namespace stratovirt::devices {
namespace {

namespace fs = std::filesystem;

uint64_t le(const std::vector<uint8_t>& b, size_t off, int size) {
  uint64_t v = 0;
  for (int i = size - 1; i >= 0; --i) v = (v << 8) | b[off + static_cast<size_t>(i)];
  return v;
}

MicroVmAcpiParams sample_params() {
  MicroVmAcpiParams p;
  p.cpu_count = 2;
  for (uint32_t i = 0; i < 3; ++i) {
    p.virtio_mmio.push_back({0xF0100000 + 0x200 * i, 0x200, 5 + i});
  }
  return p;
}

class MicroVmAcpiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = build_microvm_acpi(sample_params());
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    tables_ = std::move(*r);
  }
  const std::vector<uint8_t>& bytes(std::string_view sig) {
    const AcpiBlob* b = tables_.find(sig);
    EXPECT_NE(b, nullptr) << sig;
    static const std::vector<uint8_t> empty;
    return b != nullptr ? b->bytes : empty;
  }
  uint64_t gpa(std::string_view sig) { return tables_.find(sig)->gpa; }
  AcpiTables tables_;
};

TEST_F(MicroVmAcpiTest, EveryTableHasHeaderLengthAndChecksum) {
  for (const char* sig : {"DSDT", "FACP", "APIC", "XSDT"}) {
    const auto& t = bytes(sig);
    ASSERT_GE(t.size(), acpi::kHeaderSize) << sig;
    EXPECT_EQ(std::string(t.begin(), t.begin() + 4), sig);
    EXPECT_EQ(le(t, 4, 4), t.size()) << sig;
    EXPECT_EQ(byte_sum(t), 0) << sig;
    EXPECT_EQ(std::string(t.begin() + 10, t.begin() + 16), "STRATO");
    EXPECT_EQ(gpa(sig) % 16, 0u);
  }
  EXPECT_EQ(bytes("FACP")[8], 6);  // revision
  EXPECT_EQ(bytes("APIC")[8], 5);
  EXPECT_EQ(bytes("DSDT")[8], 2);  // 64-bit integers
}

TEST_F(MicroVmAcpiTest, RsdpPointsAtXsdtWhichListsFadtAndMadt) {
  const auto& r = bytes("RSD PTR ");
  ASSERT_EQ(r.size(), 36u);
  EXPECT_EQ(tables_.rsdp_addr, kMicroVmAcpiBase);
  EXPECT_EQ(gpa("RSD PTR "), kMicroVmAcpiBase);
  EXPECT_EQ(std::string(r.begin(), r.begin() + 8), "RSD PTR ");
  EXPECT_EQ(byte_sum(std::span(r).first(20)), 0);
  EXPECT_EQ(byte_sum(r), 0);
  EXPECT_EQ(r[15], 2);
  EXPECT_EQ(le(r, 20, 4), 36u);
  EXPECT_EQ(le(r, 24, 8), gpa("XSDT"));
  const auto& x = bytes("XSDT");
  ASSERT_EQ(x.size(), 36u + 16u);
  EXPECT_EQ(le(x, 36, 8), gpa("FACP"));
  EXPECT_EQ(le(x, 44, 8), gpa("APIC"));
  // Blobs do not overlap and total_size covers them all.
  uint64_t end = 0;
  for (const auto& b : tables_.blobs) {
    EXPECT_GE(b.gpa, end);
    end = b.gpa + b.bytes.size();
  }
  EXPECT_EQ(kMicroVmAcpiBase + tables_.total_size, end);
}

TEST_F(MicroVmAcpiTest, FadtIsHardwareReducedWithSleepAndResetRegisters) {
  const auto& f = bytes("FACP");
  ASSERT_EQ(f.size(), acpi::kFadtSize);
  uint32_t flags = static_cast<uint32_t>(le(f, 112, 4));
  EXPECT_TRUE(flags & (1u << 20));  // HW_REDUCED_ACPI
  EXPECT_TRUE(flags & (1u << 10));  // RESET_REG_SUP
  EXPECT_EQ(f[131], 3);             // minor version
  EXPECT_EQ(le(f, 140, 8), gpa("DSDT"));
  EXPECT_EQ(le(f, 40, 4), gpa("DSDT"));
  uint16_t arch = static_cast<uint16_t>(le(f, 109, 2));
  EXPECT_EQ(arch & acpi::kBootArch8042, 0);
  EXPECT_NE(arch & acpi::kBootArchCmosRtcNotPresent, 0);
  // RESET_REG: system I/O, 8 bits, byte access, port 0x602, value 0x42.
  EXPECT_EQ(f[116], 1);
  EXPECT_EQ(f[117], 8);
  EXPECT_EQ(f[119], 1);
  EXPECT_EQ(le(f, 120, 8), kMicroVmPowerRegsPort + AcpiPowerRegisters::kResetOffset);
  EXPECT_EQ(f[128], AcpiPowerRegisters::kResetValue);
  EXPECT_EQ(f[244], 1);
  EXPECT_EQ(le(f, 248, 8), kMicroVmPowerRegsPort + AcpiPowerRegisters::kSleepControlOffset);
  EXPECT_EQ(f[256], 1);
  EXPECT_EQ(le(f, 260, 8), kMicroVmPowerRegsPort + AcpiPowerRegisters::kSleepStatusOffset);
}

TEST_F(MicroVmAcpiTest, MadtHasOneLapicPerCpuAndTheIoapic) {
  const auto& m = bytes("APIC");
  EXPECT_EQ(le(m, 36, 4), 0xFEE00000u);
  EXPECT_EQ(le(m, 40, 4), 1u);  // PCAT_COMPAT
  size_t off = 44;
  int lapics = 0, ioapics = 0, nmis = 0;
  while (off + 2 <= m.size()) {
    uint8_t type = m[off], len = m[off + 1];
    ASSERT_GE(len, 2);
    if (type == 0) {
      EXPECT_EQ(m[off + 2], lapics);  // UID
      EXPECT_EQ(m[off + 3], lapics);  // APIC id
      EXPECT_EQ(le(m, off + 4, 4), 1u);
      ++lapics;
    } else if (type == 1) {
      EXPECT_EQ(m[off + 2], 0);
      EXPECT_EQ(le(m, off + 4, 4), 0xFEC00000u);
      EXPECT_EQ(le(m, off + 8, 4), 0u);
      ++ioapics;
    } else if (type == 4) {
      ++nmis;
    }
    off += len;
  }
  EXPECT_EQ(off, m.size());
  EXPECT_EQ(lapics, 2);
  EXPECT_EQ(ioapics, 1);
  EXPECT_EQ(nmis, 1);
}

TEST(MicroVmAcpi, InterruptOverridesAndI8042Flag) {
  MicroVmAcpiParams p;
  p.announce_i8042 = true;
  p.interrupt_overrides.push_back({0, 2, 0});
  auto r = build_microvm_acpi(p);
  ASSERT_TRUE(r.has_value());
  const auto& m = r->find("APIC")->bytes;
  // 44 fixed + 8 LAPIC + 12 IOAPIC, then the override.
  ASSERT_GE(m.size(), 64u + 10u);
  EXPECT_EQ(m[64], 2);
  EXPECT_EQ(m[65], 10);
  EXPECT_EQ(m[67], 0);
  EXPECT_EQ(le(m, 68, 4), 2u);
  EXPECT_NE(le(r->find("FACP")->bytes, 109, 2) & acpi::kBootArch8042, 0u);
}

TEST(MicroVmAcpi, RejectsBadInputs) {
  MicroVmAcpiParams p;
  p.cpu_count = 0;
  EXPECT_FALSE(build_microvm_acpi(p).has_value());
  p.cpu_count = 256;
  EXPECT_FALSE(build_microvm_acpi(p).has_value());
  p.cpu_count = 1;
  EXPECT_FALSE(build_microvm_acpi(p, 0xE0000, 0xE0100).has_value());  // does not fit
  p.virtio_mmio.push_back({0x1'0000'0000ULL, 0x200, 5});
  EXPECT_FALSE(build_microvm_acpi(p).has_value());
}

TEST(MicroVmAcpi, NoSerialMeansNoCom1) {
  MicroVmAcpiParams p;
  p.serial = false;
  auto aml = build_microvm_dsdt_aml(p);
  std::string s(aml.begin(), aml.end());
  EXPECT_EQ(s.find("COM1"), std::string::npos);
  p.serial = true;
  aml = build_microvm_dsdt_aml(p);
  s.assign(aml.begin(), aml.end());
  EXPECT_NE(s.find("COM1"), std::string::npos);
}

// ---- checks with the ACPICA compiler/disassembler (package acpica-tools) ----

class IaslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (system("command -v iasl >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "iasl not installed (Debian package acpica-tools); skipping";
    }
    char tmpl[] = "/tmp/sv-acpi-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path write(const std::string& name, const std::vector<uint8_t>& data) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                             static_cast<std::streamsize>(data.size()));
    return p;
  }
  // Runs `cmd` in dir_, returns its exit status; output in `out`.
  int run(const std::string& cmd, std::string& out) {
    std::string full = "cd '" + dir_.string() + "' && " + cmd + " 2>&1";
    FILE* f = popen(full.c_str(), "r");
    if (f == nullptr) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

TEST_F(IaslTest, TablesDisassembleCleanly) {
  auto r = build_microvm_acpi(sample_params());
  ASSERT_TRUE(r.has_value());
  for (const char* sig : {"DSDT", "FACP", "APIC"}) {
    std::string name = std::string(sig) == "FACP" ? "facp" : std::string(sig) == "APIC" ? "apic" : "dsdt";
    write(name + ".dat", r->find(sig)->bytes);
    std::string out;
    int rc = run("iasl -d " + name + ".dat", out);
    EXPECT_EQ(rc, 0) << sig << ": " << out;
    std::string dsl = slurp(dir_ / (name + ".dsl"));
    ASSERT_FALSE(dsl.empty()) << sig << ": " << out;
    EXPECT_EQ(dsl.find("**** "), std::string::npos) << sig << " has a disassembler warning:\n" << dsl;
    if (name == "dsdt") {
      EXPECT_NE(dsl.find("\"LNRO0005\""), std::string::npos) << dsl;
      EXPECT_NE(dsl.find("Device (VR02)"), std::string::npos) << dsl;
      EXPECT_NE(dsl.find("EisaId (\"PNP0501\")"), std::string::npos) << dsl;
      EXPECT_NE(dsl.find("Memory32Fixed (ReadWrite,"), std::string::npos) << dsl;
      EXPECT_NE(dsl.find("0xF0100400"), std::string::npos) << dsl;
      EXPECT_NE(dsl.find("Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"),
                std::string::npos) << dsl;
      EXPECT_NE(dsl.find("_S5"), std::string::npos) << dsl;
    } else if (name == "facp") {
      EXPECT_NE(dsl.find("Hardware Reduced (V5) : 1"), std::string::npos) << dsl;
    } else {
      EXPECT_NE(dsl.find("Local Apic Address : FEE00000"), std::string::npos) << dsl;
    }
  }
}

// Our DSDT body must be byte-identical to what iasl compiles from the equivalent ASL.
TEST_F(IaslTest, DsdtMatchesIaslCompilationOfEquivalentAsl) {
  MicroVmAcpiParams p;
  p.virtio_mmio.push_back({0xF0100000, 0x200, 5});
  p.virtio_mmio.push_back({0xF0100200, 0x200, 6});
  const char* asl = R"(DefinitionBlock ("", "DSDT", 2, "STRATO", "STRATOVM", 1)
{
    Scope (\_SB)
    {
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
            Name (_STA, 0x0F)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                IRQNoFlags () {4}
            })
        }
        Device (VR00)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xF0100000, 0x00000200)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {5}
            })
        }
        Device (VR01)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, One)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xF0100200, 0x00000200)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {6}
            })
        }
    }
    Name (\_S5, Package () {0x05, Zero})
}
)";
  {
    std::ofstream(dir_ / "ref.asl") << asl;
  }
  std::string out;
  ASSERT_EQ(run("iasl -p ref ref.asl", out), 0) << out;
  std::ifstream in(dir_ / "ref.aml", std::ios::binary);
  std::vector<uint8_t> ref((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(ref.size(), acpi::kHeaderSize);
  std::vector<uint8_t> ref_body(ref.begin() + acpi::kHeaderSize, ref.end());
  EXPECT_EQ(build_microvm_dsdt_aml(p), ref_body);
}

}  // namespace
}  // namespace stratovirt::devices
