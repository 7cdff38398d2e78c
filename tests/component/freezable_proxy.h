// FreezableProxy: a TCP forwarder on 127.0.0.1:0 in front of another loopback port. Freeze()
// makes it stop passing bytes either way without closing anything, which is what a peer looks
// like when its host vanishes (no FIN, no RST): only keepalive pings can find that out.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace brisk {

class FreezableProxy {
 public:
  // Forwards to 127.0.0.1:`target_port`; a test failure when it cannot listen.
  explicit FreezableProxy(int target_port);
  ~FreezableProxy();
  FreezableProxy(const FreezableProxy&) = delete;
  FreezableProxy& operator=(const FreezableProxy&) = delete;

  // "127.0.0.1:port" to connect to instead of the target.
  std::string address() const;
  // From now on no byte passes, in either direction, on any connection.
  void Freeze();

 private:
  void AcceptLoop();
  // Copies bytes between `a` and `b` until either side closes, the proxy freezes or stops.
  void Pump(int a, int b);

  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};  // a pipe: written once to wake every poll() on Freeze or stop
  std::thread acceptor_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<int> fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk
