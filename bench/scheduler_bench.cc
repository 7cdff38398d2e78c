// In-process scheduler throughput: SchedulerState driven by fake workers that finish every task
// the moment it is assigned, with no network. Measures the scheduler's own cost per task.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "scheduler/journal.h"
#include "scheduler/scheduler_state.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

class FixedClock : public Clock {
 public:
  absl::Time Now() const override { return absl::UnixEpoch(); }
};

// Collects what the scheduler sends; the benchmark answers compute batches at once.
class InstantWorkers : public SchedulerComm {
 public:
  void SendToWorker(WorkerId worker, v1::SchedulerToWorker batch) override {
    if (batch.compute().empty()) return;
    v1::WorkerToScheduler& reply = pending_.emplace_back();
    workers_.push_back(worker);
    for (const v1::ComputeTask& compute : batch.compute()) {
      v1::TaskDone* done = reply.add_done();
      done->set_key(compute.key());
      done->set_nbytes(8);
      done->set_start(0);
      done->set_end(1e-6);
    }
  }
  void SendToClient(ClientId, v1::SchedulerToClient batch) override {
    for (const v1::JobUpdate& job : batch.jobs())
      finished_ = finished_ || job.state() != v1::JOB_STATE_UNSPECIFIED;
  }

  // Delivers the replies; returns false when there was nothing to deliver.
  bool Deliver(SchedulerState& state) {
    if (pending_.empty()) return false;
    std::vector<v1::WorkerToScheduler> replies = std::move(pending_);
    std::vector<WorkerId> workers = std::move(workers_);
    pending_.clear();
    workers_.clear();
    for (size_t i = 0; i < replies.size(); ++i) state.HandleWorkerMessage(workers[i], replies[i]);
    state.Flush();
    return true;
  }
  bool finished_ = false;

 private:
  std::vector<v1::WorkerToScheduler> pending_;
  std::vector<WorkerId> workers_;
};

v1::Graph Independent(int n) {
  v1::Graph g;
  for (int i = 0; i < n; ++i) {
    v1::Task* t = g.add_tasks();
    t->set_key(absl::StrCat("inc-", i));
    t->set_op("inc");
    t->add_args()->set_int_(i);
  }
  return g;
}

v1::Graph Tree(int leaves, int fan_in) {
  v1::Graph g = Independent(leaves);
  std::vector<std::string> level;
  for (int i = 0; i < leaves; ++i) level.push_back(absl::StrCat("inc-", i));
  for (int depth = 0; level.size() > 1; ++depth) {
    std::vector<std::string> next;
    for (size_t i = 0; i < level.size(); i += fan_in) {
      v1::Task* t = g.add_tasks();
      t->set_key(absl::StrCat("add-", depth, "-", i / fan_in));
      t->set_op("add");
      for (size_t j = i; j < std::min(level.size(), i + fan_in); ++j)
        t->add_args()->set_ref(level[j]);
      next.push_back(t->key());
    }
    level = std::move(next);
  }
  return g;
}

// With `journal`, the state records into a real journal file (under $TMPDIR), as
// `brisk-scheduler --journal` does: the difference is the journal's cost per task.
void RunGraph(benchmark::State& bench, const v1::Graph& graph, bool journal = false) {
  const std::string path = absl::StrCat(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp",
                                        "/brisk-scheduler-bench-", getpid(), ".journal");
  for (auto _ : bench) {
    bench.PauseTiming();
    InstantWorkers comm;
    FixedClock clock;
    SchedulerState state(comm, clock);
    std::unique_ptr<Journal> sink;
    if (journal) {
      std::remove(path.c_str());
      absl::StatusOr<std::unique_ptr<Journal>> opened =
          Journal::Open(path, [](const v1::JournalRecord&) {});
      if (!opened.ok()) {
        bench.SkipWithError(std::string(opened.status().message()).c_str());
        return;
      }
      sink = *std::move(opened);
      state.SetJournal(sink.get());
    }
    for (WorkerId w = 1; w <= 2; ++w) {
      v1::RegisterWorker reg;
      reg.set_name(absl::StrCat("w", w));
      reg.set_address(absl::StrCat("127.0.0.1:", 1000 + w));
      reg.set_nthreads(1);
      (void)state.AddWorker(w, reg);
    }
    state.AddClient(1);
    v1::ClientToScheduler submit;
    *submit.mutable_submit()->mutable_tasks() = graph.tasks();
    submit.mutable_submit()->set_last(true);
    submit.mutable_submit()->set_request_id(1);
    bench.ResumeTiming();
    state.HandleClientMessage(1, submit);
    state.Flush();
    while (comm.Deliver(state)) {
    }
    if (!comm.finished_) bench.SkipWithError("job did not finish");
    bench.PauseTiming();
    sink.reset();
    bench.ResumeTiming();
  }
  std::remove(path.c_str());
  bench.SetItemsProcessed(bench.iterations() * graph.tasks_size());
}

void BM_IndependentTasks(benchmark::State& bench) {
  RunGraph(bench, Independent(static_cast<int>(bench.range(0))));
}
BENCHMARK(BM_IndependentTasks)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_TreeReduction(benchmark::State& bench) {
  RunGraph(bench, Tree(static_cast<int>(bench.range(0)), 8));
}
BENCHMARK(BM_TreeReduction)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_IndependentTasksJournal(benchmark::State& bench) {
  RunGraph(bench, Independent(static_cast<int>(bench.range(0))), /*journal=*/true);
}
BENCHMARK(BM_IndependentTasksJournal)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_TreeReductionJournal(benchmark::State& bench) {
  RunGraph(bench, Tree(static_cast<int>(bench.range(0)), 8), /*journal=*/true);
}
BENCHMARK(BM_TreeReductionJournal)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace brisk

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
