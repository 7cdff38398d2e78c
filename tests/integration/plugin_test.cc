// Plugins loaded by real brisk-worker processes: ops that throw or return the wrong kind fail
// their task (never the worker), plugins that cannot be loaded stop the worker with status 1 and
// a message naming the path, and a task whose op no worker has waits, with a notice to the
// waiting `brisk submit`, until a worker with the plugin joins. A custom worker executable
// (tests/plugins/custom_worker.cc: its own main, brisk::WorkerMain) takes brisk-worker's flags and
// runs its own ops beside the built-in ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/op.h"
#include "tests/integration/cluster.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

const std::string kTestOps = BRISK_TEST_PLUGIN_DIR "/libbrisk_test_ops.so";
const std::string kAbiMismatch = BRISK_TEST_PLUGIN_DIR "/libbrisk_abi_mismatch.so";
const std::string kCustomWorker = BRISK_CUSTOM_WORKER;

WorkerSpec WithTestOps(const std::string& name) {
  WorkerSpec spec(name);
  spec.extra_args = {"--plugin", kTestOps};
  return spec;
}

WorkerSpec CustomWorker(const std::string& name) {
  WorkerSpec spec(name);
  spec.executable = kCustomWorker;
  return spec;
}

// brisk-worker with `args`; it must stop by itself (before reaching any scheduler).
CliResult RunWorker(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinDir() + "/brisk-worker", "127.0.0.1:1", "--connect-timeout",
                                   "1"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, "", absl::Seconds(30));
}

TEST(PluginLoading, AMissingPluginFileStopsTheWorkerNamingThePath) {
  const std::string path = "/nonexistent/libno_such_ops.so";
  CliResult r = RunWorker({"--plugin", path});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("plugin ", path, ": cannot load it: ")))
      << r.ToString();
}

TEST(PluginLoading, APluginForAnotherApiVersionIsRefused) {
  CliResult r = RunWorker({"--plugin", kAbiMismatch});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_THAT(r.err,
              HasSubstr(absl::StrCat("plugin ", kAbiMismatch, " was built for op API version ",
                                     kOpApiVersion + 1, "; this worker has ", kOpApiVersion)))
      << r.ToString();
}

TEST(PluginLoading, ALibraryThatIsNoPluginIsRefused) {
  // Brisk's own op library has no plugin entry points.
  const std::string path = BRISK_OP_LIBRARY;
  CliResult r = RunWorker({"--plugin", path});
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("plugin ", path, ": not a Brisk plugin")))
      << r.ToString();
}

TEST(PluginLoading, ThePluginListMayComeFromTheConfigFile) {
  RunningCluster c;
  ASSERT_NO_FATAL_FAILURE(StartCluster({}, c));
  const std::string config =
      c.cluster->WriteFile("worker.toml", absl::StrCat("plugin = [\"", kTestOps, "\"]\n"));
  WorkerSpec spec("configured");
  spec.extra_args = {"--config", config};
  ASSERT_TRUE(c.cluster->AddWorker(spec).ok());
  v1::Graph graph;
  AddTask(graph, "a", "area", {IntArg(6), IntArg(7)});
  auto job = c.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  auto value = c.client->Result(job->outputs[0]);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)->int_(), 42);
}

class PluginOpsOnWorkers : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartCluster({WithTestOps("w0")}, c_)); }

  // Runs a one-task graph of `op`; returns its error ("" when it succeeded).
  std::string ErrorOf(const std::string& op, const std::vector<v1::Arg>& args = {}) {
    v1::Graph graph;
    AddTask(graph, op + "-task", op, args);
    auto job = c_.client->Submit(graph);
    if (!job.ok()) return job.status().ToString();
    auto status = c_.client->WaitKey(job->outputs[0], absl::Seconds(60));
    if (!status.ok()) return status.status().ToString();
    return status->error;
  }

  void ExpectWorkerAlive() {
    EXPECT_TRUE(c_.cluster->WorkerAlive(0)) << c_.cluster->WorkerLog(0);
    EXPECT_EQ(ErrorOf("area", {IntArg(2), IntArg(3)}), "") << "the worker still runs tasks";
  }

  RunningCluster c_;
};

TEST_F(PluginOpsOnWorkers, AThrownExceptionFailsTheTaskNotTheWorker) {
  EXPECT_EQ(ErrorOf("boom"), "op \"boom\" threw: boom");
  EXPECT_EQ(ErrorOf("boom_int"), "op \"boom_int\" threw an exception");
  ExpectWorkerAlive();
}

TEST_F(PluginOpsOnWorkers, AResultOfTheWrongKindFailsTheTask) {
  EXPECT_EQ(ErrorOf("wrong_kind"), "op \"wrong_kind\" returned str, declared ndarray");
  EXPECT_THAT(ErrorOf("bad_array"), HasSubstr("op \"bad_array\" returned a malformed value: "));
  ExpectWorkerAlive();
}

TEST_F(PluginOpsOnWorkers, AnArgumentOfTheWrongKindFailsTheTaskNamingIt) {
  EXPECT_EQ(ErrorOf("area", {StrArg("wide"), IntArg(3)}),
            "op \"area\": argument 0 (\"width\") must be int, got str");
  EXPECT_EQ(ErrorOf("area", {IntArg(3)}), "op \"area\": takes 2 arguments (width, height), got 1");
  EXPECT_EQ(ErrorOf("shout", {IntArg(3)}),
            "op \"shout\": argument 0 must be str or bytes, got int");
  ExpectWorkerAlive();
}

// Submits `graph_json` (task "a" of op `op`, then "b" = inc(a)) with only a plugin-less worker
// connected, checks that the task waits in no-worker, then lets `joining` join: the waiting
// `brisk submit` must print `expected_out` and, on stderr, the notice naming task a and `op`.
void ExpectTaskWaitsForItsOp(const std::string& graph_json, const std::string& op,
                             const WorkerSpec& joining, const std::string& expected_out) {
  RunningCluster c;
  ASSERT_NO_FATAL_FAILURE(StartCluster({WorkerSpec("plain")}, c));
  const std::string graph = c.cluster->WriteFile("graph.json", graph_json);
  CliResult submitted;
  std::thread submitter([&] { submitted = c.cluster->RunCli({"submit", graph}); });
  // The task waits in no-worker; only then does a worker with the op join.
  v1::StatusReply last;
  const bool waiting = PollStatus(
      *c.client,
      [](const v1::StatusReply& s) { return TaskCount(s, v1::TASK_STATE_NO_WORKER) == 1; },
      absl::Seconds(30), &last);
  EXPECT_TRUE(waiting) << last.DebugString();
  EXPECT_TRUE(c.cluster->AddWorker(joining).ok());
  submitter.join();
  EXPECT_EQ(submitted.exit_code, 0) << submitted.ToString();
  EXPECT_EQ(submitted.out, expected_out) << submitted.ToString();
  EXPECT_THAT(submitted.err, HasSubstr(absl::StrCat("task a: no connected worker has op \"", op,
                                                    "\"; it waits for one\n")))
      << submitted.ToString();
}

TEST(PluginAnnounce, ATaskWaitsForAWorkerWithItsOpAndTheSubmitterIsTold) {
  ExpectTaskWaitsForItsOp(
      R"json({"tasks": [{"key": "a", "op": "area", "args": [{"int": 6}, {"int": 7}]},
                        {"key": "b", "op": "inc", "args": [{"ref": "a"}]}]})json",
      "area", WithTestOps("tiles"), "b: 43\n");
}

TEST(CustomWorker, RunsItsOwnOpsBesideTheBuiltInOnes) {
  RunningCluster c;
  ASSERT_NO_FATAL_FAILURE(StartCluster({CustomWorker("custom")}, c));
  const std::string graph = c.cluster->WriteFile("custom.json", R"json({"tasks": [
      {"key": "t", "op": "triple", "args": [{"int": 7}]},
      {"key": "s", "op": "array_sum",
       "args": [{"ndarray": {"dtype": "float64", "data": [[1, 2, 3], [4, 5, 6.5]]}}]},
      {"key": "total", "op": "add", "args": [{"ref": "t"}, {"ref": "s"}]}],
    "outputs": ["t", "s", "total"]})json");
  CliResult r = c.cluster->RunCli({"submit", graph});
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "t: 21\ns: 21.5\ntotal: 42.5\n") << r.ToString();

  // triple's declared signature is checked as a plugin op's is.
  v1::Graph bad;
  AddTask(bad, "x", "triple", {StrArg("seven")});
  auto job = c.client->Submit(bad);
  ASSERT_TRUE(job.ok()) << job.status();
  auto status = c.client->WaitKey(job->outputs[0], absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->error, "op \"triple\": argument 0 (\"x\") must be int, got str");
}

TEST(CustomWorker, TakesBriskWorkersFlags) {
  CliResult help = RunProcess({kCustomWorker, "--help"}, "", absl::Seconds(30));
  EXPECT_EQ(help.exit_code, 0) << help.ToString();
  EXPECT_THAT(help.out, HasSubstr("Usage: ")) << help.ToString();
  EXPECT_THAT(help.out, HasSubstr("--plugin")) << help.ToString();
  EXPECT_THAT(help.out, HasSubstr("--nthreads")) << help.ToString();

  // A bad flag is refused as brisk-worker refuses it.
  const std::vector<std::string> bad_args = {"127.0.0.1:1", "--nthreads", "many"};
  std::vector<std::string> custom_argv = {kCustomWorker};
  std::vector<std::string> plain_argv = {BinDir() + "/brisk-worker"};
  custom_argv.insert(custom_argv.end(), bad_args.begin(), bad_args.end());
  plain_argv.insert(plain_argv.end(), bad_args.begin(), bad_args.end());
  CliResult custom = RunProcess(custom_argv, "", absl::Seconds(30));
  CliResult plain = RunProcess(plain_argv, "", absl::Seconds(30));
  EXPECT_EQ(custom.exit_code, 2) << custom.ToString();  // a bad flag, as WorkerMain documents
  EXPECT_EQ(custom.exit_code, plain.exit_code) << custom.ToString() << plain.ToString();
  EXPECT_EQ(custom.err, plain.err);
  EXPECT_THAT(custom.err, HasSubstr("--nthreads = many")) << custom.ToString();
}

TEST(CustomWorker, ATaskOfItsOpWaitsWhileOnlyAPlainWorkerIsConnected) {
  ExpectTaskWaitsForItsOp(
      R"json({"tasks": [{"key": "a", "op": "triple", "args": [{"int": 7}]},
                        {"key": "b", "op": "inc", "args": [{"ref": "a"}]}]})json",
      "triple", CustomWorker("custom"), "b: 22\n");
}

}  // namespace
}  // namespace brisk::testing
