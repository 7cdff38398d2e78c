// WorkerMain: the brisk-worker program (flags, plugins, signals) around a Worker.
#include "brisk/worker_main.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/auth.h"
#include "common/cpu_count.h"
#include "common/grpc_lifetime.h"
#include "common/logging.h"
#include "common/parse_flags.h"
#include "common/signals.h"
#include "common/system_memory.h"
#include "common/version.h"
#include "spdlog/spdlog.h"
#include "worker/builtin_ops.h"
#include "worker/exit_report.h"
#include "worker/nanny.h"
#include "worker/plugin_loader.h"
#include "worker/worker.h"

namespace brisk {

int WorkerMain(int argc, char** argv, const OpRegistry& extra_ops) {
  // Nothing starts a thread or gRPC before the flags are read: --nanny forks first.
  CLI::App app{
      "brisk-worker: runs tasks for a Brisk scheduler and serves their results.\n"
      "SIGTERM (or SIGINT) retires it: the scheduler moves its values still needed to other "
      "workers, then it exits 0; a second signal stops it at once.\n"
      "With --nanny, a supervising parent runs the worker as its child, tells the scheduler how "
      "it died (signal, exit status, out of memory) and starts it again; signal the parent."};
  WorkerOptions options;
  std::string memory_limit = "auto";
  std::string memory_target = "0.6", memory_spill = "0.7", memory_pause = "0.8",
              memory_terminate = "0.95";
  std::string spill_compression = "lz4";
  std::string resources;
  std::string log_level = "info";
  double connect_timeout_s = 30;
  app.add_option("scheduler", options.scheduler, "Scheduler address, host:port")->required();
  options.nthreads = AvailableCores();
  app.add_option("--nthreads", options.nthreads,
                 "Executor threads (default: the cores this process may run on)")
      ->capture_default_str();
  app.add_option("--name", options.name, "Worker name (default: its data address)");
  app.add_option("--memory-limit", memory_limit,
                 "Memory limit: a size (100MB, 4GiB, 8e9), a fraction of the machine's memory "
                 "(0.5), auto (the machine's memory, or its cgroup's limit) or none")
      ->capture_default_str();
  app.add_option("--memory-target", memory_target,
                 "Spill least recently used values when those in memory pass this fraction of the "
                 "limit (off: never)")
      ->capture_default_str();
  app.add_option("--memory-spill", memory_spill,
                 "Spill when the process's resident memory passes this fraction of the limit "
                 "(off: never)")
      ->capture_default_str();
  app.add_option("--memory-pause", memory_pause,
                 "Start no new tasks (but one at a time with none running) and tell the scheduler "
                 "while resident memory is above this fraction of the limit (off: never)")
      ->capture_default_str();
  app.add_option("--memory-terminate", memory_terminate,
                 "Fail the largest running task when resident memory passes this fraction of the "
                 "limit (off: never)")
      ->capture_default_str();
  app.add_option("--local-dir", options.local_dir,
                 "Directory for spilled values; the worker spills into a fresh directory inside "
                 "it and removes that on exit (default: $TMPDIR, else /tmp)");
  app.add_option("--spill-compression", spill_compression,
                 "Compression of spilled values where it pays: lz4, zstd or none")
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
  double scheduler_timeout_s = absl::ToDoubleSeconds(options.scheduler_timeout);
  app.add_option("--scheduler-timeout", scheduler_timeout_s,
                 "Seconds to keep trying to register again after the scheduler went away "
                 "(its stream ended without a shutdown) before exiting; values are kept "
                 "meanwhile")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  double keepalive_s = absl::ToDoubleSeconds(options.keepalive_time);
  double keepalive_timeout_s = absl::ToDoubleSeconds(options.keepalive_timeout);
  app.add_option("--keepalive", keepalive_s,
                 "Seconds between pings on a quiet scheduler connection")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--keepalive-timeout", keepalive_timeout_s,
                 "Seconds a ping may go unanswered before the scheduler counts as gone (then the "
                 "worker reconnects); longer than any stall of the scheduler it should ride out")
      ->check(CLI::PositiveNumber)
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
  std::vector<std::string> plugins;
  app.add_option("--plugin", plugins,
                 "Load ops from this shared library (a Brisk plugin); repeatable. In a config "
                 "file: plugin = [\"a.so\", \"b.so\"]");
  bool nanny = false;
  NannyOptions nanny_options;
  app.add_flag("--nanny", nanny,
               "Run the worker as the child of a supervising parent (this process): when the "
               "worker dies, the parent tells the scheduler how (signal, exit status, out of "
               "memory: shown by `brisk logs` and `brisk tasks`) and starts it again under the "
               "same name. SIGTERM/SIGINT to the parent retire the worker; the parent exits with "
               "it");
  app.add_option("--nanny-restarts", nanny_options.max_restarts,
                 "With --nanny: restarts after abnormal ends (back-off from 0.5 s, doubling to "
                 "30 s; a worker that ran 10 minutes resets the count), then the parent exits "
                 "with the worker's status (128 + signal when killed)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.set_config("--config", "", "Read options from this TOML or INI file");
  app.set_version_flag("--version", std::string("brisk-worker ") + BriskVersion());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; a bad flag is 2, as for the brisk CLI
  }
  InitLogging(log_level);

  // One worker per process for now: `auto` is all of the machine's memory (a worker command that
  // starts several would divide it among them).
  auto limit = ParseMemoryLimit(memory_limit, MachineMemoryBytes());
  auto res = ParseResources(resources);
  auto target = ParseMemoryFraction("--memory-target", memory_target);
  auto spill = ParseMemoryFraction("--memory-spill", memory_spill);
  auto pause = ParseMemoryFraction("--memory-pause", memory_pause);
  auto terminate = ParseMemoryFraction("--memory-terminate", memory_terminate);
  auto codec = ParseCodec(spill_compression);
  for (const absl::Status& status : {limit.status(), res.status(), target.status(), spill.status(),
                                     pause.status(), terminate.status(), codec.status()}) {
    if (!status.ok()) {
      std::fprintf(stderr, "brisk-worker: %s\n", std::string(status.message()).c_str());
      return 2;
    }
  }
  options.memory.target = *target;
  options.memory.spill = *spill;
  options.memory.pause = *pause;
  options.memory.terminate = *terminate;
  options.spill_compression = *codec;
  if (!token_file.empty()) {
    auto token = ReadTokenFile(token_file);
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
  options.scheduler_timeout = absl::Seconds(scheduler_timeout_s);
  options.keepalive_time = absl::Seconds(keepalive_s);
  options.keepalive_timeout = absl::Seconds(keepalive_timeout_s);

  if (nanny) {
    // The supervising parent: single-threaded, no gRPC (a report is sent from a forked process).
    std::ifstream cgroup("/proc/self/cgroup");
    std::stringstream cgroup_text;
    cgroup_text << cgroup.rdbuf();
    nanny_options.oom_counter = FindOomCounter(cgroup_text.str(), "/sys/fs/cgroup");
    if (nanny_options.oom_counter.empty()) {
      spdlog::info(
          "brisk-worker nanny: no cgroup OOM kill counter readable: a SIGKILL will not be "
          "known to be out of memory");
    }
    const std::string scheduler = options.scheduler, token = options.auth_token;
    NannyRun run = RunNanny(nanny_options, [&](const ChildExit& exit,
                                               const ChildRegistration& last) {
      RunForked([&] { return SendExitReport(scheduler, token, exit, last); }, absl::Seconds(10));
    });
    if (!run.child) return run.exit_status;
    // The worker, in the child: under the name the earlier ones had (their default, the data
    // address, changes with the port), telling the parent each registration.
    if (options.name.empty()) options.name = run.name;
    options.on_registered = [fd = run.registration_fd](const v1::WorkerRegistered& registered,
                                                       const std::string& name) {
      WriteRegistration(fd, {registered.worker_id(), registered.incarnation(), name});
    };
  }
  BlockTerminationSignals();
  KeepGrpcUntilExit();

  OpRegistry ops;
  RegisterBuiltinOps(ops);
  if (absl::Status added = ops.Add(extra_ops); !added.ok()) {
    std::fprintf(stderr, "brisk-worker: %s (a built-in)\n", std::string(added.message()).c_str());
    return 1;
  }
  for (const std::string& path : plugins) {
    if (absl::Status loaded = LoadPlugin(path, ops); !loaded.ok()) {
      std::fprintf(stderr, "brisk-worker: %s\n", std::string(loaded.message()).c_str());
      return 1;
    }
  }
  Worker worker(options, ops);
  if (absl::Status started = worker.Start(); !started.ok()) {
    std::fprintf(stderr, "brisk-worker: %s\n", std::string(started.message()).c_str());
    return 1;
  }
  // The first SIGTERM (or SIGINT) retires the worker: the scheduler moves its work and values
  // elsewhere, then tells it to exit. A second one stops it at once.
  std::thread signals([&worker] {
    int sig = WaitForTerminationSignal();
    if (sig != 0) {
      spdlog::info(
          "signal {}: retiring (handing values over to other workers; a second signal "
          "stops at once)",
          sig);
      worker.Retire("signal " + std::to_string(sig));
      sig = WaitForTerminationSignal();
      if (sig != 0) {
        spdlog::warn("signal {} again: stopping now; values not handed over are lost", sig);
      }
    }
    worker.Stop();
  });
  worker.Wait();
  StopWaitingForSignals();
  signals.join();
  if (absl::Status status = worker.exit_status(); !status.ok()) {
    std::fprintf(stderr, "brisk-worker: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace brisk
