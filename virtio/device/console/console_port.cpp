// SPDX-License-Identifier: MulanPSL-2.0
//
// ConsoleDevice port data paths: guest output (a port's transmitq) to its CharBackend, and
// backend input into the port's receiveq, with backpressure instead of loss.
#include "stratovirt/virtio/console_device.h"

#include <algorithm>

namespace stratovirt::virtio {

using namespace console;  // NOLINT(google-build-using-namespace): spec constants only

Result<void> ConsoleDevice::transmit_locked(Port& p) {
  SplitQueue& q = queues_[tx_queue(p.cfg.nr)];
  bool completed = false;
  while (true) {
    SV_ASSIGN_OR_RETURN(auto chain, q.pop());
    if (!chain) {
      break;
    }
    ChainReader in(*chain);
    SV_ASSIGN_OR_RETURN(auto iovs, in.take_iovecs(in.remaining()));
    for (const iovec& v : iovs) {
      p.cfg.backend->write(
          std::span<const uint8_t>(static_cast<const uint8_t*>(v.iov_base), v.iov_len));
    }
    SV_RETURN_IF_ERROR(q.push_used(chain->head(), 0));
    completed = true;
  }
  if (completed) {
    SV_RETURN_IF_ERROR(signal_used(q));
  }
  return ok();
}

size_t ConsoleDevice::receive_input(uint32_t nr, std::span<const uint8_t> data) {
  std::unique_lock lock(mu_);
  Port* p = port_by_nr(nr);
  if (p == nullptr) {
    return 0;
  }
  size_t accepted = 0;
  if (active_locked() && p->state.guest_connected) {
    auto r = receive_locked(*p, data);
    if (r) {
      accepted = *r;
    } else {
      fail_locked(r.error(), rx_queue(nr));
    }
  }
  if (accepted < data.size()) {
    p->input_blocked = true;  // the backend keeps the rest until input_ready()
  }
  wake_backends(lock);
  return accepted;
}

Result<size_t> ConsoleDevice::receive_locked(Port& p, std::span<const uint8_t> data) {
  SplitQueue& q = queues_[rx_queue(p.cfg.nr)];
  size_t done = 0;
  bool completed = false;
  while (done < data.size()) {
    SV_ASSIGN_OR_RETURN(auto chain, q.pop());
    if (!chain) {
      break;
    }
    if (chain->writable_bytes() == 0) {
      return errorf(ErrorCode::kGuest, "receive buffer {} has no device-writable part",
                    chain->head());
    }
    size_t n = std::min<uint64_t>(data.size() - done, chain->writable_bytes());
    ChainWriter out(*chain);
    SV_RETURN_IF_ERROR(out.write(data.subspan(done, n)));
    SV_RETURN_IF_ERROR(q.push_used(chain->head(), static_cast<uint32_t>(n)));
    done += n;
    completed = true;
  }
  if (completed) {
    SV_RETURN_IF_ERROR(signal_used(q));
  }
  return done;
}

}  // namespace stratovirt::virtio
