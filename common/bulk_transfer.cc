#include "common/bulk_transfer.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/data_chunks.h"

namespace brisk {
namespace {

constexpr absl::Duration kConnectTimeout = absl::Seconds(3);

// A connected socket, or -1 with `error` set.
int Connect(const std::string& host, uint32_t port, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    error = gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    SetSocketTimeout(fd, SO_SNDTIMEO, kConnectTimeout);  // bounds connect() too
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    error = std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

}  // namespace

std::string HostOf(const std::string& address) {
  return Unbracketed(address.substr(0, address.rfind(':')));
}

std::string Unbracketed(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

void SetSocketTimeout(int fd, int option, absl::Duration timeout) {
  timeval tv = absl::ToTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

absl::Status BulkRead(const std::string& host, uint32_t port, const std::string& ticket,
                      uint64_t size, std::string& out, absl::Duration stall_timeout) {
  const std::string where = absl::StrCat(host, ":", port);
  std::string error;
  const int fd = Connect(host, port, error);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("bulk port ", where, ": ", error));
  const std::string hello = std::string(kBulkMagic) + ticket;
  absl::Status status = absl::OkStatus();
  if (send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(hello.size())) {
    status = absl::UnavailableError(absl::StrCat("bulk port ", where, ": ", std::strerror(errno)));
  } else {
    SetSocketTimeout(fd, SO_RCVTIMEO, stall_timeout);
    out.clear();
    ReserveForValue(out, size);
    uint64_t got = 0;
    while (got < size) {
      // Grown a piece at a time (within the reserved room), so the piece is still in the cache
      // when the socket's bytes are copied over it.
      const uint64_t want = std::min<uint64_t>(size - got, kBulkIoBytes);
      out.resize(got + want);
      const ssize_t n = recv(fd, out.data() + got, want, 0);
      out.resize(got + std::max<ssize_t>(n, 0));
      if (n > 0) {
        got += static_cast<uint64_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        status = absl::UnavailableError(
            absl::StrCat("bulk read from ", where, " ended after ", got, " of ", size, " bytes",
                         n < 0 ? absl::StrCat(": ", std::strerror(errno)) : ""));
        break;
      }
    }
  }
  close(fd);
  return status;
}

}  // namespace brisk
