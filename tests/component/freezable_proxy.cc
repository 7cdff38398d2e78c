#include "tests/component/freezable_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

FreezableProxy::FreezableProxy(int target_port) {
  EXPECT_EQ(pipe2(wake_, O_CLOEXEC), 0);
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(listen(listen_fd_, 16), 0);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this, target_port] {
    while (true) {
      const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        continue;
      }
      const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in target = Loopback(target_port);
      if (connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
        close(client);
        close(server);
        continue;
      }
      absl::MutexLock lock(&mu_);
      fds_.push_back(client);
      fds_.push_back(server);
      pumps_.emplace_back([this, client, server] { Pump(client, server); });
    }
  });
}

FreezableProxy::~FreezableProxy() {
  std::vector<std::thread> pumps;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    pumps.swap(pumps_);
  }
  const char byte = 0;
  EXPECT_EQ(write(wake_[1], &byte, 1), 1);
  acceptor_.join();
  for (std::thread& pump : pumps) pump.join();
  absl::MutexLock lock(&mu_);
  for (std::thread& pump : pumps_) pump.join();  // accepted while stopping
  for (int fd : fds_) close(fd);
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
}

std::string FreezableProxy::address() const { return absl::StrCat("127.0.0.1:", port_); }

void FreezableProxy::Freeze() {
  const char byte = 0;
  EXPECT_EQ(write(wake_[1], &byte, 1), 1);
}

void FreezableProxy::Pump(int a, int b) {
  char buffer[64 << 10];
  while (true) {
    pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 3, -1) < 0 && errno != EINTR) return;
    // The wake pipe is never drained: once written, every pump sees it at once, and stops.
    if (fds[2].revents != 0) return;  // frozen (sockets left open, bytes left unread) or stopping
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        shutdown(a, SHUT_RDWR);
        shutdown(b, SHUT_RDWR);
        return;
      }
      const int to = i == 0 ? b : a;
      for (ssize_t sent = 0; sent < n;) {
        const ssize_t m = send(to, buffer + sent, n - sent, MSG_NOSIGNAL);
        if (m <= 0) return;
        sent += m;
      }
    }
  }
}

}  // namespace brisk
