// What the scheduler tells workers and clients as tasks succeed, fail, are retried, need another
// worker's values, are stolen or are cancelled, over real gRPC with scripted workers and clients.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "tests/component/in_process_scheduler.h"
#include "tests/component/protocol.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;

SchedulerServerOptions NoSpeculation() {
  SchedulerServerOptions options;
  options.scheduler.speculation_depth = 0;
  return options;
}

class TaskOutcomesTest : public ::testing::Test {
 protected:
  // Submits `tasks` as one graph from `client`; the job id (0 and a test failure when refused).
  uint64_t SubmitJob(ScriptedClient& client, uint64_t request_id,
                     const std::vector<v1::Task>& tasks) {
    EXPECT_TRUE(client.Send(Submit(request_id, tasks)));
    std::optional<v1::SubmitResult> submitted = AwaitSubmitted(client, request_id);
    EXPECT_TRUE(submitted.has_value());
    if (!submitted) return 0;
    EXPECT_EQ(submitted->error(), "");
    return submitted->job();
  }

  // The first batch to `client` that reports a key.
  std::optional<v1::SchedulerToClient> AwaitKeys(ScriptedClient& client) {
    return client.NextWhere([](const v1::SchedulerToClient& b) { return b.keys_size() > 0; });
  }

  InProcessScheduler scheduler_{NoSpeculation()};
};

TEST_F(TaskOutcomesTest, AFailureReachesTheClientWithItsMessageAndTheLogIsKept) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  const uint64_t job = SubmitJob(*client, 1, {Task("f"), Task("g", {"f"})});
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  ASSERT_THAT(ComputeKeys(*batch), ElementsAre("f"));

  v1::WorkerToScheduler failed;
  v1::TaskDone* done = failed.add_done();
  done->set_key("f");
  done->set_error("exit status 3");
  done->set_log("cannot open input.csv\n");
  ASSERT_TRUE(worker->Send(failed));
  std::optional<v1::SchedulerToClient> report = AwaitKeys(*client);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->keys(0).key(), "g");
  EXPECT_EQ(report->keys(0).state(), v1::KEY_STATE_ERRED);
  EXPECT_EQ(report->keys(0).error(), "dependency \"f\" failed: exit status 3");
  ASSERT_EQ(report->jobs_size(), 1);
  EXPECT_EQ(report->jobs(0).job(), job);
  EXPECT_EQ(report->jobs(0).state(), v1::JOB_STATE_ERRED);

  grpc::ClientContext context;
  scheduler_.Authorize(context);
  v1::GetLogRequest request;
  request.set_key("f");
  v1::TaskLog log;
  ASSERT_TRUE(scheduler_.stub().GetLog(&context, request, &log).ok());
  EXPECT_EQ(log.state(), v1::TASK_STATE_ERRED);
  EXPECT_EQ(log.log(), "cannot open input.csv\n");
  EXPECT_EQ(log.error(), "exit status 3");
  EXPECT_EQ(log.worker(), "w1");
}

TEST_F(TaskOutcomesTest, ATaskWithRetriesThatFailsRunsAgainOnAnotherWorker) {
  std::unique_ptr<ScriptedWorker> w1 = scheduler_.RegisterWorker("w1");
  ASSERT_NE(w1, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  v1::Task flaky = Task("flaky");
  flaky.set_retries(1);
  const uint64_t job = SubmitJob(*client, 1, {flaky});
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*w1);
  ASSERT_TRUE(batch.has_value());
  std::unique_ptr<ScriptedWorker> w2 = scheduler_.RegisterWorker("w2");
  ASSERT_NE(w2, nullptr);

  v1::WorkerToScheduler failed;
  failed.add_done()->set_key("flaky");
  failed.mutable_done(0)->set_error("out of disk");
  ASSERT_TRUE(w1->Send(failed));
  batch = AwaitCompute(*w2);
  ASSERT_TRUE(batch.has_value()) << "the retry was not sent to the other worker";
  EXPECT_THAT(ComputeKeys(*batch), ElementsAre("flaky"));
  ASSERT_TRUE(w2->Send(Done({"flaky"})));
  std::optional<v1::SchedulerToClient> report = AwaitKeys(*client);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->keys(0).state(), v1::KEY_STATE_MEMORY);
  EXPECT_THAT(report->keys(0).who_has(), ElementsAre(AddressOf("w2")));
  ASSERT_EQ(report->jobs_size(), 1);
  EXPECT_EQ(report->jobs(0).job(), job);
  EXPECT_EQ(report->jobs(0).state(), v1::JOB_STATE_FINISHED);
}

TEST_F(TaskOutcomesTest, ATaskIsToldWhichWorkerHoldsEachInput) {
  std::unique_ptr<ScriptedWorker> w1 = scheduler_.RegisterWorker("w1");
  std::unique_ptr<ScriptedWorker> w2 = scheduler_.RegisterWorker("w2");
  ASSERT_NE(w1, nullptr);
  ASSERT_NE(w2, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  v1::Task a = Task("a");
  a.add_workers("w1");
  v1::Task b = Task("b", {"a"});
  b.add_workers("w2");
  SubmitJob(*client, 1, {a, b});
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*w1);
  ASSERT_TRUE(batch.has_value());
  ASSERT_THAT(ComputeKeys(*batch), ElementsAre("a"));
  ASSERT_TRUE(w1->Send(Done({"a"})));

  batch = AwaitCompute(*w2);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->compute_size(), 1);
  const v1::ComputeTask& compute = batch->compute(0);
  EXPECT_EQ(compute.key(), "b");
  v1::Task spec;
  ASSERT_TRUE(spec.ParseFromString(compute.spec()));
  EXPECT_EQ(spec.op(), "inc");
  ASSERT_EQ(compute.deps_size(), 1);
  EXPECT_EQ(compute.deps(0).key(), "a");
  EXPECT_THAT(compute.deps(0).who_has(), ElementsAre(AddressOf("w1")));
  EXPECT_EQ(compute.deps(0).nbytes(), 8u);
}

TEST_F(TaskOutcomesTest, ATaskForAWorkerNotYetConnectedIsSentWhenItRegisters) {
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  v1::Task gpu = Task("gpu-task");
  gpu.add_workers("gpu-node");
  SubmitJob(*client, 1, {gpu});
  std::unique_ptr<ScriptedWorker> other = scheduler_.RegisterWorker("cpu-node");
  ASSERT_NE(other, nullptr);

  std::unique_ptr<ScriptedWorker> worker = scheduler_.OpenWorker();
  std::optional<v1::SchedulerToWorker> first = Register(*worker, "gpu-node");
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->has_registered());
  // The waiting task comes in the same batch as the registration's answer.
  EXPECT_THAT(ComputeKeys(*first), ElementsAre("gpu-task"));
}

TEST_F(TaskOutcomesTest, CancellingAJobCancelsItsRunningTasksAndReleasingOneFreesItsValues) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1", /*nthreads=*/2);
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  const uint64_t done_job = SubmitJob(*client, 1, {Task("kept-for-now")});
  const uint64_t running_job = SubmitJob(*client, 2, {Task("long")});
  int sent = 0;
  while (sent < 2) {
    std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*worker);
    ASSERT_TRUE(batch.has_value());
    sent += batch->compute_size();
  }
  ASSERT_TRUE(worker->Send(Done({"kept-for-now"})));
  std::optional<v1::JobUpdate> end = AwaitJobEnd(*client, done_job);
  ASSERT_TRUE(end.has_value());

  v1::ClientToScheduler cancel;
  cancel.add_cancel_jobs(running_job);
  ASSERT_TRUE(client->Send(cancel));
  std::optional<v1::SchedulerToWorker> told = worker->Next();
  ASSERT_TRUE(told.has_value());
  EXPECT_THAT(told->cancel(), ElementsAre("long"));
  end = AwaitJobEnd(*client, running_job);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->state(), v1::JOB_STATE_CANCELLED);

  v1::ClientToScheduler release;
  release.add_release_jobs(done_job);
  ASSERT_TRUE(client->Send(release));
  told = worker->Next();
  ASSERT_TRUE(told.has_value());
  EXPECT_THAT(told->release(), ElementsAre("kept-for-now"));
}

TEST_F(TaskOutcomesTest, AMissingInputIsComputedAgainBeforeTheTaskRetries) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  SubmitJob(*client, 1, {Task("a"), Task("b", {"a"})});
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  ASSERT_TRUE(worker->Send(Done({"a"})));
  batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  ASSERT_THAT(ComputeKeys(*batch), ElementsAre("b"));

  // The worker lost "a" (say, its spill file went away) and could not fetch it anywhere.
  v1::WorkerToScheduler missing;
  v1::TaskDone* done = missing.add_done();
  done->set_key("b");
  done->add_missing("a");
  ASSERT_TRUE(worker->Send(missing));
  batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  EXPECT_THAT(ComputeKeys(*batch), ElementsAre("a"));
  EXPECT_THAT(batch->release(), ElementsAre("a"));  // the copy it named is forgotten
  ASSERT_TRUE(worker->Send(Done({"a"})));
  batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  EXPECT_THAT(ComputeKeys(*batch), ElementsAre("b"));
}

// One worker holding "a" and running the four tasks that need it, one at a time; the test then
// adds an idle worker.
class StealingTest : public TaskOutcomesTest {
 protected:
  void SetUp() override {
    busy_ = scheduler_.RegisterWorker("busy");
    ASSERT_NE(busy_, nullptr);
    client_ = scheduler_.OpenClient();
    SubmitJob(
        *client_, 1,
        {Task("a"), Task("b1", {"a"}), Task("b2", {"a"}), Task("b3", {"a"}), Task("b4", {"a"})});
    std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*busy_);
    ASSERT_TRUE(batch.has_value());
    ASSERT_THAT(ComputeKeys(*batch), ElementsAre("a"));
    ASSERT_TRUE(busy_->Send(Done({"a"})));
    batch = AwaitCompute(*busy_);
    ASSERT_TRUE(batch.has_value());
    ASSERT_EQ(batch->compute_size(), 4);
  }

  // Registers the idle worker and returns the key the busy one is asked to give up.
  std::string AddIdleWorker() {
    idle_ = scheduler_.RegisterWorker("idle");
    EXPECT_NE(idle_, nullptr);
    std::optional<v1::SchedulerToWorker> ask =
        busy_->NextWhere([](const v1::SchedulerToWorker& b) { return b.steal_size() > 0; });
    EXPECT_TRUE(ask.has_value()) << "nothing was stolen for the idle worker";
    if (!ask) return "";
    EXPECT_EQ(ask->steal_size(), 1);  // one task per idle thread
    return ask->steal(0);
  }

  v1::WorkerToScheduler Stolen(const std::string& key, bool ok) {
    v1::WorkerToScheduler answer;
    v1::StealResponse* stolen = answer.add_stolen();
    stolen->set_key(key);
    stolen->set_ok(ok);
    return answer;
  }

  std::unique_ptr<ScriptedWorker> busy_, idle_;
  std::unique_ptr<ScriptedClient> client_;
};

TEST_F(StealingTest, AnIdleWorkerGetsATaskTheBusyOneGaveUp) {
  const std::string key = AddIdleWorker();
  ASSERT_NE(key, "");
  ASSERT_TRUE(busy_->Send(Stolen(key, true)));
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*idle_);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->compute_size(), 1);
  EXPECT_EQ(batch->compute(0).key(), key);
  ASSERT_EQ(batch->compute(0).deps_size(), 1);
  EXPECT_THAT(batch->compute(0).deps(0).who_has(), ElementsAre(AddressOf("busy")));
  // Its result is reported as held by the worker that ran it.
  ASSERT_TRUE(idle_->Send(Done({key})));
  std::optional<v1::SchedulerToClient> report = AwaitKeys(*client_);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->keys(0).key(), key);
  EXPECT_THAT(report->keys(0).who_has(), ElementsAre(AddressOf("idle")));
}

TEST_F(StealingTest, ATaskTheBusyWorkerKeepsIsNotSentToTheIdleOne) {
  const std::string key = AddIdleWorker();
  ASSERT_NE(key, "");
  ASSERT_TRUE(busy_->Send(Stolen(key, false)));  // it had started meanwhile
  // The idle worker is sent nothing for it; it is still the busy worker's to finish.
  ASSERT_TRUE(busy_->Send(Done({key})));
  std::optional<v1::SchedulerToClient> report = AwaitKeys(*client_);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->keys(0).key(), key);
  EXPECT_THAT(report->keys(0).who_has(), ElementsAre(AddressOf("busy")));
}

TEST_F(StealingTest, ARefusedStealIsNotAskedForAgainAtOnce) {
  const std::string key = AddIdleWorker();
  ASSERT_NE(key, "");
  ASSERT_TRUE(busy_->Send(Stolen(key, false)));  // it is running: a real worker refuses again
  ASSERT_TRUE(busy_->Send(Done({"stale"})));     // answered with a release: a marker
  while (true) {
    std::optional<v1::SchedulerToWorker> next = busy_->Next();
    ASSERT_TRUE(next.has_value());
    EXPECT_THAT(next->steal(), ::testing::Not(::testing::Contains(key)))
        << "asked again for the task it just refused to give up";
    if (next->release_size() > 0) break;
  }
}

TEST(OversizedMessages, AMessageOverTheLimitEndsThatStreamAndOthersCarryOn) {
  SchedulerServerOptions options;
  options.max_message_bytes = 4096;
  InProcessScheduler scheduler(options);
  std::unique_ptr<ScriptedWorker> worker = scheduler.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> big = scheduler.OpenClient();
  v1::Task task = Task("huge");
  task.mutable_args(0)->set_str(std::string(8192, 'x'));
  big->Send(Submit(1, {task}));
  std::optional<grpc::Status> end = big->WaitEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << end->error_message();

  std::unique_ptr<ScriptedClient> small = scheduler.OpenClient();
  ASSERT_TRUE(small->Send(Submit(1, {Task("small")})));
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  EXPECT_THAT(ComputeKeys(*batch), ElementsAre("small"));
}

}  // namespace
}  // namespace brisk
