// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_server.h"

#include <sys/socket.h>

#include <array>

#include "qmp/qmp_framer.h"
#include "stratovirt/base/logging.h"

namespace stratovirt::qmp {

// The QEMU version we claim: libvirt 9.0 needs at least 4.2; newer libvirt 6.2.
inline constexpr int kQemuMajor = 7;
inline constexpr int kQemuMinor = 2;
inline constexpr int kQemuMicro = 0;

std::string greeting_line() {
  return fmt::format(
      R"({{"QMP":{{"version":{{"qemu":{{"micro":{},"minor":{},"major":{}}},)"
      R"("package":"StratoVirt-cpp {}"}},"capabilities":[]}}}})",
      kQemuMicro, kQemuMinor, kQemuMajor, SV_VERSION);
}

struct QmpServer::Client {
  explicit Client(UniqueFd f) : fd(std::move(f)), framer(kMaxQmpMessage) {}
  UniqueFd fd;
  QmpFramer framer;
  std::string out;       // reply bytes not yet written
  bool closing = false;  // close once `out` is written
};

struct QmpServer::Endpoint {
  explicit Endpoint(SocketListener l) : listener(std::move(l)) {}
  SocketListener listener;
  std::unique_ptr<Client> client;
};

QmpServer::QmpServer(EventLoop& loop, const QmpDispatcher& dispatcher)
    : loop_(loop), dispatcher_(dispatcher) {}

Result<std::unique_ptr<QmpServer>> QmpServer::create(EventLoop& loop,
                                                     std::vector<SocketListener> listeners,
                                                     const QmpDispatcher& dispatcher) {
  std::unique_ptr<QmpServer> server(new QmpServer(loop, dispatcher));
  for (auto& listener : listeners) {
    server->endpoints_.push_back(std::make_unique<Endpoint>(std::move(listener)));
    SV_RETURN_IF_ERROR(server->listen(*server->endpoints_.back()));
  }
  return server;
}

QmpServer::~QmpServer() {
  flush_all();
  for (auto& endpoint : endpoints_) {
    if (endpoint->client) loop_.remove_fd(endpoint->client->fd.get());
    loop_.remove_fd(endpoint->listener.fd());
  }
}

void QmpServer::flush_all() {
  for (auto& endpoint : endpoints_) {
    if (endpoint->client) flush_client(*endpoint->client);
  }
}

Result<void> QmpServer::listen(Endpoint& endpoint) {
  return loop_.add_fd(endpoint.listener.fd(), EPOLLIN,
                      [this, &endpoint](uint32_t) { on_accept(endpoint); });
}

void QmpServer::on_accept(Endpoint& endpoint) {
  auto log = logger(kLoggerQmp);
  auto accepted = endpoint.listener.accept();
  if (!accepted) {
    log->error("{}: {}", endpoint.listener.description(), accepted.error());
    return;
  }
  if (!accepted->valid()) return;  // spurious wake-up
  endpoint.client = std::make_unique<Client>(std::move(*accepted));
  Client& client = *endpoint.client;
  auto added = loop_.add_fd(client.fd.get(), EPOLLIN, [this, &endpoint](uint32_t events) {
    on_client_event(endpoint, events);
  });
  if (!added) {
    log->error("{}: {}", endpoint.listener.description(), added.error());
    endpoint.client.reset();
    return;
  }
  // One client per listener: park the listener until this client leaves.
  loop_.remove_fd(endpoint.listener.fd());
  log->info("{}: client connected", endpoint.listener.description());
  queue_reply(client, greeting_line());
  if (!flush_client(client)) close_client(endpoint);
}

void QmpServer::on_client_event(Endpoint& endpoint, uint32_t events) {
  Client& client = *endpoint.client;
  bool alive = true;
  if (events & EPOLLOUT) alive = flush_client(client);
  if (alive && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) alive = read_client(client);
  // After a hang-up too: a client that half-closes still gets its replies.
  bool flushed = flush_client(client);
  alive = alive && flushed;
  if (!alive || (client.closing && client.out.empty())) close_client(endpoint);
}

// Reads everything available and answers each complete message. False: close.
bool QmpServer::read_client(Client& client) {
  std::array<char, 4096> buf;
  bool eof = false;
  for (;;) {
    ssize_t n = ::recv(client.fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      client.framer.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    eof = true;  // orderly hang-up or a socket error
    break;
  }
  while (auto message = client.framer.next()) {
    queue_reply(client, dispatcher_.handle_message(*message));
  }
  if (client.framer.overflowed() && !client.closing) {
    queue_reply(client, fmt::format(R"({{"error":{{"class":"{}","desc":"QMP message longer )"
                                    R"(than {} bytes"}}}})",
                                    kGenericError, kMaxQmpMessage));
    client.closing = true;
  }
  return !eof;
}

void QmpServer::queue_reply(Client& client, const std::string& line) {
  client.out += line;
  client.out += "\r\n";
}

// Writes as much of the buffered output as the socket takes. False: close.
bool QmpServer::flush_client(Client& client) {
  while (!client.out.empty()) {
    ssize_t n = ::send(client.fd.get(), client.out.data(), client.out.size(),
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return false;
    client.out.erase(0, static_cast<size_t>(n));
  }
  uint32_t events = client.out.empty() ? EPOLLIN : (EPOLLIN | EPOLLOUT);
  (void)loop_.modify_fd(client.fd.get(), events);
  return true;
}

void QmpServer::close_client(Endpoint& endpoint) {
  loop_.remove_fd(endpoint.client->fd.get());
  endpoint.client.reset();
  logger(kLoggerQmp)->info("{}: client disconnected", endpoint.listener.description());
  if (auto resumed = listen(endpoint); !resumed) {
    logger(kLoggerQmp)->error("{}: cannot resume listening: {}",
                              endpoint.listener.description(), resumed.error());
  }
}

}  // namespace stratovirt::qmp
