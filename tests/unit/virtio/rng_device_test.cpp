// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/rng_device.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "stratovirt/base/event_loop.h"
#include "stratovirt/base/unique_fd.h"
#include "support/temp_dir.h"
#include "virtio/mmio_test_driver.h"

namespace stratovirt::virtio {
namespace {

using namespace std::chrono_literals;
using testing::FakeRing;
using testing::MmioTestDriver;

constexpr uint64_t kBuf = 0x40000;  // request buffers from here
constexpr uint16_t kRingSize = 16;

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + 7) & 0xff);
  return s;
}

// A guest driver for one virtio-rng-device, with the data-plane loop on a virtual clock.
class RngDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.id = "objrng0";
    source_.filename = dir_.write("entropy", pattern(1000));
    config::VirtioRngDevice spec;
    spec.rng = "objrng0";
    device_.driver = "virtio-rng-device";
    device_.id = "rng0";
    device_.spec = spec;
    auto loop = EventLoop::create("rng-test", clock_);
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
  }
  void limit(uint64_t max_bytes, uint64_t period_ms) {
    auto& spec = std::get<config::VirtioRngDevice>(device_.spec);
    spec.max_bytes = max_bytes;
    spec.period_ms = period_ms;
  }
  void create(bool attach = true) {
    auto dev = RngDevice::create(source_, device_, clock_);
    ASSERT_TRUE(dev) << dev.error().to_string();
    if (attach) (*dev)->attach_loop(loop_.get());
    drv_ = std::make_unique<MmioTestDriver>(std::move(*dev), mem_.get());
  }
  void bring_up() {
    ring_ = std::make_unique<FakeRing>(*mem_, 0x10000, kRingSize);
    ASSERT_TRUE(mem_->fill(0x10000, 0, 0x10000));
    ASSERT_TRUE(drv_->bring_up({ring_.get()}));
  }
  // Posts one request of `len` writable bytes at kBuf + slot * 0x1000; returns its address.
  uint64_t request(size_t slot, uint32_t len) {
    uint64_t addr = kBuf + slot * 0x1000;
    EXPECT_TRUE(mem_->fill(addr, 0xEE, len));
    ring_->add_chain({{addr, len, true}});
    return addr;
  }
  // Runs what the device posted to its loop (timer arming), as the loop thread would.
  void drain() {
    EventLoop* l = loop_.get();
    loop_->post([l] { l->stop(); });
    ASSERT_TRUE(loop_->run());
  }
  // Moves the clock to the next timer deadline and fires it; false when none is pending.
  bool step() {
    drain();
    auto next = loop_->next_timer_deadline();
    if (!next) return false;
    clock_.set(*next);
    loop_->run_due_timers();
    drain();
    return true;
  }
  uint64_t used_bytes() {
    uint64_t total = 0;
    for (uint16_t i = 0; i < ring_->used_idx(); ++i) total += ring_->used_elem(i).second;
    return total;
  }

  stratovirt::testing::TempDir dir_;
  config::RngRandomObject source_;
  config::DeviceConfig device_;
  VirtualClock clock_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<memory::GuestMemory> mem_ = testing::make_guest_ram(1 << 20);
  std::unique_ptr<FakeRing> ring_;
  std::unique_ptr<MmioTestDriver> drv_;
};

TEST_F(RngDeviceTest, IdentityFeaturesAndNoConfig) {
  create();
  EXPECT_EQ(drv_->rd(mmio_reg::kDeviceId), kDeviceIdRng);
  uint64_t f = drv_->device_features();
  EXPECT_TRUE(f & feature_bit(kFeatureVersion1));
  EXPECT_TRUE(f & feature_bit(kFeatureIndirectDesc));
  EXPECT_TRUE(f & feature_bit(kFeatureEventIdx));
  EXPECT_EQ(drv_->queue_num_max(0), config::kDefaultQueueSize);
  EXPECT_EQ(drv_->queue_num_max(1), 0U);
  EXPECT_EQ(drv_->config<uint32_t>(0), 0U);
}

TEST_F(RngDeviceTest, FillsBuffersFromTheSource) {
  create();
  bring_up();
  uint64_t a = request(0, 100);
  drv_->kick(0);
  ASSERT_EQ(ring_->used_idx(), 1);
  EXPECT_EQ(ring_->used_elem(0).second, 100U);
  EXPECT_EQ(testing::guest_bytes(*mem_, a, 100), pattern(1000).substr(0, 100));
  EXPECT_TRUE(drv_->interrupt_status() & kInterruptUsedBuffer);
  EXPECT_GE(drv_->irq_edges(), 1);

  // One request over two descriptors continues where the source left off.
  ring_->add_chain({{kBuf + 0x2000, 50, true}, {kBuf + 0x3000, 70, true}});
  drv_->kick(0);
  ASSERT_EQ(ring_->used_idx(), 2);
  EXPECT_EQ(ring_->used_elem(1).second, 120U);
  EXPECT_EQ(testing::guest_bytes(*mem_, kBuf + 0x2000, 50) +
                testing::guest_bytes(*mem_, kBuf + 0x3000, 70),
            pattern(1000).substr(100, 120));
}

TEST_F(RngDeviceTest, ShortSourceCompletesWithWhatItHas) {
  create();
  bring_up();
  request(0, 900);
  request(1, 900);  // only 100 bytes left in the file
  request(2, 64);   // end of file: completes empty
  drv_->kick(0);
  ASSERT_EQ(ring_->used_idx(), 3);
  EXPECT_EQ(ring_->used_elem(0).second, 900U);
  EXPECT_EQ(ring_->used_elem(1).second, 100U);
  EXPECT_EQ(ring_->used_elem(2).second, 0U);
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_F(RngDeviceTest, LargeBuffersGetAtMost64KiB) {
  source_.filename = "/dev/urandom";
  create();
  bring_up();
  constexpr uint64_t kBig = 0x80000;
  ASSERT_TRUE(mem_->fill(kBig, 0, 0x50000));
  ring_->add_chain({{kBig, 0x4000, true}, {kBig + 0x4000, 0x4C000, true}});
  drv_->kick(0);
  ASSERT_EQ(ring_->used_idx(), 1);
  EXPECT_EQ(ring_->used_elem(0).second, rng::kMaxRequestBytes);
  std::string got = testing::guest_bytes(*mem_, kBig, rng::kMaxRequestBytes);
  size_t zeros = 0;
  for (char c : got) zeros += c == 0;
  EXPECT_LT(zeros, got.size() / 64);  // random bytes: about 1/256 are zero
  EXPECT_EQ(testing::guest_bytes(*mem_, kBig + rng::kMaxRequestBytes, 4096),
            std::string(4096, '\0'));
}

TEST_F(RngDeviceTest, RateLimitBoundsBytesAndTheTimerResumesService) {
  limit(128, 1000);  // 128 bytes per second, bursts of at most 128
  create();
  bring_up();
  for (size_t i = 0; i < 10; ++i) request(i, 64);
  drv_->kick(0);  // the only kick: the Linux driver does not kick again
  EXPECT_EQ(ring_->used_idx(), 2);
  EXPECT_EQ(used_bytes(), 128U);
  int steps = 0;
  while (step()) {
    ASSERT_LT(++steps, 100);
    double seconds = std::chrono::duration<double>(clock_.now()).count();
    EXPECT_LE(static_cast<double>(used_bytes()), 128 + 128 * seconds + 1e-9);
  }
  EXPECT_EQ(ring_->used_idx(), 10);
  EXPECT_EQ(used_bytes(), 640U);
  EXPECT_EQ(clock_.now(), 4s);  // (640 - 128) bytes at 128 bytes/s
  EXPECT_EQ(testing::guest_bytes(*mem_, kBuf + 9 * 0x1000, 64), pattern(1000).substr(576, 64));
  EXPECT_FALSE(drv_->needs_reset());
}

TEST_F(RngDeviceTest, RequestLargerThanTheBucketWaitsForAFullBucket) {
  limit(100, 1000);
  create();
  bring_up();
  request(0, 60);
  request(1, 500);
  drv_->kick(0);
  EXPECT_EQ(ring_->used_idx(), 1);
  ASSERT_TRUE(step());
  EXPECT_EQ(clock_.now(), 600ms);  // 60 bytes spent: 600 ms until the bucket is full
  ASSERT_EQ(ring_->used_idx(), 2);
  EXPECT_EQ(ring_->used_elem(1).second, 100U);
}

TEST_F(RngDeviceTest, WithoutALoopTheNextKickResumes) {
  limit(64, 1000);
  create(/*attach=*/false);
  bring_up();
  request(0, 64);
  request(1, 64);
  drv_->kick(0);
  EXPECT_EQ(ring_->used_idx(), 1);
  clock_.advance(500ms);
  drv_->kick(0);
  EXPECT_EQ(ring_->used_idx(), 1);
  clock_.advance(500ms);
  drv_->kick(0);
  EXPECT_EQ(ring_->used_idx(), 2);
}

TEST_F(RngDeviceTest, EmptySourceHoldsTheRequestAndRetries) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd rd(fds[0]), wr(fds[1]);
  source_.filename = "/proc/self/fd/" + std::to_string(rd.get());
  create();
  bring_up();
  uint64_t a = request(0, 64);
  drv_->kick(0);
  EXPECT_EQ(ring_->used_idx(), 0);  // nothing to read: held, not completed empty
  ASSERT_TRUE(step());
  EXPECT_EQ(clock_.now(), rng::kSourceRetry);
  EXPECT_EQ(ring_->used_idx(), 0);
  ASSERT_EQ(::write(wr.get(), "0123456789abcdefghijklmnopqrstuvwxyz0123", 40), 40);
  ASSERT_TRUE(step());
  ASSERT_EQ(ring_->used_idx(), 1);
  EXPECT_EQ(ring_->used_elem(0).second, 40U);
  EXPECT_EQ(testing::guest_bytes(*mem_, a, 40), "0123456789abcdefghijklmnopqrstuvwxyz0123");
  EXPECT_FALSE(step());  // nothing pending: no timer left
}

TEST_F(RngDeviceTest, MalformedChainNeedsResetThenRecovers) {
  create();
  bring_up();
  ring_->add_chain({{kBuf, 64, false}});  // device-readable only
  drv_->kick(0);
  EXPECT_TRUE(drv_->needs_reset());
  EXPECT_TRUE(drv_->interrupt_status() & kInterruptConfigChange);
  EXPECT_EQ(ring_->used_idx(), 0);

  // Index running ahead of the ring.
  bring_up();
  ring_->set_avail_idx(kRingSize + 1);
  drv_->kick(0);
  EXPECT_TRUE(drv_->needs_reset());

  bring_up();
  EXPECT_FALSE(drv_->needs_reset());
  uint64_t a = request(0, 10);
  drv_->kick(0);
  ASSERT_EQ(ring_->used_idx(), 1);
  EXPECT_EQ(ring_->used_elem(0).second, 10U);
  EXPECT_EQ(testing::guest_bytes(*mem_, a, 10).size(), 10U);
}

TEST_F(RngDeviceTest, ResetDropsTheHeldRequestAndReactivationWorks) {
  limit(64, 1000);
  create();
  bring_up();
  request(0, 64);
  request(1, 64);
  drv_->kick(0);
  EXPECT_EQ(ring_->used_idx(), 1);
  drain();
  ASSERT_TRUE(loop_->next_timer_deadline());
  drv_->reset();
  EXPECT_FALSE(drv_->transport().activated());

  bring_up();
  request(0, 64);
  drv_->kick(0);
  EXPECT_EQ(ring_->used_idx(), 0);  // budget is host policy: a reset does not refill it
  ASSERT_TRUE(step());              // the timer armed before the reset serves the new ring
  ASSERT_EQ(ring_->used_idx(), 1);
  EXPECT_EQ(ring_->used_elem(0).second, 64U);
}

TEST_F(RngDeviceTest, TimerAfterTheDeviceIsGoneDoesNothing) {
  limit(64, 1000);
  create();
  bring_up();
  request(0, 64);
  request(1, 64);
  drv_->kick(0);
  drain();
  ASSERT_TRUE(loop_->next_timer_deadline());
  drv_.reset();
  clock_.advance(2s);
  EXPECT_EQ(loop_->run_due_timers(), 1U);
  EXPECT_EQ(ring_->used_idx(), 1);
}

TEST_F(RngDeviceTest, CreateErrors) {
  source_.filename = dir_.file("missing");
  auto r = RngDevice::create(source_, device_, clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().to_string().find("missing"), std::string::npos) << r.error().to_string();
  config::DeviceConfig blk;
  blk.id = "blk0";
  blk.spec = config::VirtioBlkDevice{};
  EXPECT_FALSE(RngDevice::create(source_, blk, clock_));
}

}  // namespace
}  // namespace stratovirt::virtio
