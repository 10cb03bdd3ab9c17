// SPDX-License-Identifier: MulanPSL-2.0
//
// io_uring IoEngine (liburing): one ring per data plane, completions on a registered eventfd.
#include <liburing.h>

#include <cstring>

#include "stratovirt/base/event_fd.h"
#include "stratovirt/block/io_engine.h"

namespace stratovirt::block {

namespace {

class UringEngine final : public IoEngine {
 public:
  explicit UringEngine(EventFd efd) : efd_(std::move(efd)) {}
  ~UringEngine() override {
    if (initialised_) io_uring_queue_exit(&ring_);
  }
  UringEngine(const UringEngine&) = delete;
  UringEngine& operator=(const UringEngine&) = delete;

  Result<void> init(unsigned entries) {
    int rc = io_uring_queue_init(entries, &ring_, 0);
    if (rc < 0) {
      return std::unexpected(Error::from_errno("io_uring_queue_init", -rc));
    }
    initialised_ = true;
    rc = io_uring_register_eventfd(&ring_, efd_.fd());
    if (rc < 0) {
      return std::unexpected(Error::from_errno("io_uring_register_eventfd", -rc));
    }
    return ok();
  }

  Result<void> submit(const IoRequest& r, uint64_t cookie) override {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr && queued_ > 0) {  // a full batch: hand it over and retry
      SV_RETURN_IF_ERROR(flush());
      sqe = io_uring_get_sqe(&ring_);
    }
    if (sqe == nullptr) {
      return errorf(ErrorCode::kIo, "io_uring submission queue full");
    }
    switch (r.op) {
      case IoOp::kRead:
        io_uring_prep_readv(sqe, r.fd, r.iov.data(), static_cast<unsigned>(r.iov.size()), r.offset);
        break;
      case IoOp::kWrite:
        io_uring_prep_writev(sqe, r.fd, r.iov.data(), static_cast<unsigned>(r.iov.size()),
                             r.offset);
        break;
      case IoOp::kFlush:
        io_uring_prep_fsync(sqe, r.fd, IORING_FSYNC_DATASYNC);
        break;
      case IoOp::kFallocate:
        io_uring_prep_fallocate(sqe, r.fd, r.fallocate_mode, static_cast<off_t>(r.offset),
                                static_cast<off_t>(r.len));
        break;
    }
    io_uring_sqe_set_data64(sqe, cookie);
    ++queued_;
    return plugged_ ? ok() : flush();
  }

  void plug() override { plugged_ = true; }
  Result<void> unplug() override {
    plugged_ = false;
    return queued_ > 0 ? flush() : ok();
  }

  std::vector<IoCompletion> reap() override {
    (void)efd_.read();
    std::vector<IoCompletion> out;
    io_uring_cqe* cqe = nullptr;
    while (io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe != nullptr) {
      out.push_back({io_uring_cqe_get_data64(cqe), cqe->res});
      io_uring_cqe_seen(&ring_, cqe);
    }
    return out;
  }

  int event_fd() const override { return efd_.fd(); }

 private:
  Result<void> flush() {
    int rc = io_uring_submit(&ring_);
    if (rc < 0) {  // what stays queued goes with the next flush
      return std::unexpected(Error::from_errno("io_uring_submit", -rc));
    }
    queued_ = 0;
    return ok();
  }

  io_uring ring_{};
  bool initialised_ = false;
  bool plugged_ = false;
  unsigned queued_ = 0;  // prepared, not yet handed to the kernel
  EventFd efd_;
};

}  // namespace

Result<std::unique_ptr<IoEngine>> make_uring_engine(unsigned entries) {
  SV_ASSIGN_OR_RETURN(auto efd, EventFd::create());
  auto engine = std::make_unique<UringEngine>(std::move(efd));
  SV_RETURN_IF_ERROR(engine->init(entries));
  return std::unique_ptr<IoEngine>(std::move(engine));
}

}  // namespace stratovirt::block
