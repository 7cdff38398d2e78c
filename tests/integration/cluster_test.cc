// The C++ client over gRPC against real brisk-scheduler and brisk-worker processes.
#include "tests/integration/cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/client.h"

namespace brisk::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

int64_t SumOfWorkerProcessing(const v1::StatusReply& status) {
  int64_t n = 0;
  for (const v1::WorkerInfo& w : status.workers()) n += w.processing();
  return n;
}

int64_t SumOfWorkerRunning(const v1::StatusReply& status) {
  int64_t n = 0;
  for (const v1::WorkerInfo& w : status.workers()) n += w.running();
  return n;
}

TEST(ClusterTest, TreeReductionOf10000TasksOverTwoWorkersIsExact) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2), r));
  v1::Graph graph;
  std::vector<std::string> level;
  for (int i = 0; i < 10000; ++i) {
    level.push_back(absl::StrCat("inc-", i));
    AddTask(graph, level.back(), "inc", {IntArg(i)});  // i + 1: the leaves are 1..10000
  }
  for (int depth = 0; level.size() > 1; ++depth) {
    std::vector<std::string> next;
    for (size_t j = 0; j < level.size(); j += 8) {
      next.push_back(absl::StrCat("add-", depth, "-", j / 8));
      std::vector<v1::Arg> args;
      for (size_t k = j; k < std::min(level.size(), j + 8); ++k) args.push_back(RefArg(level[k]));
      AddTask(graph, next.back(), "add", args);
    }
    level = std::move(next);
  }
  graph.add_outputs(level.front());

  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->outputs.size(), 1u);
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(*r.client, job->outputs[0]), 50005000);

  auto info = r.client->GetJob(job->id, /*include_tasks=*/true);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->state(), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(info->ntasks(), static_cast<uint64_t>(graph.tasks_size()));
  ASSERT_EQ(info->tasks_size(), graph.tasks_size());
  std::set<std::string> workers;
  for (const v1::TaskInfo& t : info->tasks()) workers.insert(t.worker());
  EXPECT_THAT(workers, ElementsAre("w0", "w1")) << "every task ran on a named worker, both used";
}

TEST(ClusterTest, IndependentTasksAllGatheredExactly) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2), r));
  v1::Graph graph;
  constexpr int kTasks = 2000;
  for (int i = 0; i < kTasks; ++i) AddTask(graph, absl::StrCat("x-", i), "inc", {IntArg(i * 7)});
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->outputs.size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  auto values = r.client->Gather(job->outputs);
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(job->outputs[i].key, absl::StrCat("x-", i));
    ASSERT_EQ((*values)[i]->kind_case(), v1::Value::kInt) << i;
    EXPECT_EQ((*values)[i]->int_(), i * 7 + 1) << i;
  }
}

TEST(ClusterTest, EightMebibyteValueMovesBetweenWorkersInChunks) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2), r));
  constexpr int64_t kSize = 8 << 20;  // 8 MiB: several chunks, over gRPC's default 4 MiB limit
  v1::Graph graph;
  AddTask(graph, "big", "bytes", {IntArg(kSize)}, {"w0"});
  AddTask(graph, "size", "nbytes", {RefArg("big")}, {"w1"});
  graph.add_outputs("size");
  graph.add_outputs("big");
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(*r.client, job->outputs[0]), kSize);

  // The client gathers the big value too, in chunks, straight from w0.
  auto big = r.client->Result(job->outputs[1]);
  ASSERT_TRUE(big.ok()) << big.status();
  ASSERT_EQ((*big)->kind_case(), v1::Value::kBytes);
  EXPECT_EQ((*big)->bytes().size(), static_cast<size_t>(kSize));
  EXPECT_EQ((*big)->bytes().find_first_not_of('\0'), std::string::npos);

  auto info = r.client->GetJob(job->id, /*include_tasks=*/true);
  ASSERT_TRUE(info.ok()) << info.status();
  for (const v1::TaskInfo& t : info->tasks()) {
    EXPECT_EQ(t.worker(), t.key() == "big" ? "w0" : "w1") << t.key();
  }
  // It went over w0's bulk port: w1 did not have to fall back to the data service.
  EXPECT_THAT(r.cluster->WorkerLog(1), Not(HasSubstr("through the data service instead")));
}

TEST(ClusterTest, WithoutABulkPortLargeValuesMoveThroughTheDataService) {
  RunningCluster r;
  std::vector<WorkerSpec> workers = Workers(2);
  for (WorkerSpec& w : workers) w.extra_args = {"--bulk-port", "-1"};
  ASSERT_NO_FATAL_FAILURE(StartCluster(workers, r));
  EXPECT_THAT(r.cluster->WorkerLog(0), HasSubstr("(bulk port none)"));
  constexpr int64_t kSize = 9 << 20;
  v1::Graph graph;
  AddTask(graph, "big", "bytes", {IntArg(kSize)}, {"w0"});
  AddTask(graph, "size", "nbytes", {RefArg("big")}, {"w1"});
  graph.add_outputs("size");
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(*r.client, job->outputs[0]), kSize);
}

TEST(ClusterTest, JobFinishesOnTheSurvivorWhenAWorkerIsKilled) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2, /*nthreads=*/4), r));
  v1::Graph graph;
  std::vector<std::string> keys;
  int64_t expected = 0;
  for (int i = 0; i < 200; ++i) {
    keys.push_back(absl::StrCat("s-", i));
    AddTask(graph, keys.back(), "sleep", {FloatArg(0.05), IntArg(i)});
    expected += i;
  }
  AddTask(graph, "total", "sum", {RefList(keys)});
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();

  // Kill w1 once it holds some results, while the job still runs: those values are lost and must
  // be recomputed, and its running tasks must run again on w0.
  v1::JobState state_at_kill = v1::JOB_STATE_UNSPECIFIED;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto info = r.client->GetJob(job->id, /*include_tasks=*/true);
        if (!info.ok()) return false;
        int on_w1 = 0;
        for (const v1::TaskInfo& t : info->tasks())
          on_w1 += t.state() == v1::TASK_STATE_MEMORY && t.worker() == "w1";
        state_at_kill = info->state();
        return on_w1 >= 5 || info->state() != v1::JOB_STATE_RUNNING;
      },
      absl::Seconds(20)));
  ASSERT_EQ(state_at_kill, v1::JOB_STATE_RUNNING)
      << "the job ended before a worker could be killed";
  ASSERT_TRUE(r.cluster->KillWorker(1).ok());

  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(*r.client, job->outputs[0]), expected);
  EXPECT_TRUE(r.cluster->WaitForWorkers(1).ok());
  auto info = r.client->GetJob(job->id, /*include_tasks=*/true);
  ASSERT_TRUE(info.ok()) << info.status();
  for (const v1::TaskInfo& t : info->tasks()) {
    // Values computed on w1 were lost with it; the survivor recomputed every one.
    EXPECT_EQ(t.worker(), "w0") << t.key() << " " << t.state();
  }
  EXPECT_TRUE(r.cluster->WorkerAlive(0));
}

TEST(ClusterTest, AsCompletedCallsBackOncePerFuture) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2, /*nthreads=*/2), r));
  v1::Graph graph;
  constexpr int kTasks = 100;
  for (int i = 0; i < kTasks; ++i) {
    AddTask(graph, absl::StrCat("s-", i), "sleep", {FloatArg(0.002 * (i % 5)), IntArg(i)});
  }
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  std::multiset<std::string> seen;
  absl::Status done = r.client->AsCompleted(job->outputs, [&](const Future& f, const KeyStatus& s) {
    seen.insert(f.key);
    EXPECT_EQ(s.state, v1::KEY_STATE_MEMORY) << f.key << ": " << s.error;
    EXPECT_FALSE(s.who_has.empty()) << f.key;
  });
  ASSERT_TRUE(done.ok()) << done;
  ASSERT_EQ(seen.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ(seen.count(absl::StrCat("s-", i)), 1u) << i;
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
}

TEST(ClusterTest, CancelStopsTheJobsTasksOnTheWorkers) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2, /*nthreads=*/2), r));
  v1::Graph graph;
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) {
    keys.push_back(absl::StrCat("long-", i));
    AddTask(graph, keys.back(), "sleep", {FloatArg(120), IntArg(i)});
  }
  AddTask(graph, "total", "sum", {RefList(keys)});
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();

  // Every worker thread is asleep in one of the job's tasks (as the heartbeats report).
  ASSERT_TRUE(PollStatus(
      *r.client, [](const v1::StatusReply& s) { return SumOfWorkerRunning(s) == 4; },
      absl::Seconds(20)));
  ASSERT_TRUE(r.client->Cancel(job->id).ok());
  EXPECT_EQ(WaitJob(*r.client, job->id, absl::Seconds(20)), v1::JOB_STATE_CANCELLED);

  v1::StatusReply last;
  EXPECT_TRUE(PollStatus(
      *r.client,
      [](const v1::StatusReply& s) {
        return SumOfWorkerProcessing(s) == 0 && SumOfWorkerRunning(s) == 0;
      },
      absl::Seconds(20), &last))
      << "workers still busy after the cancel: " << last.DebugString();
  for (v1::TaskState state : {v1::TASK_STATE_WAITING, v1::TASK_STATE_QUEUED,
                              v1::TASK_STATE_PROCESSING, v1::TASK_STATE_NO_WORKER}) {
    EXPECT_EQ(TaskCount(last, state), 0u) << StateName(state) << ": " << last.DebugString();
  }
  auto info = r.client->GetJob(job->id, /*include_tasks=*/false);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->state(), v1::JOB_STATE_CANCELLED);

  // The freed threads run new work at once.
  v1::Graph quick;
  AddTask(quick, "after-cancel", "inc", {IntArg(41)});
  auto next = r.client->Submit(quick);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(WaitJob(*r.client, next->id, absl::Seconds(20)), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(*r.client, next->outputs[0]), 42);
}

// `n` sleeps of `seconds` named prefix-i returning base + i, and a sum of them named `total`.
int64_t AddSleepSum(v1::Graph& graph, const std::string& prefix, int n, double seconds,
                    int64_t base, const std::string& total, std::vector<std::string>* keys_out) {
  std::vector<std::string> keys;
  int64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    keys.push_back(absl::StrCat(prefix, i));
    AddTask(graph, keys.back(), "sleep", {FloatArg(seconds), IntArg(base + i)});
    sum += base + i;
  }
  if (keys_out != nullptr) keys_out->insert(keys_out->end(), keys.begin(), keys.end());
  if (!total.empty()) AddTask(graph, total, "sum", {RefList(keys)});
  return sum;
}

TEST(ClusterTest, TwoClientsEachGetTheirOwnResults) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2, /*nthreads=*/2), r));
  auto other = r.cluster->Connect();
  ASSERT_TRUE(other.ok()) << other.status();
  Client& c1 = *r.client;
  Client& c2 = **other;

  v1::Graph g1, g2;
  const int64_t want1 = AddSleepSum(g1, "one-", 20, 0.01, 0, "total-one", nullptr);
  const int64_t want2 = AddSleepSum(g2, "two-", 20, 0.01, 1000, "total-two", nullptr);
  auto j1 = c1.Submit(g1);
  auto j2 = c2.Submit(g2);
  ASSERT_TRUE(j1.ok()) << j1.status();
  ASSERT_TRUE(j2.ok()) << j2.status();
  EXPECT_NE(j1->id, j2->id);
  EXPECT_EQ(WaitJob(c1, j1->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(WaitJob(c2, j2->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(c1, j1->outputs[0]), want1);
  EXPECT_EQ(IntResult(c2, j2->outputs[0]), want2);
}

TEST(ClusterTest, OneClientDisconnectingDoesNotDisturbAnothersJob) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(Workers(2, /*nthreads=*/2), r));
  auto c1 = r.cluster->Connect();
  ASSERT_TRUE(c1.ok()) << c1.status();
  Client& c2 = *r.client;

  // Both jobs share the keys shared-*, each also has its own tasks.
  v1::Graph g1, g2;
  std::vector<std::string> k1, k2;
  AddSleepSum(g1, "shared-", 8, 0.1, 0, "", &k1);
  AddSleepSum(g1, "mine-", 8, 0.2, 500, "", &k1);
  AddTask(g1, "total-1", "sum", {RefList(k1)});
  const int64_t want2 = AddSleepSum(g2, "shared-", 8, 0.1, 0, "", &k2) +
                        AddSleepSum(g2, "yours-", 8, 0.05, 100, "", &k2);
  AddTask(g2, "total-2", "sum", {RefList(k2)});

  auto j1 = (*c1)->Submit(g1);
  ASSERT_TRUE(j1.ok()) << j1.status();
  auto j2 = c2.Submit(g2);
  ASSERT_TRUE(j2.ok()) << j2.status();
  c1->reset();  // disconnects while both jobs run: its own job is cancelled

  EXPECT_EQ(WaitJob(c2, j2->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(c2, j2->outputs[0]), want2);
  v1::JobState state1 = v1::JOB_STATE_UNSPECIFIED;
  EXPECT_TRUE(PollUntil(
      [&] {
        auto info = c2.GetJob(j1->id, /*include_tasks=*/false);
        if (info.ok()) state1 = info->state();
        return state1 != v1::JOB_STATE_RUNNING;
      },
      absl::Seconds(20)));
  EXPECT_EQ(state1, v1::JOB_STATE_CANCELLED);
}

}  // namespace
}  // namespace brisk::testing
