#include "scheduler/scheduler_server.h"

#include "absl/strings/str_cat.h"
#include "common/address_file.h"
#include "common/auth.h"
#include "scheduler/journal_replay.h"
#include "spdlog/spdlog.h"

namespace brisk {

SchedulerServer::SchedulerServer(SchedulerServerOptions options) : options_(std::move(options)) {}

SchedulerServer::~SchedulerServer() { Stop(); }

absl::Status SchedulerServer::Start() {
  if (absl::Status allowed = CheckListenAllowed(options_.host, options_.auth_token);
      !allowed.ok()) {
    return allowed;
  }
  service_ = std::make_unique<SchedulerService>(options_.auth_token, [this] { RequestStop(); });
  state_ = std::make_unique<SchedulerState>(*service_, RealClock::Get(), options_.scheduler);
  if (!options_.journal_path.empty()) {
    // Restored before the loop runs and before anything connects.
    JournalReplay replay(options_.scheduler.job_history);
    absl::StatusOr<std::unique_ptr<Journal>> journal = Journal::Open(
        options_.journal_path, [&replay](const v1::JournalRecord& r) { replay.Apply(r); });
    if (!journal.ok()) return journal.status();
    if (absl::Status restored = state_->Restore(replay, options_.journal_grace); !restored.ok()) {
      return restored;
    }
    journal_ = std::move(*journal);
    state_->SetJournal(journal_.get());
  }
  loop_ = std::make_unique<EventLoop>(*state_);
  service_->SetLoop(loop_.get());
  loop_->Start();

  if (options_.dashboard_port >= 0) {
    snapshots_ = std::make_unique<SnapshotExchange>(*loop_);
    DashboardOptions dashboard;
    dashboard.host = options_.host;
    dashboard.port = options_.dashboard_port;
    dashboard.fall_back = options_.dashboard_fall_back;
    dashboard.token = options_.auth_token;
    dashboard_ = std::make_unique<DashboardServer>(dashboard, *snapshots_);
    if (absl::Status started = dashboard_->Start(); !started.ok()) {
      dashboard_.reset();
      loop_->Stop();
      return started;
    }
    service_->SetDashboardUrl(dashboard_->url());
  }

  grpc::ServerBuilder builder;
  int port = 0;
  const std::string host = options_.host.find(':') != std::string::npos
                               ? absl::StrCat("[", options_.host, "]")
                               : options_.host;
  builder.AddListeningPort(absl::StrCat(host, ":", options_.port),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service_.get());
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(-1);
  // A vanished worker or client host is found within keepalive_time + keepalive_timeout.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(options_.keepalive_time)));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options_.keepalive_timeout)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    if (dashboard_) dashboard_->Stop();
    loop_->Stop();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":", options_.port,
                                               " (in use or not an address here)"));
  }
  address_ = absl::StrCat(host, ":", port);
  spdlog::info("scheduler listening on {}", address_);
  if (!options_.address_file.empty()) {
    absl::Status written = WriteAddressFile(options_.address_file, address_);
    if (!written.ok()) return written;
  }
  return absl::OkStatus();
}

void SchedulerServer::Wait() { stop_requested_.WaitForNotification(); }

void SchedulerServer::RequestStop() {
  if (!stop_requested_.HasBeenNotified()) stop_requested_.Notify();
}

void SchedulerServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (dashboard_) dashboard_->Stop();  // while the loop still answers its requests
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (loop_) loop_->Stop();
  if (journal_) journal_->Sync();  // the loop is stopped: nothing records any more
}

}  // namespace brisk
