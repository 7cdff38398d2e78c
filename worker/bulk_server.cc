#include "worker/bulk_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/bulk_transfer.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

// Reads `size` bytes, all of them before `deadline`.
bool ReadExactly(int fd, char* data, size_t size, absl::Time deadline) {
  size_t got = 0;
  while (got < size) {
    const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    pollfd p{fd, POLLIN, 0};
    if (left_ms <= 0 || poll(&p, 1, static_cast<int>(left_ms)) <= 0) return false;
    const ssize_t n = recv(fd, data + got, size - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

bool WriteAll(int fd, const char* data, size_t size) {
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = send(fd, data + sent, std::min(size - sent, kBulkIoBytes), MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

BulkServer::~BulkServer() { Stop(); }

absl::StatusOr<int> BulkServer::Start(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string where = absl::StrCat(host, ":", port);
  if (int rc = getaddrinfo(Unbracketed(host).c_str(), std::to_string(port).c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat("bulk port ", where, ": ", gai_strerror(rc)));
  }
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 64) == 0) {
      listen_fd_ = fd;
    } else {
      error = std::strerror(errno);
      close(fd);
    }
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on bulk port ", where, ": ", error));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return port_;
}

std::string BulkServer::Offer(OutgoingValue value) {
  // The ticket is the reader's only credential here: from the kernel's CSPRNG.
  std::string ticket(kBulkTicketBytes, '\0');
  for (size_t got = 0; got < ticket.size();) {
    const ssize_t n = getrandom(ticket.data() + got, ticket.size() - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  absl::MutexLock lock(&mu_);
  const absl::Time now = DropExpiredOffers();
  offers_[ticket] = {std::move(value), now + options_.offer_lifetime};
  return ticket;
}

absl::Time BulkServer::DropExpiredOffers() {
  const absl::Time now = options_.clock->Now();
  absl::erase_if(offers_, [now](const auto& entry) { return entry.second.expires < now; });
  return now;
}

std::optional<OutgoingValue> BulkServer::Take(const std::string& ticket) {
  absl::MutexLock lock(&mu_);
  DropExpiredOffers();
  auto it = offers_.find(ticket);
  if (it == offers_.end()) return std::nullopt;
  OutgoingValue value = std::move(it->second.value);
  offers_.erase(it);
  return value;
}

void BulkServer::AcceptLoop() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      const int error = errno;  // before anything else can change it
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (error != EINTR && error != ECONNABORTED && error != EAGAIN) {
        // Out of descriptors or memory, or a network error on a pending connection: whatever
        // it is, the port keeps serving once it passes.
        spdlog::warn("bulk port {}: accept: {}", port_, std::strerror(error));
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(100));
      }
      continue;
    }
    JoinFinished();
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || open_.size() >= static_cast<size_t>(options_.max_connections)) {
        close(fd);
        continue;
      }
      open_.insert(fd);
    }
    const int id = next_id_++;
    try {
      threads_[id] = std::thread([this, id, fd] { Serve(id, fd); });
    } catch (const std::system_error& e) {
      spdlog::warn("bulk port {}: no thread for a connection: {}", port_, e.what());
      threads_.erase(id);
      absl::MutexLock lock(&mu_);
      open_.erase(fd);
      close(fd);
    }
  }
}

void BulkServer::JoinFinished() {
  std::vector<int> finished;
  {
    absl::MutexLock lock(&mu_);
    finished.swap(finished_);
  }
  for (int id : finished) {
    threads_[id].join();
    threads_.erase(id);
  }
}

void BulkServer::Serve(int id, int fd) {
  // A reader that stops reading is given up.
  SetSocketTimeout(fd, SO_SNDTIMEO, options_.send_stall_timeout);
  std::string hello(kBulkMagic.size() + kBulkTicketBytes, '\0');
  if (ReadExactly(fd, hello.data(), hello.size(), absl::Now() + options_.hello_timeout) &&
      std::string_view(hello).substr(0, kBulkMagic.size()) == kBulkMagic) {
    if (std::optional<OutgoingValue> value = Take(hello.substr(kBulkMagic.size()))) {
      WriteAll(fd, value->data.data(), value->data.size());
    }
  }
  // Anything else (garbage, an unknown or used ticket, a reader that went away) is closed.
  absl::MutexLock lock(&mu_);
  open_.erase(fd);
  close(fd);  // under the lock: Stop() must not shut down a reused descriptor
  finished_.push_back(id);
}

void BulkServer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    for (int fd : open_) shutdown(fd, SHUT_RDWR);          // wakes transfers under way
  }
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& [id, thread] : threads_) thread.join();
  threads_.clear();
  absl::MutexLock lock(&mu_);
  finished_.clear();
  offers_.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

}  // namespace brisk
