#include "client/local_cluster.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "spdlog/spdlog.h"
#include "worker/builtin_ops.h"
#include "worker/plugin_loader.h"

namespace brisk {

absl::StatusOr<std::unique_ptr<LocalCluster>> LocalCluster::Start(
    const LocalClusterOptions& options) {
  // The embedded cluster reports only warnings, on standard error, unless the program set up
  // logging itself.
  if (spdlog::default_logger()->name().empty()) InitLogging("warn");
  std::unique_ptr<LocalCluster> cluster(new LocalCluster());
  RegisterBuiltinOps(cluster->ops_);
  for (const std::string& path : options.plugins) {
    if (absl::Status loaded = LoadPlugin(path, cluster->ops_); !loaded.ok()) return loaded;
  }
  SchedulerServerOptions server_options;
  server_options.port = 0;
  cluster->scheduler_ = std::make_unique<SchedulerServer>(server_options);
  absl::Status started = cluster->scheduler_->Start();
  if (!started.ok()) return started;
  for (int i = 0; i < std::max(1, options.workers); ++i) {
    WorkerOptions worker_options;
    worker_options.scheduler = cluster->scheduler_->address();
    worker_options.name = absl::StrCat("local-", i);
    worker_options.nthreads = std::max(1, options.threads_per_worker);
    auto worker = std::make_unique<Worker>(worker_options, cluster->ops_);
    started = worker->Start();
    if (!started.ok()) return started;
    cluster->workers_.push_back(std::move(worker));
  }
  return cluster;
}

LocalCluster::~LocalCluster() {
  for (auto& worker : workers_) worker->Stop();
  workers_.clear();
  if (scheduler_) scheduler_->Stop();
}

}  // namespace brisk
