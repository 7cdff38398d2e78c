// Every effect the scheduler's state machine has on the outside world goes through this narrow
// interface: one batch per destination per scheduling pass. The gRPC adapter implements it; unit
// tests record what was sent.
#pragma once

#include <cstdint>

#include "brisk/v1/scheduler.pb.h"

namespace brisk {

using WorkerId = uint32_t;
using ClientId = uint64_t;
using JobId = uint64_t;

class SchedulerComm {
 public:
  virtual ~SchedulerComm() = default;
  virtual void SendToWorker(WorkerId worker, v1::SchedulerToWorker batch) = 0;
  virtual void SendToClient(ClientId client, v1::SchedulerToClient batch) = 0;
};

}  // namespace brisk
