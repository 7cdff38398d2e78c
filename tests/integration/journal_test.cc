// End-to-end tests of the scheduler's journal: the real daemons, a scheduler killed with SIGKILL
// and restarted on the same journal and port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "brisk/client.h"
#include "tests/integration/cluster.h"
#include "tests/integration/test_json.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir("brisk-journal");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    journal_ = dir_ + "/scheduler.journal";
    ClusterOptions options;
    options.scheduler_args = {"--journal", journal_, "--journal-grace", "30"};
    auto cluster = TestCluster::Start(1, options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
  }
  void TearDown() override {
    cluster_.reset();
    std::filesystem::remove_all(dir_);
  }

  CliResult Cli(const std::vector<std::string>& args) const { return cluster_->RunCli(args); }

  // The job's state as `brisk jobs` lists it ("" when it is not listed).
  std::string JobState(const std::string& id) const {
    const JsonValue jobs = ParseJson(Cli({"-o", "json", "jobs"}).out);
    for (const JsonValue& job : jobs.list_value().values()) {
      if (absl::StrCat(Number(job, "job")) == id) return String(job, "state");
    }
    return "";
  }

  // SIGKILLs the worker, then the scheduler, and restarts the scheduler on its journal.
  void CrashAndRestart(const std::vector<std::string>& extra = {}) {
    ASSERT_TRUE(cluster_->KillWorker(0).ok());
    ASSERT_TRUE(cluster_->KillScheduler().ok());
    // The first start's flags (the journal, a 30 s grace) and `extra`.
    absl::Status restarted = cluster_->RestartScheduler(extra);
    ASSERT_TRUE(restarted.ok()) << restarted;
  }

  std::string dir_;
  std::string journal_;
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(JournalTest, FinishedJobsKeepTheirStatesAndLogsAcrossAKill9) {
  const std::string good = cluster_->WriteFile("good.json", kHelloGraph);
  ASSERT_EQ(Cli({"submit", good}).exit_code, 0);
  const std::string bad = cluster_->WriteFile("bad.json", R"json({"tasks": [{"key": "fails",
      "op": "shell", "args": [{"str": "echo to-stderr >&2; exit 3"}],
      "kwargs": {"shell": {"bool": true}}}]})json");
  CliResult failed = Cli({"submit", bad});
  ASSERT_NE(failed.exit_code, 0) << failed.ToString();
  ASSERT_EQ(JobState("1"), "finished");
  ASSERT_EQ(JobState("2"), "erred");
  const std::string failed_key = "fails";

  ASSERT_NO_FATAL_FAILURE(CrashAndRestart());
  EXPECT_EQ(JobState("1"), "finished");
  EXPECT_EQ(JobState("2"), "erred");
  CliResult logs = Cli({"logs", failed_key});
  EXPECT_EQ(logs.exit_code, 0) << logs.ToString();
  EXPECT_THAT(logs.out, HasSubstr("to-stderr"));
  EXPECT_THAT(cluster_->SchedulerLog(), HasSubstr("journal: restored 2 jobs"));
  // Job ids go on after the restored ones.
  // (The killed worker still counts among the cluster's: wait for this one alone.)
  ASSERT_TRUE(cluster_->AddWorker(WorkerSpec("w1"), /*wait_registered=*/false).ok());
  ASSERT_TRUE(cluster_->WaitForWorkers(1).ok());
  CliResult next = Cli({"submit", "--no-wait", good});
  ASSERT_EQ(next.exit_code, 0) << next.ToString();
  EXPECT_EQ(next.out, "3\n");
}

TEST_F(JournalTest, WaitOnAJobSubmittedBeforeTheCrashReturnsItsResults) {
  const std::string graph = cluster_->WriteFile("hello.json", kHelloGraph);
  CliResult submitted = Cli({"submit", "--no-wait", graph});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.ToString();
  const std::string id(absl::StripTrailingAsciiWhitespace(submitted.out));
  ASSERT_EQ(Cli({"wait", id}).exit_code, 0);

  ASSERT_NO_FATAL_FAILURE(CrashAndRestart());
  // The worker the journal knew comes back (a new process: it holds nothing), so the grace ends
  // and the lost output is computed again.
  ASSERT_TRUE(cluster_->AddWorker(WorkerSpec("w0"), /*wait_registered=*/false).ok());
  CliResult wait = Cli({"-o", "json", "wait", id});
  ASSERT_EQ(wait.exit_code, 0) << wait.ToString();
  EXPECT_DOUBLE_EQ(Number(Field(ParseJson(wait.out), "results"), "c"), 6.5) << wait.out;
}

TEST_F(JournalTest, TornJournalIsCutAtTheLastWholeRecord) {
  const std::string graph = cluster_->WriteFile("hello.json", kHelloGraph);
  ASSERT_EQ(Cli({"submit", graph}).exit_code, 0);
  // The journal once the job's end is in it (the scheduler writes it before the job's results
  // reach the client, but the client may return first: wait for the file to stop at it).
  uintmax_t before = std::filesystem::file_size(journal_);
  ASSERT_TRUE(cluster_->KillWorker(0).ok());
  // The worker's leaving is the record to cut: wait until the scheduler has written it (the
  // file grew), or the cut would take the job's end instead and leave the job running.
  absl::StatusOr<std::unique_ptr<Client>> client = cluster_->Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (;;) {
    absl::StatusOr<v1::StatusReply> status = (*client)->Status();
    ASSERT_TRUE(status.ok()) << status.status();
    if (status->workers_size() == 0 && std::filesystem::file_size(journal_) > before) break;
    ASSERT_LT(absl::Now(), deadline) << "the scheduler never journaled the worker's leaving";
    absl::SleepFor(absl::Milliseconds(10));  // polling a condition, not a race
  }
  client->reset();
  ASSERT_TRUE(cluster_->KillScheduler().ok());
  // The last record (the worker leaving) is cut short, as a crash in a write would leave it.
  const uintmax_t size = std::filesystem::file_size(journal_);
  std::filesystem::resize_file(journal_, size - 3);
  absl::Status restarted = cluster_->RestartScheduler();
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_THAT(cluster_->SchedulerLog(), HasSubstr("is cut short; dropped the last"));
  EXPECT_EQ(JobState("1"), "finished");
  // The torn tail was cut off, not left in front of what the restarted scheduler appended: a
  // second restart reads the journal whole (the log, appended to, tells of one cut only).
  ASSERT_TRUE(cluster_->KillScheduler().ok());
  ASSERT_TRUE(cluster_->RestartScheduler().ok());
  EXPECT_EQ(JobState("1"), "finished");
  const std::string log = cluster_->SchedulerLog();
  size_t cuts = 0;
  for (size_t at = log.find("is cut short"); at != std::string::npos;
       at = log.find("is cut short", at + 1)) {
    ++cuts;
  }
  EXPECT_EQ(cuts, 1u) << log;
}

TEST_F(JournalTest, JournalInAMissingDirectoryIsAClearError) {
  CliResult r = RunProcess(
      {BinDir() + "/brisk-scheduler", "--port", "0", "--journal", dir_ + "/no-such-dir/journal"},
      "", absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("no-such-dir"));
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

// The issue's test: kill -9 the scheduler in the middle of a job, restart it on the same journal
// and port; the workers reconnect with what they hold, and the job completes without computing
// again anything that had finished before the crash.
TEST_F(JournalTest, JobResumesAfterAKill9WithoutRecomputingWhatWorkersHeld) {
  ASSERT_TRUE(cluster_->AddWorker(WorkerSpec("w1")).ok());
  // Four quick inputs, then four slow steps over them, then their sum: 0 + 1 + 2 + 3 = 6.
  std::string tasks;
  std::string refs;
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&tasks, R"({"key": "in-)", i, R"(", "op": "inc", "args": [{"int": )", i - 1,
                    "}]},\n");
    absl::StrAppend(&tasks, R"({"key": "slow-)", i,
                    R"(", "op": "sleep", "args": [{"float": 1.5}, {"ref": "in-)", i, "\"}]},\n");
    absl::StrAppend(&refs, i == 0 ? "" : ", ", R"({"ref": "slow-)", i, "\"}");
  }
  const std::string graph = cluster_->WriteFile(
      "resume.json", absl::StrCat(R"({"tasks": [)", tasks,
                                  R"({"key": "total", "op": "sum", "args": [{"list": {"items": [)",
                                  refs, "]}}]}], \"outputs\": [\"total\"]}"));
  CliResult submitted = Cli({"submit", "--no-wait", graph});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.ToString();
  const std::string id(absl::StripTrailingAsciiWhitespace(submitted.out));

  // key -> "state start" of every task of the job.
  auto tasks_now = [&] {
    std::map<std::string, std::pair<std::string, double>> out;
    const JsonValue list = ParseJson(Cli({"-o", "json", "tasks", id}).out);
    for (const JsonValue& t : list.list_value().values()) {
      out[String(t, "key")] = {String(t, "state"), HasField(t, "start") ? Number(t, "start") : 0.0};
    }
    return out;
  };
  auto done = [](const std::string& state) { return state == "memory" || state == "finished"; };
  // In the middle: the first two slow steps done, the third running, not the sum.
  std::map<std::string, std::pair<std::string, double>> before;
  ASSERT_TRUE(PollUntil(
      [&] {
        before = tasks_now();
        // Depth first: in-0, slow-0 and in-1, slow-1 run first (one pair per worker), then the
        // next two pairs.
        return done(before["slow-0"].first) && done(before["slow-1"].first) &&
               before["slow-2"].first == "processing";
      },
      absl::Seconds(20)))
      << Cli({"-o", "json", "tasks", id}).ToString();
  ASSERT_FALSE(done(before["total"].first));
  ASSERT_TRUE(cluster_->KillScheduler().ok());
  absl::Status restarted = cluster_->RestartScheduler();  // the same journal, a 30 s grace
  ASSERT_TRUE(restarted.ok()) << restarted;

  CliResult wait = Cli({"-o", "json", "wait", id});
  ASSERT_EQ(wait.exit_code, 0) << wait.ToString();
  EXPECT_EQ(Number(Field(ParseJson(wait.out), "results"), "total"), 6) << wait.out;
  // A task that had finished before the crash and ran again would have a later start.
  const auto after = tasks_now();
  int finished_before = 0, recomputed = 0;
  for (const auto& [key, was] : before) {
    if (!done(was.first)) continue;
    ++finished_before;
    if (after.at(key).second != was.second) ++recomputed;
  }
  std::printf("journal resume: %d tasks had finished before the crash, %d recomputed\n",
              finished_before, recomputed);
  EXPECT_GE(finished_before, 4);
  EXPECT_EQ(recomputed, 0);
  EXPECT_THAT(cluster_->SchedulerLog(), HasSubstr("every worker the journal knew has reconnected"));
}

}  // namespace
}  // namespace brisk::testing
