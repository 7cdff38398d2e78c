// The scheduler's unary queries (Status, GetJob, WhoHas, Publish...), answered by the event loop
// while worker and client streams are open and work is under way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/component/in_process_scheduler.h"
#include "tests/component/protocol.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

SchedulerServerOptions NoSpeculation() {
  SchedulerServerOptions options;
  options.scheduler.speculation_depth = 0;
  return options;
}

class QueriesTest : public ::testing::Test {
 protected:
  // One job: "a" done on w1, "b" (which needs "a") running there; both outputs.
  void SetUp() override {
    worker_ = scheduler_.RegisterWorker("w1");
    ASSERT_NE(worker_, nullptr);
    client_ = scheduler_.OpenClient();
    v1::ClientToScheduler submit = Submit(1, {Task("a"), Task("b", {"a"})});
    submit.mutable_submit()->add_outputs("a");
    submit.mutable_submit()->add_outputs("b");
    ASSERT_TRUE(client_->Send(submit));
    std::optional<v1::SubmitResult> submitted = AwaitSubmitted(*client_, 1);
    ASSERT_TRUE(submitted.has_value());
    ASSERT_EQ(submitted->error(), "");
    job_ = submitted->job();
    std::optional<v1::SchedulerToWorker> first = AwaitCompute(*worker_);
    ASSERT_TRUE(first.has_value());
    ASSERT_THAT(ComputeKeys(*first), ElementsAre("a"));
    ASSERT_TRUE(worker_->Send(Done({"a"})));
    std::optional<v1::SchedulerToWorker> second = AwaitCompute(*worker_);
    ASSERT_TRUE(second.has_value());
    ASSERT_THAT(ComputeKeys(*second), ElementsAre("b"));
  }

  // A context for one call, carrying the token.
  std::unique_ptr<grpc::ClientContext> Call() {
    auto context = std::make_unique<grpc::ClientContext>();
    scheduler_.Authorize(*context);
    return context;
  }

  grpc::Status Publish(const std::string& name, const std::string& key, bool unpublish = false) {
    v1::PublishRequest request;
    request.set_name(name);
    request.set_key(key);
    request.set_unpublish(unpublish);
    v1::PublishReply reply;
    return scheduler_.stub().Publish(Call().get(), request, &reply);
  }

  InProcessScheduler scheduler_{NoSpeculation()};
  std::unique_ptr<ScriptedWorker> worker_;
  std::unique_ptr<ScriptedClient> client_;
  uint64_t job_ = 0;
};

TEST_F(QueriesTest, StatusCountsWorkersAndTasksWhileWorkIsUnderWay) {
  v1::StatusReply status;
  ASSERT_TRUE(scheduler_.stub().Status(Call().get(), v1::StatusRequest(), &status).ok());
  ASSERT_EQ(status.workers_size(), 1);
  EXPECT_EQ(status.workers(0).name(), "w1");
  EXPECT_EQ(status.workers(0).processing(), 1);
  std::map<v1::TaskState, uint64_t> counts;
  for (const v1::TaskStateCount& c : status.tasks()) counts[c.state()] = c.count();
  EXPECT_THAT(counts, UnorderedElementsAre(Pair(v1::TASK_STATE_MEMORY, 1),
                                           Pair(v1::TASK_STATE_PROCESSING, 1)));
  EXPECT_EQ(status.jobs(), 1u);
}

TEST_F(QueriesTest, GetJobDescribesEachTaskAndNamesAnUnknownJob) {
  v1::GetJobRequest request;
  request.set_job(job_);
  request.set_include_tasks(true);
  v1::JobInfo job;
  ASSERT_TRUE(scheduler_.stub().GetJob(Call().get(), request, &job).ok());
  EXPECT_EQ(job.state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(job.ntasks(), 2u);
  ASSERT_EQ(job.tasks_size(), 2);
  for (const v1::TaskInfo& task : job.tasks()) {
    EXPECT_EQ(task.worker(), "w1") << task.key();
    EXPECT_EQ(task.state(), task.key() == "a" ? v1::TASK_STATE_MEMORY : v1::TASK_STATE_PROCESSING)
        << task.key();
  }

  request.set_job(job_ + 100);
  grpc::Status unknown = scheduler_.stub().GetJob(Call().get(), request, &job);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown.error_message(), HasSubstr(absl::StrCat("no job ", job_ + 100)));
}

TEST_F(QueriesTest, WhoHasNamesTheHolderOfAValueAndTheStateOfOthers) {
  v1::WhoHasRequest request;
  request.add_keys("a");
  request.add_keys("b");
  request.add_keys("never-submitted");
  v1::WhoHasReply reply;
  ASSERT_TRUE(scheduler_.stub().WhoHas(Call().get(), request, &reply).ok());
  ASSERT_EQ(reply.keys_size(), 3);
  EXPECT_EQ(reply.keys(0).state(), v1::TASK_STATE_MEMORY);
  EXPECT_THAT(reply.keys(0).who_has(), ElementsAre(AddressOf("w1")));
  EXPECT_EQ(reply.keys(0).nbytes(), 8u);
  EXPECT_EQ(reply.keys(1).state(), v1::TASK_STATE_PROCESSING);
  EXPECT_EQ(reply.keys(2).state(), v1::TASK_STATE_UNSPECIFIED);
}

TEST_F(QueriesTest, APublishedKeyOutlivesTheClientThatSubmittedIt) {
  grpc::Status refused = Publish("answer", "b");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("\"b\": it is not in memory"));
  ASSERT_TRUE(Publish("answer", "a").ok());
  EXPECT_EQ(Publish("answer", "a").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  v1::GetPublishedRequest request;
  request.set_name("answer");
  v1::GetPublishedReply reply;
  ASSERT_TRUE(scheduler_.stub().GetPublished(Call().get(), request, &reply).ok());
  EXPECT_EQ(reply.key(), "a");

  // The job finishes and its client goes: "b" is released on the worker, the published "a" not.
  ASSERT_TRUE(worker_->Send(Done({"b"})));
  std::optional<v1::JobUpdate> end = AwaitJobEnd(*client_, job_);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->state(), v1::JOB_STATE_FINISHED);
  client_->Cancel();
  std::optional<v1::SchedulerToWorker> release = worker_->NextWhere(
      [](const v1::SchedulerToWorker& batch) { return batch.release_size() > 0; });
  ASSERT_TRUE(release.has_value());
  EXPECT_THAT(release->release(), ElementsAre("b"));

  // Unpublished, nothing holds "a" any more: the worker is told to drop it.
  ASSERT_TRUE(Publish("answer", "", /*unpublish=*/true).ok());
  release = worker_->NextWhere(
      [](const v1::SchedulerToWorker& batch) { return batch.release_size() > 0; });
  ASSERT_TRUE(release.has_value());
  EXPECT_THAT(release->release(), ElementsAre("a"));
}

}  // namespace
}  // namespace brisk
