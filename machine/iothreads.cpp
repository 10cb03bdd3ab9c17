// SPDX-License-Identifier: MulanPSL-2.0
// -object iothread threads.
#include "machine/iothreads.h"

#include <pthread.h>
#include <unistd.h>

#include <variant>

#include "stratovirt/base/logging.h"

namespace stratovirt::machine {

Result<std::unique_ptr<IoThreads>> IoThreads::create(const config::VmConfig& cfg) {
  std::unique_ptr<IoThreads> set(new IoThreads());
  for (const auto& obj : cfg.objects) {
    const auto* io = std::get_if<config::IothreadObject>(&obj);
    if (io == nullptr) continue;
    auto t = std::make_unique<Thread>();
    t->id = io->id;
    SV_ASSIGN_OR_RETURN(t->loop, EventLoop::create("iothread " + io->id));
    set->threads_.push_back(std::move(t));
  }
  return set;
}

IoThreads::~IoThreads() { stop(); }

EventLoop* IoThreads::find(std::string_view id) const {
  for (const auto& t : threads_) {
    if (t->id == id) return t->loop.get();
  }
  return nullptr;
}

Result<void> IoThreads::start() {
  for (auto& t : threads_) {
    if (t->thread.joinable()) continue;
    Thread* self = t.get();
    try {
      t->thread = std::thread([self] {
        self->tid = gettid();
        self->tid.notify_all();
        pthread_setname_np(pthread_self(), ("io-" + self->id).substr(0, 15).c_str());
        if (auto r = self->loop->run(); !r) {
          logger(kLoggerMachine)->error("iothread {}: {}", self->id, r.error());
        }
      });
    } catch (const std::system_error& e) {
      return errorf(ErrorCode::kIo, "iothread {}: cannot start a thread: {}", t->id, e.what());
    }
    t->tid.wait(0);  // query-iothreads reports a real thread id once start() returned
  }
  return ok();
}

void IoThreads::stop() {
  for (auto& t : threads_) {
    if (!t->thread.joinable()) continue;
    t->loop->stop();
    t->thread.join();
  }
}

std::vector<IoThreads::Info> IoThreads::info() const {
  std::vector<Info> out;
  for (const auto& t : threads_) out.push_back(Info{t->id, t->tid.load()});
  return out;
}

}  // namespace stratovirt::machine
