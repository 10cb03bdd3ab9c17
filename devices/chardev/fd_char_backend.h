// SPDX-License-Identifier: MulanPSL-2.0
//
// FdCharBackend: the fd plumbing shared by every CharBackend (stdio, pty, file, socket).
//
// Models one attached stream: an input fd read on the event loop (EPOLLIN) and handed to
// the frontend's input handler with back-pressure (what the frontend refuses is kept,
// EPOLLIN is dropped until input_ready()), and an output fd written without blocking.
// Output that does not fit in the fd goes to a bounded buffer (kMaxPendingOutput) flushed
// on EPOLLOUT; beyond it bytes are dropped, counted and logged (rate-limited). With no
// stream attached (a socket server without client) output is dropped and counted.
// Subclasses attach()/detach() streams and react to hang-ups (on_input_closed()).
// Threads: write(), input_ready(), dropped_output_bytes() from any thread; everything else
// (attach/detach, the input handler, construction and destruction) on the loop's thread
// or before the loop runs. The frontend's input handler is called with no lock held.
// Failure: I/O errors on the stream are logged and treated as a hang-up; nothing throws.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/base/unique_fd.h"
#include "stratovirt/devices/char_backend.h"

namespace stratovirt::devices {

class FdCharBackend : public CharBackend {
 public:
  static constexpr size_t kMaxPendingOutput = 64 * 1024;
  static constexpr size_t kReadChunk = 4096;

  ~FdCharBackend() override;
  FdCharBackend(const FdCharBackend&) = delete;
  FdCharBackend& operator=(const FdCharBackend&) = delete;

  void write(std::span<const uint8_t> data) override;
  void set_input_handler(InputHandler handler) override;
  void input_ready() override;
  std::string description() const override { return description_; }

  uint64_t dropped_output_bytes() const { return dropped_.load(); }
  bool attached() const;

 protected:
  FdCharBackend(EventLoop& loop, std::string id, std::string description);

  struct Stream {
    UniqueFd io;        // read (if `readable`) and, without `out`, written
    UniqueFd out;       // optional separate output fd (stdio's stdout)
    bool readable = true;
    bool is_socket = false;  // send(MSG_NOSIGNAL) instead of write()
  };
  // Replaces the current stream. Loop thread or before run().
  Result<void> attach(Stream stream);
  // Closes the current stream; output is dropped until the next attach(). Loop thread.
  void detach();
  // The peer hung up or the input fd failed/EOF. Default: detach() then on_disconnect().
  virtual void on_input_closed();
  virtual void on_disconnect() {}

  EventLoop& loop_;
  const std::string id_;
  std::string description_;

 private:
  void on_io_event(uint32_t events);
  void on_out_event(uint32_t events);
  void read_input();
  void deliver_input();
  void flush_output();
  void update_interest();
  ssize_t raw_write_locked(int fd, const uint8_t* data, size_t len);
  void note_dropped_locked(size_t n, const char* why);

  // Loop-thread state.
  InputHandler handler_;
  std::vector<uint8_t> in_buf_;
  size_t in_off_ = 0;
  bool input_paused_ = false;
  bool io_registered_ = false;
  uint32_t io_events_ = 0;
  bool out_registered_ = false;
  bool out_pollable_ = true;

  // Shared with writers on other threads.
  mutable std::mutex mu_;
  Stream stream_;
  std::vector<uint8_t> out_buf_;
  bool want_out_ = false;
  bool interest_update_posted_ = false;
  bool broken_ = false;  // write failed hard; the loop will notice the hang-up
  std::atomic<uint64_t> dropped_{0};

  // Posted closures hold a weak copy: they do nothing once the backend is gone.
  std::shared_ptr<FdCharBackend*> self_;
};

}  // namespace stratovirt::devices
