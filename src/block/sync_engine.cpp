// SPDX-License-Identifier: MulanPSL-2.0
//
// Synchronous IoEngine: runs each operation inside submit() and signals the eventfd.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "src/block/run_io.h"
#include "stratovirt/base/event_fd.h"
#include "stratovirt/block/io_engine.h"

namespace stratovirt::block {

int64_t run_io(const IoRequest& r) {
  ssize_t n = 0;
  switch (r.op) {
    case IoOp::kRead:
      n = ::preadv(r.fd, r.iov.data(), static_cast<int>(r.iov.size()),
                   static_cast<off_t>(r.offset));
      break;
    case IoOp::kWrite:
      n = ::pwritev(r.fd, r.iov.data(), static_cast<int>(r.iov.size()),
                    static_cast<off_t>(r.offset));
      break;
    case IoOp::kFlush:
      n = ::fdatasync(r.fd);
      break;
    case IoOp::kFallocate:
      n = ::fallocate(r.fd, r.fallocate_mode, static_cast<off_t>(r.offset),
                      static_cast<off_t>(r.len));
      break;
  }
  return n < 0 ? -errno : n;
}

namespace {

class SyncEngine final : public IoEngine {
 public:
  explicit SyncEngine(EventFd efd) : efd_(std::move(efd)) {}
  Result<void> submit(const IoRequest& req, uint64_t cookie) override {
    done_.push_back({cookie, run_io(req)});
    return efd_.write();
  }
  std::vector<IoCompletion> reap() override {
    (void)efd_.read();
    return std::exchange(done_, {});
  }
  int event_fd() const override { return efd_.fd(); }

 private:
  EventFd efd_;
  std::vector<IoCompletion> done_;
};

}  // namespace

Result<std::unique_ptr<IoEngine>> make_sync_engine() {
  SV_ASSIGN_OR_RETURN(auto efd, EventFd::create());
  return std::unique_ptr<IoEngine>(new SyncEngine(std::move(efd)));
}

}  // namespace stratovirt::block
