// Every effect the worker's state machine (worker/worker_state.h) has on the outside world goes
// through this narrow interface: reports to the scheduler, steal answers, fetches from peers. The
// gRPC shell (worker/worker.h) queues them for its sender and fetch threads; unit tests record
// them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "brisk/v1/scheduler.pb.h"
#include "common/data_chunks.h"

namespace brisk {

// Values fetched from a peer, by key.
using FetchedValues = absl::flat_hash_map<std::string, ValuePtr>;

// Fetch `keys` from the data service at `address`, in one call; answered with
// WorkerState::FetchDone(id, ...).
struct FetchRequest {
  uint64_t id = 0;
  std::string address;
  std::vector<std::string> keys;
};

class WorkerComm {
 public:
  virtual ~WorkerComm() = default;
  // A task ended here: it ran (`nbytes` or `error` set) or its inputs could not be had
  // (`missing` set). For the scheduler.
  virtual void ReportDone(v1::TaskDone done) = 0;
  // The answer to one steal request. For the scheduler.
  virtual void AnswerSteal(v1::StealResponse response) = 0;
  virtual void StartFetch(FetchRequest request) = 0;
  // A value the scheduler asked this worker to acquire is now kept here. For the scheduler.
  virtual void ReportAcquired(v1::HeldValue held) = 0;
};

}  // namespace brisk
