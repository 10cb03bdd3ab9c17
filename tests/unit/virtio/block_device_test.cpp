// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/block_device.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "stratovirt/base/event_fd.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/block/io_engine.h"
#include "stratovirt/virtio/mmio_transport.h"
#include "support/temp_dir.h"
#include "virtio/fake_ring.h"

namespace stratovirt::virtio {
namespace {

using namespace mmio_reg;  // NOLINT(google-build-using-namespace)
using testing::Desc;

constexpr uint64_t kHdr = 0x40000, kData = 0x41000, kStatusBuf = 0x48000;
constexpr uint64_t kImageSize = 1 << 20;

class NullIrq : public IrqLine {
 public:
  void set_level(bool) override {}
  void trigger() override { ++edges; }
  std::atomic<int> edges = 0;
};

struct Header {
  uint32_t type, reserved;
  uint64_t sector;
};

// A guest driver for one virtio-blk-mmio device over a temp image.
class BlockDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = dir_.write("disk.img", std::string(kImageSize, '\x5a'));
    drive_.id = "drive0";
    drive_.file = image_;
    drive_.direct = false;
    drive_.discard = true;
    config::VirtioBlkDevice spec;
    spec.drive = "drive0";
    spec.serial = "SERIAL-0123";
    spec.num_queues = 1;
    spec.queue_size = 8;
    device_.driver = "virtio-blk-device";
    device_.id = "blk0";
    device_.spec = spec;
  }
  void create() {
    auto dev = BlockDevice::create(drive_, device_);
    ASSERT_TRUE(dev) << dev.error().to_string();
    t_ = std::make_unique<MmioTransport>("virtio-blk0", std::move(*dev), mem_.get(), &irq_);
  }
  // A device whose data plane runs on `loop`: with `engine` when given, else aio= decides.
  // Returns the device (owned by the transport).
  BlockDevice* create_on(EventLoop& loop, std::unique_ptr<block::IoEngine> engine = nullptr,
                         const Clock& clock = real_clock()) {
    auto dev = BlockDevice::create(drive_, device_, clock);
    EXPECT_TRUE(dev) << dev.error().to_string();
    if (!dev) return nullptr;
    BlockDevice* raw = dev->get();
    if (engine) {
      raw->attach_loop(&loop, std::move(engine));
    } else {
      raw->attach_loop(&loop);
    }
    t_ = std::make_unique<MmioTransport>("virtio-blk0", std::move(*dev), mem_.get(), &irq_);
    return raw;
  }
  uint32_t rd(uint64_t off) {
    uint32_t v;
    t_->read(off, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), 4));
    return v;
  }
  void wr(uint64_t off, uint32_t v) {
    t_->write(off, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&v), 4));
  }
  uint64_t device_features() {
    wr(kDeviceFeaturesSel, 0);
    uint64_t lo = rd(kDeviceFeatures);
    wr(kDeviceFeaturesSel, 1);
    return lo | (uint64_t{rd(kDeviceFeatures)} << 32);
  }
  void bring_up() {
    wr(mmio_reg::kStatus, 0);
    wr(mmio_reg::kStatus, kStatusAcknowledge | kStatusDriver);
    uint64_t f = device_features();
    wr(kDriverFeaturesSel, 0);
    wr(kDriverFeatures, static_cast<uint32_t>(f));
    wr(kDriverFeaturesSel, 1);
    wr(kDriverFeatures, static_cast<uint32_t>(f >> 32));
    wr(mmio_reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    ASSERT_TRUE(rd(mmio_reg::kStatus) & kStatusFeaturesOk);
    auto c = ring_->config();
    wr(kQueueSel, 0);
    wr(kQueueNum, c.size);
    wr(kQueueDescLow, static_cast<uint32_t>(c.desc_table));
    wr(kQueueDriverLow, static_cast<uint32_t>(c.avail_ring));
    wr(kQueueDeviceLow, static_cast<uint32_t>(c.used_ring));
    wr(kQueueReady, 1);
    wr(mmio_reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    ASSERT_EQ(rd(mmio_reg::kStatus) & kStatusNeedsReset, 0U);
  }
  // Submits header [+ data] + status; returns (status byte, used len).
  std::pair<uint8_t, uint32_t> submit(uint32_t type, uint64_t sector, uint32_t data_len,
                                      bool data_writable) {
    Header h{type, 0, sector};
    EXPECT_TRUE(mem_->write_obj(kHdr, h));
    EXPECT_TRUE(mem_->write_obj<uint8_t>(kStatusBuf, 0xEE));
    std::vector<Desc> chain = {{kHdr, sizeof(Header), false}};
    if (data_len > 0) chain.push_back({kData, data_len, data_writable});
    chain.push_back({kStatusBuf, 1, true});
    uint16_t before = ring_->used_idx();
    ring_->add_chain(chain);
    wr(kQueueNotify, 0);
    EXPECT_EQ(ring_->used_idx(), static_cast<uint16_t>(before + 1));
    auto used = ring_->used_elem(before);
    return {*mem_->read_obj<uint8_t>(kStatusBuf), used.second};
  }
  std::string image_bytes(uint64_t off, size_t len) {
    std::ifstream f(image_, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    return s.substr(off, len);
  }

  stratovirt::testing::TempDir dir_;
  std::string image_;
  config::DriveConfig drive_;
  config::DeviceConfig device_;
  std::unique_ptr<memory::GuestMemory> mem_ = testing::make_guest_ram(1 << 20);
  std::unique_ptr<testing::FakeRing> ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, 8);
  NullIrq irq_;
  std::unique_ptr<MmioTransport> t_;
};

TEST_F(BlockDeviceTest, FeaturesAndConfigSpace) {
  create();
  EXPECT_EQ(rd(kDeviceId), kDeviceIdBlock);
  uint64_t f = device_features();
  for (unsigned bit :
       {kFeatureVersion1, kFeatureEventIdx, kFeatureIndirectDesc, blk::kFeatureSegMax,
        blk::kFeatureBlkSize, blk::kFeatureFlush, blk::kFeatureDiscard, blk::kFeatureWriteZeroes}) {
    EXPECT_TRUE(f & feature_bit(bit)) << bit;
  }
  EXPECT_FALSE(f & feature_bit(blk::kFeatureRo));
  EXPECT_FALSE(f & feature_bit(blk::kFeatureMq));
  uint64_t capacity = 0;
  t_->read(kConfig, std::span<uint8_t>(reinterpret_cast<uint8_t*>(&capacity), 8));
  EXPECT_EQ(capacity, kImageSize / 512);
  EXPECT_EQ(rd(kConfig + 20), 512U);  // blk_size
  EXPECT_EQ(rd(kConfig + 12), 6U);    // seg_max = queue size - 2
}

TEST_F(BlockDeviceTest, ReadOnlyAndMultiQueueFeatures) {
  drive_.readonly = true;
  std::get<config::VirtioBlkDevice>(device_.spec).num_queues = 4;
  create();
  uint64_t f = device_features();
  EXPECT_TRUE(f & feature_bit(blk::kFeatureRo));
  EXPECT_TRUE(f & feature_bit(blk::kFeatureMq));
  EXPECT_FALSE(f & feature_bit(blk::kFeatureDiscard));
  std::array<uint8_t, 2> nq{};
  t_->read(kConfig + 34, nq);
  EXPECT_EQ(nq[0], 4);
}

TEST_F(BlockDeviceTest, WriteReadFlushGetIdThroughTheRing) {
  create();
  bring_up();
  std::string payload(1024, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(mem_->write(
      kData,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size())));
  auto w = submit(blk::kTypeOut, 4, 1024, false);
  EXPECT_EQ(w.first, blk::kStatusOk);
  EXPECT_EQ(w.second, 1U);
  EXPECT_EQ(image_bytes(4 * 512, 1024), payload);
  EXPECT_EQ(image_bytes(3 * 512, 512), std::string(512, '\x5a'));

  ASSERT_TRUE(mem_->fill(kData, 0, 2048));
  auto r = submit(blk::kTypeIn, 3, 2048, true);
  EXPECT_EQ(r.first, blk::kStatusOk);
  EXPECT_EQ(r.second, 2049U);
  std::string back(2048, '\0');
  ASSERT_TRUE(
      mem_->read(kData, std::span<uint8_t>(reinterpret_cast<uint8_t*>(back.data()), back.size())));
  EXPECT_EQ(back, std::string(512, '\x5a') + payload + std::string(512, '\x5a'));

  EXPECT_EQ(submit(blk::kTypeFlush, 0, 0, false).first, blk::kStatusOk);
  auto id = submit(blk::kTypeGetId, 0, 20, true);
  EXPECT_EQ(id.first, blk::kStatusOk);
  std::array<char, 20> got{};
  ASSERT_TRUE(mem_->read(kData, std::span<uint8_t>(reinterpret_cast<uint8_t*>(got.data()), 20)));
  EXPECT_STREQ(got.data(), "SERIAL-0123");
  EXPECT_GE(irq_.edges, 1);
}

TEST_F(BlockDeviceTest, ReadBeyondCapacityIsIoErrAndUnknownIsUnsupp) {
  create();
  bring_up();
  EXPECT_EQ(submit(blk::kTypeIn, kImageSize / 512 - 1, 1024, true).first, blk::kStatusIoErr);
  EXPECT_EQ(submit(99, 0, 0, false).first, blk::kStatusUnsupp);
  EXPECT_EQ(rd(mmio_reg::kStatus) & kStatusNeedsReset, 0U);
}

TEST_F(BlockDeviceTest, DiscardAndWriteZeroes) {
  create();
  bring_up();
  struct Seg {
    uint64_t sector;
    uint32_t num, flags;
  };
  ASSERT_TRUE(mem_->write_obj(kData, Seg{8, 16, 0}));
  EXPECT_EQ(submit(blk::kTypeWriteZeroes, 0, sizeof(Seg), false).first, blk::kStatusOk);
  EXPECT_EQ(image_bytes(8 * 512, 16 * 512), std::string(16 * 512, '\0'));
  ASSERT_TRUE(mem_->write_obj(kData, Seg{64, 8, 0}));
  EXPECT_EQ(submit(blk::kTypeDiscard, 0, sizeof(Seg), false).first, blk::kStatusOk);
  EXPECT_EQ(image_bytes(64 * 512, 8 * 512), std::string(8 * 512, '\0'));
  EXPECT_EQ(image_bytes(72 * 512, 512), std::string(512, '\x5a'));
}

TEST_F(BlockDeviceTest, ReadonlyDriveRejectsWrites) {
  drive_.readonly = true;
  create();
  bring_up();
  EXPECT_EQ(submit(blk::kTypeOut, 0, 512, false).first, blk::kStatusIoErr);
  EXPECT_EQ(image_bytes(0, 512), std::string(512, '\x5a'));
  EXPECT_EQ(submit(blk::kTypeIn, 0, 512, true).first, blk::kStatusOk);
}

TEST_F(BlockDeviceTest, MalformedChainsNeedResetThenRecover) {
  struct Case {
    const char* name;
    void (*layout)(testing::FakeRing&);
  };
  const Case cases[] = {
      {"loop",
       [](testing::FakeRing& r) {
         r.write_desc(0, kHdr, 16, kDescFlagNext, 1);
         r.write_desc(1, kStatusBuf, 1, kDescFlagNext | kDescFlagWrite, 0);
       }},
      {"huge length", [](testing::FakeRing& r) { r.write_desc(0, kHdr, 0x80000000, 0, 0); }},
      {"beyond ram", [](testing::FakeRing& r) { r.write_desc(0, 0x7fff0000, 16, 0, 0); }},
      {"no writable status", [](testing::FakeRing& r) { r.write_desc(0, kHdr, 16, 0, 0); }},
  };
  create();
  for (const auto& c : cases) {
    ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, 8);
    ASSERT_TRUE(mem_->fill(0x10000, 0, 0x10000));
    bring_up();
    c.layout(*ring_);
    ring_->publish(0);
    wr(kQueueNotify, 0);
    EXPECT_TRUE(rd(mmio_reg::kStatus) & kStatusNeedsReset) << c.name;
    EXPECT_TRUE(rd(kInterruptStatus) & kInterruptConfigChange) << c.name;
  }
  // Header readable only via a writable descriptor: header fails to read → IOERR, not reset.
  ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, 8);
  ASSERT_TRUE(mem_->fill(0x10000, 0, 0x10000));
  bring_up();
  ring_->add_chain({{kHdr, 16, true}, {kStatusBuf, 1, true}});
  wr(kQueueNotify, 0);
  EXPECT_EQ(*mem_->read_obj<uint8_t>(kStatusBuf), blk::kStatusIoErr);
  EXPECT_EQ(rd(mmio_reg::kStatus) & kStatusNeedsReset, 0U);
  EXPECT_EQ(submit(blk::kTypeFlush, 0, 0, false).first, blk::kStatusOk);
}

TEST_F(BlockDeviceTest, SecondDeviceOnSameImageIsRefused) {
  create();
  auto again = BlockDevice::create(drive_, device_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

// ---- The asynchronous data plane: a loop on its own thread, requests completed by an
// IoEngine (io_uring, synchronous, or a manual one the test completes in any order). ----

// Runs `loop` on a thread until stop() (or destruction).
class LoopThread {
 public:
  explicit LoopThread(EventLoop& loop) : loop_(loop), thread_([this] { (void)loop_.run(); }) {}
  ~LoopThread() { stop(); }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;
  void stop() {
    if (thread_.joinable()) {
      loop_.stop();
      thread_.join();
    }
  }

 private:
  EventLoop& loop_;
  std::thread thread_;
};

bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// An IoEngine that holds every operation until the test completes it (by position among
// those pending), running the syscall then. Thread-safe: the test completes, the loop reaps.
class ManualEngine final : public block::IoEngine {
 public:
  struct Op {
    block::IoOp op;
    int fd;
    std::vector<iovec> iov;
    uint64_t offset, len;
    int mode;
    uint64_t cookie;
  };
  ManualEngine() : efd_(*EventFd::create()) {}
  Result<void> submit(const block::IoRequest& r, uint64_t cookie) override {
    std::lock_guard lock(mu_);
    ops_.push_back(
        {r.op, r.fd, {r.iov.begin(), r.iov.end()}, r.offset, r.len, r.fallocate_mode, cookie});
    return ok();
  }
  std::vector<block::IoCompletion> reap() override {
    std::lock_guard lock(mu_);
    (void)efd_.read();
    return std::exchange(done_, {});
  }
  int event_fd() const override { return efd_.fd(); }

  std::vector<block::IoOp> pending() const {
    std::lock_guard lock(mu_);
    std::vector<block::IoOp> v;
    for (const auto& o : ops_) v.push_back(o.op);
    return v;
  }
  void complete(size_t index) {
    std::lock_guard lock(mu_);
    ASSERT_LT(index, ops_.size());
    Op o = ops_[index];
    ops_.erase(ops_.begin() + static_cast<std::ptrdiff_t>(index));
    ssize_t n = 0;
    switch (o.op) {
      case block::IoOp::kRead:
        n = ::preadv(o.fd, o.iov.data(), static_cast<int>(o.iov.size()),
                     static_cast<off_t>(o.offset));
        break;
      case block::IoOp::kWrite:
        n = ::pwritev(o.fd, o.iov.data(), static_cast<int>(o.iov.size()),
                      static_cast<off_t>(o.offset));
        break;
      case block::IoOp::kFlush:
        n = ::fdatasync(o.fd);
        break;
      case block::IoOp::kFallocate:
        n = ::fallocate(o.fd, o.mode, static_cast<off_t>(o.offset), static_cast<off_t>(o.len));
        break;
    }
    done_.push_back({o.cookie, n < 0 ? -errno : n});
    ASSERT_TRUE(efd_.write());
  }

 private:
  mutable std::mutex mu_;
  EventFd efd_;
  std::vector<Op> ops_;
  std::vector<block::IoCompletion> done_;
};

constexpr uint64_t kHdrBase = 0x20000, kStatusBase = 0x30000, kDataBase = 0x50000;
constexpr uint16_t kAsyncQueue = 64;

uint64_t data_at(int i) {
  return kDataBase + uint64_t{4096} * static_cast<uint64_t>(i);
}

class AsyncBlockTest : public BlockDeviceTest {
 protected:
  void SetUp() override {
    BlockDeviceTest::SetUp();
    std::get<config::VirtioBlkDevice>(device_.spec).queue_size = kAsyncQueue;
    ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, kAsyncQueue);
    auto loop = EventLoop::create("blk-test");
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
  }
  void TearDown() override {
    thread_.reset();  // the device is destroyed with its loop stopped
    // Destruction waits for I/O in flight: finish what a failed test left behind.
    while (manual_ != nullptr && !manual_->pending().empty()) manual_->complete(0);
    t_.reset();
  }
  // A device on the loop over a ManualEngine, which it returns.
  ManualEngine* create_manual() {
    auto engine = std::make_unique<ManualEngine>();
    manual_ = engine.get();
    create_on(*loop_, std::move(engine));
    return manual_;
  }
  void run_loop() { thread_ = std::make_unique<LoopThread>(*loop_); }

  // Publishes request `slot` (header, [data], status) without kicking.
  void publish(int slot, uint32_t type, uint64_t sector, uint64_t data, uint32_t len,
               bool writable) {
    uint64_t hdr = kHdrBase + 16 * static_cast<uint64_t>(slot);
    uint64_t st = kStatusBase + static_cast<uint64_t>(slot);
    ASSERT_TRUE(mem_->write_obj(hdr, Header{type, 0, sector}));
    ASSERT_TRUE(mem_->write_obj<uint8_t>(st, 0xEE));
    std::vector<Desc> chain = {{hdr, sizeof(Header), false}};
    if (len > 0) chain.push_back({data, len, writable});
    chain.push_back({st, 1, true});
    heads_[slot] = ring_->add_chain(chain);
  }
  void kick() { wr(kQueueNotify, 0); }
  uint8_t status(int slot) {
    return *mem_->read_obj<uint8_t>(kStatusBase + static_cast<uint64_t>(slot));
  }
  bool wait_used(uint16_t n) {
    return wait_until([&] { return ring_->used_idx() >= n; });
  }
  void fill_pattern(uint64_t addr, uint32_t len, uint8_t seed) {
    std::vector<uint8_t> v(len);
    for (uint32_t i = 0; i < len; ++i) v[i] = static_cast<uint8_t>(seed + i * 13);
    ASSERT_TRUE(mem_->write(addr, v));
  }
  std::string guest_bytes(uint64_t addr, size_t len) {
    std::string s(len, '\0');
    EXPECT_TRUE(mem_->read(addr, std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), len)));
    return s;
  }

  VirtualClock vclock_;  // for loops on virtual time; outlives them
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<LoopThread> thread_;
  std::map<int, uint16_t> heads_;
  ManualEngine* manual_ = nullptr;  // owned by the device
};

// Over io_uring (aio=io_uring), the thread pool (aio=threads) and the synchronous engine.
class AsyncEngineTest : public AsyncBlockTest,
                        public ::testing::WithParamInterface<config::AioMode> {
 protected:
  void SetUp() override {
    AsyncBlockTest::SetUp();
    drive_.aio = GetParam();
  }
  // Creates the device on the loop and starts it; false when io_uring is unavailable.
  bool start() {
    BlockDevice* dev = create_on(*loop_);
    if (dev == nullptr) return false;
    using B = BlockDevice::IoBackend;
    B want = GetParam() == config::AioMode::kIoUring   ? B::kUring
             : GetParam() == config::AioMode::kThreads ? B::kThreadPool
                                                       : B::kSync;
    if (want == B::kUring && dev->io_backend() != B::kUring) return false;
    EXPECT_EQ(dev->io_backend(), want);
    run_loop();
    bring_up();
    return true;
  }
};

TEST_P(AsyncEngineTest, ManyRequestsInFlightWriteThenReadBack) {
  if (!start()) GTEST_SKIP() << "io_uring_setup failed on this host";
  // 16 writes of 4 KiB to scattered sectors, all in flight together, then one flush.
  constexpr int kN = 16;
  for (int i = 0; i < kN; ++i) {
    fill_pattern(data_at(i), 4096, static_cast<uint8_t>(i));
    publish(i, blk::kTypeOut, static_cast<uint64_t>((kN - i) * 16), data_at(i), 4096, false);
  }
  publish(kN, blk::kTypeFlush, 0, 0, 0, false);
  kick();
  ASSERT_TRUE(wait_used(kN + 1));
  for (int i = 0; i <= kN; ++i) EXPECT_EQ(status(i), blk::kStatusOk) << i;
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(image_bytes(static_cast<uint64_t>((kN - i) * 16) * 512, 4096),
              guest_bytes(data_at(i), 4096))
        << i;
  }
  // Read them back into other buffers, plus one past the end (IOERR) and a GET_ID.
  ASSERT_TRUE(mem_->fill(data_at(kN), 0, 4096 * kN));
  for (int i = 0; i < kN; ++i) {
    publish(kN + 1 + i, blk::kTypeIn, static_cast<uint64_t>((kN - i) * 16), data_at(kN + i), 4096,
            true);
  }
  publish(2 * kN + 1, blk::kTypeIn, kImageSize / 512, data_at(0), 512, true);
  kick();
  ASSERT_TRUE(wait_used(2 * kN + 2));
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(status(kN + 1 + i), blk::kStatusOk);
    EXPECT_EQ(guest_bytes(data_at(kN + i), 4096), guest_bytes(data_at(i), 4096)) << i;
  }
  EXPECT_EQ(status(2 * kN + 1), blk::kStatusIoErr);
  // Used lengths: reads report data + status, writes the status byte only.
  std::map<uint32_t, uint32_t> len_by_head;
  for (uint16_t u = 0; u < 2 * kN + 2; ++u)
    len_by_head[ring_->used_elem(u).first] = ring_->used_elem(u).second;
  EXPECT_EQ(len_by_head[heads_[kN + 1]], 4097U);
  EXPECT_GE(irq_.edges.load(), 1);
}

TEST_P(AsyncEngineTest, KickFromAnotherThreadAndDiscardSegments) {
  if (!start()) GTEST_SKIP() << "io_uring_setup failed on this host";
  struct Seg {
    uint64_t sector;
    uint32_t num, flags;
  };
  // Two write-zeroes segments and, separately, a discard with two segments.
  ASSERT_TRUE(mem_->write_obj(data_at(0), Seg{8, 8, 0}));
  ASSERT_TRUE(mem_->write_obj(data_at(0) + 16, Seg{32, 8, 1}));
  ASSERT_TRUE(mem_->write_obj(data_at(1), Seg{64, 8, 0}));
  ASSERT_TRUE(mem_->write_obj(data_at(1) + 16, Seg{128, 16, 0}));
  publish(0, blk::kTypeWriteZeroes, 0, data_at(0), 32, false);
  publish(1, blk::kTypeDiscard, 0, data_at(1), 32, false);
  // Unmap on a discard is UNSUPP (§5.2.6.2); a partial segment is IOERR.
  ASSERT_TRUE(mem_->write_obj(data_at(2), Seg{0, 8, 1}));
  publish(2, blk::kTypeDiscard, 0, data_at(2), 16, false);
  publish(3, blk::kTypeDiscard, 0, data_at(2), 12, false);
  kick();  // from this (non-loop) thread: posted to the loop
  ASSERT_TRUE(wait_used(4));
  EXPECT_EQ(status(0), blk::kStatusOk);
  EXPECT_EQ(status(1), blk::kStatusOk);
  EXPECT_EQ(status(2), blk::kStatusUnsupp);
  EXPECT_EQ(status(3), blk::kStatusIoErr);
  for (uint64_t sector : {8, 32, 64, 128, 136}) {
    EXPECT_EQ(image_bytes(sector * 512, 4096), std::string(4096, '\0')) << sector;
  }
  EXPECT_EQ(image_bytes(16 * 512, 512), std::string(512, '\x5a'));
  EXPECT_EQ(image_bytes(144 * 512, 512), std::string(512, '\x5a'));
}

INSTANTIATE_TEST_SUITE_P(Engines, AsyncEngineTest,
                         ::testing::Values(config::AioMode::kIoUring, config::AioMode::kThreads,
                                           config::AioMode::kOff),
                         [](const auto& p) {
                           return p.param == config::AioMode::kIoUring   ? "uring"
                                  : p.param == config::AioMode::kThreads ? "threads"
                                                                         : "sync";
                         });

TEST_F(AsyncBlockTest, DirectIoBouncesUnalignedBuffersUntilCompletion) {
  drive_.direct = true;
  drive_.aio = config::AioMode::kIoUring;
  create_on(*loop_);
  run_loop();
  bring_up();
  // Guest buffers 512 bytes off a page: every transfer needs the aligned bounce buffer.
  uint64_t buf = data_at(0) + 512;
  fill_pattern(buf, 8192, 3);
  publish(0, blk::kTypeOut, 8, buf, 8192, false);  // aligned file range, unaligned memory
  fill_pattern(data_at(4) + 512, 1024, 9);
  publish(1, blk::kTypeOut, 33, data_at(4) + 512, 1024, false);  // partial blocks: RMW
  kick();
  ASSERT_TRUE(wait_used(2));
  EXPECT_EQ(status(0), blk::kStatusOk);
  EXPECT_EQ(status(1), blk::kStatusOk);
  EXPECT_EQ(image_bytes(8 * 512, 8192), guest_bytes(buf, 8192));
  EXPECT_EQ(image_bytes(33 * 512, 1024), guest_bytes(data_at(4) + 512, 1024));
  EXPECT_EQ(image_bytes(32 * 512, 512), std::string(512, '\x5a'));
  EXPECT_EQ(image_bytes(35 * 512, 512), std::string(512, '\x5a'));
  // Read 3 sectors from an unaligned offset into an unaligned buffer.
  ASSERT_TRUE(mem_->fill(data_at(8), 0, 8192));
  publish(2, blk::kTypeIn, 32, data_at(8) + 512, 1536, true);
  kick();
  ASSERT_TRUE(wait_used(3));
  EXPECT_EQ(status(2), blk::kStatusOk);
  EXPECT_EQ(guest_bytes(data_at(8) + 512, 1536), image_bytes(32 * 512, 1536));
  EXPECT_EQ(guest_bytes(data_at(8), 512), std::string(512, '\0'));  // nothing outside
}

TEST_F(AsyncBlockTest, CompletionsInAnyOrderReachTheUsedRingAsTheyArrive) {
  ManualEngine* eng = create_manual();
  run_loop();
  bring_up();
  constexpr int kN = 8;
  ASSERT_TRUE(mem_->fill(data_at(0), 0, 4096 * kN));
  for (int i = 0; i < kN; ++i) {
    std::string pat(4096, static_cast<char>('a' + i));
    int fd = ::open(image_.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_EQ(::pwrite(fd, pat.data(), pat.size(), i * 4096), 4096);
    ::close(fd);
    publish(i, blk::kTypeIn, static_cast<uint64_t>(i) * 8, data_at(i), 4096, true);
  }
  kick();
  ASSERT_TRUE(wait_until([&] { return eng->pending().size() == kN; }));
  EXPECT_EQ(ring_->used_idx(), 0);
  // Complete newest first: the used ring fills in that order.
  for (int k = kN - 1; k >= 0; --k) {
    eng->complete(static_cast<size_t>(k));
    ASSERT_TRUE(wait_used(static_cast<uint16_t>(kN - k)));
    auto used = ring_->used_elem(static_cast<uint16_t>(kN - 1 - k));
    EXPECT_EQ(used.first, heads_[k]);
    EXPECT_EQ(used.second, 4097U);
    EXPECT_EQ(status(k), blk::kStatusOk);
    EXPECT_EQ(guest_bytes(data_at(k), 4096), std::string(4096, static_cast<char>('a' + k)));
  }
}

TEST_F(AsyncBlockTest, FlushWaitsForTheWritesBeforeIt) {
  ManualEngine* eng = create_manual();
  run_loop();
  bring_up();
  fill_pattern(data_at(0), 4096, 1);
  publish(0, blk::kTypeOut, 0, data_at(0), 4096, false);   // W1
  publish(1, blk::kTypeOut, 8, data_at(0), 4096, false);   // W2
  publish(2, blk::kTypeFlush, 0, 0, 0, false);             // F: after W1, W2
  publish(3, blk::kTypeOut, 16, data_at(0), 4096, false);  // W3: not before F
  kick();
  using block::IoOp;
  ASSERT_TRUE(wait_until([&] { return eng->pending().size() == 3; }));
  EXPECT_EQ(eng->pending(), (std::vector<IoOp>{IoOp::kWrite, IoOp::kWrite, IoOp::kWrite}));
  eng->complete(2);  // W3
  ASSERT_TRUE(wait_used(1));
  EXPECT_EQ(eng->pending(), (std::vector<IoOp>{IoOp::kWrite, IoOp::kWrite}));
  eng->complete(0);  // W1
  ASSERT_TRUE(wait_used(2));
  EXPECT_EQ(eng->pending(), (std::vector<IoOp>{IoOp::kWrite}));
  eng->complete(0);  // W2: the flush goes out now
  ASSERT_TRUE(wait_used(3));
  EXPECT_EQ(eng->pending(), (std::vector<IoOp>{IoOp::kFlush}));
  EXPECT_EQ(status(2), 0xEE);
  eng->complete(0);
  ASSERT_TRUE(wait_used(4));
  EXPECT_EQ(ring_->used_elem(3).first, heads_[2]);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(status(i), blk::kStatusOk);
}

TEST_F(AsyncBlockTest, ResetWaitsForRequestsInFlightAndDropsThem) {
  ManualEngine* eng = create_manual();
  run_loop();
  bring_up();
  for (int i = 0; i < 4; ++i)
    publish(i, blk::kTypeIn, static_cast<uint64_t>(i), data_at(i), 512, true);
  kick();
  ASSERT_TRUE(wait_until([&] { return eng->pending().size() == 4; }));
  std::atomic<bool> reset_done = false;
  std::thread vcpu([&] {
    wr(mmio_reg::kStatus, 0);  // the driver resets the device
    reset_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(reset_done.load());  // the reads still target guest memory
  for (int i = 0; i < 4; ++i) eng->complete(0);
  vcpu.join();
  EXPECT_TRUE(reset_done.load());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the loop reap
  EXPECT_EQ(ring_->used_idx(), 0);  // nothing was pushed into the reset queue
  for (int i = 0; i < 4; ++i) EXPECT_EQ(status(i), 0xEE);
  // The device comes back on a fresh ring.
  ring_ = std::make_unique<testing::FakeRing>(*mem_, 0x10000, kAsyncQueue);
  ASSERT_TRUE(mem_->fill(0x10000, 0, 0x10000));
  bring_up();
  publish(0, blk::kTypeGetId, 0, data_at(0), 20, true);
  kick();
  ASSERT_TRUE(wait_used(1));
  EXPECT_EQ(status(0), blk::kStatusOk);
}

TEST_F(AsyncBlockTest, ThrottledRequestsResumeOnTheTimerWithoutAKick) {
  VirtualClock& clock = vclock_;
  auto loop = EventLoop::create("blk-virtual", clock);
  ASSERT_TRUE(loop);
  loop_ = std::move(*loop);
  drive_.iops_total = 2;  // a bucket of 2 tokens, one more every 500 ms
  drive_.aio = config::AioMode::kOff;
  create_on(*loop_, nullptr, clock);
  run_loop();
  bring_up();
  for (int i = 0; i < 4; ++i) publish(i, blk::kTypeIn, 0, data_at(i), 512, true);
  kick();
  ASSERT_TRUE(wait_used(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(ring_->used_idx(), 2);
  clock.advance(std::chrono::milliseconds(400));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(ring_->used_idx(), 2);  // no token yet
  clock.advance(std::chrono::milliseconds(100));
  ASSERT_TRUE(wait_used(3));  // the timer ran the held request, no kick needed
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(ring_->used_idx(), 3);
  clock.advance(std::chrono::milliseconds(500));
  ASSERT_TRUE(wait_used(4));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(status(i), blk::kStatusOk);
}

TEST_F(AsyncBlockTest, DetectZeroesTurnsZeroWritesIntoHoles) {
  drive_.detect_zeroes = config::DetectZeroes::kUnmap;
  drive_.aio = config::AioMode::kOff;
  // A file with allocated blocks, so that the punched hole shows in st_blocks.
  create_on(*loop_);
  run_loop();
  bring_up();
  struct stat before {};
  ASSERT_EQ(::stat(image_.c_str(), &before), 0);
  ASSERT_TRUE(mem_->fill(data_at(0), 0, 65536));
  publish(0, blk::kTypeOut, 128, data_at(0), 65536, false);
  fill_pattern(data_at(16), 4096, 1);
  publish(1, blk::kTypeOut, 0, data_at(16), 4096, false);  // not zero: a plain write
  kick();
  ASSERT_TRUE(wait_used(2));
  EXPECT_EQ(status(0), blk::kStatusOk);
  EXPECT_EQ(image_bytes(128 * 512, 65536), std::string(65536, '\0'));
  EXPECT_EQ(image_bytes(0, 4096), guest_bytes(data_at(16), 4096));
  struct stat after {};
  ASSERT_EQ(::stat(image_.c_str(), &after), 0);
  EXPECT_LT(after.st_blocks, before.st_blocks);  // unmap: the range became a hole
}

}  // namespace
}  // namespace stratovirt::virtio
