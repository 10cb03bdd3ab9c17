// SPDX-License-Identifier: MulanPSL-2.0
//
// TestVm: the device test tier's driver end of one `stratovirt -accel test` process.
//
// Listens on <tmp>/test.sock, runs $STRATOVIRT_BINARY -accel test -machine microvm
// -qmp unix:<tmp>/qmp.sock,server,nowait -mod-test <tmp>/test.sock <args>, waits up to
// 10 s for the VMM to connect back, then opens QMP (greeting + qmp_capabilities). The
// protocol helpers send one command without a newline and wait for its reply line; a
// typed helper whose reply is not "OK ..." records a gtest failure and returns 0/false.
// Owned by one test, single-threaded. Failure: ready() is false and startup_error()
// holds the VMM's stderr.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stratovirt/base/unique_fd.h"
#include "support/temp_dir.h"
#include "unit/app/process_util.h"

namespace stratovirt::testing {

class TestVm {
 public:
  // `machine_property`: select the accelerator as `-machine microvm,accel=test` instead.
  explicit TestVm(const std::vector<std::string>& args = {}, bool machine_property = false);
  ~TestVm();
  TestVm(const TestVm&) = delete;
  TestVm& operator=(const TestVm&) = delete;

  [[nodiscard]] bool ready() const { return ready_; }
  std::string startup_error() const { return why_; }
  Process& process() { return *process_; }
  const TempDir& dir() const { return dir_; }

  // One protocol exchange: the reply without "\r\n" ("" on timeout or EOF).
  std::string command(std::string_view cmd);
  // Sends raw bytes (no reply awaited): for framing tests.
  bool send_raw(std::string_view bytes);
  std::string reply_line();
  // Closes the driver's end: the VMM should shut down and exit 0.
  void close_test_socket();

  uint64_t readb(uint64_t addr) { return read_n("readb", addr); }
  uint64_t readw(uint64_t addr) { return read_n("readw", addr); }
  uint64_t readl(uint64_t addr) { return read_n("readl", addr); }
  uint64_t readq(uint64_t addr) { return read_n("readq", addr); }
  void writeb(uint64_t addr, uint64_t v) { write_n("writeb", addr, v); }
  void writew(uint64_t addr, uint64_t v) { write_n("writew", addr, v); }
  void writel(uint64_t addr, uint64_t v) { write_n("writel", addr, v); }
  void writeq(uint64_t addr, uint64_t v) { write_n("writeq", addr, v); }
  std::vector<uint8_t> read(uint64_t addr, uint64_t size);
  void write(uint64_t addr, std::span<const uint8_t> bytes);
  void memset(uint64_t addr, uint64_t size, uint8_t pattern);
  uint64_t clock_step(std::optional<uint64_t> ns = std::nullopt);
  uint64_t clock_set(uint64_t ns);
  bool query_intx(uint32_t irq);
  bool eoi_intx(uint32_t irq);
  uint64_t in(char width, uint16_t port);
  void out(char width, uint16_t port, uint64_t value);

  // One QMP command; returns its reply line (events before it are skipped).
  std::string qmp(std::string_view json);

 private:
  uint64_t read_n(std::string_view cmd, uint64_t addr);
  void write_n(std::string_view cmd, uint64_t addr, uint64_t value);
  void expect_ok(std::string_view cmd);
  uint64_t ok_number(std::string_view cmd, int base);

  TempDir dir_;
  UniqueFd listener_;
  UniqueFd conn_;
  std::string buf_;
  std::optional<Process> process_;
  std::optional<QmpClient> qmp_;
  bool ready_ = false;
  std::string why_;
};

}  // namespace stratovirt::testing
