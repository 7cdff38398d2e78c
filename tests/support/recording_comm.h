// RecordingComm: a SchedulerComm that keeps every batch the scheduler sends, per destination and
// in order, for tests that drive SchedulerState directly.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "brisk/v1/scheduler.pb.h"
#include "scheduler/scheduler_comm.h"

namespace brisk {

class RecordingComm : public SchedulerComm {
 public:
  void SendToWorker(WorkerId worker, v1::SchedulerToWorker batch) override {
    to_worker[worker].push_back(std::move(batch));
  }
  void SendToClient(ClientId client, v1::SchedulerToClient batch) override {
    to_client[client].push_back(std::move(batch));
  }
  std::map<WorkerId, std::vector<v1::SchedulerToWorker>> to_worker;
  std::map<ClientId, std::vector<v1::SchedulerToClient>> to_client;
};

}  // namespace brisk
