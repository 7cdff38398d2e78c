// Shell commands as tasks, through the `brisk` command line against real brisk-scheduler and
// brisk-worker processes: run, map, job files of shell tasks, logs, and the auth token.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/cluster.h"
#include "tests/integration/test_json.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Processes are killed and reaped asynchronously; heartbeats are 50 ms apart here.
constexpr absl::Duration kSettle = absl::Seconds(10);

// A number no other test run uses, to tell our commands apart in the process table.
std::string UniqueSuffix() {
  std::random_device rd;
  return absl::StrCat(getpid() % 10000, rd() % 1000000);
}

// PIDs of live processes (zombies excluded) whose command line contains `marker`.
std::vector<pid_t> ProcessesWith(const std::string& marker) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = readdir(proc)) {
    pid_t pid;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid == getpid()) continue;
    std::string cmdline = ReadWholeFile(absl::StrCat("/proc/", pid, "/cmdline"));
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) == std::string::npos) continue;
    const std::string stat = ReadWholeFile(absl::StrCat("/proc/", pid, "/stat"));
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) continue;  // gone meanwhile
    if (stat[paren + 2] == 'Z') continue;
    found.push_back(pid);
  }
  closedir(proc);
  return found;
}

// Polls until no live process's command line contains `marker`.
bool NoProcessLeft(const std::string& marker) {
  return PollUntil([&] { return ProcessesWith(marker).empty(); }, kSettle);
}

class ShellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start({WorkerSpec("w0", 2), WorkerSpec("w1", 2)});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
  }

  CliResult Cli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    return cluster_->RunCli(args, stdin_text);
  }

  std::unique_ptr<TestCluster> cluster_;
};

// ------------------------------------------------------------------------------------ map

constexpr char kDouble[] = "echo $((BRISK_ITEM * 2))";

TEST_F(ShellTest, MapPrintsEveryItemsOutputInItemOrder) {
  CliResult r = Cli({"map", "--array", "1-500", "--", "sh", "-c", kDouble});
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  std::string want;
  for (int i = 1; i <= 500; ++i) absl::StrAppend(&want, i * 2, "\n");
  EXPECT_EQ(r.out, want);
  EXPECT_THAT(r.err, HasSubstr("500 of 500")) << r.err;
}

TEST_F(ShellTest, MapJsonHasOneOutputPerItem) {
  CliResult r = Cli({"-o", "json", "map", "--array", "1-500", "--", "sh", "-c", kDouble});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  const JsonValue out = ParseJson(r.out);
  EXPECT_EQ(Number(out, "items"), 500);
  EXPECT_EQ(Field(out, "failed").list_value().values_size(), 0) << r.out;
  const JsonValue& outputs = Field(out, "outputs");
  ASSERT_EQ(outputs.list_value().values_size(), 500) << r.out;
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(outputs.list_value().values(i).string_value(), absl::StrCat((i + 1) * 2, "\n")) << i;
  }
}

TEST_F(ShellTest, MapOutputDirGetsOneFilePerItem) {
  const std::string dir = absl::StrCat(cluster_->dir(), "/out");
  CliResult r = Cli({"map", "--array", "1-500", "--output-dir", dir, "--", "sh", "-c", kDouble});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "") << "the outputs went to files";
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 500u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(ReadWholeFile(absl::StrCat(dir, "/", i, ".out")), absl::StrCat((i + 1) * 2, "\n"))
        << i;
  }
}

TEST_F(ShellTest, MapPutsTheItemInPlaceOfBraces) {
  CliResult r = Cli({"map", "--array", "1-5", "--", "echo", "item-{}"});
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "item-1\nitem-2\nitem-3\nitem-4\nitem-5\n");
  CliResult step = Cli({"map", "--array", "0-10:5", "--", "echo", "n{}"});
  EXPECT_EQ(step.exit_code, 0) << step.ToString();
  EXPECT_EQ(step.out, "n0\nn5\nn10\n");
}

TEST_F(ShellTest, MapEachLineRunsOncePerLineWithItsIndex) {
  const std::string items = cluster_->WriteFile("items.txt", "alpha\nbeta gamma\ndelta\n");
  const char* script = "echo \"$BRISK_TASK_ID:$BRISK_ITEM:$1\"";
  CliResult r = Cli({"map", "--each-line", items, "--", "sh", "-c", script, "sh", "{}"});
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "0:alpha:alpha\n1:beta gamma:beta gamma\n2:delta:delta\n");
  CliResult from_stdin = Cli({"map", "--each-line", "-", "--", "echo", "{}"}, "x\ny\n");
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.ToString();
  EXPECT_EQ(from_stdin.out, "x\ny\n");
}

TEST_F(ShellTest, MapWithAFailingItemExitsOneAndListsIt) {
  CliResult r =
      Cli({"map", "--array", "1-10", "--", "sh", "-c", "echo $BRISK_ITEM; test $BRISK_ITEM -ne 7"});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_EQ(r.out, "1\n2\n3\n4\n5\n6\n8\n9\n10\n") << "the other items' outputs, in order";
  EXPECT_THAT(r.err, HasSubstr("failed: item 7 (index 6)")) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("exited with status 1")) << r.ToString();
  EXPECT_THAT(r.err, Not(HasSubstr("failed: item 8"))) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("9 of 10")) << r.ToString();
}

// Each attempt counts itself in a file; the command succeeds from its third attempt on.
constexpr char kThirdTimeLucky[] =
    "n=$(cat \"$0\" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > \"$0\"; echo attempt $n; "
    "test $n -ge 3";

TEST_F(ShellTest, MapRetriesRunAFailedItemAgainUntilItSucceeds) {
  const std::string dir = cluster_->dir();
  CliResult two = Cli({"map", "--array", "1-4", "--retries", "2", "--", "sh", "-c", kThirdTimeLucky,
                       absl::StrCat(dir, "/map2-{}")});
  EXPECT_EQ(two.exit_code, 0) << two.ToString();
  EXPECT_EQ(two.out, "attempt 3\nattempt 3\nattempt 3\nattempt 3\n") << two.ToString();
  CliResult one = Cli({"map", "--array", "1-4", "--retries", "1", "--", "sh", "-c", kThirdTimeLucky,
                       absl::StrCat(dir, "/map1-{}")});
  EXPECT_EQ(one.exit_code, 1) << one.ToString();
  EXPECT_THAT(one.err, HasSubstr("failed: item 1 (index 0)")) << one.ToString();
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(ReadWholeFile(absl::StrCat(dir, "/map1-", i)), "2\n") << "two attempts of " << i;
  }
  CliResult negative = Cli({"map", "--array", "1-2", "--retries", "-1", "--", "true"});
  EXPECT_EQ(negative.exit_code, 2) << negative.ToString();
}

TEST_F(ShellTest, RunRetriesWhileTheCommandExitsNonZeroAndPrintsTheLastAttempt) {
  const std::string counter = absl::StrCat(cluster_->dir(), "/run-count");
  CliResult two = Cli({"run", "--retries", "2", "--", "sh", "-c", kThirdTimeLucky, counter});
  EXPECT_EQ(two.exit_code, 0) << two.ToString();
  EXPECT_EQ(two.out, "attempt 3\n") << "only the last attempt's output";
  EXPECT_THAT(two.err, HasSubstr("attempt 2 of 3 exited with status 1; running it again"));
  std::filesystem::remove(counter);
  CliResult one = Cli({"run", "--retries", "1", "--", "sh", "-c", kThirdTimeLucky, counter});
  EXPECT_EQ(one.exit_code, 1) << one.ToString();
  EXPECT_EQ(one.out, "attempt 2\n");
  EXPECT_EQ(ReadWholeFile(counter), "2\n");
}

TEST_F(ShellTest, MapMaxFailsZeroCancelsTheRestAfterTheFirstFailure) {
  constexpr int kItems = 400;
  CliResult r = Cli({"-o", "json", "map", "--array", absl::StrCat("1-", kItems), "--max-fails", "0",
                     "--", "sh", "-c", "sleep 0.01; exit 3"});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  const JsonValue out = ParseJson(r.out);
  const auto& failed = Field(out, "failed").list_value();
  EXPECT_EQ(failed.values_size(), kItems) << "every item failed or was cancelled";
  int ran = 0, cancelled = 0;
  for (const JsonValue& f : failed.values()) {
    const std::string error = String(f, "error");
    if (absl::StrContains(error, "exited with status 3")) ++ran;
    if (absl::StrContains(error, "cancelled")) ++cancelled;
  }
  EXPECT_GE(ran, 1);
  EXPECT_LT(ran, kItems) << "the rest was not cancelled";
  EXPECT_GT(cancelled, 0) << r.out;

  // The scheduler's record agrees.
  const double job = Number(out, "job");
  CliResult jobs = Cli({"-o", "json", "jobs"});
  ASSERT_EQ(jobs.exit_code, 0) << jobs.ToString();
  const JsonValue list = ParseJson(jobs.out);
  bool seen = false;
  for (const JsonValue& j : list.list_value().values()) {
    if (Number(j, "job") != job) continue;
    seen = true;
    EXPECT_EQ(String(j, "state"), "cancelled") << jobs.out;
    const JsonValue& counts = Field(j, "tasks");
    EXPECT_GT(Number(counts, "cancelled"), 0) << jobs.out;
    const auto& fields = counts.struct_value().fields();
    const double erred = fields.contains("erred") ? fields.at("erred").number_value() : 0;
    EXPECT_LT(erred, kItems) << jobs.out;
  }
  EXPECT_TRUE(seen) << jobs.out;
}

// ------------------------------------------------------------------------------------ run

TEST_F(ShellTest, RunExitsWithTheCommandsStatus) {
  CliResult seven = Cli({"run", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(seven.exit_code, 7) << seven.ToString();
  CliResult ok = Cli({"run", "--", "true"});
  EXPECT_EQ(ok.exit_code, 0) << ok.ToString();
  CliResult missing = Cli({"run", "--", "brisk-no-such-command-here"});
  EXPECT_EQ(missing.exit_code, 127) << missing.ToString();
  EXPECT_THAT(missing.err, HasSubstr("brisk-no-such-command-here"));
}

TEST_F(ShellTest, RunPrintsTheCommandsOutputAndError) {
  CliResult r = Cli({"run", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.ToString();
  EXPECT_EQ(r.out, "to-stdout\n");
  EXPECT_THAT(r.err, HasSubstr("to-stderr\n"));
  EXPECT_THAT(r.err, Not(HasSubstr("to-stdout")));
}

TEST_F(ShellTest, RunTimeoutExits124AndLeavesNoProcess) {
  const std::string seconds = absl::StrCat("100.", UniqueSuffix());
  const absl::Time start = absl::Now();
  CliResult r = Cli({"run", "--timeout", "1", "--", "sleep", seconds});
  EXPECT_EQ(r.exit_code, 124) << r.ToString();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << r.ToString();
  EXPECT_TRUE(NoProcessLeft(seconds)) << "still running: sleep " << seconds;
}

// A child that left the command's process group and session (setsid) still holds its output:
// the timeout kills it too, and the client is not kept waiting for it.
TEST_F(ShellTest, RunTimeoutKillsAChildThatLeftTheProcessGroup) {
  const std::string seconds = absl::StrCat("135.", UniqueSuffix());
  const absl::Time start = absl::Now();
  CliResult r = Cli({"run", "--timeout", "1", "--", "sh", "-c",
                     absl::StrCat("setsid sleep ", seconds, " & sleep ", seconds, "1")});
  EXPECT_EQ(r.exit_code, 124) << r.ToString();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30)) << r.ToString();
  EXPECT_TRUE(NoProcessLeft(seconds)) << "still running: sleep " << seconds;
}

// A command that exits at once after double-forking a daemon into a session of its own: its
// output comes back when it exits, and the daemon does not outlive the task.
TEST_F(ShellTest, ADoubleForkedDaemonDoesNotOutliveItsTask) {
  const std::string seconds = absl::StrCat("137.", UniqueSuffix());
  const absl::Time start = absl::Now();
  CliResult r = Cli({"run", "--", "sh", "-c",
                     absl::StrCat("(setsid sh -c 'sleep ", seconds, " & exit' &); echo started")});
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(30)) << r.ToString();
  EXPECT_TRUE(NoProcessLeft(seconds)) << "still running: sleep " << seconds;
}

TEST_F(ShellTest, CancellingAJobKillsItsRunningCommands) {
  const std::string seconds = absl::StrCat("99.", UniqueSuffix());
  std::string graph = R"({"tasks": [)";
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&graph, i == 0 ? "" : ",", R"({"key": "nap-)", i,
                    R"(", "op": "shell", "args": [{"str": "sleep"}, {"str": ")", seconds,
                    R"("}, {"str": ")", i, R"("}]})");
  }
  absl::StrAppend(&graph, "]}");
  const std::string path = cluster_->WriteFile("naps.json", graph);
  CliResult submit = Cli({"submit", "--no-wait", path});
  ASSERT_EQ(submit.exit_code, 0) << submit.ToString();
  const std::string id(absl::StripAsciiWhitespace(submit.out));

  // `sleep S I` sleeps S + I seconds: all four run, one per worker thread.
  ASSERT_TRUE(PollUntil([&] { return ProcessesWith(seconds).size() == 4; }, absl::Seconds(20)))
      << ProcessesWith(seconds).size() << " of 4 commands started";
  CliResult cancel = Cli({"cancel", id});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.ToString();
  EXPECT_THAT(cancel.out, HasSubstr("cancelled"));
  EXPECT_TRUE(NoProcessLeft(seconds)) << ProcessesWith(seconds).size() << " still running";
}

// ------------------------------------------------------------------------------------ job files

TEST_F(ShellTest, ShellTasksPipeValuesThroughStdinAndFilesAndHonourAfter) {
  const std::string path = cluster_->WriteFile("pipeline.json", R"json({"tasks": [
  {"key": "nums", "op": "shell", "args": [{"str": "seq"}, {"int": 10}]},
  {"key": "sorted", "op": "shell", "args": [{"str": "sort"}, {"str": "-rn"}],
   "kwargs": {"stdin": {"ref": "nums"}}},
  {"key": "top", "op": "shell", "args": [{"str": "head"}, {"str": "-n"}, {"str": "3"}, {"ref": "sorted"}]},
  {"key": "note", "op": "shell", "args": [{"str": "echo"}, {"str": "done"}], "after": ["top"]}
 ],
 "outputs": ["top", "note"]})json");
  CliResult r = Cli({"-o", "json", "submit", path});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  const JsonValue out = ParseJson(r.out);
  EXPECT_EQ(String(out, "state"), "finished");
  EXPECT_EQ(String(Field(out, "results"), "top"), "10\n9\n8\n");
  EXPECT_EQ(String(Field(out, "results"), "note"), "done\n");

  CliResult tasks = Cli({"-o", "json", "tasks", absl::StrCat(Number(out, "job"))});
  ASSERT_EQ(tasks.exit_code, 0) << tasks.ToString();
  std::map<std::string, std::pair<double, double>> times;
  const JsonValue task_list = ParseJson(tasks.out);
  for (const JsonValue& t : task_list.list_value().values()) {
    times[String(t, "key")] = {Number(t, "start"), Number(t, "end")};
  }
  ASSERT_TRUE(times.contains("top") && times.contains("note")) << tasks.out;
  EXPECT_GE(times["note"].first, times["top"].second)
      << "\"note\" started before \"top\" ended: " << tasks.out;
  EXPECT_GE(times["top"].first, times["sorted"].second) << tasks.out;
}

// Submitting a job file again runs its commands again, even while the first job still holds
// their results: each run appends a line to a file and prints how many there are.
TEST_F(ShellTest, AJobFileSubmittedAgainRunsItsCommandsAgain) {
  const std::string count = cluster_->WriteFile("runs.txt", "");
  const std::string path = cluster_->WriteFile(
      "count.json", absl::StrCat(R"json({"tasks": [
  {"key": "runs", "op": "shell", "args": [{"str": "sh"}, {"str": "-c"},
    {"str": "echo run >> )json",
                                 count, R"json(; wc -l < )json", count, R"json("}]}]})json"));
  CliResult held = Cli({"-o", "json", "submit", "--no-wait", path});
  ASSERT_EQ(held.exit_code, 0) << held.ToString();
  const std::string job = absl::StrCat(Number(ParseJson(held.out), "job"));
  ASSERT_EQ(Cli({"wait", job}).exit_code, 0);
  for (const char* expected : {"2", "3"}) {
    CliResult again = Cli({"submit", path});
    ASSERT_EQ(again.exit_code, 0) << again.ToString();
    EXPECT_EQ(again.out, absl::StrCat("runs: ", expected, "\n\n")) << "not the held result";
  }
  CliResult first = Cli({"gather", "runs"});
  EXPECT_EQ(first.exit_code, 0) << first.ToString();
  EXPECT_EQ(ReadWholeFile(count), "run\nrun\nrun\n");
}

TEST_F(ShellTest, LogsShowAShellTasksStandardErrorAndItsError) {
  CliResult run = Cli({"-o", "json", "run", "--", "sh", "-c", "echo to-stderr >&2"});
  ASSERT_EQ(run.exit_code, 0) << run.ToString();
  const std::string key = String(ParseJson(run.out), "key");
  CliResult logs = Cli({"logs", key});
  EXPECT_EQ(logs.exit_code, 0) << logs.ToString();
  EXPECT_EQ(logs.out, "to-stderr\n") << logs.ToString();
  EXPECT_THAT(logs.err, HasSubstr(key));

  const std::string path = cluster_->WriteFile("fails.json", R"json({"tasks": [
  {"key": "will-fail", "op": "shell",
   "args": [{"str": "sh"}, {"str": "-c"}, {"str": "echo before-failing >&2; exit 3"}]}]})json");
  CliResult submit = Cli({"submit", path});
  EXPECT_EQ(submit.exit_code, 1) << submit.ToString();
  CliResult failed = Cli({"logs", "will-fail"});
  EXPECT_EQ(failed.exit_code, 0) << failed.ToString();
  EXPECT_THAT(failed.out, HasSubstr("before-failing")) << failed.ToString();
  EXPECT_THAT(failed.err, HasSubstr("exited with status 3")) << failed.ToString();
  EXPECT_THAT(failed.err, HasSubstr("erred")) << failed.ToString();
  CliResult json = Cli({"-o", "json", "logs", "will-fail"});
  ASSERT_EQ(json.exit_code, 0) << json.ToString();
  const JsonValue log = ParseJson(json.out);
  EXPECT_EQ(String(log, "state"), "erred");
  EXPECT_THAT(String(log, "log"), HasSubstr("before-failing"));
  EXPECT_THAT(String(log, "error"), HasSubstr("exited with status 3"));
}

TEST_F(ShellTest, JobFilesTakePlainValuesAsArgsInJsonAndYaml) {
  const std::string json = cluster_->WriteFile("plain.json", R"json({"tasks": [
  {"key": "nums", "op": "shell", "args": ["seq", 3]},
  {"key": "top", "op": "shell", "args": ["sort -rn | head -n 1"], "kwargs": {"shell": true, "stdin": {"ref": "nums"}}},
  {"key": "sum", "op": "add", "args": [3, 4]},
  {"key": "mixed", "op": "add", "args": [3, 2.5]}
 ]})json");
  CliResult r = Cli({"-o", "json", "submit", json});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  const JsonValue results = Field(ParseJson(r.out), "results");
  EXPECT_EQ(String(results, "top"), "3\n");
  EXPECT_EQ(Number(results, "sum"), 7);
  EXPECT_EQ(Number(results, "mixed"), 5.5);
  CliResult text = Cli({"submit", json});
  ASSERT_EQ(text.exit_code, 0) << text.ToString();
  EXPECT_THAT(text.out, HasSubstr("sum: 7\n")) << "3 and 4 are ints: " << text.out;

  const std::string yaml = cluster_->WriteFile("plain.yaml", R"yaml(
tasks:
  - {key: ynums, op: shell, args: [seq, 4]}
  - key: ytop
    op: shell
    args: ["sort -rn | head -n 1"]
    kwargs: {shell: true, stdin: {ref: ynums}}
  - {key: ysum, op: add, args: [3, 4]}
  - {key: yecho, op: shell, args: [echo, "007", 007]}
)yaml");
  CliResult y = Cli({"-o", "json", "submit", yaml});
  ASSERT_EQ(y.exit_code, 0) << y.ToString();
  const JsonValue yresults = Field(ParseJson(y.out), "results");
  EXPECT_EQ(String(yresults, "ytop"), "4\n");
  EXPECT_EQ(Number(yresults, "ysum"), 7);
  EXPECT_EQ(String(yresults, "yecho"), "007 7\n") << "quoted: a string; plain: an int";
  const std::string bad = cluster_->WriteFile("bad.yml", "tasks:\n  - {key: a, op: [\n");
  CliResult b = Cli({"submit", bad});
  EXPECT_EQ(b.exit_code, 2) << b.ToString();
  EXPECT_THAT(b.err, HasSubstr("malformed graph YAML")) << b.ToString();
}

// ------------------------------------------------------------------------------------ cwd

// A project directory with a script, data files and a list of them, made inside the cluster's
// directory (the daemons run elsewhere: in the test's own directory).
std::string MakeProject(const TestCluster& cluster) {
  const std::string dir = absl::StrCat(cluster.dir(), "/proj");
  std::filesystem::create_directories(dir + "/sub");
  std::ofstream(dir + "/hello.sh") << "#!/bin/sh\necho hello from $(basename \"$PWD\")\n";
  std::filesystem::permissions(dir + "/hello.sh", std::filesystem::perms::owner_all);
  std::ofstream(dir + "/a.txt") << "1\n2\n";
  std::ofstream(dir + "/b c.txt") << "x\n";
  std::ofstream(dir + "/files.txt") << "a.txt\nb c.txt\n";
  std::ofstream(dir + "/sub/s.txt") << "in sub\n";
  return std::filesystem::canonical(dir).string();
}

TEST_F(ShellTest, RunAndMapRunInTheDirectoryBriskWasInvokedFrom) {
  const std::string proj = MakeProject(*cluster_);
  CliResult run = cluster_->RunCliIn(proj, {"run", "--", "./hello.sh"});
  EXPECT_EQ(run.exit_code, 0) << run.ToString();
  EXPECT_EQ(run.out, "hello from proj\n");
  CliResult pwd = cluster_->RunCliIn(proj, {"run", "--", "pwd"});
  EXPECT_EQ(pwd.out, proj + "\n") << pwd.ToString();
  CliResult map =
      cluster_->RunCliIn(proj, {"map", "--each-line", "files.txt", "--", "wc", "-l", "{}"});
  EXPECT_EQ(map.exit_code, 0) << map.ToString();
  EXPECT_EQ(map.out, "2 a.txt\n1 b c.txt\n");
  // From elsewhere the same relative paths name nothing.
  CliResult elsewhere = cluster_->RunCliIn(cluster_->dir(), {"run", "--", "./hello.sh"});
  EXPECT_EQ(elsewhere.exit_code, 127) << elsewhere.ToString();
}

TEST_F(ShellTest, CwdChoosesTheDirectoryRelativeToTheInvokingOne) {
  const std::string proj = MakeProject(*cluster_);
  CliResult relative =
      cluster_->RunCliIn(cluster_->dir(), {"run", "--cwd", "proj", "--", "./hello.sh"});
  EXPECT_EQ(relative.exit_code, 0) << relative.ToString();
  EXPECT_EQ(relative.out, "hello from proj\n");
  CliResult absolute = cluster_->RunCliIn(
      "/", {"map", "--array", "1-2", "--cwd", proj + "/sub", "--", "cat", "s.txt"});
  EXPECT_EQ(absolute.exit_code, 0) << absolute.ToString();
  EXPECT_EQ(absolute.out, "in sub\nin sub\n");
  CliResult missing = cluster_->RunCliIn(proj, {"run", "--cwd", "no-such-dir", "--", "true"});
  EXPECT_NE(missing.exit_code, 0) << missing.ToString();
  EXPECT_THAT(missing.err, HasSubstr(proj + "/no-such-dir\" is not a directory"))
      << missing.ToString();
}

TEST_F(ShellTest, JobFileShellTasksRunWhereSubmitWasInvoked) {
  const std::string proj = MakeProject(*cluster_);
  const std::string job = cluster_->WriteFile("cwd-job.json", R"json({"tasks": [
  {"key": "here", "op": "shell", "args": [{"str": "cat"}, {"str": "a.txt"}]},
  {"key": "sub", "op": "shell", "args": [{"str": "cat"}, {"str": "s.txt"}], "kwargs": {"cwd": {"str": "sub"}}},
  {"key": "root", "op": "shell", "args": [{"str": "pwd"}], "kwargs": {"cwd": {"str": "/"}}}
 ]})json");
  CliResult r = cluster_->RunCliIn(proj, {"-o", "json", "submit", job});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  const JsonValue results = Field(ParseJson(r.out), "results");
  EXPECT_EQ(String(results, "here"), "1\n2\n");
  EXPECT_EQ(String(results, "sub"), "in sub\n");
  EXPECT_EQ(String(results, "root"), "/\n");
  CliResult chosen = cluster_->RunCliIn("/", {"-o", "json", "submit", "--cwd", proj, job});
  ASSERT_EQ(chosen.exit_code, 0) << chosen.ToString();
  EXPECT_EQ(String(Field(ParseJson(chosen.out), "results"), "here"), "1\n2\n");
}

// ------------------------------------------------------------------------------------ auth

TEST(ShellAuthTest, AClusterWithATokenRefusesAWrongOrMissingOne) {
  unsetenv("BRISK_AUTH_TOKEN_FILE");
  auto made = MakeTempDir("brisk-auth");
  ASSERT_TRUE(made.ok()) << made.status();
  const std::string dir = *made;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  const std::string token = absl::StrCat("right-token-", UniqueSuffix());
  const std::string right = absl::StrCat(dir, "/right.token");
  const std::string wrong = absl::StrCat(dir, "/wrong.token");
  std::ofstream(right) << token << "\n";
  std::ofstream(wrong) << "not-" << token << "\n";

  ClusterOptions options;
  options.scheduler_args = {"--auth-token-file", right};
  options.auth_token = token;
  std::vector<WorkerSpec> workers = {WorkerSpec("w0"), WorkerSpec("w1")};
  for (WorkerSpec& w : workers) w.extra_args = {"--auth-token-file", right};
  auto started = TestCluster::Start(workers, options);
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;

  CliResult bad = cluster.RunCli({"--auth-token-file", wrong, "status"});
  EXPECT_EQ(bad.exit_code, 2) << bad.ToString();
  EXPECT_THAT(bad.err, HasSubstr("wrong auth token")) << bad.ToString();
  CliResult none = cluster.RunCli({"status"});
  EXPECT_EQ(none.exit_code, 2) << none.ToString();
  EXPECT_THAT(none.err, HasSubstr("needs an auth token")) << none.ToString();

  CliResult good = cluster.RunCli({"--auth-token-file", right, "status"});
  EXPECT_EQ(good.exit_code, 0) << good.ToString();
  EXPECT_THAT(good.out, HasSubstr("w0"));
  EXPECT_THAT(good.out, HasSubstr("w1"));
  const std::string hello = cluster.WriteFile("hello.json", kHelloGraph);
  CliResult submit = cluster.RunCli({"--auth-token-file", right, "submit", hello});
  EXPECT_EQ(submit.exit_code, 0) << submit.ToString();
  EXPECT_EQ(submit.out, "c: 6.5\n");

  // Workers with a wrong token, or none, are refused and exit.
  WorkerSpec intruder("intruder");
  intruder.extra_args = {"--auth-token-file", wrong};
  auto bad_worker = cluster.AddWorker(intruder, /*wait_registered=*/false);
  ASSERT_TRUE(bad_worker.ok()) << bad_worker.status();
  auto bad_exit = cluster.WaitWorkerExit(*bad_worker, absl::Seconds(20));
  ASSERT_TRUE(bad_exit.ok()) << bad_exit.status();
  EXPECT_FALSE(bad_exit->ok()) << bad_exit->ToString();
  EXPECT_THAT(cluster.WorkerLog(*bad_worker), HasSubstr("wrong auth token"));
  auto no_token_worker = cluster.AddWorker(WorkerSpec("tokenless"), /*wait_registered=*/false);
  ASSERT_TRUE(no_token_worker.ok()) << no_token_worker.status();
  auto none_exit = cluster.WaitWorkerExit(*no_token_worker, absl::Seconds(20));
  ASSERT_TRUE(none_exit.ok()) << none_exit.status();
  EXPECT_FALSE(none_exit->ok()) << none_exit->ToString();

  auto client = cluster.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  auto status = (*client)->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->workers_size(), 2) << status->DebugString();
}

}  // namespace
}  // namespace brisk::testing
