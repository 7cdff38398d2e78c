// brisk-worker: parses flags and runs a Worker with the built-in ops until the scheduler says
// shut down, its stream ends, or a signal arrives.
#include <cstdio>
#include <thread>

#include "CLI/CLI.hpp"
#include "common/auth.h"
#include "common/grpc_lifetime.h"
#include "common/logging.h"
#include "common/parse_flags.h"
#include "common/signals.h"
#include "spdlog/spdlog.h"
#include "worker/builtin_ops.h"
#include "worker/worker.h"

int main(int argc, char** argv) {
  brisk::BlockTerminationSignals();
  brisk::KeepGrpcUntilExit();
  CLI::App app{"brisk-worker: runs tasks for a Brisk scheduler and serves their results."};
  brisk::WorkerOptions options;
  std::string memory_limit = "0";
  std::string resources;
  std::string log_level = "info";
  double connect_timeout_s = 30;
  app.add_option("scheduler", options.scheduler, "Scheduler address, host:port")->required();
  app.add_option("--nthreads", options.nthreads, "Executor threads")->capture_default_str();
  app.add_option("--name", options.name, "Worker name (default: its data address)");
  app.add_option("--memory-limit", memory_limit, "Memory limit, e.g. 4GiB, 8e9; 0 = none")
      ->capture_default_str();
  app.add_option("--resources", resources, "Abstract resources, e.g. GPU=2,MEM=16e9");
  app.add_option("--host", options.host, "Address the data service listens on")
      ->capture_default_str();
  app.add_option("--port", options.port, "Data service port; 0 lets the OS choose")
      ->capture_default_str();
  app.add_option("--bulk-port", options.bulk_port,
                 "Port for reading large values at socket speed (on --host; 0 lets the OS choose, "
                 "-1 sends them through the data service port instead)")
      ->capture_default_str()
      ->check(CLI::Range(-1, 65535));
  app.add_option("--contact-host", options.contact_host,
                 "Host peers and clients use to reach this worker (default: --host)");
  app.add_option("--connect-timeout", connect_timeout_s, "Seconds to wait for the scheduler")
      ->capture_default_str();
  double heartbeat_s = absl::ToDoubleSeconds(options.heartbeat);
  app.add_option("--heartbeat-interval", heartbeat_s,
                 "Seconds between reports of memory and running tasks to the scheduler")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->capture_default_str();
  std::string token_file;
  app.add_option("--auth-token-file", token_file,
                 "File holding the cluster's shared token; required to listen on a non-loopback "
                 "host");
  app.set_config("--config", "", "Read options from this TOML or INI file");
  CLI11_PARSE(app, argc, argv);
  brisk::InitLogging(log_level);

  auto limit = brisk::ParseByteSize(memory_limit);
  auto res = brisk::ParseResources(resources);
  if (!limit.ok() || !res.ok()) {
    std::fprintf(stderr, "brisk-worker: %s\n",
                 std::string((!limit.ok() ? limit.status() : res.status()).message()).c_str());
    return 2;
  }
  if (!token_file.empty()) {
    auto token = brisk::ReadTokenFile(token_file);
    if (!token.ok()) {
      std::fprintf(stderr, "brisk-worker: %s\n", std::string(token.status().message()).c_str());
      return 2;
    }
    options.auth_token = *token;
  }
  options.memory_limit = *limit;
  options.resources = *res;
  options.connect_timeout = absl::Seconds(connect_timeout_s);
  options.heartbeat = absl::Seconds(heartbeat_s);

  brisk::OpRegistry ops;
  brisk::RegisterBuiltinOps(ops);
  brisk::Worker worker(options, ops);
  if (absl::Status started = worker.Start(); !started.ok()) {
    std::fprintf(stderr, "brisk-worker: %s\n", std::string(started.message()).c_str());
    return 1;
  }
  std::thread signals([&worker] {
    const int sig = brisk::WaitForTerminationSignal();
    if (sig != 0) spdlog::info("signal {}: stopping", sig);
    worker.Stop();
  });
  worker.Wait();
  brisk::StopWaitingForSignals();
  signals.join();
  return 0;
}
