// SPDX-License-Identifier: MulanPSL-2.0
//
// QmpServer: serves QMP on the monitor listeners (-qmp / -mon) from an EventLoop.
//
// Each listener serves one client at a time, as StratoVirt does: while a client is
// connected the listening fd is parked (off the loop) and the next client waits in the
// backlog. On accept the greeting line is sent; then every framed message goes through
// the QmpDispatcher and the reply is written back as JSON + "\r\n" (buffered when the
// socket is full). Per connection: a leak bucket admits kMaxCommandsPerSecond commands a
// second by the loop's clock (the rest get OperationThrottled; the connection stays);
// fds sent with SCM_RIGHTS wait in the connection's QmpSession for getfd. Events from
// the EventQueue go to every connected client. The server owns the listeners (their unix
// socket files are removed when it is destroyed) and their clients.
// Threads: create, use and destroy on the loop's thread.
// Failure: a client's I/O error, oversized message or unread output past
// kMaxClientBacklog closes that client only (after a GenericError reply for an oversized
// message); the server keeps listening.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stratovirt/base/error.h"
#include "stratovirt/base/event_fd.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/base/socket.h"
#include "stratovirt/qmp/qmp_dispatcher.h"
#include "stratovirt/qmp/qmp_events.h"

namespace stratovirt::qmp {

// Largest accepted message; longer ones close the client.
inline constexpr size_t kMaxQmpMessage = 64 * 1024;
// Output a client has not read yet (replies and events) beyond which it is dropped.
inline constexpr size_t kMaxClientBacklog = 4 * 1024 * 1024;
// fds received with SCM_RIGHTS and not yet claimed by getfd; further ones are closed.
inline constexpr size_t kMaxPendingFds = 32;

// {"QMP":{"version":{...},"capabilities":[]}} for this build (no trailing CRLF).
std::string greeting_line();

class QmpServer {
 public:
  // `dispatcher` and `events` (optional) must outlive the server.
  static Result<std::unique_ptr<QmpServer>> create(EventLoop& loop,
                                                   std::vector<SocketListener> listeners,
                                                   const QmpDispatcher& dispatcher,
                                                   EventQueue* events = nullptr);
  ~QmpServer();
  QmpServer(const QmpServer&) = delete;
  QmpServer& operator=(const QmpServer&) = delete;

  // Best effort: delivers queued events and writes out what is still buffered for every
  // client (used before exit so that the reply to `quit` and SHUTDOWN are not lost).
  void flush_all();

 private:
  struct Client;
  struct Endpoint;

  QmpServer(EventLoop& loop, const QmpDispatcher& dispatcher, EventQueue* events);
  Result<void> watch_events();
  void deliver_events();
  Result<void> listen(Endpoint& endpoint);
  void on_accept(Endpoint& endpoint);
  void on_client_event(Endpoint& endpoint, uint32_t events);
  bool read_client(Client& client);
  ssize_t receive(Client& client);
  void answer(Client& client, const std::string& message);
  bool flush_client(Client& client);
  void queue_reply(Client& client, const std::string& line);
  void close_client(Endpoint& endpoint);

  EventLoop& loop_;
  const QmpDispatcher& dispatcher_;
  EventQueue* events_;
  std::optional<EventFd> events_ready_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
};

}  // namespace stratovirt::qmp
