// The client side of the scheduler's protocol, over real gRPC: scripted clients submit graphs
// (whole or in chunks), watch jobs and go away, while scripted workers do the work.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/state_names.h"
#include "tests/component/in_process_scheduler.h"
#include "tests/component/protocol.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

SchedulerServerOptions NoSpeculation() {
  SchedulerServerOptions options;
  options.scheduler.speculation_depth = 0;
  return options;
}

class ClientStreamTest : public ::testing::Test {
 protected:
  // Runs every task the worker is sent until `client` hears that `job` ended; returns how.
  std::string RunToEnd(ScriptedWorker& worker, ScriptedClient& client, uint64_t job) {
    while (true) {
      std::optional<v1::SchedulerToWorker> batch = AwaitCompute(worker);
      if (!batch) return "the worker was sent nothing more";
      EXPECT_TRUE(worker.Send(Done(ComputeKeys(*batch))));
      if (batch->compute(0).key() == "last") break;
    }
    std::optional<v1::JobUpdate> end = AwaitJobEnd(client, job);
    return end ? StateName(end->state()) : "no end of job";
  }

  InProcessScheduler scheduler_{NoSpeculation()};
};

TEST_F(ClientStreamTest, AGraphSentInSeveralChunksStartsOneJobAtTheLastChunk) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  ASSERT_TRUE(client->Send(Submit(7, {Task("a")}, /*last=*/false)));
  ASSERT_TRUE(client->Send(Submit(7, {Task("b", {"a"})}, /*last=*/false)));
  // Watching an unknown job is answered at once; as that answer follows the two chunks on the
  // same stream, it shows they were taken in without a job being started or refused.
  v1::ClientToScheduler watch;
  watch.add_watch_jobs(999);
  ASSERT_TRUE(client->Send(watch));
  std::optional<v1::SchedulerToClient> answer = client->Next();
  ASSERT_TRUE(answer.has_value());
  EXPECT_THAT(answer->submitted(), IsEmpty());
  ASSERT_EQ(answer->jobs_size(), 1);
  EXPECT_EQ(answer->jobs(0).job(), 999u);
  EXPECT_THAT(answer->jobs(0).error(), HasSubstr("no job 999"));

  ASSERT_TRUE(client->Send(Submit(7, {Task("last", {"b"})}, /*last=*/true)));
  std::optional<v1::SubmitResult> submitted = AwaitSubmitted(*client, 7);
  ASSERT_TRUE(submitted.has_value());
  ASSERT_EQ(submitted->error(), "");

  grpc::ClientContext context;
  scheduler_.Authorize(context);
  v1::GetJobRequest request;
  request.set_job(submitted->job());
  v1::JobInfo job;
  ASSERT_TRUE(scheduler_.stub().GetJob(&context, request, &job).ok());
  EXPECT_EQ(job.ntasks(), 3u);
  EXPECT_THAT(job.outputs(), ElementsAre("last"));

  EXPECT_EQ(RunToEnd(*worker, *client, submitted->job()), "finished");
}

TEST_F(ClientStreamTest, AMalformedGraphIsRefusedNamingTheKeyWhileAnotherClientIsServed) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> good = scheduler_.OpenClient();
  std::unique_ptr<ScriptedClient> bad = scheduler_.OpenClient();
  ASSERT_TRUE(good->Send(Submit(1, {Task("first"), Task("last", {"first"})})));
  std::optional<v1::SubmitResult> accepted = AwaitSubmitted(*good, 1);
  ASSERT_TRUE(accepted.has_value());
  ASSERT_EQ(accepted->error(), "");

  ASSERT_TRUE(bad->Send(Submit(1, {Task("ok"), Task("broken", {"nowhere"})})));
  std::optional<v1::SubmitResult> refused = AwaitSubmitted(*bad, 1);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->job(), 0u);
  EXPECT_THAT(refused->error(), HasSubstr("task \"broken\" depends on missing key \"nowhere\""));
  ASSERT_TRUE(bad->Send(Submit(2, {Task("odd", {}, "bad\nop")})));
  refused = AwaitSubmitted(*bad, 2);
  ASSERT_TRUE(refused.has_value());
  EXPECT_THAT(refused->error(),
              HasSubstr("task \"odd\": op \"bad\\nop\" contains a control character"));

  // The good client's job runs to its end, and the refused client's stream still works.
  EXPECT_EQ(RunToEnd(*worker, *good, accepted->job()), "finished");
  ASSERT_TRUE(bad->Send(Submit(3, {Task("fixed")})));
  std::optional<v1::SubmitResult> fixed = AwaitSubmitted(*bad, 3);
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->error(), "");
  EXPECT_NE(fixed->job(), 0u);
}

TEST_F(ClientStreamTest, AClientWhoseStreamEndsHasItsJobsCancelledOrReleasedButNotKeptOnes) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1", /*nthreads=*/4);
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  // "done" and "kept" finish; "running" is still running when the client goes.
  ASSERT_TRUE(client->Send(Submit(1, {Task("done")})));
  ASSERT_TRUE(client->Send(Submit(2, {Task("kept")}, /*last=*/true, /*keep=*/true)));
  ASSERT_TRUE(client->Send(Submit(3, {Task("running")})));
  std::optional<v1::SubmitResult> running_job = AwaitSubmitted(*client, 3);
  ASSERT_TRUE(running_job.has_value());
  std::vector<std::string> sent;
  while (sent.size() < 3) {
    std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*worker);
    ASSERT_TRUE(batch.has_value()) << "sent only " << sent.size() << " tasks";
    for (const std::string& key : ComputeKeys(*batch)) sent.push_back(key);
  }
  ASSERT_THAT(sent, UnorderedElementsAre("done", "kept", "running"));
  ASSERT_TRUE(worker->Send(Done({"done", "kept"})));
  std::optional<v1::SchedulerToClient> reported =
      client->NextWhere([](const v1::SchedulerToClient& batch) { return batch.jobs_size() == 2; });
  ASSERT_TRUE(reported.has_value()) << "the two finished jobs were not reported together";

  client->Cancel();  // the client's process died
  std::vector<std::string> released, cancelled;
  while (released.empty() || cancelled.empty()) {
    std::optional<v1::SchedulerToWorker> batch = worker->NextWhere(
        [](const v1::SchedulerToWorker& b) { return b.release_size() + b.cancel_size() > 0; });
    ASSERT_TRUE(batch.has_value())
        << "released " << released.size() << ", cancelled " << cancelled.size();
    released.insert(released.end(), batch->release().begin(), batch->release().end());
    cancelled.insert(cancelled.end(), batch->cancel().begin(), batch->cancel().end());
  }
  EXPECT_THAT(released, ElementsAre("done"));
  EXPECT_THAT(cancelled, ElementsAre("running"));

  // The kept job's result is still there for another client, and the cancelled job says so.
  grpc::ClientContext context;
  scheduler_.Authorize(context);
  v1::WhoHasRequest request;
  request.add_keys("kept");
  request.add_keys("running");
  v1::WhoHasReply where;
  ASSERT_TRUE(scheduler_.stub().WhoHas(&context, request, &where).ok());
  ASSERT_EQ(where.keys_size(), 2);
  EXPECT_EQ(where.keys(0).state(), v1::TASK_STATE_MEMORY);
  EXPECT_THAT(where.keys(0).who_has(), ElementsAre(AddressOf("w1")));
  EXPECT_EQ(where.keys(1).state(), v1::TASK_STATE_CANCELLED);

  // A result of the cancelled task that was already on its way is not kept either.
  ASSERT_TRUE(worker->Send(Done({"running"})));
  std::optional<v1::SchedulerToWorker> late = worker->Next();
  ASSERT_TRUE(late.has_value());
  EXPECT_THAT(late->release(), ElementsAre("running"));
}

TEST_F(ClientStreamTest, ASecondClientWatchingAJobHearsItsResults) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> owner = scheduler_.OpenClient();
  std::unique_ptr<ScriptedClient> watcher = scheduler_.OpenClient();
  ASSERT_TRUE(owner->Send(Submit(1, {Task("last")})));
  std::optional<v1::SubmitResult> submitted = AwaitSubmitted(*owner, 1);
  ASSERT_TRUE(submitted.has_value());
  v1::ClientToScheduler watch;
  watch.add_watch_jobs(submitted->job());
  ASSERT_TRUE(watcher->Send(watch));
  // The watch is in once the worker's result is reported to the watcher (if the result came
  // first, the watch itself reports it): either way the watcher hears of it.
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  ASSERT_TRUE(worker->Send(Done({"last"})));
  std::optional<v1::SchedulerToClient> heard =
      watcher->NextWhere([](const v1::SchedulerToClient& b) { return b.keys_size() > 0; });
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->keys(0).key(), "last");
  EXPECT_EQ(heard->keys(0).state(), v1::KEY_STATE_MEMORY);
  ASSERT_EQ(heard->jobs_size(), 1);  // the job's end comes with its last output
  EXPECT_EQ(heard->jobs(0).job(), submitted->job());
  EXPECT_EQ(heard->jobs(0).state(), v1::JOB_STATE_FINISHED);
}

TEST_F(ClientStreamTest, ATaskOfAnOpNoWorkerHasIsNoticedAndRunsWhenAWorkerWithItJoins) {
  std::unique_ptr<ScriptedWorker> plain = scheduler_.RegisterWorker("plain");
  ASSERT_NE(plain, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 50; ++i) tasks.push_back(Task(absl::StrCat("s", i), {}, "shel"));
  tasks.push_back(Task("last", {"s0", "s1"}, "shel"));
  ASSERT_TRUE(client->Send(Submit(1, tasks)));
  // The notice may come in the batch that answers the submission, or a later one.
  std::optional<v1::SubmitResult> submitted;
  std::vector<v1::JobNotice> notices;
  client->NextWhere([&](const v1::SchedulerToClient& batch) {
    for (const v1::SubmitResult& result : batch.submitted()) submitted = result;
    notices.insert(notices.end(), batch.notices().begin(), batch.notices().end());
    return submitted.has_value() && !notices.empty();
  });
  ASSERT_TRUE(submitted.has_value());
  ASSERT_EQ(submitted->error(), "") << "an op no worker has is not refused";
  ASSERT_EQ(notices.size(), 1u) << "one notice for the job's 51 tasks of the op";
  EXPECT_EQ(notices[0].job(), submitted->job());
  EXPECT_THAT(notices[0].key(), ::testing::StartsWith("s"));
  EXPECT_EQ(notices[0].message(),
            "no connected worker has op \"shel\" (did you mean \"shell\"?); it waits for one");

  // A worker that announces the op joins: it gets the tasks, and the job finishes (which it could
  // not if any had gone to "plain", which answers nothing).
  std::unique_ptr<ScriptedWorker> shel = scheduler_.OpenWorker();
  v1::WorkerToScheduler hello;
  *hello.mutable_register_() = Registration("shel-worker", 64);
  hello.mutable_register_()->add_ops("shel");
  ASSERT_TRUE(shel->Send(hello));
  EXPECT_EQ(RunToEnd(*shel, *client, submitted->job()), "finished");
}

}  // namespace
}  // namespace brisk
