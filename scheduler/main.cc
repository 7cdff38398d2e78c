// brisk-scheduler: parses flags and runs a SchedulerServer until shut down or signalled.
#include <csignal>
#include <cstdio>
#include <thread>

#include "CLI/CLI.hpp"
#include "common/auth.h"
#include "common/grpc_lifetime.h"
#include "common/logging.h"
#include "common/signals.h"
#include "common/version.h"
#include "scheduler/scheduler_server.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  brisk::BlockTerminationSignals();
  brisk::KeepGrpcUntilExit();
  CLI::App app{"brisk-scheduler: the Brisk scheduler daemon. Workers and clients connect to it."};
  brisk::SchedulerServerOptions options;
  std::string log_level = "info";
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port to listen on; 0 lets the OS choose")
      ->capture_default_str();
  app.add_option("--address-file", options.address_file,
                 "Write host:port to this file once listening");
  app.add_option("--worker-saturation", options.scheduler.worker_saturation,
                 "Root tasks per worker thread held on a worker at once")
      ->capture_default_str();
  app.add_option("--no-worker-timeout", options.scheduler.no_worker_timeout_s,
                 "Seconds a task that no connected worker can run (its op, named workers or "
                 "resources are missing) waits before it fails; also queued tasks while no worker "
                 "at all is connected. 0 = wait for a worker to join, however long (the waiting "
                 "clients are told why within seconds either way)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--worker-timeout", options.scheduler.worker_timeout_s,
                 "Seconds a worker may send nothing (not even a heartbeat) before it is removed "
                 "and its work placed again; 0 = never. A worker whose connection closes is "
                 "removed at once")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  double keepalive_s = absl::ToDoubleSeconds(options.keepalive_time);
  double keepalive_timeout_s = absl::ToDoubleSeconds(options.keepalive_timeout);
  app.add_option("--keepalive", keepalive_s,
                 "Seconds between pings on a quiet worker or client connection")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--keepalive-timeout", keepalive_timeout_s,
                 "Seconds a ping may go unanswered before the connection is dropped (its host "
                 "vanished); longer than any stall a peer should survive")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--allowed-failures", options.scheduler.allowed_failures,
                 "A task fails (its dependents with it) on its Nth crash: the Nth time a worker "
                 "it was running on died")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--retire-timeout", options.scheduler.retire_timeout_s,
                 "Seconds a retiring worker gets to finish its tasks and hand its values over "
                 "before it is stopped anyway (what it alone held is then computed again)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--validate", options.scheduler.validate,
               "Check every invariant of the scheduler's state after each event and abort on a "
               "broken one (slow; for debugging)");
  app.add_option("--max-message-mb", options.max_message_bytes, "Largest message accepted, in MiB")
      ->transform([](std::string s) { return std::to_string(std::stoll(s) << 20); });
  app.add_option("--journal", options.journal_path,
                 "Record jobs, finished tasks and published names to this file (created if "
                 "missing) and, on start, restore what it recorded: a scheduler restarted on it "
                 "resumes unfinished jobs with the values reconnecting workers still hold");
  double journal_grace = absl::ToDoubleSeconds(options.journal_grace);
  app.add_option("--journal-grace", journal_grace,
                 "After a restore, seconds to wait for the workers the journal knew to reconnect "
                 "before computing again what they may hold")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--dashboard-port", options.dashboard_port,
                 "Port of the dashboard and Prometheus /metrics (HTTP, on --host, with the same "
                 "token): 0 lets the OS choose, -1 serves none. When the default port is taken, a "
                 "free port is used and logged; a port given here must be free")
      ->check(CLI::Range(-1, 65535))
      ->default_val(brisk::kDefaultDashboardPort);
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->capture_default_str();
  std::string token_file;
  app.add_option("--auth-token-file", token_file,
                 "File holding a shared token every client and worker must present; required to "
                 "listen on a non-loopback host");
  app.set_config("--config", "", "Read options from this TOML or INI file");
  app.set_version_flag("--version", std::string("brisk-scheduler ") + brisk::BriskVersion());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; a bad flag is 2, as for the brisk CLI
  }
  brisk::InitLogging(log_level);
  // Only the default port gives way to another scheduler's dashboard.
  options.dashboard_fall_back = app.count("--dashboard-port") == 0;
  options.keepalive_time = absl::Seconds(keepalive_s);
  options.keepalive_timeout = absl::Seconds(keepalive_timeout_s);
  options.journal_grace = absl::Seconds(journal_grace);

  if (!token_file.empty()) {
    auto token = brisk::ReadTokenFile(token_file);
    if (!token.ok()) {
      std::fprintf(stderr, "brisk-scheduler: %s\n", std::string(token.status().message()).c_str());
      return 2;
    }
    options.auth_token = *token;
  }
  brisk::SchedulerServer server(options);
  if (absl::Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "brisk-scheduler: %s\n", std::string(started.message()).c_str());
    return 1;
  }
  std::thread signals([&server] {
    const int sig = brisk::WaitForTerminationSignal();
    if (sig != 0) spdlog::info("signal {}: stopping", sig);
    server.RequestStop();
  });
  server.Wait();
  server.Stop();
  spdlog::info("scheduler stopped");
  brisk::StopWaitingForSignals();
  signals.join();
  return 0;
}
