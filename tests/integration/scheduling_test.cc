// Scheduling against real brisk-scheduler and brisk-worker processes: resources, worker
// restrictions, keys shared between clients, cancel, publish, retries and time limits.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "brisk/client.h"
#include "brisk/v1/scheduler.grpc.pb.h"
#include "tests/integration/cluster.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

// Heartbeats (which carry each worker's memory and running counts) are 50 ms apart here.
constexpr absl::Duration kSettle = absl::Seconds(10);

WorkerSpec Spec(const std::string& name, int nthreads, const std::string& resources = "") {
  WorkerSpec spec(name, nthreads);
  spec.resources = resources;
  return spec;
}

// The job's tasks by key; a test failure (and empty) when the query fails.
std::map<std::string, v1::TaskInfo> TasksOf(Client& client, JobId job) {
  std::map<std::string, v1::TaskInfo> out;
  auto info = client.GetJob(job, /*include_tasks=*/true);
  EXPECT_TRUE(info.ok()) << info.status();
  if (!info.ok()) return out;
  for (const v1::TaskInfo& t : info->tasks()) out[t.key()] = t;
  return out;
}

// The scheduler's WhoHas answer for one key (the Client has no call for it).
absl::StatusOr<v1::KeyLocation> WhoHas(const std::string& address, const std::string& key) {
  auto stub =
      v1::Scheduler::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::WhoHasRequest request;
  request.add_keys(key);
  v1::WhoHasReply reply;
  grpc::Status status = stub->WhoHas(&context, request, &reply);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  if (reply.keys_size() != 1) return absl::InternalError(reply.DebugString());
  return reply.keys(0);
}

// Polls Status() until every worker is idle (nothing processing or running) and, with
// `empty_memory`, holds no values; returns the last reply seen.
bool WaitWorkersIdle(Client& client, bool empty_memory, v1::StatusReply& last) {
  return PollStatus(
      client,
      [&](const v1::StatusReply& s) {
        for (const v1::WorkerInfo& w : s.workers()) {
          if (w.processing() != 0 || w.running() != 0) return false;
          if (empty_memory && w.memory() != 0) return false;
        }
        return true;
      },
      kSettle, &last);
}

std::string BytesOf(const v1::Value& v) {
  return v.kind_case() == v1::Value::kStr ? v.str() : v.bytes();
}

TEST(SchedulingTest, GpuTasksRunOnlyOnTheGpuWorkerAndNeverTwoAtOnce) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({Spec("cpu", 2), Spec("gpu", 2, "GPU=1")}, r));
  v1::Graph graph;
  std::set<std::string> gpu_keys;
  for (int i = 0; i < 6; ++i) {
    const std::string key = absl::StrCat("gpu-", i);
    (*AddTask(graph, key, "sleep", {FloatArg(0.2), IntArg(i)})->mutable_resources())["GPU"] = 1;
    gpu_keys.insert(key);
  }
  for (int i = 0; i < 8; ++i) AddTask(graph, absl::StrCat("any-", i), "sleep", {FloatArg(0.05)});
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);

  const auto tasks = TasksOf(*r.client, job->id);
  ASSERT_EQ(tasks.size(), 14u);
  std::vector<std::pair<double, double>> intervals;
  for (const std::string& key : gpu_keys) {
    const v1::TaskInfo& t = tasks.at(key);
    EXPECT_EQ(t.worker(), "gpu") << key;
    EXPECT_LE(t.start(), t.end()) << key;
    intervals.emplace_back(t.start(), t.end());
  }
  std::sort(intervals.begin(), intervals.end());
  for (size_t i = 1; i < intervals.size(); ++i) {
    EXPECT_GE(intervals[i].first, intervals[i - 1].second)
        << "two GPU tasks ran at once on a worker with GPU=1: [" << intervals[i - 1].first << ", "
        << intervals[i - 1].second << "] and [" << intervals[i].first << ", " << intervals[i].second
        << "]";
  }
}

TEST(SchedulingTest, TaskNeedingMoreThanAnyWorkerHasFailsAtOnceNamingTheResource) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({Spec("cpu", 1), Spec("gpu", 1, "GPU=1")}, r));
  v1::Graph graph;
  (*AddTask(graph, "too-big", "sleep", {FloatArg(0.01)})->mutable_resources())["GPU"] = 5;
  const absl::Time start = absl::Now();
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id, absl::Seconds(10)), v1::JOB_STATE_ERRED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  auto key = r.client->WaitKey(job->outputs.at(0), absl::Seconds(10));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->state, v1::KEY_STATE_ERRED);
  EXPECT_THAT(key->error, HasSubstr("GPU=5"));
  EXPECT_EQ(key->error_kind, v1::ERROR_KIND_NO_WORKER_CAN_RUN);
  const auto tasks = TasksOf(*r.client, job->id);
  ASSERT_TRUE(tasks.contains("too-big"));
  EXPECT_EQ(tasks.at("too-big").state(), v1::TASK_STATE_ERRED);
  EXPECT_THAT(tasks.at("too-big").error(), HasSubstr("GPU=5"));
}

TEST(SchedulingTest, TasksRestrictedToAWorkerRunOnlyThere) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({Spec("w0", 1), Spec("w1", 1), Spec("w2", 1)}, r));
  v1::Graph graph;
  std::vector<std::string> pinned;
  for (int i = 0; i < 12; ++i) {
    pinned.push_back(absl::StrCat("pinned-", i));
    AddTask(graph, pinned.back(), "sleep", {FloatArg(0.01), IntArg(i)}, {"w1"});
    AddTask(graph, absl::StrCat("free-", i), "sleep", {FloatArg(0.01), IntArg(i)});
  }
  // A dependent of a pinned task, itself pinned elsewhere: its input moves to w2.
  AddTask(graph, "pinned-sum", "sum", {RefList(pinned)}, {"w2"});
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  const auto tasks = TasksOf(*r.client, job->id);
  ASSERT_EQ(tasks.size(), 25u);
  for (const std::string& key : pinned) EXPECT_EQ(tasks.at(key).worker(), "w1") << key;
  EXPECT_EQ(tasks.at("pinned-sum").worker(), "w2");
  auto total = r.client->GatherKeys({"pinned-sum"});
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ((*total)[0]->int_(), 66);
}

TEST(SchedulingTest, TwoClientsShareAKeyUntilBothReleaseIt) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({Spec("w0", 2), Spec("w1", 2)}, r));
  auto other = r.cluster->Connect();
  ASSERT_TRUE(other.ok()) << other.status();
  Client& a = *r.client;
  Client& b = **other;
  constexpr int64_t kSize = 1 << 20;

  v1::Graph ga;
  AddTask(ga, "shared", "bytes", {IntArg(kSize)});
  auto ja = a.Submit(ga);
  ASSERT_TRUE(ja.ok()) << ja.status();
  ASSERT_EQ(WaitJob(a, ja->id), v1::JOB_STATE_FINISHED);
  const auto tasks_a = TasksOf(a, ja->id);
  ASSERT_TRUE(tasks_a.contains("shared"));
  const v1::TaskInfo shared_a = tasks_a.at("shared");

  // B's graph has the same key: the value A holds is reused, not recomputed.
  v1::Graph gb;
  AddTask(gb, "shared", "bytes", {IntArg(kSize)});
  AddTask(gb, "shared-size", "nbytes", {RefArg("shared")});
  gb.add_outputs("shared");
  gb.add_outputs("shared-size");
  auto jb = b.Submit(gb);
  ASSERT_TRUE(jb.ok()) << jb.status();
  ASSERT_EQ(WaitJob(b, jb->id), v1::JOB_STATE_FINISHED);
  auto size = b.Result(jb->outputs.at(1));
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ((*size)->int_(), kSize);
  const auto tasks_b = TasksOf(b, jb->id);
  ASSERT_TRUE(tasks_b.contains("shared"));
  EXPECT_EQ(tasks_b.at("shared").start(), shared_a.start()) << "\"shared\" ran again";
  EXPECT_EQ(tasks_b.at("shared").end(), shared_a.end()) << "\"shared\" ran again";
  EXPECT_EQ(tasks_b.at("shared").worker(), shared_a.worker());

  // A lets go. A job of A's submitted and waited for after the release is a barrier: the
  // scheduler handles a client's messages in order.
  ASSERT_TRUE(a.Release(ja->id).ok());
  v1::Graph barrier;
  AddTask(barrier, "barrier", "inc", {IntArg(1)});
  auto jbarrier = a.Submit(barrier);
  ASSERT_TRUE(jbarrier.ok()) << jbarrier.status();
  ASSERT_EQ(WaitJob(a, jbarrier->id), v1::JOB_STATE_FINISHED);
  ASSERT_TRUE(a.Release(jbarrier->id).ok());
  auto where = WhoHas(r.cluster->address(), "shared");
  ASSERT_TRUE(where.ok()) << where.status();
  EXPECT_EQ(where->state(), v1::TASK_STATE_MEMORY) << where->DebugString();
  auto held = b.GatherKeys({"shared"});
  ASSERT_TRUE(held.ok()) << "B still holds \"shared\": " << held.status();
  ASSERT_EQ((*held)[0]->kind_case(), v1::Value::kBytes);
  EXPECT_EQ((*held)[0]->bytes().size(), static_cast<size_t>(kSize));
  auto info = b.GetJob(jb->id, /*include_tasks=*/true);
  ASSERT_TRUE(info.ok()) << info.status();
  for (const v1::TaskInfo& t : info->tasks()) {
    if (t.key() == "shared") {
      EXPECT_EQ(t.start(), shared_a.start()) << "\"shared\" ran again";
    }
  }

  // The holder's heartbeat reports the value (so that memory 0 below means it was dropped).
  v1::StatusReply holding;
  ASSERT_TRUE(PollStatus(
      b,
      [&](const v1::StatusReply& s) {
        for (const v1::WorkerInfo& w : s.workers()) {
          if (w.name() == shared_a.worker() && w.memory() >= static_cast<uint64_t>(kSize)) {
            return true;
          }
        }
        return false;
      },
      kSettle, &holding))
      << holding.DebugString();

  // B lets go: the value is freed on every worker.
  ASSERT_TRUE(b.Release(jb->id).ok());
  v1::TaskState state = v1::TASK_STATE_UNSPECIFIED;
  EXPECT_TRUE(PollUntil(
      [&] {
        auto loc = WhoHas(r.cluster->address(), "shared");
        if (loc.ok()) state = loc->state();
        return loc.ok() && loc->state() != v1::TASK_STATE_MEMORY && loc->who_has().empty();
      },
      kSettle))
      << "\"shared\" still held after both jobs were released: " << StateName(state);
  v1::StatusReply last;
  EXPECT_TRUE(WaitWorkersIdle(b, /*empty_memory=*/true, last))
      << "workers still hold values: " << last.DebugString();
  EXPECT_FALSE(b.GatherKeys({"shared"}).ok());
}

TEST(SchedulingTest, CancelLeavesEveryWorkerIdleAndEmpty) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({Spec("w0", 2), Spec("w1", 2)}, r));
  v1::Graph graph;
  std::vector<std::string> held;
  for (int i = 0; i < 6; ++i) {
    held.push_back(absl::StrCat("held-", i));
    AddTask(graph, held.back(), "bytes", {IntArg(256 << 10)})->set_priority(100);
  }
  for (int i = 0; i < 30; ++i)
    AddTask(graph, absl::StrCat("nap-", i), "sleep", {FloatArg(5), IntArg(i)});
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();

  // The held values are in memory (as the heartbeats report) and every thread is asleep.
  v1::StatusReply busy;
  ASSERT_TRUE(PollStatus(
      *r.client,
      [](const v1::StatusReply& s) {
        int64_t running = 0;
        uint64_t memory = 0;
        for (const v1::WorkerInfo& w : s.workers()) {
          running += w.running();
          memory += w.memory();
        }
        return running == 4 && memory >= 6u * (256 << 10);
      },
      kSettle, &busy))
      << busy.DebugString();
  const auto before = TasksOf(*r.client, job->id);
  for (const std::string& key : held)
    EXPECT_EQ(before.at(key).state(), v1::TASK_STATE_MEMORY) << key;

  ASSERT_TRUE(r.client->Cancel(job->id).ok());
  EXPECT_EQ(WaitJob(*r.client, job->id, kSettle), v1::JOB_STATE_CANCELLED);
  v1::StatusReply last;
  EXPECT_TRUE(WaitWorkersIdle(*r.client, /*empty_memory=*/true, last))
      << "workers not idle and empty after the cancel: " << last.DebugString();
  for (v1::TaskState state :
       {v1::TASK_STATE_WAITING, v1::TASK_STATE_QUEUED, v1::TASK_STATE_PROCESSING,
        v1::TASK_STATE_NO_WORKER, v1::TASK_STATE_MEMORY}) {
    EXPECT_EQ(TaskCount(last, state), 0u) << StateName(state) << ": " << last.DebugString();
  }
}

TEST(SchedulingTest, PublishedKeyIsGatheredByNameFromAnotherCommandUntilUnpublished) {
  auto started = TestCluster::Start(2);
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  const std::string path = cluster.WriteFile("answer.json", R"json({"tasks": [
      {"key": "answer", "op": "inc", "args": [{"int": 41}]}]})json");
  CliResult submit = cluster.RunCli({"submit", "--no-wait", path});
  ASSERT_EQ(submit.exit_code, 0) << submit.ToString();
  const std::string id(absl::StripAsciiWhitespace(submit.out));
  CliResult wait = cluster.RunCli({"wait", id});
  ASSERT_EQ(wait.exit_code, 0) << wait.ToString();
  EXPECT_EQ(wait.out, "answer: 42\n");

  CliResult publish = cluster.RunCli({"publish", "answer", "the-answer"});
  ASSERT_EQ(publish.exit_code, 0) << publish.ToString();
  EXPECT_EQ(publish.out, "published\n");
  // The published value outlives the job that computed it.
  CliResult release = cluster.RunCli({"release", id});
  ASSERT_EQ(release.exit_code, 0) << release.ToString();

  CliResult gather = cluster.RunCli({"gather", "--name", "the-answer"});
  EXPECT_EQ(gather.exit_code, 0) << gather.ToString();
  EXPECT_EQ(gather.out, "answer: 42\n") << gather.ToString();

  CliResult unpublish = cluster.RunCli({"unpublish", "the-answer"});
  ASSERT_EQ(unpublish.exit_code, 0) << unpublish.ToString();
  EXPECT_EQ(unpublish.out, "unpublished\n");
  CliResult gone = cluster.RunCli({"gather", "--name", "the-answer"});
  EXPECT_EQ(gone.exit_code, 2) << gone.ToString();
  EXPECT_THAT(gone.err, HasSubstr("the-answer")) << gone.ToString();
}

TEST(SchedulingTest, ShellTaskThatFailsOnceSucceedsOnItsRetry) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({Spec("w0", 1), Spec("w1", 1)}, r));
  const std::string marker = absl::StrCat(r.cluster->dir(), "/ran-once");
  v1::Graph graph;
  v1::Task* task = AddTask(
      graph, "flaky", "shell",
      {StrArg("if [ -e \"$1\" ]; then echo ok; else touch \"$1\"; echo first >&2; exit 1; fi"),
       StrArg(marker)});
  (*task->mutable_kwargs())["shell"].set_bool_(true);
  task->set_retries(1);
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  auto value = r.client->Result(job->outputs.at(0));
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(BytesOf(**value), "ok\n");

  // Without a retry the same command fails on its first run.
  v1::Graph once;
  const std::string other_marker = absl::StrCat(r.cluster->dir(), "/ran-once-2");
  v1::Task* no_retry =
      AddTask(once, "flaky-no-retry", "shell",
              {StrArg("if [ -e \"$1\" ]; then echo ok; else touch \"$1\"; exit 1; fi"),
               StrArg(other_marker)});
  (*no_retry->mutable_kwargs())["shell"].set_bool_(true);
  auto failed = r.client->Submit(once);
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(WaitJob(*r.client, failed->id), v1::JOB_STATE_ERRED);
}

TEST(SchedulingTest, TaskOverItsTimeLimitFailsWithinSeconds) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({Spec("w0", 1)}, r));
  v1::Graph graph;
  AddTask(graph, "too-slow", "sleep", {FloatArg(30), IntArg(1)})->set_timeout_s(0.5);
  const absl::Time start = absl::Now();
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id, absl::Seconds(20)), v1::JOB_STATE_ERRED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  auto key = r.client->WaitKey(job->outputs.at(0), absl::Seconds(10));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->state, v1::KEY_STATE_ERRED);
  EXPECT_THAT(key->error, HasSubstr("timed out"));
  EXPECT_EQ(key->error_kind, v1::ERROR_KIND_TIMED_OUT);
  // The worker's thread is free again.
  v1::StatusReply last;
  EXPECT_TRUE(WaitWorkersIdle(*r.client, /*empty_memory=*/false, last)) << last.DebugString();
}

// A task for a named worker that is not connected: the waiting `brisk submit` says so at once,
// and with --no-worker-timeout the task fails with a message naming the cause.
TEST(SchedulingTest, ATaskForAnAbsentWorkerIsNamedAtOnceAndFailsAfterTheNoWorkerTimeout) {
  ClusterOptions options;
  options.scheduler_args = {"--no-worker-timeout", "1"};
  auto cluster = TestCluster::Start({Spec("gpu-1", 1)}, options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::string graph = (*cluster)->WriteFile("absent.json", R"json({"tasks": [
    {"key": "train", "op": "inc", "args": [{"int": 1}], "workers": ["gpu-2"]},
    {"key": "fine", "op": "inc", "args": [{"int": 1}]}]})json");
  CliResult r = (*cluster)->RunCli({"submit", graph});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("task train: no connected worker is named \"gpu-2\" (did you "
                               "mean \"gpu-1\"?); it fails unless a worker that can run it "
                               "joins within 1 s\n"))
      << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("no connected worker could run it for 1 s: no connected worker "
                               "is named \"gpu-2\""))
      << r.ToString();
  EXPECT_EQ(r.out, "fine: 2\n") << r.ToString();
}

}  // namespace
}  // namespace brisk::testing
