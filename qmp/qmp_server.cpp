// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_server.h"

#include <sys/socket.h>

#include <array>
#include <cstring>

#include "qmp/leak_bucket.h"
#include "qmp/qmp_framer.h"
#include "stratovirt/base/logging.h"
#include "stratovirt/qmp/qmp_version.h"

namespace stratovirt::qmp {
namespace {

constexpr size_t kReadChunk = 4096;
constexpr size_t kMaxFdsPerRead = 16;

}  // namespace

nlohmann::ordered_json version_json() {
  nlohmann::ordered_json v;
  v["qemu"]["micro"] = kQemuMicro;
  v["qemu"]["minor"] = kQemuMinor;
  v["qemu"]["major"] = kQemuMajor;
  v["package"] = std::string("StratoVirt-cpp ") + SV_VERSION;
  return v;
}

std::string greeting_line() {
  nlohmann::ordered_json g;
  g["QMP"]["version"] = version_json();
  g["QMP"]["capabilities"] = nlohmann::json::array();
  return g.dump();
}

struct QmpServer::Client {
  explicit Client(UniqueFd f)
      : fd(std::move(f)), framer(kMaxQmpMessage), bucket(kMaxCommandsPerSecond) {}
  UniqueFd fd;
  QmpFramer framer;
  LeakBucket bucket;
  QmpSession session;
  std::string out;       // reply bytes not yet written
  bool closing = false;  // close once `out` is written
};

struct QmpServer::Endpoint {
  explicit Endpoint(SocketListener l) : listener(std::move(l)) {}
  SocketListener listener;
  std::unique_ptr<Client> client;
};

QmpServer::QmpServer(EventLoop& loop, const QmpDispatcher& dispatcher, EventQueue* events)
    : loop_(loop), dispatcher_(dispatcher), events_(events) {}

Result<std::unique_ptr<QmpServer>> QmpServer::create(EventLoop& loop,
                                                     std::vector<SocketListener> listeners,
                                                     const QmpDispatcher& dispatcher,
                                                     EventQueue* events) {
  std::unique_ptr<QmpServer> server(new QmpServer(loop, dispatcher, events));
  for (auto& listener : listeners) {
    server->endpoints_.push_back(std::make_unique<Endpoint>(std::move(listener)));
    SV_RETURN_IF_ERROR(server->listen(*server->endpoints_.back()));
  }
  SV_RETURN_IF_ERROR(server->watch_events());
  return server;
}

QmpServer::~QmpServer() {
  flush_all();
  if (events_ != nullptr) events_->set_notifier({});
  if (events_ready_) loop_.remove_fd(events_ready_->fd());
  for (auto& endpoint : endpoints_) {
    if (endpoint->client) loop_.remove_fd(endpoint->client->fd.get());
    loop_.remove_fd(endpoint->listener.fd());
  }
}

// Events may be emitted on any thread: an eventfd brings them to the loop.
Result<void> QmpServer::watch_events() {
  if (events_ == nullptr) return ok();
  SV_ASSIGN_OR_RETURN(EventFd efd, EventFd::create());
  events_ready_.emplace(std::move(efd));
  SV_RETURN_IF_ERROR(loop_.add_fd(events_ready_->fd(), EPOLLIN, [this](uint32_t) {
    (void)events_ready_->read();
    deliver_events();
  }));
  const EventFd* ready = &*events_ready_;
  events_->set_notifier([ready] { (void)ready->write(); });
  if (events_->size() > 0) (void)ready->write();
  return ok();
}

// Writes queued events to every connected client; with none, they wait in the queue.
void QmpServer::deliver_events() {
  if (events_ == nullptr) return;
  bool anyone = false;
  for (auto& endpoint : endpoints_) anyone = anyone || endpoint->client != nullptr;
  if (!anyone) return;
  auto lines = events_->drain();
  if (lines.empty()) return;
  for (auto& endpoint : endpoints_) {
    if (!endpoint->client) continue;
    Client& client = *endpoint->client;
    for (const auto& line : lines) queue_reply(client, line);
    if (!flush_client(client) || client.out.size() > kMaxClientBacklog) close_client(*endpoint);
  }
}

void QmpServer::flush_all() {
  deliver_events();
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
  if (!flush_client(client)) {
    close_client(endpoint);
    return;
  }
  deliver_events();  // what was emitted while nobody listened
}

void QmpServer::on_client_event(Endpoint& endpoint, uint32_t events) {
  Client& client = *endpoint.client;
  bool alive = true;
  if (events & EPOLLOUT) alive = flush_client(client);
  if (alive && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) alive = read_client(client);
  // After a hang-up too: a client that half-closes still gets its replies.
  bool flushed = flush_client(client);
  alive = alive && flushed && client.out.size() <= kMaxClientBacklog;
  if (!alive || (client.closing && client.out.empty())) close_client(endpoint);
}

// One recvmsg: bytes go to the framer, SCM_RIGHTS fds to the session. recvmsg's result.
ssize_t QmpServer::receive(Client& client) {
  std::array<char, kReadChunk> buf;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFdsPerRead)> control;
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n = ::recvmsg(client.fd.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      UniqueFd owned(fd);  // closed right here when the session holds enough already
      if (client.session.received_fds.size() < kMaxPendingFds) {
        client.session.received_fds.push_back(std::move(owned));
      }
    }
  }
  if (n > 0) client.framer.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
  return n;
}

void QmpServer::answer(Client& client, const std::string& message) {
  if (client.bucket.admit(loop_.clock().now())) {
    queue_reply(client, dispatcher_.handle_message(message, client.session));
    return;
  }
  auto request = nlohmann::json::parse(message, nullptr, /*allow_exceptions=*/false);
  queue_reply(client, error_line(QmpError{std::string(kOperationThrottled),
                                          std::string(kThrottledDesc)},
                                 request.is_discarded() ? nlohmann::json() : request));
}

// Reads everything available and answers each complete message. False: close.
bool QmpServer::read_client(Client& client) {
  bool alive = true;
  for (;;) {
    ssize_t n = receive(client);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    alive = false;  // orderly hang-up or a socket error
    break;
  }
  while (auto message = client.framer.next()) answer(client, *message);
  if (client.framer.overflowed() && !client.closing) {
    queue_reply(client, error_line(QmpError{std::string(kGenericError),
                                            fmt::format("QMP message longer than {} bytes",
                                                        kMaxQmpMessage)}));
    client.closing = true;
  }
  return alive;
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
