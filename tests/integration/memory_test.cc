// Memory limits against real brisk-scheduler and brisk-worker processes: a graph whose data is
// five times the workers' limits completes exactly, spilling to --local-dir and reading back for
// tasks, peers and the client, with the workers' peak resident memory (VmHWM) within 1.5 times
// the limit; a worker above its pause threshold says so in `brisk status`, gets no new work while
// others can take it, still finishes a job when every worker is paused, and runs again when
// memory is freed; a value larger than the limit fails its task, not the worker.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/value.h"
#include "tests/integration/cluster.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

constexpr uint64_t kMiB = 1 << 20;

// ASan's quarantine keeps up to 256 MiB of freed memory resident to catch late uses of it, and
// its fake stacks for use-after-return take more; these tests' workers, which keep within a few
// tens of MiB by what they measure, would take that for their own use and pause or fail tasks
// for it. Their children (the workers) run with both off; ASan still checks every access, and
// the rest of the suite runs with them on.
[[maybe_unused]] const bool kQuarantineOff = [] {
  if (const char* options = std::getenv("ASAN_OPTIONS")) {
    setenv("ASAN_OPTIONS",
           absl::StrCat(options, ":quarantine_size_mb=0:detect_stack_use_after_return=0").c_str(),
           1);
  }
  return true;
}();

// A /proc/PID/status field in bytes (VmHWM: the peak resident memory); 0 when absent.
uint64_t ProcStatusBytes(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::string number = line.substr(field.size() + 1);
    number = number.substr(0, number.find("kB"));
    uint64_t kb = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(number), &kb)) return kb * 1024;
  }
  return 0;
}

// Regular files anywhere under `dir`.
size_t FilesUnder(const std::string& dir) {
  size_t n = 0;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    n += it->is_regular_file() ? 1 : 0;
  }
  return n;
}

v1::Arg ShapeArg(int64_t n) { return ListArg({IntArg(n)}); }

const v1::WorkerInfo* WorkerNamed(const v1::StatusReply& s, const std::string& name) {
  for (const v1::WorkerInfo& w : s.workers()) {
    if (w.name() == name) return &w;
  }
  return nullptr;
}

// Whether the worker's paused flag (and state) is `paused` in the status.
bool IsPaused(const v1::StatusReply& s, const std::string& name, bool paused) {
  const v1::WorkerInfo* w = WorkerNamed(s, name);
  return w != nullptr && w->paused() == paused &&
         w->state() == (paused ? v1::WORKER_STATE_PAUSED : v1::WORKER_STATE_RUNNING);
}

class Dir {
 public:
  Dir() {
    auto made = MakeTempDir("brisk-memory-test");
    EXPECT_TRUE(made.ok()) << made.status();
    path_ = made.value_or("/nonexistent");
  }
  ~Dir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(MemoryTest, DataFiveTimesTheLimitsSpillsAndCompletesWithinThem) {
  constexpr uint64_t kLimit = 64 * kMiB;
  constexpr int kParts = 160;                // 4 MiB each: 640 MiB, five times the two limits
  constexpr int64_t kElements = 512 * 1024;  // int64
  Dir local0, local1;
  WorkerSpec w0("w0"), w1("w1");
  w0.extra_args = {"--memory-limit", "64MiB", "--local-dir", local0.path()};
  // One worker compresses (lz4, the default), the other writes the raw layout as it is.
  w1.extra_args = {"--memory-limit",      "64MiB", "--local-dir", local1.path(),
                   "--spill-compression", "none"};
  if (kSanitized) {
    // A sanitized worker's own memory (shadow memory) is near the 64 MiB limit before it holds
    // anything, so above *terminate* it would fail tasks for memory that is not theirs. Spilling
    // and pausing are still exercised; terminating has a test of its own.
    for (WorkerSpec* w : {&w0, &w1}) {
      w->extra_args.insert(w->extra_args.end(), {"--memory-terminate", "off"});
    }
  }
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({w0, w1}, r));

  // Each part is held (a job output) and made on a given worker; its size is taken wherever.
  v1::Graph graph;
  std::vector<v1::Arg> sizes;
  for (int i = 0; i < kParts; ++i) {
    const std::string part = absl::StrCat("part-", i);
    AddTask(graph, part, "full", {ShapeArg(kElements), IntArg(i), StrArg("int64")},
            {i % 2 == 0 ? "w0" : "w1"});
    AddTask(graph, absl::StrCat("size-", i), "nbytes", {RefArg(part)});
    sizes.push_back(RefArg(absl::StrCat("size-", i)));
  }
  AddTask(graph, "total", "sum", {ListArg(sizes)});
  graph.add_outputs("total");
  for (int i = 0; i < kParts; ++i) graph.add_outputs(absl::StrCat("part-", i));
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(WaitJob(*r.client, job->id, absl::Seconds(120)), v1::JOB_STATE_FINISHED);

  // Peak resident memory so far: making (and spilling) 640 MiB stayed within 1.5x the limit.
  // Under a sanitizer the process's memory is mostly the sanitizer's (shadow memory), so the
  // bound is only checked in the plain build.
  for (size_t i = 0; i < 2; ++i) {
    const uint64_t peak = ProcStatusBytes(r.cluster->worker_pid(i), "VmHWM");
    std::cerr << "worker " << i << ": peak resident memory " << peak / kMiB << " MiB, limit "
              << kLimit / kMiB << " MiB\n";
    ASSERT_GT(peak, 0u);
    if (!kSanitized) {
      EXPECT_LE(peak, kLimit * 3 / 2) << "worker " << i;
    }
  }
  // Spill files appeared, and the workers report them.
  EXPECT_GT(FilesUnder(local0.path()), 0u);
  EXPECT_GT(FilesUnder(local1.path()), 0u);
  v1::StatusReply status;
  ASSERT_TRUE(PollStatus(
      *r.client,
      [](const v1::StatusReply& s) {
        for (const v1::WorkerInfo& w : s.workers()) {
          if (w.spilled() == 0 || w.spilled_total() < w.spilled()) return false;
        }
        return s.workers_size() == 2;
      },
      absl::Seconds(10), &status))
      << status.DebugString();
  for (const v1::WorkerInfo& w : status.workers()) {
    EXPECT_LE(w.managed(), kLimit) << w.DebugString();
    EXPECT_EQ(w.memory_limit(), kLimit);
  }

  // Every part's size came through (tasks read spilled values), and parts come back exactly.
  ValuePtr total = r.client->Result(job->outputs[0]).value_or(nullptr);
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->int_(), int64_t{kParts} * kElements * 8);
  for (int i = 0; i < kParts; i += 13) {
    ValuePtr part = r.client->Result(job->outputs[1 + i]).value_or(nullptr);
    ASSERT_NE(part, nullptr) << i;
    absl::StatusOr<ArrayView> view = ArrayView::Of(*part);
    ASSERT_TRUE(view.ok()) << view.status();
    auto values = view->values<int64_t>();
    ASSERT_TRUE(values.ok()) << values.status();
    ASSERT_EQ(values->size(), static_cast<size_t>(kElements));
    for (int64_t x : *values) ASSERT_EQ(x, i) << "part " << i;
  }

  // Peers read spilled values too: each size again, on the worker that did not make the part.
  v1::Graph again;
  std::vector<v1::Arg> resized;
  for (int i = 0; i < kParts; i += 5) {
    AddTask(again, absl::StrCat("resize-", i), "nbytes", {RefArg(absl::StrCat("part-", i))},
            {i % 2 == 0 ? "w1" : "w0"});
    resized.push_back(RefArg(absl::StrCat("resize-", i)));
  }
  AddTask(again, "retotal", "sum", {ListArg(resized)});
  again.add_outputs("retotal");
  auto second = r.client->Submit(again);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(WaitJob(*r.client, second->id, absl::Seconds(60)), v1::JOB_STATE_FINISHED);
  ValuePtr retotal = r.client->Result(second->outputs[0]).value_or(nullptr);
  ASSERT_NE(retotal, nullptr);
  EXPECT_EQ(retotal->int_(), int64_t{kParts / 5} * kElements * 8);

  // Released, the values and their spill files go away.
  ASSERT_TRUE(r.client->Release(job->id).ok());
  ASSERT_TRUE(r.client->Release(second->id).ok());
  EXPECT_TRUE(
      PollUntil([&] { return FilesUnder(local0.path()) == 0 && FilesUnder(local1.path()) == 0; },
                absl::Seconds(20)))
      << FilesUnder(local0.path()) << " and " << FilesUnder(local1.path()) << " files left";
  ASSERT_TRUE(PollStatus(
      *r.client,
      [](const v1::StatusReply& s) {
        for (const v1::WorkerInfo& w : s.workers()) {
          if (w.spilled() != 0 || w.managed() != 0 || w.spilled_total() == 0) return false;
        }
        return true;
      },
      absl::Seconds(20), &status))
      << status.DebugString();
  r.cluster->Stop();
  // A worker's spill directory goes with it.
  EXPECT_TRUE(std::filesystem::is_empty(local0.path()));
  EXPECT_TRUE(std::filesystem::is_empty(local1.path()));
}

// A brisk::Array four times the workers' limits, persisted (so that its blocks are held, not
// fused away), spills and reduces correctly: its sum from the spilled blocks is the sum that a
// fused reduction draws without storing anything, and its mean and maximum are a uniform's.
TEST(MemoryTest, AnArrayFourTimesTheLimitsSpillsAndReducesCorrectly) {
  // 96 MiB: a worker's own resident memory is about 50 MiB before it holds anything. Blocks are
  // small against it (2 MiB): a reduction reads blocks back, and serves them to its peer, while
  // others spill, and with 8 MiB blocks that went above *terminate* (95%) in one run of six.
  constexpr uint64_t kLimit = 96 * kMiB;
  Dir local0, local1;
  WorkerSpec w0("w0"), w1("w1");
  w0.extra_args = {"--memory-limit", "96MiB", "--local-dir", local0.path()};
  w1.extra_args = {"--memory-limit", "96MiB", "--local-dir", local1.path()};
  if (kSanitized) {  // as in DataFiveTimesTheLimitsSpillsAndCompletesWithinThem
    for (WorkerSpec* w : {&w0, &w1}) {
      w->extra_args.insert(w->extra_args.end(), {"--memory-terminate", "off"});
    }
  }
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({w0, w1}, r));

  // 12288 x 4096 float64: 384 MiB (four times a worker's limit) in 192 blocks of 2 MiB.
  const Array x = Array::RandomUniform(7, {12288, 4096}, {64, 4096});
  absl::StatusOr<Array> held = x.Persist(*r.client);
  ASSERT_TRUE(held.ok()) << held.status();
  for (size_t i = 0; i < 2; ++i) {
    const uint64_t peak = ProcStatusBytes(r.cluster->worker_pid(i), "VmHWM");
    std::cerr << "worker " << i << ": peak resident memory " << peak / kMiB << " MiB, limit "
              << kLimit / kMiB << " MiB\n";
    if (!kSanitized) {
      EXPECT_LE(peak, kLimit * 3 / 2) << "worker " << i;
    }
  }
  EXPECT_GT(FilesUnder(local0.path()) + FilesUnder(local1.path()), 0u);

  auto scalar = [&](const Array& a) -> double {
    absl::StatusOr<v1::Value> v = a.Compute(*r.client);
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return -1;
    absl::StatusOr<ArrayView> view = ArrayView::Of(*v);
    EXPECT_TRUE(view.ok() && view->size() == 1);
    return view.ok() && view->size() == 1 ? view->AsDouble(0) : -1;
  };
  const double from_spilled = scalar(held->Sum());
  const double drawn = scalar(x.Sum());  // fused: drawn inside the reduction, never stored
  EXPECT_NEAR(from_spilled, drawn, 1e-9 * drawn);
  EXPECT_NEAR(scalar(held->Mean()), 0.5, 1e-3);
  const double top = scalar(held->Max());
  EXPECT_LT(top, 1.0);
  EXPECT_GT(top, 0.999);
}

// Workers that never spill (target and spill off) and pause above half their limit, so that one
// held value of 160 MiB pauses a worker whatever its idle memory (below 128 MiB) is.
WorkerSpec PausingWorker(const std::string& name) {
  WorkerSpec spec(name);
  spec.extra_args = {"--memory-limit",     "256MiB", "--memory-target", "off",
                     "--memory-spill",     "off",    "--memory-pause",  "0.5",
                     "--memory-terminate", "off"};
  return spec;
}

// A job holding one value of `bytes` made on `worker`.
JobId Hold(Client& client, const std::string& key, const std::string& worker, uint64_t bytes) {
  v1::Graph graph;
  AddTask(graph, key, "full", {ShapeArg(static_cast<int64_t>(bytes)), IntArg(1), StrArg("uint8")},
          {worker});
  graph.add_outputs(key);
  auto job = client.Submit(graph);
  EXPECT_TRUE(job.ok()) << job.status();
  if (!job.ok()) return 0;
  EXPECT_EQ(WaitJob(client, job->id), v1::JOB_STATE_FINISHED);
  return job->id;
}

// Submits `n` independent small tasks and waits for them; returns the workers they ran on.
std::vector<std::string> RunSmallJob(Client& client, const std::string& prefix, int n) {
  v1::Graph graph;
  for (int i = 0; i < n; ++i) {
    AddTask(graph, absl::StrCat(prefix, i), "inc", {IntArg(i)});
    graph.add_outputs(absl::StrCat(prefix, i));
  }
  auto job = client.Submit(graph);
  EXPECT_TRUE(job.ok()) << job.status();
  if (!job.ok()) return {};
  EXPECT_EQ(WaitJob(client, job->id), v1::JOB_STATE_FINISHED);
  std::vector<std::string> on;
  auto info = client.GetJob(job->id, /*include_tasks=*/true);
  EXPECT_TRUE(info.ok()) << info.status();
  if (info.ok()) {
    for (const v1::TaskInfo& t : info->tasks()) on.push_back(t.worker());
  }
  return on;
}

TEST(MemoryTest, APausedWorkerGetsNoWorkJobsStillFinishAndItResumes) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({PausingWorker("w0"), PausingWorker("w1")}, r));
  const uint64_t kHeld = 160 * kMiB;

  // w0 holds 160 MiB: above half its limit, it pauses and the status says so.
  const JobId held0 = Hold(*r.client, "held0", "w0", kHeld);
  v1::StatusReply status;
  ASSERT_TRUE(PollStatus(
      *r.client, [](const v1::StatusReply& s) { return IsPaused(s, "w0", true); },
      absl::Seconds(10), &status))
      << status.DebugString() << r.cluster->WorkerLog(0);
  CliResult text = r.cluster->RunCli({"status"});
  EXPECT_EQ(text.exit_code, 0) << text.ToString();
  EXPECT_THAT(text.out, HasSubstr("paused"));
  CliResult json = r.cluster->RunCli({"-o", "json", "status"});
  EXPECT_EQ(json.exit_code, 0) << json.ToString();
  for (const char* field : {"\"paused\":true", "\"memory_limit\":268435456",
                            "\"managed\":", "\"spilled\":0", "\"spilled_total\":0"}) {
    EXPECT_THAT(json.out, HasSubstr(field));
  }

  // New work goes to the running worker only.
  for (const std::string& worker : RunSmallJob(*r.client, "a-", 20)) EXPECT_EQ(worker, "w1");

  // With both paused, a job still finishes: each runs one task at a time.
  const JobId held1 = Hold(*r.client, "held1", "w1", kHeld);
  ASSERT_TRUE(PollStatus(
      *r.client,
      [](const v1::StatusReply& s) { return IsPaused(s, "w0", true) && IsPaused(s, "w1", true); },
      absl::Seconds(10), &status))
      << status.DebugString();
  EXPECT_EQ(RunSmallJob(*r.client, "b-", 20).size(), 20u);

  // Freed, the memory goes back to the system and the workers run again.
  ASSERT_TRUE(r.client->Release(held0).ok());
  ASSERT_TRUE(r.client->Release(held1).ok());
  ASSERT_TRUE(PollStatus(
      *r.client,
      [](const v1::StatusReply& s) { return IsPaused(s, "w0", false) && IsPaused(s, "w1", false); },
      absl::Seconds(20), &status))
      << status.DebugString() << r.cluster->WorkerLog(0);
  EXPECT_THAT(r.cluster->WorkerLog(0), HasSubstr("worker paused"));
  EXPECT_THAT(r.cluster->WorkerLog(0), HasSubstr("running again"));
}

TEST(MemoryTest, AValueLargerThanTheLimitFailsItsTaskNotTheWorker) {
  WorkerSpec w0("w0");
  w0.extra_args = {"--memory-limit", "48MiB"};
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({w0}, r));
  v1::Graph graph;
  AddTask(graph, "huge", "full", {ShapeArg(int64_t{64} * kMiB), IntArg(0), StrArg("uint8")});
  graph.add_outputs("huge");
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_ERRED);
  auto key = r.client->WaitKey(job->outputs[0], absl::Seconds(10));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->error_kind, v1::ERROR_KIND_OUT_OF_MEMORY) << key->error;
  EXPECT_THAT(key->error, HasSubstr("memory limit"));
  // The worker is still there and works.
  EXPECT_EQ(RunSmallJob(*r.client, "after-", 3).size(), 3u);
  EXPECT_TRUE(r.cluster->WorkerAlive(0));
}

TEST(MemoryTest, AboveTerminateTheRunningTaskFailsAsOutOfMemory) {
  // Nothing spills or pauses; above half the limit the worker fails its running task.
  WorkerSpec w0("w0");
  w0.extra_args = {"--memory-limit", "256MiB", "--memory-target",    "off", "--memory-spill", "off",
                   "--memory-pause", "off",    "--memory-terminate", "0.5"};
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({w0}, r));
  // The sleep holds its 160 MiB input while it runs, which takes the worker above 128 MiB.
  v1::Graph graph;
  AddTask(graph, "big", "full", {ShapeArg(int64_t{160} * kMiB), IntArg(1), StrArg("uint8")});
  AddTask(graph, "nap", "sleep", {FloatArg(60), RefArg("big")});
  graph.add_outputs("nap");
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(WaitJob(*r.client, job->id, absl::Seconds(30)), v1::JOB_STATE_ERRED);
  // Whichever task ran when memory passed the threshold failed for it: the sleep holding its
  // input, or (when a check came while the 160 MiB were being made) the task making them. The
  // sleep ended long before its 60 s.
  auto info = r.client->GetJob(job->id, /*include_tasks=*/true);
  ASSERT_TRUE(info.ok()) << info.status();
  int out_of_memory = 0;
  for (const v1::TaskInfo& t : info->tasks()) {
    if (t.error_kind() != v1::ERROR_KIND_OUT_OF_MEMORY) continue;
    ++out_of_memory;
    EXPECT_THAT(t.error(), HasSubstr("out of memory")) << t.key();
    EXPECT_THAT(t.error(), HasSubstr("--memory-terminate")) << t.key();
  }
  EXPECT_EQ(out_of_memory, 1) << info->DebugString();
  EXPECT_TRUE(r.cluster->WorkerAlive(0));
}

TEST(MemoryTest, BadMemoryFlagsAreRefusedByName) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--memory-limit", "lots"},
                                             {"--memory-pause", "1.5"},
                                             {"--spill-compression", "gzip"}}) {
    std::vector<std::string> argv = {absl::StrCat(BinDir(), "/brisk-worker"), "127.0.0.1:1"};
    argv.insert(argv.end(), args.begin(), args.end());
    CliResult result = RunProcess(argv, "", absl::Seconds(20));
    EXPECT_EQ(result.exit_code, 2) << result.ToString();
    EXPECT_THAT(result.err, HasSubstr(args[1])) << result.ToString();
  }
}

}  // namespace
}  // namespace brisk::testing
