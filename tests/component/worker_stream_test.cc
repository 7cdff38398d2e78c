// The worker side of the scheduler's protocol, over real gRPC: scripted workers register, are sent
// ComputeTask batches and answer with TaskDone, against a SchedulerServer in this process.
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
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Tasks are sent only once their inputs exist, so each batch is exactly what a test expects.
SchedulerServerOptions NoSpeculation() {
  SchedulerServerOptions options;
  options.scheduler.speculation_depth = 0;
  return options;
}

class WorkerStreamTest : public ::testing::Test {
 protected:
  InProcessScheduler scheduler_{NoSpeculation()};
};

TEST_F(WorkerStreamTest, ARegistrationWithoutAnAddressIsRefusedWithAMessageOnTheStream) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.OpenWorker();
  v1::WorkerToScheduler hello;
  *hello.mutable_register_() = Registration("w1");
  hello.mutable_register_()->clear_address();
  ASSERT_TRUE(worker->Send(hello));

  std::optional<v1::SchedulerToWorker> refusal = worker->Next();
  ASSERT_TRUE(refusal.has_value());
  EXPECT_FALSE(refusal->has_registered());
  EXPECT_THAT(refusal->error(), HasSubstr("no address"));
  std::optional<grpc::Status> end = worker->WaitEnd();
  ASSERT_TRUE(end.has_value()) << "the refused stream was left open";
  EXPECT_EQ(end->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(end->error_message(), HasSubstr("no address"));
}

TEST_F(WorkerStreamTest, ADuplicateNameIsRefusedAndTheFirstWorkerKeepsItsWork) {
  std::unique_ptr<ScriptedWorker> first = scheduler_.RegisterWorker("w1");
  ASSERT_NE(first, nullptr);

  std::unique_ptr<ScriptedWorker> second = scheduler_.OpenWorker();
  v1::WorkerToScheduler hello;
  *hello.mutable_register_() = Registration("w1");
  ASSERT_TRUE(second->Send(hello));
  std::optional<v1::SchedulerToWorker> refusal = second->Next();
  ASSERT_TRUE(refusal.has_value());
  EXPECT_THAT(refusal->error(), HasSubstr("a worker named \"w1\" is already connected"));
  std::optional<grpc::Status> end = second->WaitEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // The refused stream's end did not take the first worker with it: it still gets work.
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  ASSERT_TRUE(client->Send(Submit(1, {Task("a")})));
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*first);
  ASSERT_TRUE(batch.has_value());
  EXPECT_THAT(ComputeKeys(*batch), ElementsAre("a"));
}

TEST_F(WorkerStreamTest, AStreamThatDoesNotStartWithARegistrationIsEnded) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.OpenWorker();
  v1::WorkerToScheduler heartbeat;
  heartbeat.mutable_heartbeat()->set_memory(1);
  ASSERT_TRUE(worker->Send(heartbeat));
  std::optional<grpc::Status> end = worker->WaitEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(end->error_message(), HasSubstr("must be a registration"));
}

TEST_F(WorkerStreamTest, ATaskWhoseWorkerStreamEndsMidTaskRunsOnAnotherWorker) {
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  std::unique_ptr<ScriptedWorker> w1 = scheduler_.RegisterWorker("w1");
  ASSERT_NE(w1, nullptr);
  ASSERT_TRUE(client->Send(Submit(1, {Task("a")})));
  std::optional<v1::SubmitResult> submitted = AwaitSubmitted(*client, 1);
  ASSERT_TRUE(submitted.has_value());
  ASSERT_EQ(submitted->error(), "");
  std::optional<v1::SchedulerToWorker> first = AwaitCompute(*w1);
  ASSERT_TRUE(first.has_value());
  ASSERT_THAT(ComputeKeys(*first), ElementsAre("a"));

  std::unique_ptr<ScriptedWorker> w2 = scheduler_.RegisterWorker("w2");
  ASSERT_NE(w2, nullptr);
  w1->Cancel();  // its process died with "a" half done
  std::optional<v1::SchedulerToWorker> again = AwaitCompute(*w2);
  ASSERT_TRUE(again.has_value()) << "the lost task was not placed again";
  EXPECT_THAT(ComputeKeys(*again), ElementsAre("a"));

  ASSERT_TRUE(w2->Send(Done({"a"})));
  std::optional<v1::SchedulerToClient> update =
      client->NextWhere([](const v1::SchedulerToClient& batch) { return batch.keys_size() > 0; });
  ASSERT_TRUE(update.has_value());
  EXPECT_EQ(update->keys(0).key(), "a");
  EXPECT_EQ(update->keys(0).state(), v1::KEY_STATE_MEMORY);
  EXPECT_THAT(update->keys(0).who_has(), ElementsAre(AddressOf("w2")));
  ASSERT_EQ(update->jobs_size(), 1);  // the job's end comes with its last output
  EXPECT_EQ(update->jobs(0).job(), submitted->job());
  EXPECT_EQ(update->jobs(0).state(), v1::JOB_STATE_FINISHED);
}

TEST_F(WorkerStreamTest, SeveralTasksDoneInOneMessageComeBackAsOneBatch) {
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1", /*nthreads=*/4);
  ASSERT_NE(worker, nullptr);
  ASSERT_TRUE(client->Send(Submit(1, {Task("x1"), Task("x2"), Task("x3"), Task("x4"),
                                      Task("y1", {"x1", "x2"}), Task("y2", {"x3", "x4"})})));
  std::optional<v1::SubmitResult> submitted = AwaitSubmitted(*client, 1);
  ASSERT_TRUE(submitted.has_value());
  ASSERT_EQ(submitted->error(), "");

  // The four roots arrive in one batch (one scheduling pass), not one message each.
  std::optional<v1::SchedulerToWorker> roots = AwaitCompute(*worker);
  ASSERT_TRUE(roots.has_value());
  EXPECT_THAT(ComputeKeys(*roots), UnorderedElementsAre("x1", "x2", "x3", "x4"));

  // Four results in one message make both dependents ready in one pass: one batch back.
  ASSERT_TRUE(worker->Send(Done({"x1", "x2", "x3", "x4"})));
  std::optional<v1::SchedulerToWorker> next = worker->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_THAT(ComputeKeys(*next), UnorderedElementsAre("y1", "y2"));

  // The inputs are freed and both outputs reported in one batch to the client, with the job's end.
  ASSERT_TRUE(worker->Send(Done({"y1", "y2"})));
  std::optional<v1::SchedulerToClient> report =
      client->NextWhere([](const v1::SchedulerToClient& batch) { return batch.keys_size() > 0; });
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->keys_size(), 2) << report->DebugString();
  EXPECT_THAT((std::vector<std::string>{report->keys(0).key(), report->keys(1).key()}),
              UnorderedElementsAre("y1", "y2"));
  ASSERT_EQ(report->jobs_size(), 1);
  EXPECT_EQ(report->jobs(0).job(), submitted->job());
  EXPECT_EQ(report->jobs(0).state(), v1::JOB_STATE_FINISHED);
  std::optional<v1::SchedulerToWorker> release = worker->NextWhere(
      [](const v1::SchedulerToWorker& batch) { return batch.release_size() > 0; });
  ASSERT_TRUE(release.has_value());
  EXPECT_THAT(release->release(), UnorderedElementsAre("x1", "x2", "x3", "x4"));
}

TEST_F(WorkerStreamTest, AResultForAKeyTheSchedulerDoesNotTrackIsReleasedOnTheWorker) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  ASSERT_TRUE(worker->Send(Done({"stale"})));
  std::optional<v1::SchedulerToWorker> release = worker->Next();
  ASSERT_TRUE(release.has_value());
  EXPECT_THAT(release->release(), ElementsAre("stale"));
}

TEST_F(WorkerStreamTest, AHeartbeatIsWhatStatusReportsForTheWorker) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1", /*nthreads=*/2);
  ASSERT_NE(worker, nullptr);
  v1::WorkerToScheduler heartbeat;
  heartbeat.mutable_heartbeat()->set_memory(123456);
  heartbeat.mutable_heartbeat()->set_executing(2);
  ASSERT_TRUE(worker->Send(heartbeat));
  // The answer to a later message on the same stream means the heartbeat has been taken in.
  ASSERT_TRUE(worker->Send(Done({"stale"})));
  ASSERT_TRUE(worker->Next().has_value());

  grpc::ClientContext context;
  scheduler_.Authorize(context);
  v1::StatusReply status;
  ASSERT_TRUE(scheduler_.stub().Status(&context, v1::StatusRequest(), &status).ok());
  ASSERT_EQ(status.workers_size(), 1);
  EXPECT_EQ(status.workers(0).name(), "w1");
  EXPECT_EQ(status.workers(0).address(), AddressOf("w1"));
  EXPECT_EQ(status.workers(0).nthreads(), 2);
  EXPECT_EQ(status.workers(0).memory(), 123456u);
  EXPECT_EQ(status.workers(0).running(), 2);
}

TEST_F(WorkerStreamTest, ShutdownTellsEveryWorkerToExit) {
  std::unique_ptr<ScriptedWorker> w1 = scheduler_.RegisterWorker("w1");
  std::unique_ptr<ScriptedWorker> w2 = scheduler_.RegisterWorker("w2");
  ASSERT_NE(w1, nullptr);
  ASSERT_NE(w2, nullptr);
  grpc::ClientContext context;
  scheduler_.Authorize(context);
  v1::ShutdownReply reply;
  ASSERT_TRUE(scheduler_.stub().Shutdown(&context, v1::ShutdownRequest(), &reply).ok());
  for (ScriptedWorker* worker : {w1.get(), w2.get()}) {
    std::optional<v1::SchedulerToWorker> told = worker->Next();
    ASSERT_TRUE(told.has_value());
    EXPECT_TRUE(told->shutdown());
  }
}

}  // namespace
}  // namespace brisk
