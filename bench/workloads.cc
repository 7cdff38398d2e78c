#include "bench/workloads.h"

#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/resident_memory.h"
#include "bench/workload_graphs.h"
#include "common/state_names.h"

namespace brisk::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Waits for the job to finish: an error with the job's task counts per state when it is still
// running after the timeout, the first failed key's error when it did not finish.
absl::Status AwaitFinished(const RunOptions& run, const Job& job) {
  auto state = run.client->Wait(job.id, run.timeout);
  if (!state.ok()) {
    if (!absl::IsDeadlineExceeded(state.status())) return state.status();
    std::string counts = "unknown";
    if (auto info = run.client->GetJob(job.id, /*include_tasks=*/false); info.ok()) {
      counts = absl::StrJoin(info->task_states(), ", ",
                             [](std::string* out, const v1::TaskStateCount& c) {
                               absl::StrAppend(out, StateName(c.state()), ": ", c.count());
                             });
    }
    return absl::DeadlineExceededError(
        absl::StrCat("job ", job.id, " (", run.prefix, ") still running after ",
                     absl::FormatDuration(run.timeout), "; tasks per state: ", counts));
  }
  if (*state == v1::JOB_STATE_FINISHED) return absl::OkStatus();
  auto values = run.client->Gather(job.outputs);  // names the failed key
  return absl::InternalError(
      absl::StrCat("job ", job.id, " (", run.prefix, ") ", StateName(*state), ": ",
                   values.ok() ? "no failed output" : values.status().message()));
}

absl::StatusOr<std::vector<ValuePtr>> SubmitAndGather(const RunOptions& run, const v1::Graph& graph,
                                                      Job* job_out) {
  auto job = run.client->Submit(graph);
  if (!job.ok()) return job.status();
  *job_out = *job;
  if (absl::Status finished = AwaitFinished(run, *job); !finished.ok()) return finished;
  return run.client->Gather(job->outputs);
}

absl::Status WrongResult(const RunOptions& run, const std::string& what, int64_t got,
                         int64_t expected) {
  return absl::InternalError(absl::StrCat("wrong result in ", run.prefix, ": ", what, " is ", got,
                                          ", expected ", expected));
}

absl::Status CheckInt(const RunOptions& run, const std::string& key, const ValuePtr& value,
                      int64_t expected) {
  if (value == nullptr || value->kind_case() != v1::Value::kInt) {
    return absl::InternalError(
        absl::StrCat("wrong result in ", run.prefix, ": ", key,
                     " is not an int: ", value == nullptr ? "missing" : value->ShortDebugString()));
  }
  if (value->int_() != expected) return WrongResult(run, key, value->int_(), expected);
  return absl::OkStatus();
}

// Independent tasks: submit, gather, check every value; the seconds it took. The caller releases
// `job`.
absl::StatusOr<double> TimedIndependent(const RunOptions& run, int64_t n, Job& job) {
  const v1::Graph graph = IndependentGraph(run.prefix, n);
  const auto start = SteadyClock::now();
  auto values = SubmitAndGather(run, graph, &job);
  const double seconds = SecondsSince(start);
  if (!values.ok()) return values.status();
  if (static_cast<int64_t>(values->size()) != n) {
    return WrongResult(run, "the number of outputs", values->size(), n);
  }
  for (int64_t i = 0; i < n; ++i) {
    if (absl::Status s = CheckInt(run, job.outputs[i].key, (*values)[i], i + 1); !s.ok()) return s;
  }
  return seconds;
}

}  // namespace

absl::StatusOr<double> RunIndependent(const RunOptions& run, int64_t n) {
  Job job;
  auto seconds = TimedIndependent(run, n, job);
  if (!seconds.ok()) return seconds.status();
  if (absl::Status s = run.client->Release(job.id); !s.ok()) return s;
  return n / *seconds;
}

absl::StatusOr<double> RunChain(const RunOptions& run, int64_t n) {
  const v1::Graph graph = ChainGraph(run.prefix, n);
  Job job;
  const auto start = SteadyClock::now();
  auto values = SubmitAndGather(run, graph, &job);
  const double seconds = SecondsSince(start);
  if (!values.ok()) return values.status();
  if (absl::Status s = CheckInt(run, job.outputs[0].key, values->front(), n); !s.ok()) return s;
  if (absl::Status s = run.client->Release(job.id); !s.ok()) return s;
  return seconds / n * 1e6;
}

absl::StatusOr<double> RunTree(const RunOptions& run, int64_t leaves, int fan_in) {
  const v1::Graph graph = TreeGraph(run.prefix, leaves, fan_in);
  Job job;
  const auto start = SteadyClock::now();
  auto values = SubmitAndGather(run, graph, &job);
  const double seconds = SecondsSince(start);
  if (!values.ok()) return values.status();
  if (absl::Status s =
          CheckInt(run, job.outputs[0].key, values->front(), leaves * (leaves + 1) / 2);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = run.client->Release(job.id); !s.ok()) return s;
  return graph.tasks_size() / seconds;
}

absl::StatusOr<double> RunShuffle(const RunOptions& run, int partitions, int64_t rows) {
  const v1::Graph graph = ShuffleGraph(run.prefix, partitions, rows);
  Job job;
  const auto start = SteadyClock::now();
  auto values = SubmitAndGather(run, graph, &job);
  const double seconds = SecondsSince(start);
  if (!values.ok()) return values.status();
  int64_t total = 0;
  for (const ValuePtr& v : *values) total += v != nullptr ? v->int_() : 0;
  if (total != partitions * rows)
    return WrongResult(run, "the sum of the lens", total, partitions * rows);
  if (absl::Status s = run.client->Release(job.id); !s.ok()) return s;
  return seconds;
}

absl::StatusOr<double> RunTransfer(const RunOptions& run, int64_t nbytes, const std::string& from,
                                   const std::string& to, TransferKind kind) {
  auto source = run.client->Submit(TransferSourceGraph(run.prefix, nbytes, from, kind));
  if (!source.ok()) return source.status();
  if (absl::Status finished = AwaitFinished(run, *source); !finished.ok()) return finished;
  const v1::Graph sink_graph = TransferSinkGraph(run.prefix, nbytes, from, to, kind);
  Job sink;
  const auto start = SteadyClock::now();
  auto values = SubmitAndGather(run, sink_graph, &sink);
  const double seconds = SecondsSince(start);
  if (!values.ok()) return values.status();
  if (absl::Status s = CheckInt(run, sink.outputs[0].key, values->front(), nbytes); !s.ok())
    return s;
  if (absl::Status s = run.client->Release(sink.id); !s.ok()) return s;
  if (absl::Status s = run.client->Release(source->id); !s.ok()) return s;
  return nbytes / seconds / 1e6;
}

absl::StatusOr<double> RunSchedulerMemory(const RunOptions& run, pid_t scheduler, int64_t n) {
  const v1::Graph graph = IndependentGraph(run.prefix, n);
  auto before = ResidentBytes(scheduler);
  if (!before.ok()) return before.status();
  SubmitOptions options;
  options.keep = true;
  auto job = run.client->Submit(graph, options);
  if (!job.ok()) return job.status();
  if (absl::Status finished = AwaitFinished(run, *job); !finished.ok()) return finished;
  auto after = ResidentBytes(scheduler);
  if (!after.ok()) return after.status();
  if (absl::Status s = run.client->Release(job->id); !s.ok()) return s;
  return (static_cast<double>(*after) - static_cast<double>(*before)) / n;
}

absl::StatusOr<ThroughputAndMemory> RunIndependentWithMemory(const RunOptions& run, pid_t scheduler,
                                                             int64_t n) {
  auto before = ResidentBytes(scheduler);
  if (!before.ok()) return before.status();
  Job job;
  auto seconds = TimedIndependent(run, n, job);
  if (!seconds.ok()) return seconds.status();
  auto after = ResidentBytes(scheduler);
  if (!after.ok()) return after.status();
  if (absl::Status s = run.client->Release(job.id); !s.ok()) return s;
  return ThroughputAndMemory{n / *seconds,
                             (static_cast<double>(*after) - static_cast<double>(*before)) / n};
}

}  // namespace brisk::bench
