// BulkServer: the worker's bulk port. Serves large values to peers and clients over plain TCP,
// straight from the stored value, each under a single-use ticket the data service handed out in
// an authenticated GetData call (common/bulk_transfer.h has the protocol and the reasons).
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/data_chunks.h"

namespace brisk {

// What a BulkServer waits for and how long; the defaults are what workers run with.
struct BulkServerOptions {
  // A connection must send its whole hello (magic and ticket) within this; else it is closed,
  // so that slow or silent connections cannot hold the connection slots for long. A duration
  // rather than a Clock: the wait is a poll() on the socket, which only real time can end, so
  // tests shorten it (to milliseconds) instead of faking time.
  absl::Duration hello_timeout = absl::Seconds(2);
  // How long an offer waits to be read (expired offers are dropped on the next Offer or Take).
  absl::Duration offer_lifetime = absl::Seconds(60);
  // A reader that takes no bytes for this long is given up.
  absl::Duration send_stall_timeout = absl::Seconds(60);
  // Connections served at once; more are closed at once.
  int max_connections = 64;
  // Tells the offers' age; tests pass a fake one to expire offers without waiting. Must outlive
  // the server.
  const Clock* clock = &RealClock::Get();
};

class BulkServer {
 public:
  BulkServer() : BulkServer(BulkServerOptions()) {}
  explicit BulkServer(BulkServerOptions options) : options_(options) {}
  ~BulkServer();
  BulkServer(const BulkServer&) = delete;
  BulkServer& operator=(const BulkServer&) = delete;

  // Listens on `host`:`port` (0: any free port) and starts accepting; returns the port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // Offers `value` for one read; returns the ticket.
  std::string Offer(OutgoingValue value);
  // Stops accepting, breaks off transfers under way and waits for their threads. Idempotent.
  void Stop();

  int port() const { return port_; }

 private:
  struct PendingOffer {
    OutgoingValue value;
    absl::Time expires;
  };

  void AcceptLoop();
  void Serve(int id, int fd);
  // Joins the connection threads that have finished (acceptor thread; or Stop, after it).
  void JoinFinished();
  // The offer under `ticket`, taken (a ticket is good once); empty when there is none.
  std::optional<OutgoingValue> Take(const std::string& ticket);
  // Forgets the offers nobody came for in time; returns the time it went by.
  absl::Time DropExpiredOffers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const BulkServerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  absl::flat_hash_map<int, std::thread> threads_;  // by id; touched by the acceptor, then Stop
  int next_id_ = 0;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, PendingOffer> offers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<int> open_ ABSL_GUARDED_BY(mu_);  // sockets being served
  std::vector<int> finished_ ABSL_GUARDED_BY(mu_);      // ids of threads done serving
};

}  // namespace brisk
