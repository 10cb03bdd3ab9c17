// SPDX-License-Identifier: MulanPSL-2.0
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "stratovirt/virtio/virtqueue.h"
#include "virtio/fake_packed_ring.h"

namespace stratovirt::virtio {
namespace {

using testing::Desc;
using testing::FakePackedRing;

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kRingBase = 0x10000;
constexpr uint64_t kTable = 0x30000;
constexpr uint64_t kBuf = 0x40000;

class PackedQueueTest : public ::testing::Test {
 protected:
  std::unique_ptr<memory::GuestMemory> mem_ = testing::make_guest_ram(kRam);
  FakePackedRing ring_{*mem_, kRingBase, 8};

  Virtqueue activate(bool event_idx = false) {
    auto q = ring_.config().activate(*mem_, event_idx, true);
    EXPECT_TRUE(q) << q.error().to_string();
    EXPECT_TRUE(q->packed());
    return std::move(*q);
  }
  DescriptorChain pop(Virtqueue& q) {
    auto c = q.pop();
    EXPECT_TRUE(c) << c.error().to_string();
    EXPECT_TRUE(c->has_value());
    return std::move(**c);
  }
};

TEST_F(PackedQueueTest, ActivateValidatesSizeAlignmentAndRange) {
  auto bad = [&](const QueueConfig& c) {
    auto r = c.activate(*mem_, false, true);
    return !r && r.error().code() == ErrorCode::kGuest;
  };
  auto c = ring_.config();
  c.ready = false;
  EXPECT_TRUE(bad(c));
  c = ring_.config();
  c.size = 0;
  EXPECT_TRUE(bad(c));
  c.size = 9;  // above max_size 8
  EXPECT_TRUE(bad(c));
  c.size = 6;  // packed sizes need not be powers of two
  EXPECT_TRUE(c.activate(*mem_, false, true));
  EXPECT_FALSE(c.activate(*mem_, false, false));  // ...split sizes must
  c = ring_.config();
  c.desc_table += 8;
  EXPECT_TRUE(bad(c));
  c = ring_.config();
  c.avail_ring += 2;  // driver event area: 4-aligned
  EXPECT_TRUE(bad(c));
  c = ring_.config();
  c.used_ring += 2;  // device event area: 4-aligned
  EXPECT_TRUE(bad(c));
  c = ring_.config();
  c.used_ring = kRam - 2;
  EXPECT_TRUE(bad(c));
  c = ring_.config();
  c.desc_table = kRam - 64;  // 8 descriptors need 128 bytes
  EXPECT_TRUE(bad(c));
  // The event areas are 4 bytes: an area ending exactly at the end of RAM is fine.
  c = ring_.config();
  c.used_ring = kRam - 4;
  EXPECT_TRUE(c.activate(*mem_, false, true));
  QueueConfig big;
  big.max_size = 0xFFFF;
  big.size = 0x8001;  // above 2^15
  big.ready = true;
  EXPECT_TRUE(bad(big));
}

TEST_F(PackedQueueTest, PopReadsRequestAndPushUsedWritesUsedDescriptor) {
  auto q = activate();
  auto none = q.pop();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(mem_->write(
      kBuf, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("hello world"), 11)));
  ring_.add_chain({{kBuf, 5, false}, {kBuf + 5, 6, false}, {kBuf + 0x100, 16, true}}, 5);
  auto chain = pop(q);
  EXPECT_EQ(chain.head(), 5);  // the buffer id
  EXPECT_EQ(chain.readable_bytes(), 11U);
  EXPECT_EQ(chain.writable_bytes(), 16U);
  EXPECT_EQ(q.next_avail(), 3);
  ChainReader reader(chain);
  std::string got(11, '\0');
  ASSERT_TRUE(reader.read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(got.data()), got.size())));
  EXPECT_EQ(got, "hello world");
  ChainWriter writer(chain);
  ASSERT_TRUE(writer.write_obj<uint64_t>(0x1122334455667788ULL));
  EXPECT_EQ(*mem_->read_obj<uint64_t>(kBuf + 0x100), 0x1122334455667788ULL);

  EXPECT_FALSE(ring_.take_used());
  ASSERT_TRUE(q.push_used(chain.head(), 8));
  // One used descriptor in the first slot of the buffer: id, len, AVAIL = USED = 1, WRITE.
  PackedDescriptor d = ring_.read_desc(0);
  EXPECT_EQ(d.id, 5);
  EXPECT_EQ(d.len, 8U);
  EXPECT_EQ(d.flags, kPackedDescFlagAvail | kPackedDescFlagUsed | kDescFlagWrite);
  EXPECT_EQ(q.next_used(), 3);  // skipped the buffer's three slots
  auto used = ring_.take_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, (std::pair<uint16_t, uint32_t>{5, 8}));
  auto again = q.pop();
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_value());
  // Completing an id that is not in flight is a device bug, not a guest one.
  auto twice = q.push_used(5, 0);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), ErrorCode::kInternal);
}

TEST_F(PackedQueueTest, ZeroLengthCompletionHasNoWriteFlag) {
  auto q = activate();
  ring_.add_chain({{kBuf, 4, false}}, 0);
  auto chain = pop(q);
  ASSERT_TRUE(q.push_used(chain.head(), 0));
  uint16_t flags = 0;
  ASSERT_TRUE(ring_.take_used(&flags));
  EXPECT_EQ(flags, kPackedDescFlagAvail | kPackedDescFlagUsed);
}

TEST_F(PackedQueueTest, WrapsAroundForManyLapsOfAnOddSizedRing) {
  FakePackedRing ring(*mem_, 0x20000, 5);
  auto cfg = ring.config();
  auto q = cfg.activate(*mem_, false, true);
  ASSERT_TRUE(q);
  int laps_seen = 0;
  bool last_wrap = true;
  for (int i = 0; i < 60; ++i) {
    // Chains of 1..3 descriptors: they straddle the end of the ring on most laps.
    std::vector<Desc> chain;
    int n = 1 + i % 3;
    for (int k = 0; k < n; ++k) chain.push_back({kBuf + 0x100 * k, 4, k == n - 1});
    uint16_t id = static_cast<uint16_t>(i % 5);
    ring.add_chain(chain, id);
    auto c = q->pop();
    ASSERT_TRUE(c && c->has_value()) << i << (c ? "" : c.error().to_string());
    EXPECT_EQ((*c)->head(), id) << i;
    EXPECT_EQ((*c)->segments().size(), static_cast<size_t>(n)) << i;
    ASSERT_TRUE(q->push_used(id, static_cast<uint32_t>(i)));
    auto used = ring.take_used();
    ASSERT_TRUE(used) << i;
    EXPECT_EQ(*used, (std::pair<uint16_t, uint32_t>{id, static_cast<uint32_t>(i)})) << i;
    EXPECT_EQ(q->next_used(), ring.next_used()) << i;
    EXPECT_EQ(q->next_avail(), ring.next_avail()) << i;
    if (ring.used_wrap() != last_wrap) {
      ++laps_seen;
      last_wrap = ring.used_wrap();
    }
    auto empty = q->pop();
    ASSERT_TRUE(empty && !empty->has_value()) << i;
  }
  EXPECT_GE(laps_seen, 20);  // 120 slots over a 5-slot ring
}

TEST_F(PackedQueueTest, OutOfOrderCompletionSkipsEachBuffersSlots) {
  auto q = activate();
  for (int lap = 0; lap < 4; ++lap) {
    // A: 2 slots, B: 1 slot, C: 3 slots (6 of 8), completed C, A, B.
    ring_.add_chain({{kBuf, 4, false}, {kBuf + 4, 4, true}}, 0);
    ring_.add_chain({{kBuf + 8, 4, true}}, 1);
    ring_.add_chain({{kBuf, 1, false}, {kBuf, 1, false}, {kBuf + 16, 4, true}}, 2);
    std::vector<DescriptorChain> popped;
    for (int i = 0; i < 3; ++i) popped.push_back(pop(q));
    EXPECT_EQ(popped[0].head(), 0);
    EXPECT_EQ(popped[1].head(), 1);
    EXPECT_EQ(popped[2].head(), 2);
    ASSERT_TRUE(q.push_used(2, 30));
    ASSERT_TRUE(q.push_used(0, 10));
    ASSERT_TRUE(q.push_used(1, 20));
    EXPECT_EQ(ring_.take_used(), (std::pair<uint16_t, uint32_t>{2, 30})) << lap;
    EXPECT_EQ(ring_.take_used(), (std::pair<uint16_t, uint32_t>{0, 10})) << lap;
    EXPECT_EQ(ring_.take_used(), (std::pair<uint16_t, uint32_t>{1, 20})) << lap;
    EXPECT_FALSE(ring_.take_used());
    EXPECT_EQ(q.next_used(), ring_.next_used());
  }
  // 24 slots over an 8-slot ring: three laps, back at slot 0 with both counters flipped.
  EXPECT_EQ(q.next_avail(), 0);
  EXPECT_EQ(q.next_used(), 0);
}

TEST_F(PackedQueueTest, InFlightBuffersBlockTheirIdsAndSlots) {
  auto q = activate();
  ring_.add_chain({{kBuf, 4, true}}, 3);
  auto a = pop(q);
  // The driver reuses id 3 while it is still in flight.
  ring_.add_chain({{kBuf, 4, true}}, 3);
  auto r = q.pop();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kGuest);

  // A driver that makes a whole lap available while all eight slots are in flight.
  auto mem = testing::make_guest_ram(kRam);
  FakePackedRing ring(*mem, kRingBase, 8);
  auto full = ring.config().activate(*mem, false, true);
  ASSERT_TRUE(full);
  for (uint16_t id = 0; id < 8; ++id) ring.add_chain({{kBuf, 4, true}}, id);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(full->pop());
  ring.push_raw(kBuf, 4, 0, kDescFlagWrite);  // slot 0 again, next lap, nothing used
  auto over = full->pop();
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), ErrorCode::kGuest);
}

TEST_F(PackedQueueTest, IndirectTableIsFollowed) {
  auto q = activate();
  ring_.add_indirect(kTable, {{kBuf, 3, false}, {kBuf + 0x10, 5, false}, {kBuf + 0x20, 7, true}},
                     4);
  // NEXT and INDIRECT in table entries are reserved and ignored (§2.8.7).
  PackedDescriptor e{kBuf + 0x10, 5, 0, kDescFlagNext | kDescFlagIndirect};
  ASSERT_TRUE(mem_->write_obj(kTable + 16, e));
  auto c = pop(q);
  EXPECT_EQ(c.head(), 4);
  EXPECT_EQ(c.readable_bytes(), 8U);
  EXPECT_EQ(c.writable_bytes(), 7U);
  EXPECT_EQ(c.segments().size(), 3U);
  EXPECT_EQ(q.next_avail(), 1);  // one ring slot
  ASSERT_TRUE(q.push_used(4, 7));
  EXPECT_EQ(ring_.take_used(), (std::pair<uint16_t, uint32_t>{4, 7}));
  EXPECT_EQ(q.next_used(), 1);
  // A table of exactly queue-size entries is allowed (a virtio-blk request at seg_max).
  std::vector<Desc> full(8, Desc{kBuf, 1, false});
  full.back().writable = true;
  ring_.add_indirect(kTable, full, 1);
  auto f = pop(q);
  EXPECT_EQ(f.segments().size(), 8U);
}

struct BadBuffer {
  const char* name;
  const char* message;  // part of the expected error
  void (*layout)(FakePackedRing&, memory::GuestMemory&);
};

TEST_F(PackedQueueTest, MalformedBuffersAreGuestErrors) {
  const BadBuffer cases[] = {
      {"NEXT on every slot (over budget)", "longer than queue size 8",
       [](FakePackedRing& r, memory::GuestMemory&) {
         for (int i = 0; i < 8; ++i) r.push_raw(kBuf, 4, 0, kDescFlagNext);
       }},
      {"NEXT into a slot that is not available", "descriptor 1 in its list is not available",
       [](FakePackedRing& r, memory::GuestMemory&) { r.push_raw(kBuf, 4, 0, kDescFlagNext); }},
      {"NEXT into a descriptor of the wrong lap", "descriptor 1 in its list is not available",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.push_raw(kBuf, 4, 0, kDescFlagNext);
         // Slot 1 carries the bits of the other wrap counter value.
         r.write_desc(1, {kBuf, 4, 0, kPackedDescFlagUsed});
       }},
      {"beyond ram", "buffer 0xffffe+0x4 outside guest RAM",
       [](FakePackedRing& r, memory::GuestMemory&) { r.push_raw(kRam - 2, 4, 0, 0); }},
      {"huge length", "outside guest RAM",
       [](FakePackedRing& r, memory::GuestMemory&) { r.push_raw(kBuf, 0xFFFFFFFF, 0, 0); }},
      {"readable after writable", "device-readable buffer after a device-writable one",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.add_chain({{kBuf, 4, true}, {kBuf, 4, false}}, 0);
       }},
      {"buffer id beyond the queue", "buffer id 8 >= queue size 8",
       [](FakePackedRing& r, memory::GuestMemory&) { r.push_raw(kBuf, 4, 8, 0); }},
      {"indirect with next", "indirect with NEXT set",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.push_raw(kTable, 16, 0, kDescFlagIndirect | kDescFlagNext);
         r.push_raw(kBuf, 4, 0, 0);
       }},
      {"indirect inside a NEXT list", "indirect descriptor inside a NEXT list",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.push_raw(kBuf, 4, 0, kDescFlagNext);
         r.push_raw(kTable, 16, 0, kDescFlagIndirect);
       }},
      {"zero-length indirect", "bad indirect table length 0",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.push_raw(kTable, 0, 0, kDescFlagIndirect);
       }},
      {"indirect length not a multiple of 16", "bad indirect table length 24",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.push_raw(kTable, 24, 0, kDescFlagIndirect);
       }},
      {"indirect table longer than the queue", "bad indirect table length 144",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.push_raw(kTable, 16 * 9, 0, kDescFlagIndirect);
       }},
      {"indirect table beyond ram", "indirect table 0xffff0+0x20 outside guest RAM",
       [](FakePackedRing& r, memory::GuestMemory&) {
         r.push_raw(kRam - 16, 32, 0, kDescFlagIndirect);
       }},
      {"indirect entry beyond ram", "buffer 0xffff8+0x10 outside guest RAM",
       [](FakePackedRing& r, memory::GuestMemory& m) {
         PackedDescriptor e{kRam - 8, 16, 0, 0};
         ASSERT_TRUE(m.write_obj(kTable, e));
         r.push_raw(kTable, 16, 0, kDescFlagIndirect);
       }},
      {"indirect entry readable after writable",
       "device-readable buffer after a device-writable one",
       [](FakePackedRing& r, memory::GuestMemory& m) {
         PackedDescriptor e[2] = {{kBuf, 4, 0, kDescFlagWrite}, {kBuf, 4, 0, 0}};
         ASSERT_TRUE(m.write_obj(kTable, e));
         r.push_raw(kTable, 32, 0, kDescFlagIndirect);
       }},
  };
  for (const auto& bc : cases) {
    auto mem = testing::make_guest_ram(kRam);
    FakePackedRing ring(*mem, kRingBase, 8);
    bc.layout(ring, *mem);
    auto q = ring.config().activate(*mem, false, true);
    ASSERT_TRUE(q);
    auto c = q->pop();
    ASSERT_FALSE(c) << bc.name;
    EXPECT_EQ(c.error().code(), ErrorCode::kGuest) << bc.name;
    EXPECT_NE(c.error().to_string().find(bc.message), std::string::npos)
        << bc.name << ": " << c.error().to_string();
  }
}

TEST_F(PackedQueueTest, ZeroedRingHasNothingAvailable) {
  // The ring starts zeroed (§2.8.13): AVAIL = USED = 0 is not available under wrap 1.
  auto q = activate();
  auto c = q.pop();
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->has_value());
}

TEST_F(PackedQueueTest, EnableDisableWithoutEventIdx) {
  auto q = activate(false);
  ring_.add_chain({{kBuf, 4, true}}, 0);
  auto c = pop(q);
  ASSERT_TRUE(q.push_used(c.head(), 4));
  ring_.set_driver_event(kRingEventFlagsEnable);
  EXPECT_TRUE(*q.needs_notification());
  ring_.set_driver_event(kRingEventFlagsDisable);
  EXPECT_FALSE(*q.needs_notification());
  // DESC is only meaningful with EVENT_IDX; without it the device treats it as ENABLE.
  ring_.set_driver_event(kRingEventFlagsDesc, 5, true);
  EXPECT_TRUE(*q.needs_notification());
  ASSERT_TRUE(q.enable_notification(false));
  EXPECT_EQ(ring_.device_event().second, kRingEventFlagsDisable);
  ASSERT_TRUE(q.enable_notification(true));
  EXPECT_EQ(ring_.device_event().second, kRingEventFlagsEnable);
  // Without EVENT_IDX, pop() leaves the device area alone.
  ring_.add_chain({{kBuf, 4, true}}, 1);
  (void)pop(q);
  EXPECT_EQ(ring_.device_event(), (std::pair<uint16_t, uint16_t>{0, kRingEventFlagsEnable}));
}

TEST_F(PackedQueueTest, EventIdxAsksForKicksAtTheNextSlot) {
  auto q = activate(true);
  ring_.add_chain({{kBuf, 4, false}, {kBuf, 4, true}}, 0);
  (void)pop(q);
  // The device wants a kick when slot 2 (wrap 1) becomes available.
  EXPECT_EQ(ring_.device_event(),
            (std::pair<uint16_t, uint16_t>{2 | kRingEventWrapBit, kRingEventFlagsDesc}));
  for (int i = 0; i < 3; ++i) ring_.add_chain({{kBuf, 4, false}, {kBuf, 4, true}}, 1 + i);
  for (int i = 0; i < 3; ++i) (void)pop(q);
  // Slot 8 is slot 0 of the next lap: wrap counter 0.
  EXPECT_EQ(ring_.device_event(), (std::pair<uint16_t, uint16_t>{0, kRingEventFlagsDesc}));
  // Disabled: the device area says DISABLE and pop() does not re-enable it.
  ASSERT_TRUE(q.enable_notification(false));
  for (uint16_t id = 0; id < 4; ++id) ASSERT_TRUE(q.push_used(id, 0));
  ring_.add_chain({{kBuf, 4, true}}, 0);
  (void)pop(q);
  EXPECT_EQ(ring_.device_event().second, kRingEventFlagsDisable);
  ASSERT_TRUE(q.enable_notification(true));
  EXPECT_EQ(ring_.device_event(), (std::pair<uint16_t, uint16_t>{1, kRingEventFlagsDesc}));
}

TEST_F(PackedQueueTest, EventIdxNotifiesWhenTheDriversSlotIsUsed) {
  auto q = activate(true);
  for (uint16_t id = 0; id < 4; ++id) ring_.add_chain({{kBuf, 4, true}}, id);
  for (int i = 0; i < 4; ++i) (void)pop(q);
  ring_.set_driver_event(kRingEventFlagsDesc, 2, true);
  // First check always notifies (nothing signalled yet).
  ASSERT_TRUE(q.push_used(0, 4));  // slot 0 used
  EXPECT_TRUE(*q.needs_notification());
  ASSERT_TRUE(q.push_used(1, 4));  // slot 1: before the event slot
  EXPECT_FALSE(*q.needs_notification());
  EXPECT_FALSE(*q.needs_notification());  // nothing new
  ASSERT_TRUE(q.push_used(2, 4));         // slot 2: the event
  EXPECT_TRUE(*q.needs_notification());
  ASSERT_TRUE(q.push_used(3, 4));  // slot 3: past it
  EXPECT_FALSE(*q.needs_notification());
  // DISABLE wins over everything; ENABLE always notifies.
  ring_.set_driver_event(kRingEventFlagsDisable);
  EXPECT_FALSE(*q.needs_notification());
  ring_.set_driver_event(kRingEventFlagsEnable);
  EXPECT_TRUE(*q.needs_notification());

  // Across the wrap: used slots 4..7 (wrap 1) then 0..1 (wrap 0); the driver asks for
  // slot 0 of the next lap (wrap 0), which a batch over the end of the ring crosses.
  for (uint16_t id = 0; id < 4; ++id) ring_.add_chain({{kBuf, 4, true}}, id);
  for (int i = 0; i < 4; ++i) (void)pop(q);
  ring_.set_driver_event(kRingEventFlagsDesc, 0, false);
  ASSERT_TRUE(q.push_used(0, 4));  // slot 4
  ASSERT_TRUE(q.push_used(1, 4));  // slot 5
  EXPECT_FALSE(*q.needs_notification());
  ASSERT_TRUE(q.push_used(2, 4));  // slot 6
  ASSERT_TRUE(q.push_used(3, 4));  // slot 7: the ring wraps, slot 0 (wrap 0) not used yet
  EXPECT_FALSE(*q.needs_notification());
  ring_.add_chain({{kBuf, 4, true}, {kBuf, 4, true}}, 0);  // slots 0-1 of lap 2
  (void)pop(q);
  ASSERT_TRUE(q.push_used(0, 4));  // used at slot 0, wrap 0: the event
  EXPECT_TRUE(*q.needs_notification());
  // An event slot on the previous lap that was passed long ago does not fire again.
  ring_.set_driver_event(kRingEventFlagsDesc, 6, true);
  ring_.add_chain({{kBuf, 4, true}}, 1);
  (void)pop(q);
  ASSERT_TRUE(q.push_used(1, 4));
  EXPECT_FALSE(*q.needs_notification());
}

}  // namespace
}  // namespace stratovirt::virtio
