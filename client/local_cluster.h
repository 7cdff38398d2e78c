// LocalCluster: a scheduler and workers running inside this process on loopback ports chosen by
// the OS — the embedded cluster used when no scheduler address is given.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "brisk/client.h"
#include "brisk/op.h"
#include "scheduler/scheduler_server.h"
#include "worker/worker.h"

namespace brisk {

class LocalCluster {
 public:
  static absl::StatusOr<std::unique_ptr<LocalCluster>> Start(const LocalClusterOptions& options);
  ~LocalCluster();

  const std::string& address() const { return scheduler_->address(); }

 private:
  LocalCluster() = default;
  OpRegistry ops_;
  std::unique_ptr<SchedulerServer> scheduler_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace brisk
