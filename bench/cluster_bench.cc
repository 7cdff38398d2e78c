// cluster_bench: the Dask reference workloads on a real local Brisk cluster — one brisk-scheduler
// and two brisk-worker processes with one thread each, as the Dask script runs its cluster —
// driven through the C++ client over gRPC. Prints one JSON line per workload on stdout (median,
// min and max of --repeat runs, in the Dask script's format), progress on stderr.
//
//   cluster_bench [--bin-dir DIR] [--quick] [--repeat N] [--only W1,W2] [--skip-1m]
//
// Workloads: startup, independent, chain, tree, shuffle, transfer, transfer_array,
// scheduler_memory, independent_1m (see bench/README.md). The throughput workloads share one
// cluster; startup and the two memory workloads start a fresh cluster per run, so that earlier work
// does not skew the scheduler's resident memory.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/json_line.h"
#include "bench/process_cluster.h"
#include "bench/run_stats.h"
#include "bench/workloads.h"

namespace brisk::bench {
namespace {

const std::vector<std::string>& AllWorkloads() {
  static const std::vector<std::string> kAll = {
      "startup",        "independent",      "chain",         "tree", "shuffle", "transfer",
      "transfer_array", "scheduler_memory", "independent_1m"};
  return kAll;
}

// Workload sizes: the Dask script's, and its --quick ones.
struct Sizes {
  int64_t independent = 20'000;
  int64_t chain = 1'000;
  int64_t tree_leaves = 10'000;
  int tree_fan_in = 8;
  int shuffle_partitions = 100;
  int64_t shuffle_rows = 1'000;
  int64_t transfer_bytes = 100'000'000;
  // transfer_array: a bytes value and a float64 array of this size, moved alternately.
  int64_t transfer_array_bytes = 400'000'000;
  int64_t memory_tasks = 100'000;
  int64_t independent_1m = 1'000'000;

  static Sizes Quick() {
    Sizes s;
    s.independent = 5'000;
    s.tree_leaves = 2'000;
    s.shuffle_partitions = 30;
    s.memory_tasks = 20'000;
    s.independent_1m = 100'000;
    s.transfer_array_bytes = 100'000'000;
    return s;
  }
};

struct Flags {
  std::string bin_dir;
  bool quick = false;
  int repeat = 3;
  std::vector<std::string> only;
  bool skip_1m = false;
  bool keep_logs = false;
  double timeout_s = 600;
  bool journal = false;
};

void Progress(const std::string& message) {
  std::fprintf(stderr, "cluster_bench: %s\n", message.c_str());
  std::fflush(stderr);
}

class Bench {
 public:
  Bench(Flags flags, std::string work_dir)
      : flags_(std::move(flags)),
        sizes_(flags_.quick ? Sizes::Quick() : Sizes()),
        work_dir_(std::move(work_dir)) {}

  // Runs the selected workloads in order; false when any failed.
  bool RunAll() {
    const std::set<std::string> only(flags_.only.begin(), flags_.only.end());
    bool all_ok = true;
    for (const std::string& workload : AllWorkloads()) {
      if (!only.empty() && !only.contains(workload)) continue;
      if (workload == "independent_1m" && flags_.skip_1m) continue;
      absl::Status status = Run(workload);
      if (!status.ok()) {
        all_ok = false;
        Progress(absl::StrCat(workload, " FAILED: ", status.ToString()));
        Line(workload).Set("error", std::string(status.ToString())).Print();
        // The shared cluster may be in any state now: the next workload gets a fresh one.
        StopShared();
      }
    }
    StopShared();
    return all_ok;
  }

 private:
  JsonLine Line(const std::string& workload) {
    JsonLine line(workload);
    line.Set("engine", "brisk");
    return line;
  }

  RunOptions Options(Client& client, const std::string& prefix) {
    RunOptions run;
    run.client = &client;
    run.prefix = prefix;
    run.timeout = absl::Seconds(flags_.timeout_s);
    return run;
  }

  absl::StatusOr<std::unique_ptr<ProcessCluster>> NewCluster() {
    ProcessClusterOptions options;
    options.bin_dir = flags_.bin_dir;
    options.dir = absl::StrCat(work_dir_, "/cluster-", clusters_++);
    options.journal = flags_.journal;
    return ProcessCluster::Start(options);
  }

  absl::StatusOr<ProcessCluster*> Shared() {
    if (shared_ == nullptr) {
      auto cluster = NewCluster();
      if (!cluster.ok()) return cluster.status();
      shared_ = std::move(*cluster);
      Progress(
          absl::StrCat("cluster up in ", shared_->dir(), " (", shared_->startup_seconds(), " s)"));
    }
    return shared_.get();
  }

  void StopShared() {
    if (shared_ == nullptr) return;
    absl::Status stopped = shared_->Stop();
    if (!stopped.ok()) Progress(absl::StrCat("stopping the cluster: ", stopped.ToString()));
    shared_.reset();
  }

  // Calls `once(run_index)` --repeat times; the runs' values.
  absl::StatusOr<std::vector<double>> Repeat(
      const std::string& workload, const std::string& unit,
      const std::function<absl::StatusOr<double>(int)>& once) {
    std::vector<double> runs;
    for (int r = 0; r < flags_.repeat; ++r) {
      auto value = once(r);
      if (!value.ok()) return value.status();
      Progress(absl::StrCat(workload, " run ", r + 1, "/", flags_.repeat, ": ", Round(*value, 3),
                            " ", unit));
      runs.push_back(*value);
    }
    return runs;
  }

  // A run on the shared cluster.
  std::function<absl::StatusOr<double>(int)> OnShared(
      const std::string& name, const std::function<absl::StatusOr<double>(const RunOptions&)>& fn) {
    return [this, name, fn](int r) -> absl::StatusOr<double> {
      auto cluster = Shared();
      if (!cluster.ok()) return cluster.status();
      absl::StatusOr<double> value = fn(Options((*cluster)->client(), absl::StrCat(name, r)));
      if (!value.ok()) return value;
      if (absl::Status alive = (*cluster)->CheckAlive(); !alive.ok()) return alive;
      return value;
    };
  }

  absl::Status Run(const std::string& workload) {
    const Sizes& s = sizes_;
    if (workload == "startup") {
      auto runs = Repeat(workload, "s", [this](int) -> absl::StatusOr<double> {
        auto cluster = NewCluster();
        if (!cluster.ok()) return cluster.status();
        const double seconds = (*cluster)->startup_seconds();
        if (absl::Status stopped = (*cluster)->Stop(); !stopped.ok()) return stopped;
        return seconds;
      });
      if (!runs.ok()) return runs.status();
      Line(workload)
          .Set("seconds", Summarize(*runs), 4)
          .Set("nproc", std::thread::hardware_concurrency())
          .Set("workers", 2)
          .Set("threads_per_worker", 1)
          .Print();
      return absl::OkStatus();
    }
    if (workload == "independent") {
      auto runs = Repeat(workload, "tasks/s", OnShared("ind", [&](const RunOptions& run) {
                           return RunIndependent(run, s.independent);
                         }));
      if (!runs.ok()) return runs.status();
      Line(workload).Set("tasks", s.independent).Set("tasks_per_s", Summarize(*runs), 0).Print();
      return absl::OkStatus();
    }
    if (workload == "chain") {
      auto runs =
          Repeat(workload, "us/hop",
                 OnShared("chain", [&](const RunOptions& run) { return RunChain(run, s.chain); }));
      if (!runs.ok()) return runs.status();
      Line(workload).Set("tasks", s.chain).Set("us_per_hop", Summarize(*runs), 1).Print();
      return absl::OkStatus();
    }
    if (workload == "tree") {
      auto runs = Repeat(workload, "tasks/s", OnShared("tree", [&](const RunOptions& run) {
                           return RunTree(run, s.tree_leaves, s.tree_fan_in);
                         }));
      if (!runs.ok()) return runs.status();
      Line(workload)
          .Set("leaves", s.tree_leaves)
          .Set("fan_in", s.tree_fan_in)
          .Set("tasks_per_s", Summarize(*runs), 0)
          .Print();
      return absl::OkStatus();
    }
    if (workload == "shuffle") {
      auto runs = Repeat(workload, "s", OnShared("shuf", [&](const RunOptions& run) {
                           return RunShuffle(run, s.shuffle_partitions, s.shuffle_rows);
                         }));
      if (!runs.ok()) return runs.status();
      const int64_t p = s.shuffle_partitions;
      const int64_t tasks = p + p + p * p + p + p;
      const RunStats stats = Summarize(*runs);
      Line(workload)
          .Set("partitions", p)
          .Set("rows_per_partition", s.shuffle_rows)
          .Set("tasks", tasks)
          .Set("tasks_per_s", Round(tasks / stats.median, 0))
          .Set("seconds", stats, 4)
          .Print();
      return absl::OkStatus();
    }
    if (workload == "transfer") {
      auto runs = Repeat(workload, "MB/s", OnShared("xfer", [&](const RunOptions& run) {
                           return RunTransfer(run, s.transfer_bytes, "w0", "w1");
                         }));
      if (!runs.ok()) return runs.status();
      Line(workload).Set("bytes", s.transfer_bytes).Set("MB_per_s", Summarize(*runs), 0).Print();
      return absl::OkStatus();
    }
    if (workload == "transfer_array") {
      // Bytes and array runs alternate, so that both see the same machine, and which of the two
      // goes first alternates too (the second of a pair may find memory the first freed); each
      // pair's rates give one ratio.
      std::vector<double> bytes_rates, array_rates;
      auto runs = Repeat(workload, "array/bytes", [&](int r) -> absl::StatusOr<double> {
        auto once = [&](TransferKind kind) {
          const bool is_array = kind == TransferKind::kFloat64Array;
          return OnShared(absl::StrCat(is_array ? "xfera" : "xferb", r),
                          [&](const RunOptions& run) {
                            return RunTransfer(run, s.transfer_array_bytes, "w0", "w1", kind);
                          })(r);
        };
        absl::StatusOr<double> bytes, array;
        if (r % 2 == 0) {
          bytes = once(TransferKind::kBytes);
          if (bytes.ok()) array = once(TransferKind::kFloat64Array);
        } else {
          array = once(TransferKind::kFloat64Array);
          if (array.ok()) bytes = once(TransferKind::kBytes);
        }
        if (!bytes.ok()) return bytes.status();
        if (!array.ok()) return array.status();
        Progress(absl::StrCat(workload, " run ", r + 1, ": bytes ", Round(*bytes / 1e3, 3),
                              " GB/s, float64 array ", Round(*array / 1e3, 3), " GB/s"));
        bytes_rates.push_back(*bytes / 1e3);
        array_rates.push_back(*array / 1e3);
        return *array / *bytes;
      });
      if (!runs.ok()) return runs.status();
      Line(workload)
          .Set("bytes", s.transfer_array_bytes)
          .Set("bytes_GB_per_s", Summarize(bytes_rates), 3)
          .Set("array_GB_per_s", Summarize(array_rates), 3)
          .Set("array_over_bytes", Summarize(*runs), 3)
          .Print();
      return absl::OkStatus();
    }
    if (workload == "scheduler_memory") {
      auto runs = Repeat(workload, "bytes/task", [&](int r) -> absl::StatusOr<double> {
        auto cluster = NewCluster();
        if (!cluster.ok()) return cluster.status();
        auto value = RunSchedulerMemory(Options((*cluster)->client(), absl::StrCat("mem", r)),
                                        (*cluster)->scheduler_pid(), s.memory_tasks);
        if (absl::Status stopped = (*cluster)->Stop(); value.ok() && !stopped.ok()) return stopped;
        return value;
      });
      if (!runs.ok()) return runs.status();
      Line(workload)
          .Set("tasks", s.memory_tasks)
          .Set("bytes_per_task", Summarize(*runs), 0)
          .Print();
      return absl::OkStatus();
    }
    if (workload == "independent_1m") {
      std::vector<double> memory;
      auto runs = Repeat(workload, "tasks/s", [&](int r) -> absl::StatusOr<double> {
        auto cluster = NewCluster();
        if (!cluster.ok()) return cluster.status();
        auto value = RunIndependentWithMemory(Options((*cluster)->client(), absl::StrCat("m", r)),
                                              (*cluster)->scheduler_pid(), s.independent_1m);
        absl::Status stopped = (*cluster)->Stop();
        if (!value.ok()) return value.status();
        if (!stopped.ok()) return stopped;
        Progress(absl::StrCat(workload, " run ", r + 1, ": scheduler ",
                              Round(value->scheduler_bytes_per_task, 0), " bytes/task"));
        memory.push_back(value->scheduler_bytes_per_task);
        return value->tasks_per_s;
      });
      if (!runs.ok()) return runs.status();
      Line(workload)
          .Set("tasks", s.independent_1m)
          .Set("tasks_per_s", Summarize(*runs), 0)
          .Set("scheduler_bytes_per_task", Summarize(memory), 0)
          .Print();
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown workload ", workload));
  }

  const Flags flags_;
  const Sizes sizes_;
  const std::string work_dir_;
  int clusters_ = 0;
  std::unique_ptr<ProcessCluster> shared_;
};

}  // namespace
}  // namespace brisk::bench

int main(int argc, char** argv) {
  using brisk::bench::AllWorkloads;
  CLI::App app{
      "cluster_bench: the Dask reference workloads on a local Brisk cluster (1 scheduler, 2 "
      "workers with 1 thread each), one JSON line per workload"};
  brisk::bench::Flags flags;
  flags.bin_dir = brisk::bench::ExecutableDir();
  std::string only;
  app.add_option("--bin-dir", flags.bin_dir, "Directory of brisk-scheduler and brisk-worker")
      ->capture_default_str();
  app.add_flag("--quick", flags.quick, "Smaller sizes, as the Dask script's --quick");
  app.add_option("--repeat", flags.repeat, "Runs per workload (median, min, max reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option(
      "--only", only,
      absl::StrCat("Comma-separated workloads to run, of: ", absl::StrJoin(AllWorkloads(), ",")));
  app.add_flag("--skip-1m", flags.skip_1m, "Skip independent_1m");
  app.add_flag("--keep-logs", flags.keep_logs, "Keep the daemons' logs (else removed on success)");
  app.add_flag("--journal", flags.journal,
               "The scheduler keeps a journal (brisk-scheduler --journal), to measure its cost");
  app.add_option("--timeout", flags.timeout_s, "Seconds one run may take before it is an error")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  CLI11_PARSE(app, argc, argv);
  for (absl::string_view w : absl::StrSplit(only, ',', absl::SkipWhitespace())) {
    if (std::find(AllWorkloads().begin(), AllWorkloads().end(), w) == AllWorkloads().end()) {
      std::fprintf(stderr, "cluster_bench: unknown workload \"%s\"; known: %s\n",
                   std::string(w).c_str(), absl::StrJoin(AllWorkloads(), ", ").c_str());
      return 2;
    }
    flags.only.emplace_back(w);
  }
  auto work_dir = brisk::bench::MakeWorkDir();
  if (!work_dir.ok()) {
    std::fprintf(stderr, "cluster_bench: %s\n", work_dir.status().ToString().c_str());
    return 1;
  }
  const bool keep_logs = flags.keep_logs;
  brisk::bench::Bench bench(std::move(flags), *work_dir);
  const bool ok = bench.RunAll();
  if (ok && !keep_logs) {
    std::error_code ec;
    std::filesystem::remove_all(*work_dir, ec);
  } else {
    brisk::bench::Progress(absl::StrCat("daemon logs kept in ", *work_dir));
  }
  return ok ? 0 : 1;
}
