// SPDX-License-Identifier: MulanPSL-2.0
//
// BlkHarness: one virtio-blk-device under `-accel test` on a temp raw image, with a
// driver, one queue and request helpers (header / data / status chains, virtio 1.2 §5.2.6).
// Single-threaded test helper.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/mod_test/virtio_mmio_driver.h"

namespace stratovirt::testing {

inline constexpr uint64_t kBlkBase = 0xF0100000;  // first replaceable blk slot
inline constexpr uint32_t kBlkIrq = 5;
inline constexpr uint64_t kImageSize = 1 << 20;

namespace blkreq {
inline constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8, kDiscard = 11,
                          kWriteZeroes = 13;
inline constexpr uint8_t kOk = 0, kIoErr = 1, kUnsupp = 2;
inline constexpr uint64_t kFSegMax = 1ULL << 2, kFRo = 1ULL << 5, kFBlkSize = 1ULL << 6,
                          kFFlush = 1ULL << 9, kFDiscard = 1ULL << 13, kFWriteZeroes = 1ULL << 14;
}  // namespace blkreq

struct BlkResult {
  bool completed = false;
  uint8_t status = 0xff;
  uint32_t used_len = 0;
  uint32_t isr = 0;
};

class BlkHarness {
 public:
  // `drive_props` / `device_props` are appended to -drive / -device.
  explicit BlkHarness(const std::string& drive_props = "", const std::string& device_props = "",
                      std::vector<uint8_t> image = std::vector<uint8_t>(kImageSize))
      : image_(image_dir_.file("disk.img")) {
    std::ofstream(image_, std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data()),
               static_cast<std::streamsize>(image.size()));
    vm_ = std::make_unique<TestVm>(
        std::vector<std::string>{"-drive", "id=d0,file=" + image_ + drive_props, "-device",
                                 "virtio-blk-device,drive=d0,id=blk0" + device_props});
    drv_ = std::make_unique<VirtioMmioDriver>(*vm_, kBlkBase, kBlkIrq);
  }

  TestVm& vm() { return *vm_; }
  VirtioMmioDriver& drv() { return *drv_; }
  GuestAllocator& alloc() { return alloc_; }
  TestVirtqueue& vq() { return *vq_; }
  const std::string& image() const { return image_; }

  std::vector<uint8_t> image_bytes() const {
    std::ifstream in(image_, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
  }

  // Reset, negotiate `features`, one fresh queue of `size`, DRIVER_OK.
  bool start(uint64_t features = kVirtioFVersion1, uint16_t size = 64) {
    vq_ = std::make_unique<TestVirtqueue>(*vm_, alloc_, size);
    return drv_->init(features, {vq_.get()});
  }

  // Makes `head` available, kicks and waits for its used element.
  BlkResult complete(uint16_t head, uint64_t status_addr) {
    vq_->make_available(head);
    drv_->kick(0);
    BlkResult r;
    r.isr = drv_->wait_interrupt();
    auto used = vq_->pop_used();
    if (!used) return r;
    r.completed = used->id == head;
    r.used_len = used->len;
    r.status = static_cast<uint8_t>(vm_->readb(status_addr));
    return r;
  }

  // A request: header, then `data` (device-readable for OUT-like types, else writable),
  // then the status byte. `indirect` puts the chain in an indirect table.
  BlkResult request(uint32_t type, uint64_t sector, uint64_t data_addr, uint32_t data_len,
                    bool device_writes, bool indirect = false) {
    uint64_t hdr = alloc_.alloc(16, 16);
    uint64_t status = alloc_.alloc(1, 1);
    vm_->writel(hdr, type);
    vm_->writel(hdr + 4, 0);
    vm_->writeq(hdr + 8, sector);
    vm_->writeb(status, 0xff);
    std::vector<GuestBuf> bufs{{hdr, 16, false}};
    if (data_len > 0) bufs.push_back({data_addr, data_len, device_writes});
    bufs.push_back({status, 1, true});
    uint16_t head = indirect ? vq_->add_indirect(bufs) : vq_->add_chain(bufs);
    return complete(head, status);
  }

  BlkResult write_sectors(uint64_t sector, const std::vector<uint8_t>& data,
                          bool indirect = false) {
    uint64_t buf = alloc_.alloc(data.size());
    vm_->write(buf, data);
    return request(blkreq::kOut, sector, buf, static_cast<uint32_t>(data.size()), false, indirect);
  }

  std::optional<std::vector<uint8_t>> read_sectors(uint64_t sector, uint32_t len,
                                                   bool indirect = false) {
    uint64_t buf = alloc_.alloc(len);
    vm_->memset(buf, len, 0xcc);
    auto r = request(blkreq::kIn, sector, buf, len, true, indirect);
    if (!r.completed || r.status != blkreq::kOk) return std::nullopt;
    return vm_->read(buf, len);
  }

  // DISCARD / WRITE_ZEROES with one segment.
  BlkResult segment_request(uint32_t type, uint64_t sector, uint32_t sectors, uint32_t flags = 0) {
    uint64_t seg = alloc_.alloc(16, 16);
    vm_->writeq(seg, sector);
    vm_->writel(seg + 8, sectors);
    vm_->writel(seg + 12, flags);
    return request(type, 0, seg, 16, false);
  }

 private:
  TempDir image_dir_;
  std::string image_;
  std::unique_ptr<TestVm> vm_;
  std::unique_ptr<VirtioMmioDriver> drv_;
  GuestAllocator alloc_;
  std::unique_ptr<TestVirtqueue> vq_;
};

inline std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 13);
  return v;
}

}  // namespace stratovirt::testing
