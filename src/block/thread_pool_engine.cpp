// SPDX-License-Identifier: MulanPSL-2.0
//
// Thread-pool IoEngine (aio=threads, and the fallback where io_uring is unavailable): a few
// worker threads run the blocking system calls so that the data plane's loop never waits
// on the disk; each completion is queued and signalled on the eventfd.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "src/block/run_io.h"
#include "stratovirt/base/event_fd.h"
#include "stratovirt/block/io_engine.h"

namespace stratovirt::block {

namespace {

class ThreadPoolEngine final : public IoEngine {
 public:
  explicit ThreadPoolEngine(EventFd efd) : efd_(std::move(efd)) {}
  ~ThreadPoolEngine() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  ThreadPoolEngine(const ThreadPoolEngine&) = delete;
  ThreadPoolEngine& operator=(const ThreadPoolEngine&) = delete;

  void start(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }

  Result<void> submit(const IoRequest& r, uint64_t cookie) override {
    {
      std::lock_guard lock(mu_);
      queue_.push_back({r, std::vector<iovec>(r.iov.begin(), r.iov.end()), cookie});
    }
    work_cv_.notify_one();
    return ok();
  }

  std::vector<IoCompletion> reap() override {
    (void)efd_.read();
    std::lock_guard lock(mu_);
    return std::exchange(done_, {});
  }

  int event_fd() const override { return efd_.fd(); }

 private:
  struct Job {
    IoRequest req;
    std::vector<iovec> iov;  // the caller's array may change before a worker runs
    uint64_t cookie;
  };

  // Runs jobs until stopped; the queue is emptied before the workers exit.
  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      Job job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      job.req.iov = job.iov;
      int64_t result = run_io(job.req);
      lock.lock();
      done_.push_back({job.cookie, result});
      (void)efd_.write();
    }
  }

  EventFd efd_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<Job> queue_;
  std::vector<IoCompletion> done_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

Result<std::unique_ptr<IoEngine>> make_thread_pool_engine(unsigned threads) {
  SV_ASSIGN_OR_RETURN(auto efd, EventFd::create());
  auto engine = std::make_unique<ThreadPoolEngine>(std::move(efd));
  engine->start(threads == 0 ? 1 : threads);
  return std::unique_ptr<IoEngine>(std::move(engine));
}

}  // namespace stratovirt::block
