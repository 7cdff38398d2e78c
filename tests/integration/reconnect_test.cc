// Workers and the scheduler losing each other for a while (issue 14, item 5): a scheduler frozen
// for a few seconds loses nothing; a worker frozen past --worker-timeout is removed and registers
// again when it thaws; a scheduler killed and restarted on its port gets its workers back, which
// drop their values (no journal: the new scheduler knows none of them) and run new jobs.
// A client waiting on a job across a scheduler restart reconnects, says so, and hears clearly that
// the new scheduler does not know the job.
// Timeouts are shortened (keepalive 0.5 s + 5 s, worker timeout 3 s) so each test takes seconds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/data_client.h"
#include "tests/integration/cluster.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<std::string> kQuickKeepalive = {"--keepalive", "0.5", "--keepalive-timeout", "5"};

// `n` workers w0, w1, ... that give up a silent scheduler quickly.
std::vector<WorkerSpec> QuickWorkers(int n) {
  std::vector<WorkerSpec> specs;
  for (int i = 0; i < n; ++i) {
    WorkerSpec spec(absl::StrCat("w", i));
    spec.extra_args = kQuickKeepalive;
    specs.push_back(spec);
  }
  return specs;
}

ClusterOptions Options(std::vector<std::string> scheduler_args) {
  ClusterOptions options;
  options.scheduler_args = kQuickKeepalive;
  options.scheduler_args.insert(options.scheduler_args.end(), scheduler_args.begin(),
                                scheduler_args.end());
  return options;
}

// Runs the README's graph to the end; its result c = 6.5, gathered.
void ExpectHelloRuns(TestCluster& cluster) {
  auto client = cluster.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  v1::Graph graph;
  AddTask(graph, "a", "inc", {IntArg(1)});
  AddTask(graph, "b", "add", {RefArg("a"), FloatArg(2.5)});
  AddTask(graph, "c", "sum", {RefList({"a", "b"})});
  graph.add_outputs("c");
  auto job = (*client)->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(**client, job->id), v1::JOB_STATE_FINISHED);
  auto values = (*client)->Gather(job->outputs);
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 1u);
  EXPECT_DOUBLE_EQ((*values)[0]->float_(), 6.5);
}

bool LogHas(const std::function<std::string()>& log, const std::string& text) {
  return PollUntil([&] { return log().find(text) != std::string::npos; }, absl::Seconds(20));
}

TEST(ReconnectTest, SchedulerFrozenForAFewSecondsLosesNothing) {
  auto started = TestCluster::Start(QuickWorkers(2), Options({"--worker-timeout", "10"}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  auto client = cluster.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  v1::Graph graph;
  AddTask(graph, "kept", "inc", {IntArg(41)});
  SubmitOptions keep;
  keep.keep = true;
  auto job = (*client)->Submit(graph, keep);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(WaitJob(**client, job->id), v1::JOB_STATE_FINISHED);

  // Longer than a keepalive ping's interval, shorter than its timeout and the worker timeout:
  // the freeze itself is what is tested, so it is waited out.
  ASSERT_EQ(kill(cluster.scheduler_pid(), SIGSTOP), 0);
  absl::SleepFor(absl::Seconds(3));
  ASSERT_EQ(kill(cluster.scheduler_pid(), SIGCONT), 0);

  auto status = (*client)->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->workers_size(), 2);
  auto value = (*client)->GatherKeys({"kept"});
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)[0]->int_(), 42);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_THAT(cluster.WorkerLog(i), Not(HasSubstr("lost the scheduler"))) << "w" << i;
  }
  EXPECT_THAT(cluster.SchedulerLog(), Not(HasSubstr("left with")));
  ExpectHelloRuns(cluster);
}

TEST(ReconnectTest, WorkerFrozenPastTheWorkerTimeoutIsRemovedAndComesBackWhenThawed) {
  auto started = TestCluster::Start(QuickWorkers(2), Options({"--worker-timeout", "3"}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  auto client = cluster.Connect();
  ASSERT_TRUE(client.ok()) << client.status();

  ASSERT_EQ(kill(cluster.worker_pid(0), SIGSTOP), 0);
  v1::StatusReply last;
  const bool removed = PollStatus(
      **client, [](const v1::StatusReply& s) { return s.workers_size() == 1; }, absl::Seconds(30),
      &last);
  ASSERT_EQ(kill(cluster.worker_pid(0), SIGCONT), 0);
  ASSERT_TRUE(removed) << last.DebugString();
  EXPECT_EQ(last.workers(0).name(), "w1");
  EXPECT_THAT(cluster.SchedulerLog(), HasSubstr("--worker-timeout"));

  // Thawed, it finds its stream closed and registers again under its name.
  EXPECT_TRUE(cluster.WaitForWorkers(2).ok());
  EXPECT_TRUE(LogHas([&] { return cluster.WorkerLog(0); }, "registered again"))
      << cluster.WorkerLog(0);
  EXPECT_THAT(cluster.WorkerLog(0), HasSubstr("lost the scheduler"));
  ExpectHelloRuns(cluster);
}

TEST(ReconnectTest, RestartedSchedulerGetsItsWorkersBackAndTheyDropTheirValues) {
  auto started = TestCluster::Start(QuickWorkers(2), Options({}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  std::string holder;
  {
    auto client = cluster.Connect();
    ASSERT_TRUE(client.ok()) << client.status();
    v1::Graph graph;
    AddTask(graph, "old", "inc", {IntArg(1)});
    SubmitOptions keep;
    keep.keep = true;
    auto job = (*client)->Submit(graph, keep);
    ASSERT_TRUE(job.ok()) << job.status();
    ASSERT_EQ(WaitJob(**client, job->id), v1::JOB_STATE_FINISHED);
    auto status = (*client)->Status();
    ASSERT_TRUE(status.ok());
    DataClient data;
    for (const v1::WorkerInfo& w : status->workers()) {
      auto fetched = data.Fetch(w.address(), {"old"});
      if (fetched.ok() && fetched->values.contains("old")) holder = w.address();
    }
    ASSERT_FALSE(holder.empty()) << "no worker holds the value";
  }

  ASSERT_TRUE(cluster.KillScheduler().ok());
  ASSERT_TRUE(cluster.RestartScheduler().ok());
  ASSERT_TRUE(cluster.WaitForWorkers(2).ok()) << cluster.SchedulerLog();
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(LogHas([&] { return cluster.WorkerLog(i); }, "registered again"))
        << cluster.WorkerLog(i);
    EXPECT_THAT(cluster.WorkerLog(i), HasSubstr("lost the scheduler at"));
  }
  // The new scheduler knows no task "old": the worker that held it is told to drop it.
  DataClient data;
  EXPECT_TRUE(PollUntil(
      [&] {
        auto fetched = data.Fetch(holder, {"old"});
        return fetched.ok() && !fetched->values.contains("old");
      },
      absl::Seconds(20)))
      << "the value is still held after the worker registered with a scheduler that does not "
         "know it";
  ExpectHelloRuns(cluster);
}

// A job that stays running: its only task waits for a worker that never comes.
constexpr char kNeverEndingGraph[] = R"json({"tasks": [
   {"key": "never", "op": "inc", "args": [{"int": 1}], "workers": ["absent"]}]})json";

TEST(ReconnectTest, ClientWaitingAcrossASchedulerRestartHearsTheJobIsUnknown) {
  auto started = TestCluster::Start(QuickWorkers(1), Options({}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  ConnectOptions options;
  options.reconnect_timeout = absl::Seconds(30);
  auto client = Client::Connect(cluster.address(), options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Mutex mu;
  std::vector<std::string> said;
  (*client)->SetReconnectHandler([&](const std::string& message) {
    absl::MutexLock lock(&mu);
    said.push_back(message);
  });
  v1::Graph graph;
  AddTask(graph, "never", "inc", {IntArg(1)}, {"absent"});
  auto job = (*client)->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*client)->Wait(job->id, absl::Milliseconds(1)).status().code(),
            absl::StatusCode::kDeadlineExceeded);

  ASSERT_TRUE(cluster.KillScheduler().ok());
  ASSERT_TRUE(cluster.RestartScheduler().ok());
  auto state = (*client)->Wait(job->id, absl::Seconds(60));
  ASSERT_FALSE(state.ok()) << v1::JobState_Name(*state);
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound) << state.status();
  EXPECT_THAT(state.status().message(), HasSubstr(absl::StrCat("came back without job ", job->id)));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(said, ::testing::ElementsAre(absl::StrCat("lost the scheduler at ", cluster.address(),
                                                        "; reconnecting...")));
}

// What `brisk run` (WaitKey) and `brisk map` (AsCompleted) wait with.
TEST(ReconnectTest, WaitKeyAndAsCompletedReconnectAndHearTheJobIsUnknown) {
  auto started = TestCluster::Start(QuickWorkers(1), Options({}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  ConnectOptions options;
  options.reconnect_timeout = absl::Seconds(30);
  auto one = Client::Connect(cluster.address(), options);
  auto two = Client::Connect(cluster.address(), options);
  ASSERT_TRUE(one.ok() && two.ok());
  v1::Graph graph;
  AddTask(graph, "never", "inc", {IntArg(1)}, {"absent"});
  auto first = (*one)->Submit(graph);
  auto second = (*two)->Submit(graph);
  ASSERT_TRUE(first.ok() && second.ok());

  ASSERT_TRUE(cluster.KillScheduler().ok());
  ASSERT_TRUE(cluster.RestartScheduler().ok());
  auto key = (*one)->WaitKey(first->outputs.front(), absl::Seconds(60));
  EXPECT_EQ(key.status().code(), absl::StatusCode::kNotFound) << key.status();
  EXPECT_THAT(key.status().message(), HasSubstr("came back without job"));
  int called = 0;
  absl::Status completed =
      (*two)->AsCompleted(second->outputs, [&](const Future&, const KeyStatus&) { ++called; });
  EXPECT_EQ(completed.code(), absl::StatusCode::kNotFound) << completed;
  EXPECT_THAT(completed.message(), HasSubstr("came back without job"));
  EXPECT_EQ(called, 0);
}

TEST(ReconnectTest, ClientWithoutAReconnectTimeoutFailsAtOnceWhenTheSchedulerGoes) {
  auto started = TestCluster::Start(QuickWorkers(1), Options({}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  auto client = cluster.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  v1::Graph graph;
  AddTask(graph, "never", "inc", {IntArg(1)}, {"absent"});
  auto job = (*client)->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(cluster.KillScheduler().ok());
  auto state = (*client)->Wait(job->id, absl::Seconds(60));
  EXPECT_EQ(state.status().code(), absl::StatusCode::kUnavailable) << state.status();
}

// SIGTERM reaches a worker while its stream still stands (the scheduler is frozen), then the
// scheduler dies: the worker, retiring with no values to hand over, stops at once rather than
// waiting --scheduler-timeout (5 minutes) to reconnect.
TEST(ReconnectTest, RetiringWorkerWithNothingToHandOverStopsWhenTheSchedulerGoes) {
  auto started = TestCluster::Start(QuickWorkers(1), Options({}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  ASSERT_EQ(kill(cluster.scheduler_pid(), SIGSTOP), 0);
  ASSERT_EQ(kill(cluster.worker_pid(0), SIGTERM), 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  bool retiring = false;
  while (!retiring && absl::Now() < deadline) {
    std::ifstream in(cluster.worker_log(0));
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    retiring = log.find("retiring") != std::string::npos;
    if (!retiring) absl::SleepFor(absl::Milliseconds(20));  // polling the log, not a race
  }
  ASSERT_TRUE(retiring) << "the worker never logged its SIGTERM";
  ASSERT_TRUE(cluster.KillScheduler().ok());
  absl::StatusOr<ExitInfo> exit = cluster.WaitWorkerExit(0, absl::Seconds(20));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->ok()) << exit->ToString();
}

TEST(ReconnectTest, BriskWaitAcrossASchedulerRestartSaysItReconnectsAndThatTheJobIsUnknown) {
  // Debug logs: the scheduler says when a client watches a job, so the test knows `brisk wait`
  // is waiting before it kills the scheduler.
  auto started = TestCluster::Start(QuickWorkers(1), Options({"--log-level", "debug"}));
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  const std::string path = cluster.WriteFile("never.json", kNeverEndingGraph);
  CliResult submitted = cluster.RunCli({"submit", "--no-wait", path});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.ToString();
  const std::string id(absl::StripAsciiWhitespace(submitted.out));
  ASSERT_FALSE(id.empty());

  auto waiting = std::async(std::launch::async, [&] {
    return cluster.RunCli({"wait", id, "--scheduler-timeout", "30"}, "", absl::Seconds(60));
  });
  // The submitting client watched the job first; `brisk wait` is the second.
  const std::string watches = absl::StrCat("watches job ", id, "\n");
  ASSERT_TRUE(PollUntil(
      [&] {
        const std::string log = cluster.SchedulerLog();
        const size_t first = log.find(watches);
        return first != std::string::npos &&
               log.find(watches, first + watches.size()) != std::string::npos;
      },
      absl::Seconds(20)))
      << cluster.SchedulerLog();
  ASSERT_TRUE(cluster.KillScheduler().ok());
  ASSERT_TRUE(cluster.RestartScheduler().ok());
  CliResult r = waiting.get();
  EXPECT_EQ(r.exit_code, 2) << r.ToString();  // an unknown job, as for `brisk wait 999`
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("lost the scheduler at ", cluster.address(),
                                            "; reconnecting...")))
      << r.ToString();
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("came back without job ", id))) << r.ToString();
}

}  // namespace
}  // namespace brisk::testing
