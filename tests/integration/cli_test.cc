// The `brisk` command line against real brisk-scheduler and brisk-worker processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/integration/cluster.h"
#include "tests/integration/test_json.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr absl::Duration kDaemonExit = absl::Seconds(15);

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start(2);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    hello_ = cluster_->WriteFile("hello.json", kHelloGraph);
  }

  CliResult Cli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    return cluster_->RunCli(args, stdin_text);
  }

  // Submits `graph_json` with --no-wait; returns the job id printed (a test failure if none).
  std::string SubmitNoWait(const std::string& graph_json, const std::string& file) {
    const std::string path = cluster_->WriteFile(file, graph_json);
    CliResult r = Cli({"submit", "--no-wait", path});
    EXPECT_EQ(r.exit_code, 0) << r.ToString();
    std::string id(absl::StripAsciiWhitespace(r.out));
    uint64_t parsed;
    EXPECT_TRUE(absl::SimpleAtoi(id, &parsed)) << "not a job id: " << r.ToString();
    return id;
  }

  std::unique_ptr<TestCluster> cluster_;
  std::string hello_;
};

TEST_F(CliTest, SubmitPrintsTheOutputsAndExitsZero) {
  CliResult r = Cli({"submit", hello_});
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "c: 6.5\n") << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("finished")) << "the summary goes to standard error";
}

TEST_F(CliTest, SubmitJsonHasJobStateAndResultsAsNumbers) {
  CliResult r = Cli({"-o", "json", "submit", hello_});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line: " << r.out;
  const JsonValue out = ParseJson(r.out);
  EXPECT_GE(Number(out, "job"), 1);
  EXPECT_EQ(String(out, "state"), "finished");
  EXPECT_DOUBLE_EQ(Number(Field(out, "results"), "c"), 6.5);
  EXPECT_EQ(Field(out, "results").struct_value().fields_size(), 1);
  EXPECT_EQ(Number(out, "tasks"), 3);
  EXPECT_FALSE(HasField(out, "errors")) << r.out;
}

TEST_F(CliTest, TwoDefinitionsOfOneKeyEachGiveTheirOwnJobItsValue) {
  // The first is still running when the second, with another definition, is submitted.
  const std::string first = SubmitNoWait(
      R"json({"tasks": [{"key": "shared", "op": "sleep", "args": [{"float": 1}, {"int": 1}]}]})json",
      "first.json");
  const std::string second = cluster_->WriteFile(
      "second.json",
      R"json({"tasks": [{"key": "shared", "op": "sleep", "args": [{"float": 0.1}, {"int": 999}]}]})json");
  CliResult r = Cli({"-o", "json", "submit", second});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(Number(Field(ParseJson(r.out), "results"), "shared"), 999) << r.out;
  r = Cli({"-o", "json", "wait", first});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(Number(Field(ParseJson(r.out), "results"), "shared"), 1) << r.out;
  // By name, the task still held: the second job's value was freed when its command exited.
  r = Cli({"-o", "json", "gather", "shared"});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(Number(Field(ParseJson(r.out), "results"), "shared"), 1) << r.out;
}

TEST_F(CliTest, WaitOnAFinishedJobWhoseOutputIsBeingRecomputedPrintsTheValue) {
  const std::string id = SubmitNoWait(R"json({"tasks": [
      {"key": "slow", "op": "sleep", "args": [{"float": 1}, {"int": 40}]},
      {"key": "out", "op": "add", "args": [{"ref": "slow"}, {"int": 2}]}]})json",
                                      "recompute.json");
  CliResult r = Cli({"wait", id});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  // Kill the worker holding the output, and wait until the scheduler is computing it again.
  auto holder = [&]() -> std::string {
    const JsonValue tasks = ParseJson(Cli({"-o", "json", "tasks", id}).out);
    for (const JsonValue& t : tasks.list_value().values()) {
      if (String(t, "key") == "out") return String(t, "state") + "@" + String(t, "worker");
    }
    return "";
  };
  const std::string before = holder();
  ASSERT_TRUE(before == "memory@w0" || before == "memory@w1") << before;
  ASSERT_TRUE(cluster_->KillWorker(before == "memory@w0" ? 0 : 1).ok());
  ASSERT_TRUE(PollUntil([&] { return holder().rfind("memory@", 0) != 0; }, absl::Seconds(10)))
      << holder();
  r = Cli({"-o", "json", "wait", id});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(Number(Field(ParseJson(r.out), "results"), "out"), 42) << r.out;
}

TEST_F(CliTest, SubmitDashReadsTheGraphFromStandardInput) {
  CliResult r = Cli({"submit", "-"}, kHelloGraph);
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "c: 6.5\n") << r.ToString();
}

TEST_F(CliTest, NoWaitJobCanBeWaitedListedGatheredAndReleased) {
  // Outputs x and y (kept after the submitting command exits) and an intermediate `base`.
  const std::string id = SubmitNoWait(R"json({"tasks": [
      {"key": "base", "op": "range", "args": [{"int": 5}]},
      {"key": "x", "op": "sum", "args": [{"ref": "base"}]},
      {"key": "y", "op": "len", "args": [{"ref": "base"}]}]})json",
                                      "job.json");
  ASSERT_FALSE(id.empty());

  CliResult wait = Cli({"wait", id, "-o", "json"});
  ASSERT_EQ(wait.exit_code, 0) << wait.ToString();
  const JsonValue waited = ParseJson(wait.out);
  EXPECT_EQ(Number(waited, "job"), std::stod(id));
  EXPECT_EQ(String(waited, "state"), "finished");
  EXPECT_EQ(Number(Field(waited, "results"), "x"), 10);
  EXPECT_EQ(Number(Field(waited, "results"), "y"), 5);

  CliResult tasks = Cli({"-o", "json", "tasks", id});
  ASSERT_EQ(tasks.exit_code, 0) << tasks.ToString();
  const JsonValue list = ParseJson(tasks.out);
  ASSERT_EQ(list.kind_case(), JsonValue::kListValue) << tasks.out;
  std::set<std::string> keys;
  for (const JsonValue& t : list.list_value().values()) {
    const std::string key = String(t, "key");
    keys.insert(key);
    EXPECT_EQ(String(t, "state"), key == "base" ? "finished" : "memory") << key;
    EXPECT_THAT(String(t, "worker"), MatchesRegex("w[01]")) << key;
    const double start = Number(t, "start"), end = Number(t, "end");
    EXPECT_GT(start, 1.6e9) << key << ": Unix seconds";
    EXPECT_LE(start, end) << key;
  }
  EXPECT_EQ(keys, (std::set<std::string>{"base", "x", "y"}));

  CliResult status = Cli({"status", "-o", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.ToString();
  const JsonValue s = ParseJson(status.out);
  const JsonValue& workers = Field(s, "workers");
  ASSERT_EQ(workers.list_value().values_size(), 2) << status.out;
  std::set<std::string> names;
  for (const JsonValue& w : workers.list_value().values()) {
    names.insert(String(w, "name"));
    EXPECT_THAT(String(w, "address"), MatchesRegex("127\\.0\\.0\\.1:[0-9]+"));
    EXPECT_EQ(Number(w, "nthreads"), 1);
    EXPECT_GE(Number(w, "memory"), 0);
    EXPECT_GE(Number(w, "running"), 0);
  }
  EXPECT_EQ(names, (std::set<std::string>{"w0", "w1"}));
  const JsonValue& counts = Field(s, "tasks");
  ASSERT_EQ(counts.kind_case(), JsonValue::kStructValue) << status.out;
  EXPECT_EQ(Number(counts, "memory"), 2) << "x and y are held for the --no-wait job";

  CliResult gather = Cli({"gather", "x", "y"});
  EXPECT_EQ(gather.exit_code, 0) << gather.ToString();
  EXPECT_EQ(gather.out, "x: 10\ny: 5\n");
  CliResult gather_json = Cli({"-o", "json", "gather", "y"});
  ASSERT_EQ(gather_json.exit_code, 0) << gather_json.ToString();
  EXPECT_EQ(Number(Field(ParseJson(gather_json.out), "results"), "y"), 5);

  CliResult jobs = Cli({"-o", "json", "jobs"});
  ASSERT_EQ(jobs.exit_code, 0) << jobs.ToString();
  const JsonValue job_list = ParseJson(jobs.out);
  ASSERT_EQ(job_list.list_value().values_size(), 1) << jobs.out;
  const JsonValue& job = job_list.list_value().values(0);
  EXPECT_EQ(Number(job, "job"), std::stod(id));
  EXPECT_EQ(String(job, "state"), "finished");
  EXPECT_EQ(Number(job, "ntasks"), 3);
  CliResult jobs_text = Cli({"jobs"});
  EXPECT_EQ(jobs_text.exit_code, 0) << jobs_text.ToString();
  EXPECT_THAT(jobs_text.out, MatchesRegex(absl::StrCat("(.|\n)*\n", id, " +- +finished(.|\n)*")));

  CliResult release = Cli({"release", id});
  EXPECT_EQ(release.exit_code, 0) << release.ToString();
  EXPECT_EQ(release.out, absl::StrCat("job ", id, " finished\n"));
  CliResult gone = Cli({"gather", "x"});
  EXPECT_EQ(gone.exit_code, 2) << "released: " << gone.ToString();
  EXPECT_THAT(gone.err, HasSubstr("\"x\""));
}

TEST_F(CliTest, GatherRawWritesBytesExactlyAndJsonCarriesThemAsBase64) {
  // "AAH/Cn9iaW4=" is the bytes 00 01 ff 0a 7f "bin": not text, though 00, 0a and 7f are UTF-8.
  const std::string id = SubmitNoWait(R"json({"tasks": [
      {"key": "bin", "op": "identity", "args": [{"bytes": "AAH/Cn9iaW4="}]},
      {"key": "zeros", "op": "bytes", "args": [4]},
      {"key": "n", "op": "inc", "args": [1]}]})json",
                                      "binary.json");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Cli({"wait", id}).exit_code, 0);
  const std::string bin(
      "\x00\x01\xff\n\x7f"
      "bin",
      8);

  CliResult raw = Cli({"gather", "bin", "--raw"});
  ASSERT_EQ(raw.exit_code, 0) << raw.ToString();
  EXPECT_EQ(raw.out, bin) << "the bytes and nothing else: no \"bin: \" prefix, no newline";
  const std::string path = absl::StrCat(cluster_->dir(), "/bin.out");
  CliResult to_file = Cli({"gather", "bin", "--output-file", path});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.ToString();
  EXPECT_EQ(to_file.out, "");
  EXPECT_EQ(ReadWholeFile(path), bin);

  CliResult json = Cli({"-o", "json", "gather", "zeros", "bin"});
  ASSERT_EQ(json.exit_code, 0) << json.ToString();
  const JsonValue results = Field(ParseJson(json.out), "results");
  EXPECT_EQ(String(Field(results, "zeros"), "base64"), "AAAAAA==") << json.out;
  EXPECT_EQ(String(Field(results, "bin"), "base64"), "AAH/Cn9iaW4=") << json.out;

  CliResult not_bytes = Cli({"gather", "n", "--raw"});
  EXPECT_EQ(not_bytes.exit_code, 2) << not_bytes.ToString();
  EXPECT_THAT(not_bytes.err, HasSubstr("\"n\" is a value of kind int, not bytes or text"));
  CliResult two = Cli({"gather", "bin", "zeros", "--raw"});
  EXPECT_EQ(two.exit_code, 2) << two.ToString();
  EXPECT_THAT(two.err, HasSubstr("give one key"));
}

TEST_F(CliTest, CancelStopsARunningNoWaitJob) {
  const std::string id = SubmitNoWait(R"json({"tasks": [
      {"key": "nap", "op": "sleep", "args": [{"float": 120}, {"int": 1}]}]})json",
                                      "nap.json");
  ASSERT_FALSE(id.empty());
  CliResult cancel = Cli({"-o", "json", "cancel", id});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.ToString();
  const JsonValue out = ParseJson(cancel.out);
  EXPECT_EQ(Number(out, "job"), std::stod(id));
  EXPECT_EQ(String(out, "state"), "cancelled");

  CliResult wait = Cli({"wait", id});
  EXPECT_EQ(wait.exit_code, 1) << "a cancelled job is a failure: " << wait.ToString();
  EXPECT_THAT(wait.err, HasSubstr("cancelled"));
}

constexpr char kFailingGraph[] = R"json({"tasks": [
  {"key": "fine", "op": "inc", "args": [{"int": 1}]},
  {"key": "bad", "op": "fail", "args": [{"str": "boom"}]}]})json";

TEST_F(CliTest, FailingTaskExitsOneAndNamesTheKeyAndError) {
  const std::string path = cluster_->WriteFile("fail.json", kFailingGraph);
  CliResult r = Cli({"submit", path});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("\"bad\"")) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("boom")) << r.ToString();
  EXPECT_EQ(r.out, "fine: 2\n") << "the outputs that succeeded are still printed";
}

TEST_F(CliTest, FailingTaskJsonHasErredStateAndTheError) {
  const std::string path = cluster_->WriteFile("fail.json", kFailingGraph);
  CliResult r = Cli({"-o", "json", "submit", path});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  const JsonValue out = ParseJson(r.out);
  EXPECT_EQ(String(out, "state"), "erred");
  EXPECT_THAT(String(Field(out, "errors"), "bad"), HasSubstr("boom"));
  EXPECT_EQ(Number(Field(out, "results"), "fine"), 2);
}

TEST_F(CliTest, ShutdownStopsTheSchedulerAndEveryWorker) {
  CliResult r = Cli({"shutdown"});
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "shutdown\n");
  auto scheduler = cluster_->WaitSchedulerExit(kDaemonExit);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  EXPECT_TRUE(scheduler->ok()) << scheduler->ToString();
  for (size_t i = 0; i < cluster_->worker_count(); ++i) {
    auto worker = cluster_->WaitWorkerExit(i, kDaemonExit);
    ASSERT_TRUE(worker.ok()) << worker.status();
    EXPECT_TRUE(worker->ok()) << "w" << i << ": " << worker->ToString();
  }
}

// ------------------------------------------------------------------ filters

// The ids of the jobs `brisk -o json jobs ARGS...` lists.
std::set<std::string> JobIds(const CliResult& r) {
  std::set<std::string> ids;
  const JsonValue list = ParseJson(r.out);
  for (const JsonValue& j : list.list_value().values()) {
    ids.insert(absl::StrCat(static_cast<int64_t>(Number(j, "job"))));
  }
  return ids;
}

TEST_F(CliTest, JobsAndTasksFilterByStateAndName) {
  const std::string hello_file = cluster_->WriteFile("alpha.json", kHelloGraph);
  CliResult first = Cli({"submit", "--no-wait", "--name", "alpha-1", hello_file});
  ASSERT_EQ(first.exit_code, 0) << first.ToString();
  const std::string finished(absl::StripAsciiWhitespace(first.out));
  ASSERT_EQ(Cli({"wait", finished}).exit_code, 0);
  const std::string nap = cluster_->WriteFile(
      "nap.json", R"json({"tasks": [{"key": "nap", "op": "sleep", "args": [120, 1]}]})json");
  CliResult second = Cli({"submit", "--no-wait", "--name", "beta", nap});
  ASSERT_EQ(second.exit_code, 0) << second.ToString();
  const std::string running(absl::StripAsciiWhitespace(second.out));
  const std::string fail = cluster_->WriteFile("fail.json", kFailingGraph);
  CliResult third = Cli({"-o", "json", "submit", "--name", "alpha-fail", fail});
  ASSERT_EQ(third.exit_code, 1) << third.ToString();
  const std::string erred = absl::StrCat(static_cast<int64_t>(Number(ParseJson(third.out), "job")));

  using Ids = std::set<std::string>;
  EXPECT_EQ(JobIds(Cli({"-o", "json", "jobs"})), (Ids{finished, running, erred}));
  EXPECT_EQ(JobIds(Cli({"-o", "json", "jobs", "--state", "running"})), (Ids{running}));
  EXPECT_EQ(JobIds(Cli({"-o", "json", "jobs", "--name", "alpha*"})), (Ids{finished, erred}));
  EXPECT_EQ(JobIds(Cli({"-o", "json", "jobs", "--state", "failed", "--name", "alpha*"})),
            (Ids{erred}));
  EXPECT_EQ(JobIds(Cli({"-o", "json", "jobs", "--state", "finished,running"})),
            (Ids{finished, running}));
  EXPECT_EQ(JobIds(Cli({"-o", "json", "jobs", "--name", "gamma"})), Ids{});
  CliResult text = Cli({"jobs", "--state", "running"});
  EXPECT_EQ(text.exit_code, 0) << text.ToString();
  EXPECT_THAT(text.out, HasSubstr("beta"));
  EXPECT_THAT(text.out, Not(HasSubstr("alpha")));
  CliResult bogus = Cli({"jobs", "--state", "done"});
  EXPECT_EQ(bogus.exit_code, 2) << bogus.ToString();
  EXPECT_THAT(bogus.err, HasSubstr("\"done\" is not a job state (running, finished, erred, "
                                   "cancelled, failed)"));

  auto task_keys = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"-o", "json", "tasks", erred};
    argv.insert(argv.end(), args.begin(), args.end());
    CliResult r = Cli(argv);
    EXPECT_EQ(r.exit_code, 0) << r.ToString();
    std::set<std::string> keys;
    const JsonValue list = ParseJson(r.out);
    for (const JsonValue& t : list.list_value().values()) keys.insert(String(t, "key"));
    return keys;
  };
  EXPECT_EQ(task_keys({}), (Ids{"fine", "bad"}));
  EXPECT_EQ(task_keys({"--state", "failed"}), (Ids{"bad"}));
  EXPECT_EQ(task_keys({"--state", "erred"}), (Ids{"bad"}));
  EXPECT_EQ(task_keys({"--state", "waiting,queued"}), Ids{});
  CliResult tasks_text = Cli({"tasks", erred, "--state", "failed"});
  EXPECT_EQ(tasks_text.exit_code, 0) << tasks_text.ToString();
  EXPECT_THAT(tasks_text.out, HasSubstr("boom"));
  EXPECT_THAT(tasks_text.out, Not(HasSubstr("fine")));
  CliResult bad_task_state = Cli({"tasks", erred, "--state", "running"});
  EXPECT_EQ(bad_task_state.exit_code, 2) << bad_task_state.ToString();
  EXPECT_THAT(bad_task_state.err, HasSubstr("no-worker, processing, memory"));
  EXPECT_EQ(Cli({"cancel", running}).exit_code, 0);
}

// ------------------------------------------------------------------ the machine's size, versions

TEST(CliVersionTest, EveryExecutablePrintsTheProjectsVersion) {
  for (const std::string name : {"brisk", "brisk-scheduler", "brisk-worker"}) {
    CliResult r = RunProcess({BinDir() + "/" + name, "--version"}, "", absl::Seconds(30));
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.ToString();
    EXPECT_EQ(r.out, absl::StrCat(name, " ", BRISK_PROJECT_VERSION, "\n")) << r.ToString();
  }
}

TEST(CliStatusTest, WorkersDefaultToTheCoresAndStatusShowsUnitsLimitsAndResources) {
  WorkerSpec sized("w0", /*nthreads=*/0);  // no --nthreads
  sized.extra_args = {"--memory-limit", "2GiB", "--resources", "GPU=2,MEM=4e9"};
  auto cluster = TestCluster::Start({sized});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  CliResult nproc = RunProcess({"/usr/bin/nproc"}, "", absl::Seconds(10));
  ASSERT_EQ(nproc.exit_code, 0) << nproc.ToString();
  int cores = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(nproc.out), &cores)) << nproc.out;

  CliResult json = (*cluster)->RunCli({"-o", "json", "status"});
  ASSERT_EQ(json.exit_code, 0) << json.ToString();
  const JsonValue status = ParseJson(json.out);
  ASSERT_EQ(Field(status, "workers").list_value().values_size(), 1) << json.out;
  const JsonValue& worker = Field(status, "workers").list_value().values(0);
  EXPECT_EQ(Number(worker, "nthreads"), cores) << json.out;
  EXPECT_EQ(Number(worker, "memory_limit"), 2.0 * (1 << 30)) << json.out;

  // The resident memory is the worker's own report: wait for its first heartbeat to carry it.
  CliResult text;
  ASSERT_TRUE(PollUntil(
      [&] {
        CliResult j = (*cluster)->RunCli({"-o", "json", "status"});
        if (j.exit_code != 0) return false;
        const JsonValue s = ParseJson(j.out);
        const auto& ws = Field(s, "workers").list_value();
        if (ws.values_size() != 1 || Number(ws.values(0), "resident") <= 0) return false;
        text = (*cluster)->RunCli({"status"});
        return true;
      },
      absl::Seconds(20)))
      << "the worker never reported its resident memory";
  ASSERT_EQ(text.exit_code, 0) << text.ToString();
  std::string line;
  for (absl::string_view l : absl::StrSplit(text.out, '\n')) {
    if (absl::StartsWith(l, "w0 ")) line = std::string(l);
  }
  ASSERT_FALSE(line.empty()) << text.out;
  EXPECT_THAT(text.out, HasSubstr("RESOURCES")) << text.out;
  EXPECT_THAT(line, HasSubstr(" 2.0 GiB ")) << text.out;
  EXPECT_THAT(line, HasSubstr("GPU=2,MEM=4e+09")) << text.out;
  EXPECT_THAT(line, MatchesRegex(absl::StrCat("w0 +127\\.0\\.0\\.1:[0-9]+ +running +", cores,
                                              " +0 +0 +[0-9.]+ (B|KiB|MiB) +[0-9.]+ (KiB|MiB|GiB)"
                                              " +0 B +2\\.0 GiB +GPU=2,MEM=4e\\+09")))
      << text.out;
}

// ------------------------------------------------------------------ no scheduler set

TEST(CliNoSchedulerTest, ClusterCommandsSayNoSchedulerIsSetAndExitTwo) {
  unsetenv("BRISK_SCHEDULER");
  auto dir = MakeTempDir("brisk-no-scheduler");
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string hello = absl::StrCat(*dir, "/hello.json");
  std::ofstream(hello) << kHelloGraph;
  const std::string brisk = BinDir() + "/brisk";
  const std::vector<std::vector<std::string>> commands = {
      {"status"},         {"jobs"},         {"shutdown"},           {"submit", "--no-wait", hello},
      {"wait", "1"},      {"job", "1"},     {"tasks", "1"},         {"cancel", "1"},
      {"release", "1"},   {"gather", "c"},  {"logs", "c"},          {"publish", "c", "n"},
      {"unpublish", "n"}, {"retire", "w0"}, {"-o", "json", "jobs"},
  };
  for (const auto& command : commands) {
    std::vector<std::string> argv = {brisk};
    argv.insert(argv.end(), command.begin(), command.end());
    CliResult r = RunProcess(argv, "", absl::Seconds(30));
    EXPECT_EQ(r.exit_code, 2) << command.front() << ": " << r.ToString();
    EXPECT_EQ(r.out, "") << command.front() << ": nothing ran, nothing is printed";
    EXPECT_THAT(r.err, HasSubstr("no scheduler is set")) << command.front();
    EXPECT_THAT(r.err, HasSubstr("--scheduler")) << command.front();
    EXPECT_THAT(r.err, HasSubstr("BRISK_SCHEDULER")) << command.front();
  }
  // What makes sense on its own still runs on an embedded cluster.
  CliResult submit =
      RunProcess({brisk, "--local-workers", "1", "submit", hello}, "", absl::Seconds(60));
  EXPECT_EQ(submit.exit_code, 0) << submit.ToString();
  EXPECT_EQ(submit.out, "c: 6.5\n");
  CliResult run =
      RunProcess({brisk, "--local-workers", "1", "run", "--", "echo", "hi"}, "", absl::Seconds(60));
  EXPECT_EQ(run.exit_code, 0) << run.ToString();
  EXPECT_EQ(run.out, "hi\n");
  // BRISK_SCHEDULER is a scheduler set: the command goes there (here: nothing listens).
  setenv("BRISK_SCHEDULER", "127.0.0.1:1", 1);
  CliResult env = RunProcess({brisk, "--scheduler-timeout", "0", "status"}, "", absl::Seconds(60));
  unsetenv("BRISK_SCHEDULER");
  EXPECT_EQ(env.exit_code, 3) << env.ToString();
  std::filesystem::remove_all(*dir);
}

}  // namespace
}  // namespace brisk::testing
