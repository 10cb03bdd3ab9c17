// SPDX-License-Identifier: MulanPSL-2.0
//
// QmpServer: serves QMP on the monitor listeners (-qmp / -mon) from an EventLoop.
//
// Each listener serves one client at a time, as StratoVirt does: while a client is
// connected the listening fd is parked (off the loop) and the next client waits in the
// backlog. On accept the greeting line is sent; then every framed message goes through
// the QmpDispatcher and the reply is written back as JSON + "\r\n" (buffered when the
// socket is full). The server owns the listeners (their unix socket files are removed
// when it is destroyed) and their clients.
// Threads: create, use and destroy on the loop's thread.
// Failure: a client's I/O error or oversized message closes that client only (after a
// GenericError reply for the latter); the server keeps listening.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/base/socket.h"
#include "stratovirt/qmp/qmp_dispatcher.h"

namespace stratovirt::qmp {

// Largest accepted message; longer ones close the client.
inline constexpr size_t kMaxQmpMessage = 64 * 1024;

// {"QMP":{"version":{...},"capabilities":[]}} for this build (no trailing CRLF).
std::string greeting_line();

class QmpServer {
 public:
  // `dispatcher` must outlive the server.
  static Result<std::unique_ptr<QmpServer>> create(EventLoop& loop,
                                                   std::vector<SocketListener> listeners,
                                                   const QmpDispatcher& dispatcher);
  ~QmpServer();
  QmpServer(const QmpServer&) = delete;
  QmpServer& operator=(const QmpServer&) = delete;

  // Best effort: writes out what is still buffered for every client (used before exit so
  // that the reply to `quit` is not lost).
  void flush_all();

 private:
  struct Client;
  struct Endpoint;

  QmpServer(EventLoop& loop, const QmpDispatcher& dispatcher);
  Result<void> listen(Endpoint& endpoint);
  void on_accept(Endpoint& endpoint);
  void on_client_event(Endpoint& endpoint, uint32_t events);
  bool read_client(Client& client);
  bool flush_client(Client& client);
  void queue_reply(Client& client, const std::string& line);
  void close_client(Endpoint& endpoint);

  EventLoop& loop_;
  const QmpDispatcher& dispatcher_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
};

}  // namespace stratovirt::qmp
