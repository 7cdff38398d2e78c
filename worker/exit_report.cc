#include "worker/exit_report.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "brisk/v1/scheduler.grpc.pb.h"
#include "common/auth.h"
#include "spdlog/spdlog.h"

namespace brisk {

int SendExitReport(const std::string& scheduler, const std::string& token, const ChildExit& exit,
                   const ChildRegistration& last) {
  v1::WorkerExitReport report;
  report.set_name(last.name);
  report.set_worker_id(last.worker_id);
  report.set_incarnation(last.incarnation);
  report.set_pid(exit.pid);
  report.set_signal(exit.signal);
  report.set_exit_code(exit.exit_code);
  report.set_oom(exit.oom);
  report.set_text(exit.Text());
  auto stub =
      v1::Scheduler::NewStub(grpc::CreateChannel(scheduler, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  AddAuth(context, token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  context.set_wait_for_ready(true);  // the scheduler may be restarting
  v1::WorkerExitReply reply;
  grpc::Status status = stub->ReportWorkerExit(&context, report, &reply);
  if (!status.ok()) {
    spdlog::warn("nanny: could not tell the scheduler at {} how the worker ended: {}", scheduler,
                 status.error_message());
    return 1;
  }
  return 0;
}

}  // namespace brisk
