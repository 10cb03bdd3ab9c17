// SPDX-License-Identifier: MulanPSL-2.0
//
// IoEngine: asynchronous block I/O submission with completions signalled on an eventfd.
//
// submit() queues one operation (readv, writev, fdatasync, fallocate) on an fd with a
// caller cookie; the caller keeps the iovec array and buffers alive until the completion
// arrives. event_fd() becomes readable when completions are ready; reap() returns them
// (result = bytes transferred or -errno, as the syscall would). Three implementations:
// io_uring (liburing; aio=io_uring / native), a thread pool running the blocking system
// calls (aio=threads, and the fallback where io_uring is unavailable), and a synchronous
// engine that completes inside submit() (aio=off; unit tests). Between plug() and unplug()
// the io_uring engine only queues submissions and unplug() hands them to the kernel in one
// system call (the others ignore both). Owned by one data plane; its calls
// are serialised by the owner (on its loop thread, or under the owner's lock). Failure:
// create/submit errors as Result; per-operation errors in the completion.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "stratovirt/base/error.h"

namespace stratovirt::block {

enum class IoOp { kRead, kWrite, kFlush, kFallocate };

struct IoRequest {
  IoOp op = IoOp::kRead;
  int fd = -1;
  std::span<const iovec> iov;  // kRead/kWrite
  uint64_t offset = 0;
  uint64_t len = 0;        // kFallocate
  int fallocate_mode = 0;  // kFallocate
};

struct IoCompletion {
  uint64_t cookie = 0;
  int64_t result = 0;  // bytes or -errno
};

class IoEngine {
 public:
  virtual ~IoEngine() = default;
  virtual Result<void> submit(const IoRequest& req, uint64_t cookie) = 0;
  virtual std::vector<IoCompletion> reap() = 0;
  // Batching: after plug(), submit() may leave operations queued until unplug().
  virtual void plug() {}
  virtual Result<void> unplug() { return ok(); }
  [[nodiscard]] virtual int event_fd() const = 0;
};

// `entries`: submission queue depth.
Result<std::unique_ptr<IoEngine>> make_uring_engine(unsigned entries);
// `threads` workers (at least one); they are joined on destruction, after finishing the
// operations already submitted.
Result<std::unique_ptr<IoEngine>> make_thread_pool_engine(unsigned threads);
Result<std::unique_ptr<IoEngine>> make_sync_engine();

}  // namespace stratovirt::block
