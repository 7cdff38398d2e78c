// `brisk-worker --nanny` with the real daemons: a task that `kill -9`s its own worker process is
// reported as killed by SIGKILL in `brisk logs` and `brisk tasks` while the nanny brings the
// worker back and a parallel job finishes; SIGTERM to a nanny retires its worker and both exit 0;
// a nanny killed with SIGKILL takes its worker with it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "brisk/client.h"
#include "tests/integration/cluster.h"
#include "tests/integration/test_json.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The worker process a nanny runs: its only child (0 until it has one).
pid_t ChildOf(pid_t nanny) {
  const std::string children =
      ReadWholeFile(absl::StrCat("/proc/", nanny, "/task/", nanny, "/children"));
  pid_t pid = 0;
  for (absl::string_view field : absl::StrSplit(children, ' ', absl::SkipWhitespace())) {
    if (!absl::SimpleAtoi(field, &pid)) return 0;
  }
  return pid;
}

// Whether `pid` still runs (a zombie does not).
bool Running(pid_t pid) {
  const std::string stat = ReadWholeFile(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return false;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

std::vector<WorkerSpec> PlainAndSupervised() {
  std::vector<WorkerSpec> specs = Workers(2, /*nthreads=*/2);
  specs[1].extra_args = {"--nanny"};
  return specs;
}

TEST(Nanny, ATaskThatKillsItsWorkerIsReportedAsSigkillAndTheWorkerComesBack) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(PlainAndSupervised(), r));
  const pid_t first_child = ChildOf(r.cluster->worker_pid(1));
  ASSERT_NE(first_child, 0);

  // A parallel job on w0 finishes whatever happens to w1.
  v1::Graph other;
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    keys.push_back(absl::StrCat("s-", i));
    AddTask(other, keys.back(), "sleep", {FloatArg(0.02), IntArg(i)}, {"w0"});
  }
  AddTask(other, "other-total", "sum", {RefList(keys)}, {"w0"});
  other.add_outputs("other-total");
  auto other_job = r.client->Submit(other);
  ASSERT_TRUE(other_job.ok()) << other_job.status();

  // The killer runs on w1 only (a named worker: it waits while w1 restarts); the shell command
  // is the worker's child, so $PPID is the worker process (the nanny's child). It dies three
  // times (--allowed-failures 3); the nanny restarts it each time, after telling the scheduler
  // how it died, so the error names the cause of the first two crashes at least.
  v1::Graph killer_graph;
  v1::Task* killer_task =
      AddTask(killer_graph, "killer", "shell", {StrArg("kill -9 $PPID")}, {"w1"});
  (*killer_task->mutable_kwargs())["shell"].set_bool_(true);
  auto killer_job = r.client->Submit(killer_graph);
  ASSERT_TRUE(killer_job.ok()) << killer_job.status();
  EXPECT_EQ(WaitJob(*r.client, killer_job->id), v1::JOB_STATE_ERRED);
  const JobId killer = killer_job->id;
  auto info = r.client->GetJob(killer, /*include_tasks=*/true);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->tasks_size(), 1);
  EXPECT_EQ(info->tasks(0).error_kind(), v1::ERROR_KIND_WORKER_DIED);
  EXPECT_THAT(info->tasks(0).error(), HasSubstr("running on workers that died, 3 times"));
  EXPECT_THAT(info->tasks(0).error(), HasSubstr("w1 (killed by SIGKILL"));

  EXPECT_EQ(WaitJob(*r.client, other_job->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(*r.client, other_job->outputs[0]), 39 * 40 / 2);

  // The nanny is alive and w1 is back, as a new process.
  EXPECT_TRUE(r.cluster->WorkerAlive(1));
  ASSERT_TRUE(r.cluster->WaitForWorkers(2).ok());
  EXPECT_FALSE(Running(first_child));
  pid_t child = 0;
  ASSERT_TRUE(PollUntil(
      [&] {
        child = ChildOf(r.cluster->worker_pid(1));
        return child != 0;
      },
      absl::Seconds(10)));
  EXPECT_NE(child, first_child);

  // `brisk logs` shows every crash's cause once the last report has arrived too.
  const std::string key = "killer";
  CliResult logs;
  const bool all_reported = PollUntil(
      [&] {
        logs = r.cluster->RunCli({"logs", key});
        // The crashes line (the error above it keeps the cause known when the task failed).
        const size_t start = logs.err.find("crashes: ");
        if (start == std::string::npos) return false;
        const std::string line = logs.err.substr(start, logs.err.find('\n', start) - start);
        size_t n = 0;
        for (size_t at = 0; (at = line.find("w1 (killed by SIGKILL", at)) != std::string::npos;
             ++at) {
          ++n;
        }
        return n == 3;
      },
      absl::Seconds(20));
  EXPECT_TRUE(all_reported) << logs.ToString();
  EXPECT_THAT(logs.err, HasSubstr("crashes: 3 (w1 (killed by SIGKILL")) << logs.ToString();
  CliResult tasks = r.cluster->RunCli({"tasks", std::to_string(killer), "-o", "json"});
  ASSERT_EQ(tasks.exit_code, 0) << tasks.ToString();
  const JsonValue listed = ParseJson(tasks.out);
  ASSERT_EQ(listed.list_value().values_size(), 1) << tasks.ToString();
  const JsonValue& causes = Field(listed.list_value().values(0), "crash_causes");
  ASSERT_EQ(causes.list_value().values_size(), 3) << tasks.ToString();
  for (const JsonValue& cause : causes.list_value().values()) {
    EXPECT_THAT(cause.string_value(), HasSubstr("w1 (killed by SIGKILL")) << tasks.ToString();
  }
  CliResult table = r.cluster->RunCli({"tasks", std::to_string(killer)});
  EXPECT_THAT(table.out + table.err, HasSubstr("killed by SIGKILL")) << table.ToString();
  // One line per death in the scheduler's log, naming the task that failed.
  EXPECT_THAT(
      r.cluster->SchedulerLog(),
      HasSubstr(absl::StrCat(
          "while running 1 task: 1 failed, having crashed --allowed-failures times (", key, ")")));

  // The restarted w1 runs tasks again.
  v1::Graph back;
  AddTask(back, "back", "inc", {IntArg(41)}, {"w1"});
  back.add_outputs("back");
  auto back_job = r.client->Submit(back);
  ASSERT_TRUE(back_job.ok()) << back_job.status();
  EXPECT_EQ(WaitJob(*r.client, back_job->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(IntResult(*r.client, back_job->outputs[0]), 42);
  EXPECT_THAT(r.cluster->WorkerLog(1), HasSubstr("nanny: the worker w1"));
}

TEST(Nanny, SigtermToANannyRetiresItsWorkerAndBothExitZero) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(PlainAndSupervised(), r));
  const pid_t child = ChildOf(r.cluster->worker_pid(1));
  ASSERT_NE(child, 0);
  ASSERT_EQ(kill(r.cluster->worker_pid(1), SIGTERM), 0);
  auto exit = r.cluster->WaitWorkerExit(1, absl::Seconds(30));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->ok()) << exit->ToString();  // the nanny exited 0...
  const std::string log = r.cluster->WorkerLog(1);
  EXPECT_THAT(log, HasSubstr("SIGTERM: passed on to the worker"));
  EXPECT_THAT(log, HasSubstr("retiring"));
  EXPECT_THAT(log, HasSubstr("exited 0"));  // ...and so did the worker, which it reaped
  EXPECT_FALSE(Running(child));
  ASSERT_TRUE(r.cluster->WaitForWorkers(1).ok());
  EXPECT_THAT(r.cluster->SchedulerLog(), Not(HasSubstr("worker w1 died")));
}

TEST(Nanny, AWorkerDoesNotOutliveItsNanny) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(PlainAndSupervised(), r));
  const pid_t child = ChildOf(r.cluster->worker_pid(1));
  ASSERT_NE(child, 0);
  ASSERT_TRUE(r.cluster->KillWorker(1).ok());  // SIGKILL to the nanny
  EXPECT_TRUE(PollUntil([&] { return !Running(child); }, absl::Seconds(10)));
  ASSERT_TRUE(r.cluster->WaitForWorkers(1).ok());
}

}  // namespace
}  // namespace brisk::testing
