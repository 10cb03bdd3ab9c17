// SPDX-License-Identifier: MulanPSL-2.0
#include "devices/chardev/fd_char_backend.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "stratovirt/base/logging.h"
#include "stratovirt/base/rate_limiter.h"

namespace stratovirt::devices {
namespace {

void set_nonblocking(int fd) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl >= 0 && !(fl & O_NONBLOCK)) (void)::fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

}  // namespace

FdCharBackend::FdCharBackend(EventLoop& loop, std::string id, std::string description)
    : loop_(loop),
      id_(std::move(id)),
      description_(std::move(description)),
      self_(std::make_shared<FdCharBackend*>(this)) {}

FdCharBackend::~FdCharBackend() {
  detach();
  self_.reset();
}

bool FdCharBackend::attached() const {
  std::lock_guard lock(mu_);
  return stream_.io.valid() || stream_.out.valid();
}

Result<void> FdCharBackend::attach(Stream stream) {
  detach();
  if (stream.io.valid()) set_nonblocking(stream.io.get());
  if (stream.out.valid()) set_nonblocking(stream.out.get());
  {
    std::lock_guard lock(mu_);
    stream_ = std::move(stream);
  }
  update_interest();
  return ok();
}

void FdCharBackend::detach() {
  int io = -1;
  int out = -1;
  {
    std::lock_guard lock(mu_);
    io = stream_.io.get();
    out = stream_.out.get();
  }
  if (io_registered_ && io >= 0) loop_.remove_fd(io);
  if (out_registered_ && out >= 0) loop_.remove_fd(out);
  io_registered_ = false;
  io_events_ = 0;
  out_registered_ = false;
  out_pollable_ = true;
  in_buf_.clear();
  in_off_ = 0;
  input_paused_ = false;
  std::lock_guard lock(mu_);
  stream_ = Stream{};
  out_buf_.clear();
  want_out_ = false;
  broken_ = false;
}

void FdCharBackend::on_input_closed() {
  detach();
  on_disconnect();
}

void FdCharBackend::set_input_handler(InputHandler handler) {
  handler_ = std::move(handler);
  if (handler_ && input_paused_) deliver_input();
}

void FdCharBackend::input_ready() {
  std::weak_ptr<FdCharBackend*> weak = self_;
  loop_.post([weak] {
    auto self = weak.lock();
    if (!self) return;
    FdCharBackend* b = *self;
    if (b->input_paused_) b->deliver_input();
  });
}

void FdCharBackend::write(std::span<const uint8_t> data) {
  if (data.empty()) return;
  std::lock_guard lock(mu_);
  int fd = stream_.out.valid() ? stream_.out.get() : stream_.io.get();
  if (fd < 0 || broken_) {
    dropped_ += data.size();  // no peer (socket server without client): expected, silent
    return;
  }
  size_t off = 0;
  if (out_buf_.empty()) {
    ssize_t w = raw_write_locked(fd, data.data(), data.size());
    if (w < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        broken_ = true;
        note_dropped_locked(data.size(), std::strerror(errno));
        return;
      }
      w = 0;
    }
    off = static_cast<size_t>(w);
  }
  size_t rest = data.size() - off;
  if (rest == 0) return;
  if (!out_pollable_) {
    note_dropped_locked(rest, "output fd cannot be polled");
    return;
  }
  size_t room = kMaxPendingOutput - std::min(kMaxPendingOutput, out_buf_.size());
  size_t take = std::min(rest, room);
  out_buf_.insert(out_buf_.end(), data.begin() + static_cast<ptrdiff_t>(off),
                  data.begin() + static_cast<ptrdiff_t>(off + take));
  if (take < rest) note_dropped_locked(rest - take, "peer too slow, output buffer full");
  if (!want_out_) {
    want_out_ = true;
    if (!interest_update_posted_) {
      interest_update_posted_ = true;
      std::weak_ptr<FdCharBackend*> weak = self_;
      loop_.post([weak] {
        auto self = weak.lock();
        if (!self) return;
        FdCharBackend* b = *self;
        {
          std::lock_guard l(b->mu_);
          b->interest_update_posted_ = false;
        }
        b->update_interest();
      });
    }
  }
}

ssize_t FdCharBackend::raw_write_locked(int fd, const uint8_t* data, size_t len) {
  for (;;) {
    ssize_t w = stream_.is_socket ? ::send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT)
                                  : ::write(fd, data, len);
    if (w < 0 && errno == EINTR) continue;
    return w;
  }
}

void FdCharBackend::note_dropped_locked(size_t n, const char* why) {
  dropped_ += n;
  SV_LOG_RATELIMITED(logger(kLoggerDevices), spdlog::level::warn,
                     "chardev {}: dropped {} output bytes ({}); {} dropped in total", id_, n,
                     why, dropped_.load());
}

void FdCharBackend::flush_output() {
  {
    std::lock_guard lock(mu_);
    int fd = stream_.out.valid() ? stream_.out.get() : stream_.io.get();
    while (fd >= 0 && !out_buf_.empty()) {
      ssize_t w = raw_write_locked(fd, out_buf_.data(), out_buf_.size());
      if (w > 0) {
        out_buf_.erase(out_buf_.begin(), out_buf_.begin() + w);
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      broken_ = true;
      note_dropped_locked(out_buf_.size(), w < 0 ? std::strerror(errno) : "short write");
      out_buf_.clear();
    }
    if (out_buf_.empty()) want_out_ = false;
  }
  update_interest();
}

void FdCharBackend::update_interest() {
  int io = -1;
  int out = -1;
  bool want_out = false;
  bool readable = false;
  {
    std::lock_guard lock(mu_);
    io = stream_.io.get();
    out = stream_.out.get();
    want_out = want_out_ && out_pollable_;
    readable = stream_.readable;
  }
  if (io >= 0) {
    uint32_t ev = 0;
    if (readable && !input_paused_) ev |= EPOLLIN;
    if (out < 0 && want_out) ev |= EPOLLOUT;
    if (!io_registered_) {
      if (ev != 0) {
        auto r = loop_.add_fd(io, ev, [this](uint32_t e) { on_io_event(e); });
        if (r) {
          io_registered_ = true;
          io_events_ = ev;
        } else {
          // Regular files and /dev/null cannot be polled: no input, unbuffered output.
          logger(kLoggerDevices)->debug("chardev {}: fd {} not pollable: {}", id_, io,
                                        r.error().to_string());
          std::lock_guard lock(mu_);
          stream_.readable = false;
          if (out < 0) {
            out_pollable_ = false;
            dropped_ += out_buf_.size();
            out_buf_.clear();
            want_out_ = false;
          }
        }
      }
    } else if (ev != io_events_) {
      (void)loop_.modify_fd(io, ev);
      io_events_ = ev;
    }
  }
  if (out >= 0) {
    if (want_out && !out_registered_) {
      auto r = loop_.add_fd(out, EPOLLOUT, [this](uint32_t e) { on_out_event(e); });
      if (r) {
        out_registered_ = true;
      } else {
        std::lock_guard lock(mu_);
        out_pollable_ = false;
        dropped_ += out_buf_.size();
        out_buf_.clear();
        want_out_ = false;
      }
    } else if (!want_out && out_registered_) {
      loop_.remove_fd(out);
      out_registered_ = false;
    }
  }
}

void FdCharBackend::on_out_event(uint32_t) { flush_output(); }

void FdCharBackend::on_io_event(uint32_t events) {
  if (events & EPOLLOUT) flush_output();
  if (events & EPOLLIN) {
    read_input();
  } else if (events & (EPOLLHUP | EPOLLERR)) {
    on_input_closed();
  }
}

void FdCharBackend::read_input() {
  if (input_paused_) return;
  int io = -1;
  {
    std::lock_guard lock(mu_);
    io = stream_.io.get();
  }
  if (io < 0) return;
  uint8_t buf[kReadChunk];
  ssize_t n = ::read(io, buf, sizeof(buf));
  if (n > 0) {
    in_buf_.assign(buf, buf + n);
    in_off_ = 0;
    deliver_input();
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  logger(kLoggerDevices)->info("chardev {}: input closed ({})", id_,
                               n == 0 ? "end of file" : std::strerror(errno));
  on_input_closed();
}

void FdCharBackend::deliver_input() {
  while (in_off_ < in_buf_.size()) {
    if (!handler_) break;  // no frontend: input is discarded
    size_t remaining = in_buf_.size() - in_off_;
    size_t n = std::min(remaining, handler_(std::span<const uint8_t>(in_buf_).subspan(in_off_)));
    if (n == 0) {
      if (!input_paused_) {
        input_paused_ = true;
        update_interest();
      }
      return;
    }
    in_off_ += n;
  }
  in_buf_.clear();
  in_off_ = 0;
  if (input_paused_) {
    input_paused_ = false;
    update_interest();
  }
}

}  // namespace stratovirt::devices
