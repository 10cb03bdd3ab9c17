// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/virtio/split_queue.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "virtio/fake_ring.h"

namespace stratovirt::virtio {
namespace {

using testing::Desc;
using testing::FakeRing;

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kRingBase = 0x10000;
constexpr uint64_t kBuf = 0x40000;

class SplitQueueTest : public ::testing::Test {
 protected:
  std::unique_ptr<memory::GuestMemory> mem_ = testing::make_guest_ram(kRam);
  FakeRing ring_{*mem_, kRingBase, 8};

  SplitQueue activate(bool event_idx = false) {
    auto q = ring_.config().activate(*mem_, event_idx);
    EXPECT_TRUE(q) << q.error().to_string();
    return std::move(*q);
  }
};

TEST_F(SplitQueueTest, ActivateValidatesSizeAlignmentAndRange) {
  auto c = ring_.config();
  c.ready = false;
  EXPECT_FALSE(c.activate(*mem_, false));
  c = ring_.config();
  c.size = 6;
  EXPECT_FALSE(c.activate(*mem_, false));
  c.size = 16;  // above max_size 8
  EXPECT_FALSE(c.activate(*mem_, false));
  c = ring_.config();
  c.desc_table += 8;
  EXPECT_FALSE(c.activate(*mem_, false));
  c = ring_.config();
  c.used_ring += 2;
  EXPECT_FALSE(c.activate(*mem_, false));
  c = ring_.config();
  c.avail_ring = kRam - 4;
  auto r = c.activate(*mem_, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kGuest);
  EXPECT_TRUE(ring_.config().activate(*mem_, false));
}

TEST_F(SplitQueueTest, PopReadsRequestAndPushUsedPublishes) {
  auto q = activate();
  auto none = q.pop();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(mem_->write(kBuf, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("hello world"), 11)));
  uint16_t head = ring_.add_chain({{kBuf, 5, false}, {kBuf + 5, 6, false}, {kBuf + 0x100, 16, true}});
  auto c = q.pop();
  ASSERT_TRUE(c) << c.error().to_string();
  ASSERT_TRUE(c->has_value());
  auto& chain = **c;
  EXPECT_EQ(chain.head(), head);
  EXPECT_EQ(chain.readable_bytes(), 11U);
  EXPECT_EQ(chain.writable_bytes(), 16U);

  ChainReader reader(chain);
  std::string got(11, '\0');
  ASSERT_TRUE(reader.read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(got.data()), got.size())));
  EXPECT_EQ(got, "hello world");
  EXPECT_EQ(reader.remaining(), 0U);
  uint8_t extra;
  auto short_read = reader.read(std::span<uint8_t>(&extra, 1));
  ASSERT_FALSE(short_read);
  EXPECT_EQ(short_read.error().code(), ErrorCode::kOutOfRange);

  ChainWriter writer(chain);
  ASSERT_TRUE(writer.write_obj<uint64_t>(0x1122334455667788ULL));
  EXPECT_EQ(writer.remaining(), 8U);
  std::array<uint8_t, 9> too_much{};
  EXPECT_FALSE(writer.write(too_much));
  EXPECT_EQ(*mem_->read_obj<uint64_t>(kBuf + 0x100), 0x1122334455667788ULL);

  ASSERT_TRUE(q.push_used(chain.head(), 8));
  EXPECT_EQ(ring_.used_idx(), 1);
  EXPECT_EQ(ring_.used_elem(0), (std::pair<uint32_t, uint32_t>{head, 8}));
  auto again = q.pop();
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_value());
}

TEST_F(SplitQueueTest, IndexWrapsAround) {
  auto q = activate();
  for (int i = 0; i < 40; ++i) {
    uint16_t head = ring_.add_chain({{kBuf, 4, true}});
    auto c = q.pop();
    ASSERT_TRUE(c && c->has_value()) << i;
    EXPECT_EQ((*c)->head(), head);
    ASSERT_TRUE(q.push_used(head, 4));
  }
  EXPECT_EQ(ring_.used_idx(), 40);
  EXPECT_EQ(ring_.used_elem(39).first, 39U % 8);
}

TEST_F(SplitQueueTest, AvailIndexRunningAheadIsGuestError) {
  auto q = activate();
  ring_.set_avail_idx(9);  // 9 > size 8
  auto c = q.pop();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kGuest);
}

TEST_F(SplitQueueTest, IndirectTableIsFollowed) {
  auto q = activate();
  uint64_t table = 0x30000;
  SplitDescriptor ind[2] = {{kBuf, 3, kDescFlagNext, 1}, {kBuf + 0x10, 7, kDescFlagWrite, 0}};
  ASSERT_TRUE(mem_->write_obj(table, ind));
  ring_.write_desc(0, table, sizeof(ind), kDescFlagIndirect, 0);
  ring_.publish(0);
  auto c = q.pop();
  ASSERT_TRUE(c && c->has_value()) << (c ? "" : c.error().to_string());
  EXPECT_EQ((*c)->readable_bytes(), 3U);
  EXPECT_EQ((*c)->writable_bytes(), 7U);
  EXPECT_EQ((*c)->segments().size(), 2U);
}

TEST_F(SplitQueueTest, IndirectTableMayHoldQueueSizeEntries) {
  // A virtio-blk request at seg_max (queue size - 2) plus header and status fills a table
  // of queue-size entries; the ring descriptor pointing at it does not count against it.
  auto q = activate();
  uint64_t table = 0x30000;
  for (uint16_t i = 0; i < 8; ++i) {
    auto flags = static_cast<uint16_t>(i < 7 ? kDescFlagNext : kDescFlagWrite);
    SplitDescriptor d{kBuf + 16 * i, 4, flags, static_cast<uint16_t>(i + 1)};
    ASSERT_TRUE(mem_->write_obj(table + 16 * i, d));
  }
  ring_.write_desc(0, table, 16 * 8, kDescFlagIndirect, 0);
  ring_.publish(0);
  auto c = q.pop();
  ASSERT_TRUE(c && c->has_value()) << (c ? "" : c.error().to_string());
  EXPECT_EQ((*c)->segments().size(), 8U);
  EXPECT_EQ((*c)->writable_bytes(), 4U);
}

struct BadChain {
  const char* name;
  void (*layout)(FakeRing&, memory::GuestMemory&);
};

TEST_F(SplitQueueTest, MalformedChainsAreGuestErrors) {
  const BadChain cases[] = {
      {"loop", [](FakeRing& r, memory::GuestMemory&) {
         r.write_desc(0, kBuf, 4, kDescFlagNext, 1);
         r.write_desc(1, kBuf, 4, kDescFlagNext, 0);
       }},
      {"self loop", [](FakeRing& r, memory::GuestMemory&) { r.write_desc(0, kBuf, 4, kDescFlagNext, 0); }},
      {"next out of range", [](FakeRing& r, memory::GuestMemory&) { r.write_desc(0, kBuf, 4, kDescFlagNext, 8); }},
      {"beyond ram", [](FakeRing& r, memory::GuestMemory&) { r.write_desc(0, kRam - 2, 4, 0, 0); }},
      {"huge length", [](FakeRing& r, memory::GuestMemory&) { r.write_desc(0, kBuf, 0xFFFFFFFF, 0, 0); }},
      {"readable after writable", [](FakeRing& r, memory::GuestMemory&) {
         r.write_desc(0, kBuf, 4, kDescFlagWrite | kDescFlagNext, 1);
         r.write_desc(1, kBuf, 4, 0, 0);
       }},
      {"indirect with next", [](FakeRing& r, memory::GuestMemory&) {
         r.write_desc(0, 0x30000, 16, kDescFlagIndirect | kDescFlagNext, 1);
       }},
      {"indirect bad length", [](FakeRing& r, memory::GuestMemory&) { r.write_desc(0, 0x30000, 24, kDescFlagIndirect, 0); }},
      {"indirect beyond ram", [](FakeRing& r, memory::GuestMemory&) { r.write_desc(0, kRam - 16, 32, kDescFlagIndirect, 0); }},
      {"nested indirect", [](FakeRing& r, memory::GuestMemory& m) {
         SplitDescriptor d{0x30000, 16, kDescFlagIndirect, 0};
         ASSERT_TRUE(m.write_obj(0x30000, d));
         r.write_desc(0, 0x30000, 16, kDescFlagIndirect, 0);
       }},
      {"indirect loop", [](FakeRing& r, memory::GuestMemory& m) {
         SplitDescriptor d[2] = {{kBuf, 1, kDescFlagNext, 1}, {kBuf, 1, kDescFlagNext, 0}};
         ASSERT_TRUE(m.write_obj(0x30000, d));
         r.write_desc(0, 0x30000, 32, kDescFlagIndirect, 0);
       }},
  };
  for (const auto& bc : cases) {
    auto mem = testing::make_guest_ram(kRam);
    FakeRing ring(*mem, kRingBase, 8);
    bc.layout(ring, *mem);
    ring.publish(0);
    auto q = ring.config().activate(*mem, false);
    ASSERT_TRUE(q);
    auto c = q->pop();
    ASSERT_FALSE(c) << bc.name;
    EXPECT_EQ(c.error().code(), ErrorCode::kGuest) << bc.name;
  }
  // Head index beyond the queue.
  ring_.publish(8);
  auto q = activate();
  EXPECT_FALSE(q.pop());
}

TEST_F(SplitQueueTest, NoInterruptFlagSuppressesWithoutEventIdx) {
  auto q = activate(false);
  ring_.add_chain({{kBuf, 4, true}});
  ASSERT_TRUE(q.pop());
  ASSERT_TRUE(q.push_used(0, 4));
  EXPECT_TRUE(*q.needs_notification());
  ring_.set_avail_flags(kAvailFlagNoInterrupt);
  EXPECT_FALSE(*q.needs_notification());
  ASSERT_TRUE(q.enable_notification(false));
  EXPECT_EQ(ring_.used_flags() & kUsedFlagNoNotify, kUsedFlagNoNotify);
  ASSERT_TRUE(q.enable_notification(true));
  EXPECT_EQ(ring_.used_flags() & kUsedFlagNoNotify, 0);
}

TEST_F(SplitQueueTest, EventIdxNotifiesOnlyWhenUsedEventIsCrossed) {
  auto q = activate(true);
  for (int i = 0; i < 4; ++i) ring_.add_chain({{kBuf, 4, true}});
  // First completion always notifies (nothing signalled yet).
  auto c = q.pop();
  ASSERT_TRUE(c && c->has_value());
  EXPECT_EQ(ring_.avail_event(), 1);  // device asks for a kick past what it consumed
  ASSERT_TRUE(q.push_used((*c)->head(), 4));
  EXPECT_TRUE(*q.needs_notification());
  // Driver wants an interrupt only once used idx passes 3 (used_event = 2).
  ring_.set_used_event(2);
  ASSERT_TRUE(q.pop());
  ASSERT_TRUE(q.push_used(1, 4));  // used idx 2: event 2 not yet crossed
  EXPECT_FALSE(*q.needs_notification());
  ASSERT_TRUE(q.pop());
  ASSERT_TRUE(q.push_used(2, 4));  // used idx 3: crossed 2
  EXPECT_TRUE(*q.needs_notification());
  // Batch: two used elements at once, event inside the batch.
  ring_.set_used_event(3);
  ASSERT_TRUE(q.pop());
  ASSERT_TRUE(q.push_used(3, 4));
  EXPECT_TRUE(*q.needs_notification());
  EXPECT_EQ(ring_.avail_event(), 4);
}

}  // namespace
}  // namespace stratovirt::virtio
