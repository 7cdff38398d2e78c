// Unit tests of the worker's state machine, driven as the gRPC shell drives it: scheduler batches,
// fetch answers, executors taking ready tasks and returning from ops; then what it reported,
// fetched and answered. Validate() runs after every event.
#include "worker/worker_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/scheduler.pb.h"
#include "spdlog/spdlog.h"
#include "worker/value_store.h"
#include "worker/worker_comm.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using Phase = WorkerState::Phase;

// Stores every effect, in order.
class RecordingComm : public WorkerComm {
 public:
  void ReportDone(v1::TaskDone done) override { this->done.push_back(std::move(done)); }
  void AnswerSteal(v1::StealResponse response) override { stolen.push_back(std::move(response)); }
  void StartFetch(FetchRequest request) override { fetches.push_back(std::move(request)); }
  void ReportAcquired(v1::HeldValue held) override { acquired.push_back(std::move(held)); }

  std::vector<v1::TaskDone> done;
  std::vector<v1::HeldValue> acquired;
  std::vector<v1::StealResponse> stolen;
  std::vector<FetchRequest> fetches;
};

// ---- message builders

// A dependency held by the peers at `holders`.
v1::Dependency On(const std::string& key, const std::vector<std::string>& holders = {"peer-a"}) {
  v1::Dependency dep;
  dep.set_key(key);
  for (const std::string& h : holders) dep.add_who_has(h);
  return dep;
}

// A dependency being computed on this same worker (the task is sent ahead).
v1::Dependency Here(const std::string& key) {
  v1::Dependency dep;
  dep.set_key(key);
  dep.set_pending_here(true);
  return dep;
}

// A ComputeTask whose op takes the values of `deps` (a literal when it has none).
v1::ComputeTask Task(const std::string& key, const std::vector<v1::Dependency>& deps = {},
                     int64_t order = 0, int32_t priority = 0) {
  v1::Task spec;
  spec.set_op("inc");
  if (deps.empty()) spec.add_args()->set_int_(1);
  for (const v1::Dependency& dep : deps) spec.add_args()->set_ref(dep.key());
  v1::ComputeTask compute;
  compute.set_key(key);
  compute.set_spec(spec.SerializeAsString());
  compute.set_order(order);
  compute.set_priority(priority);
  for (const v1::Dependency& dep : deps) *compute.add_deps() = dep;
  return compute;
}

// `compute` must also wait for `dep` to finish, without taking its value (`after`).
v1::ComputeTask After(v1::ComputeTask compute, const v1::Dependency& dep) {
  v1::Task spec;
  EXPECT_TRUE(spec.ParseFromString(compute.spec()));
  spec.add_after(dep.key());
  compute.set_spec(spec.SerializeAsString());
  *compute.add_deps() = dep;
  return compute;
}

v1::ComputeTask TimeLimit(v1::ComputeTask compute, double seconds) {
  v1::Task spec;
  EXPECT_TRUE(spec.ParseFromString(compute.spec()));
  spec.set_timeout_s(seconds);
  compute.set_spec(spec.SerializeAsString());
  return compute;
}

ValuePtr Int(int64_t n) {
  auto value = std::make_shared<v1::Value>();
  value->set_int_(n);
  return value;
}

std::vector<std::string> Keys(const std::vector<v1::TaskDone>& done) {
  std::vector<std::string> keys;
  for (const v1::TaskDone& d : done) keys.push_back(d.key());
  return keys;
}

class WorkerStateTest : public ::testing::Test {
 protected:
  // ---- events, each followed by Validate()

  void Send(const v1::SchedulerToWorker& message) {
    state_.HandleMessage(message);
    Check();
  }
  void Compute(const std::vector<v1::ComputeTask>& tasks) {
    v1::SchedulerToWorker message;
    for (const v1::ComputeTask& t : tasks) *message.add_compute() = t;
    Send(message);
  }
  void Compute(const v1::ComputeTask& task) { Compute(std::vector<v1::ComputeTask>{task}); }
  void Cancel(const std::string& key) {
    v1::SchedulerToWorker message;
    message.add_cancel(key);
    Send(message);
  }
  void Steal(const std::string& key) {
    v1::SchedulerToWorker message;
    message.add_steal(key);
    Send(message);
  }
  void Release(const std::string& key) {
    v1::SchedulerToWorker message;
    message.add_release(key);
    Send(message);
  }

  // Answers the fetch of `key` with the values in `values` (keys of it left out did not come).
  void Fetched(const std::string& key, const std::map<std::string, int64_t>& values) {
    FetchedValues fetched;
    for (const auto& [k, n] : values) fetched[k] = Int(n);
    state_.FetchDone(FetchOf(key).id, fetched);
    Check();
  }
  void Fetched(const std::string& key) { Fetched(key, {{key, 7}}); }
  void FetchFailed(const std::string& key) {
    state_.FetchDone(FetchOf(key).id, absl::UnavailableError("peer gone"));
    Check();
  }

  // An executor takes the next ready task; "" when none is ready.
  std::string StartNext() {
    std::optional<WorkerState::Started> started = state_.StartNext();
    Check();
    if (!started) return "";
    const std::string key = started->key;
    running_.emplace(key, std::move(*started));
    return key;
  }
  const WorkerState::Started& Running(const std::string& key) { return running_.at(key); }

  void Finish(const std::string& key, absl::StatusOr<v1::Value> result, bool timed_out = false) {
    WorkerState::Outcome outcome;
    outcome.result = std::move(result);
    outcome.start = 100;
    outcome.end = 101.5;
    outcome.timed_out = timed_out;
    outcome.log = "log of " + key;
    running_.erase(key);
    state_.Finished(key, std::move(outcome));
    Check();
  }
  void Succeed(const std::string& key, int64_t n = 1) { Finish(key, *Int(n)); }
  void Fail(const std::string& key, const std::string& error) {
    Finish(key, absl::InvalidArgumentError(error));
  }

  // ---- inspection

  void Check() {
    absl::Status valid = state_.Validate();
    ASSERT_TRUE(valid.ok()) << valid;
  }
  const FetchRequest& FetchOf(const std::string& key) {
    for (const FetchRequest& f : comm_.fetches) {
      if (std::find(f.keys.begin(), f.keys.end(), key) != f.keys.end()) return f;
    }
    ADD_FAILURE() << "no fetch of " << key;
    static const FetchRequest none;
    return none;
  }
  std::optional<Phase> PhaseOf(const std::string& key) const { return state_.PhaseOf(key); }
  // Every task the state runs, in order, until none is ready; each succeeds.
  std::vector<std::string> RunAll() {
    std::vector<std::string> order;
    for (std::string key = StartNext(); !key.empty(); key = StartNext()) {
      order.push_back(key);
      Succeed(key);
    }
    return order;
  }

  ValueStore store_;
  RecordingComm comm_;
  WorkerState state_{store_, comm_, "w-test"};
  std::map<std::string, WorkerState::Started> running_;
};

// ---------------------------------------------------------------- the ready queue

TEST_F(WorkerStateTest, TaskWithoutDependenciesIsReadyAtOnce) {
  Compute(Task("a"));
  EXPECT_EQ(PhaseOf("a"), Phase::kReady);
  EXPECT_EQ(state_.ready(), 1);
  EXPECT_THAT(comm_.fetches, IsEmpty());
  EXPECT_EQ(StartNext(), "a");
  EXPECT_EQ(PhaseOf("a"), Phase::kExecuting);
  EXPECT_EQ(state_.executing(), 1);
  EXPECT_EQ(state_.ready(), 0);
  EXPECT_EQ(StartNext(), "");
}

TEST_F(WorkerStateTest, ReadyQueueRunsHigherPriorityFirstThenLowerOrder) {
  Compute({Task("late", {}, 9), Task("early", {}, 1), Task("urgent", {}, 50, /*priority=*/2),
           Task("middle", {}, 5)});
  Compute(Task("later-but-urgent", {}, 60, /*priority=*/2));
  EXPECT_THAT(RunAll(), ElementsAre("urgent", "later-but-urgent", "early", "middle", "late"));
  EXPECT_THAT(Keys(comm_.done),
              ElementsAre("urgent", "later-but-urgent", "early", "middle", "late"));
}

TEST_F(WorkerStateTest, TaskThatBecomesReadyLaterTakesItsPlaceInTheQueue) {
  Compute({Task("b", {On("x")}, 1), Task("c", {}, 2)});
  Fetched("x");
  EXPECT_THAT(RunAll(), ElementsAre("b", "c"));
}

TEST_F(WorkerStateTest, InputInTheStoreIsNotFetched) {
  store_.Put("x", Int(41));
  Compute(Task("b", {On("x")}));
  EXPECT_THAT(comm_.fetches, IsEmpty());
  EXPECT_EQ(PhaseOf("b"), Phase::kReady);
  ASSERT_EQ(StartNext(), "b");
  ASSERT_TRUE(Running("b").inputs.contains("x"));
  EXPECT_EQ(Running("b").inputs.at("x")->int_(), 41);
  EXPECT_EQ(Running("b").spec->key(), "b");
  EXPECT_EQ(Running("b").spec->op(), "inc");
}

// ---------------------------------------------------------------- fetching

TEST_F(WorkerStateTest, FetchesAreBatchedPerPeerOverOneMessage) {
  Compute({Task("t1", {On("x1", {"peer-a"}), On("y1", {"peer-b"})}),
           Task("t2", {On("x2", {"peer-a"}), On("y2", {"peer-b"})}),
           Task("t3", {On("x3", {"peer-a"})})});
  ASSERT_EQ(comm_.fetches.size(), 2u);
  std::map<std::string, std::vector<std::string>> by_peer;
  for (const FetchRequest& f : comm_.fetches) by_peer[f.address] = f.keys;
  EXPECT_THAT(by_peer["peer-a"], ElementsAre("x1", "x2", "x3"));
  EXPECT_THAT(by_peer["peer-b"], ElementsAre("y1", "y2"));
  EXPECT_NE(comm_.fetches[0].id, comm_.fetches[1].id);
  EXPECT_EQ(state_.fetches_in_flight(), 2u);
  EXPECT_EQ(PhaseOf("t1"), Phase::kFetching);

  // A later message makes a fetch of its own.
  Compute(Task("t4", {On("x4", {"peer-a"})}));
  ASSERT_EQ(comm_.fetches.size(), 3u);
  EXPECT_THAT(comm_.fetches[2].keys, ElementsAre("x4"));
}

TEST_F(WorkerStateTest, TaskIsReadyOnlyWhenItsLastInputArrives) {
  Compute(Task("t", {On("x", {"peer-a"}), On("y", {"peer-b"})}));
  Fetched("x");
  EXPECT_EQ(PhaseOf("t"), Phase::kFetching);
  EXPECT_EQ(StartNext(), "");
  Fetched("y", {{"y", 8}});
  EXPECT_EQ(PhaseOf("t"), Phase::kReady);
  ASSERT_EQ(StartNext(), "t");
  EXPECT_EQ(Running("t").inputs.at("x")->int_(), 7);
  EXPECT_EQ(Running("t").inputs.at("y")->int_(), 8);
}

TEST_F(WorkerStateTest, DependencySharedByTwoTasksIsFetchedOnce) {
  Compute(Task("t1", {On("x")}));
  Compute(Task("t2", {On("x")}));
  ASSERT_EQ(comm_.fetches.size(), 1u);
  Fetched("x");
  EXPECT_EQ(PhaseOf("t1"), Phase::kReady);
  EXPECT_EQ(PhaseOf("t2"), Phase::kReady);
  EXPECT_EQ(state_.BorrowedRefs("x"), 2);
}

TEST_F(WorkerStateTest, BorrowedDependencyIsNotFetchedAgain) {
  Compute(Task("t1", {On("x")}));
  Fetched("x");
  Compute(Task("t2", {On("x")}));
  EXPECT_EQ(comm_.fetches.size(), 1u);
  EXPECT_EQ(PhaseOf("t2"), Phase::kReady);
  EXPECT_EQ(state_.BorrowedRefs("x"), 2);
}

TEST_F(WorkerStateTest, FetchesSpreadOverTheHoldersByTasksHeld) {
  Compute(Task("t1", {On("x", {"peer-a", "peer-b"})}));  // no task held yet: the first holder
  Compute(Task("t2", {On("y", {"peer-a", "peer-b"})}));  // one task held: the second
  ASSERT_EQ(comm_.fetches.size(), 2u);
  EXPECT_EQ(FetchOf("x").address, "peer-a");
  EXPECT_EQ(FetchOf("y").address, "peer-b");
}

TEST_F(WorkerStateTest, FailedFetchReportsMissingForEveryWaitingTask) {
  Compute({Task("t1", {On("x")}), Task("t2", {On("x"), On("y", {"peer-b"})})});
  FetchFailed("x");
  ASSERT_EQ(comm_.done.size(), 2u);
  EXPECT_THAT(Keys(comm_.done), UnorderedElementsAre("t1", "t2"));
  for (const v1::TaskDone& d : comm_.done) {
    EXPECT_THAT(d.missing(), ElementsAre("x"));
    EXPECT_TRUE(d.error().empty());
    EXPECT_EQ(d.nbytes(), 0u);
  }
  EXPECT_EQ(state_.size(), 0u);
  // y still comes, for nobody: it is not kept.
  Fetched("y");
  EXPECT_EQ(state_.BorrowedRefs("y"), 0);
  EXPECT_EQ(comm_.done.size(), 2u);
}

TEST_F(WorkerStateTest, KeyLeftOutOfTheAnswerIsReportedMissing) {
  Compute({Task("t1", {On("x")}), Task("t2", {On("y")})});
  ASSERT_EQ(comm_.fetches.size(), 1u);
  Fetched("x", {{"x", 1}});  // y: the peer does not hold it
  ASSERT_EQ(comm_.done.size(), 1u);
  EXPECT_EQ(comm_.done[0].key(), "t2");
  EXPECT_THAT(comm_.done[0].missing(), ElementsAre("y"));
  EXPECT_EQ(PhaseOf("t1"), Phase::kReady);
  EXPECT_EQ(PhaseOf("t2"), std::nullopt);
}

TEST_F(WorkerStateTest, DependencyNobodyHoldsIsReportedMissingAtOnce) {
  Compute(Task("t", {On("x", {}), On("y")}));
  EXPECT_EQ(comm_.fetches.size(), 1u);  // y only
  ASSERT_EQ(comm_.done.size(), 1u);
  EXPECT_EQ(comm_.done[0].key(), "t");
  EXPECT_THAT(comm_.done[0].missing(), ElementsAre("x"));
  EXPECT_EQ(PhaseOf("t"), std::nullopt);
  Fetched("y");
  EXPECT_EQ(comm_.done.size(), 1u);  // reported once
}

TEST_F(WorkerStateTest, AnswerToAFetchNotInFlightIsIgnored) {
  Compute(Task("t", {On("x")}));
  state_.FetchDone(12345, FetchedValues{{"x", Int(1)}});
  Check();
  EXPECT_EQ(PhaseOf("t"), Phase::kFetching);
  Fetched("x");
  state_.FetchDone(FetchOf("x").id, FetchedValues{});  // answered twice
  Check();
  EXPECT_EQ(PhaseOf("t"), Phase::kReady);
  EXPECT_THAT(comm_.done, IsEmpty());
}

TEST_F(WorkerStateTest, TaskSentTwiceWhileFetchingIsKeptOnce) {
  Compute(Task("t", {On("x")}));
  Compute(Task("t", {On("x")}));
  EXPECT_EQ(comm_.fetches.size(), 1u);
  EXPECT_EQ(state_.size(), 1u);
  Fetched("x");
  EXPECT_EQ(state_.BorrowedRefs("x"), 1);
}

// ---------------------------------------------------------------- `after`: ordering only

TEST_F(WorkerStateTest, AfterOnlyDependencyIsNeitherFetchedNorPassed) {
  Compute(After(Task("t", {On("x")}), On("done-before")));
  ASSERT_EQ(comm_.fetches.size(), 1u);
  EXPECT_THAT(comm_.fetches[0].keys, ElementsAre("x"));
  Fetched("x");
  ASSERT_EQ(StartNext(), "t");
  EXPECT_FALSE(Running("t").inputs.contains("done-before"));
  EXPECT_TRUE(Running("t").inputs.contains("x"));
}

TEST_F(WorkerStateTest, AfterOnlyDependencySentAheadStillWaitsForIt) {
  Compute(Task("first"));
  ASSERT_EQ(StartNext(), "first");
  Compute(After(Task("then"), Here("first")));
  EXPECT_EQ(PhaseOf("then"), Phase::kFetching);
  EXPECT_THAT(comm_.fetches, IsEmpty());
  Succeed("first");
  EXPECT_EQ(PhaseOf("then"), Phase::kReady);
  ASSERT_EQ(StartNext(), "then");
  EXPECT_FALSE(Running("then").inputs.contains("first"));
}

// ---------------------------------------------------------------- tasks sent ahead

TEST_F(WorkerStateTest, TaskSentAheadStartsWhenTheLocalValueIsStored) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Compute({Task("b", {Here("a")}), Task("c", {Here("a"), On("x")})});
  EXPECT_EQ(PhaseOf("b"), Phase::kFetching);
  ASSERT_EQ(comm_.fetches.size(), 1u);  // only x
  EXPECT_THAT(comm_.fetches[0].keys, ElementsAre("x"));
  Succeed("a", 5);
  EXPECT_EQ(PhaseOf("b"), Phase::kReady);
  EXPECT_EQ(PhaseOf("c"), Phase::kFetching);  // still waits for x
  ASSERT_EQ(StartNext(), "b");
  EXPECT_EQ(Running("b").inputs.at("a")->int_(), 5);
  Fetched("x");
  EXPECT_EQ(PhaseOf("c"), Phase::kReady);
}

TEST_F(WorkerStateTest, TaskSentAheadForAValueAlreadyStoredIsReady) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Succeed("a");
  Compute(Task("b", {Here("a")}));  // the scheduler had not heard yet
  EXPECT_EQ(PhaseOf("b"), Phase::kReady);
}

TEST_F(WorkerStateTest, TaskSentAheadWaitsInVainWhenTheLocalTaskFailsUntilCancelled) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Compute(Task("b", {Here("a")}));
  Fail("a", "boom");
  EXPECT_EQ(PhaseOf("b"), Phase::kFetching);
  EXPECT_THAT(Keys(comm_.done), ElementsAre("a"));
  Cancel("b");
  EXPECT_EQ(PhaseOf("b"), std::nullopt);
  EXPECT_EQ(state_.size(), 0u);
}

TEST_F(WorkerStateTest, TaskSentAheadWaitsInVainWhenTheLocalTaskIsCancelled) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Compute(Task("b", {Here("a")}));
  Cancel("a");
  Succeed("a");  // the op returned anyway
  EXPECT_THAT(comm_.done, IsEmpty());
  EXPECT_FALSE(store_.Contains("a"));
  EXPECT_EQ(PhaseOf("b"), Phase::kFetching);
  // The scheduler sends a again (elsewhere's result would come as a fetch): b is not woken by it.
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Succeed("a");
  EXPECT_EQ(PhaseOf("b"), Phase::kFetching);
  Steal("b");
  EXPECT_TRUE(comm_.stolen.back().ok());
}

// ---------------------------------------------------------------- cancel

TEST_F(WorkerStateTest, CancelOfAFetchingTaskDropsItAndTheLateValueIsNotKept) {
  Compute(Task("t", {On("x")}));
  Cancel("t");
  EXPECT_EQ(PhaseOf("t"), std::nullopt);
  EXPECT_EQ(state_.fetches_in_flight(), 1u);  // the fetch still comes
  Fetched("x");
  EXPECT_EQ(state_.BorrowedRefs("x"), 0);
  EXPECT_THAT(comm_.done, IsEmpty());
}

TEST_F(WorkerStateTest, TaskSentAgainWhileItsFetchIsInFlightJoinsIt) {
  Compute(Task("t", {On("x")}));
  Cancel("t");
  Compute(Task("t", {On("x")}));
  EXPECT_EQ(comm_.fetches.size(), 1u);
  Fetched("x");
  EXPECT_EQ(PhaseOf("t"), Phase::kReady);
  EXPECT_EQ(state_.BorrowedRefs("x"), 1);
}

TEST_F(WorkerStateTest, CancelOfAReadyTaskTakesItOffTheQueue) {
  Compute({Task("a", {}, 1), Task("b", {}, 2)});
  Cancel("a");
  EXPECT_EQ(state_.ready(), 1);
  EXPECT_THAT(RunAll(), ElementsAre("b"));
  EXPECT_THAT(Keys(comm_.done), ElementsAre("b"));
}

TEST_F(WorkerStateTest, CancelOfARunningTaskStopsTheOpAndReportsNothing) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  std::shared_ptr<TaskControl> control = Running("a").control;
  EXPECT_FALSE(control->Stopped());
  Cancel("a");
  EXPECT_TRUE(control->cancelled());
  EXPECT_EQ(PhaseOf("a"), Phase::kExecuting);  // until the op returns
  EXPECT_EQ(state_.executing(), 1);
  Succeed("a");
  EXPECT_EQ(PhaseOf("a"), std::nullopt);
  EXPECT_EQ(state_.executing(), 0);
  EXPECT_THAT(comm_.done, IsEmpty());
  EXPECT_FALSE(store_.Contains("a"));
}

TEST_F(WorkerStateTest, CancelOfAnUnknownTaskIsIgnored) {
  Cancel("nobody");
  EXPECT_THAT(comm_.done, IsEmpty());
  EXPECT_EQ(state_.size(), 0u);
}

TEST_F(WorkerStateTest, CancelAndSendAgainInOneBatchStartsAfresh) {
  Compute(Task("t", {On("x")}));
  Fetched("x");
  v1::SchedulerToWorker message;
  message.add_cancel("t");
  *message.add_compute() = Task("t", {On("y")});
  Send(message);
  EXPECT_EQ(PhaseOf("t"), Phase::kFetching);  // the new definition, waiting for y
  EXPECT_EQ(state_.BorrowedRefs("x"), 0);
  EXPECT_THAT(comm_.fetches.back().keys, ElementsAre("y"));
}

// ---------------------------------------------------------------- the scheduler goes away

TEST_F(WorkerStateTest, LosingTheSchedulerDropsEveryTaskAndKeepsTheValues) {
  Compute(Task("done"));
  ASSERT_EQ(StartNext(), "done");
  Succeed("done");
  Compute({Task("running", {}, 1), Task("ready", {}, 2), Task("fetching", {On("x")}, 3),
           Task("ahead", {Here("running")}, 4)});
  ASSERT_EQ(StartNext(), "running");
  std::shared_ptr<TaskControl> control = Running("running").control;
  Compute(Task("running", {}, 5));  // a rerun the vanished scheduler asked for: void too
  comm_.done.clear();

  state_.DropAllTasks();
  Check();
  EXPECT_TRUE(control->cancelled());
  EXPECT_EQ(PhaseOf("ready"), std::nullopt);
  EXPECT_EQ(PhaseOf("fetching"), std::nullopt);
  EXPECT_EQ(PhaseOf("ahead"), std::nullopt);
  EXPECT_EQ(PhaseOf("running"), Phase::kExecuting);  // until its op returns
  EXPECT_FALSE(state_.HasReady());
  Succeed("running");
  Fetched("x");  // the late answer finds nobody waiting
  EXPECT_EQ(state_.size(), 0u);
  EXPECT_THAT(comm_.done, IsEmpty());  // nothing is reported on the next stream
  EXPECT_TRUE(store_.Contains("done"));
  EXPECT_FALSE(store_.Contains("running"));
  EXPECT_THAT(store_.Held(), ElementsAre(std::make_pair(std::string("done"), uint64_t{2})));
  // The new scheduler sends work again: it runs as usual.
  Compute(Task("ready"));
  EXPECT_EQ(RunAll(), std::vector<std::string>{"ready"});
}

// ---------------------------------------------------------------- run again after a cancel

TEST_F(WorkerStateTest, TaskSentAgainWhileItsCancelledRunFinishesRunsAgain) {
  Compute(Task("a", {}, 3));
  ASSERT_EQ(StartNext(), "a");
  std::shared_ptr<TaskControl> first = Running("a").control;
  Cancel("a");
  Compute(Task("a", {On("x")}, 4));  // sent again, now needing x
  EXPECT_EQ(PhaseOf("a"), Phase::kExecuting);
  EXPECT_THAT(comm_.fetches, IsEmpty());
  Succeed("a");  // the cancelled run ends: not reported; the new one begins
  EXPECT_THAT(comm_.done, IsEmpty());
  EXPECT_EQ(PhaseOf("a"), Phase::kFetching);
  ASSERT_EQ(comm_.fetches.size(), 1u);
  Fetched("x");
  ASSERT_EQ(StartNext(), "a");
  EXPECT_NE(Running("a").control, first);
  EXPECT_FALSE(Running("a").control->cancelled());
  Succeed("a", 9);
  ASSERT_EQ(comm_.done.size(), 1u);
  EXPECT_EQ(comm_.done[0].key(), "a");
  EXPECT_EQ(store_.Get("a")->int_(), 9);
}

TEST_F(WorkerStateTest, TaskSentAgainWhileRunningIsIgnored) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Compute(Task("a"));
  Succeed("a");
  EXPECT_THAT(Keys(comm_.done), ElementsAre("a"));
  EXPECT_EQ(state_.size(), 0u);
  EXPECT_EQ(StartNext(), "");
}

// As worker.cc always did: a cancel reaches the run, not what was sent again meanwhile.
TEST_F(WorkerStateTest, CancelDuringACancelledRunKeepsWhatWasSentAgain) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Cancel("a");
  Compute(Task("a"));
  Cancel("a");
  Succeed("a");
  EXPECT_EQ(PhaseOf("a"), Phase::kReady);
  Cancel("a");
  EXPECT_EQ(state_.size(), 0u);
}

// ---------------------------------------------------------------- steal

TEST_F(WorkerStateTest, StealGivesUpFetchingAndReadyTasks) {
  Compute({Task("fetching", {On("x")}), Task("ready")});
  Steal("fetching");
  Steal("ready");
  ASSERT_EQ(comm_.stolen.size(), 2u);
  EXPECT_EQ(comm_.stolen[0].key(), "fetching");
  EXPECT_TRUE(comm_.stolen[0].ok());
  EXPECT_EQ(comm_.stolen[1].key(), "ready");
  EXPECT_TRUE(comm_.stolen[1].ok());
  EXPECT_EQ(state_.size(), 0u);
  EXPECT_EQ(StartNext(), "");
  Fetched("x");
  EXPECT_THAT(comm_.done, IsEmpty());
}

TEST_F(WorkerStateTest, StealRefusesRunningAndUnknownTasks) {
  Compute(Task("running"));
  ASSERT_EQ(StartNext(), "running");
  Steal("running");
  Steal("unknown");
  ASSERT_EQ(comm_.stolen.size(), 2u);
  EXPECT_FALSE(comm_.stolen[0].ok());
  EXPECT_FALSE(comm_.stolen[1].ok());
  EXPECT_EQ(PhaseOf("running"), Phase::kExecuting);
  EXPECT_FALSE(Running("running").control->cancelled());
  Succeed("running");
  EXPECT_THAT(Keys(comm_.done), ElementsAre("running"));
}

TEST_F(WorkerStateTest, StealAndSendAgainInOneBatch) {
  Compute(Task("t"));
  v1::SchedulerToWorker message;
  message.add_steal("t");
  *message.add_compute() = Task("t");
  Send(message);
  ASSERT_EQ(comm_.stolen.size(), 1u);
  EXPECT_TRUE(comm_.stolen[0].ok());
  EXPECT_EQ(PhaseOf("t"), Phase::kReady);
}

// ---------------------------------------------------------------- release and borrowed values

TEST_F(WorkerStateTest, ReleaseDropsAStoredValue) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Succeed("a");
  ASSERT_TRUE(store_.Contains("a"));
  Release("a");
  EXPECT_FALSE(store_.Contains("a"));
  EXPECT_EQ(store_.bytes(), 0u);
  Release("never-here");
  Check();
}

TEST_F(WorkerStateTest, BorrowedValueIsFreedWhenTheLastTaskUsingItEnds) {
  Compute({Task("t1", {On("x")}), Task("t2", {On("x")}), Task("t3", {On("x")})});
  Fetched("x");
  EXPECT_EQ(state_.BorrowedRefs("x"), 3);
  ASSERT_EQ(StartNext(), "t1");
  Succeed("t1");
  EXPECT_EQ(state_.BorrowedRefs("x"), 2);
  ASSERT_EQ(StartNext(), "t2");
  Fail("t2", "bad");
  EXPECT_EQ(state_.BorrowedRefs("x"), 1);
  Steal("t3");
  EXPECT_EQ(state_.BorrowedRefs("x"), 0);
  // Needed again: fetched again.
  Compute(Task("t4", {On("x")}));
  EXPECT_EQ(comm_.fetches.size(), 2u);
}

TEST_F(WorkerStateTest, BorrowedValueStaysWhileARunningTaskUsesIt) {
  Compute(Task("t1", {On("x")}));
  Fetched("x");
  ASSERT_EQ(StartNext(), "t1");
  Cancel("t1");
  EXPECT_EQ(state_.BorrowedRefs("x"), 1);  // the op may still read it
  Succeed("t1");
  EXPECT_EQ(state_.BorrowedRefs("x"), 0);
}

// ---------------------------------------------------------------- results

TEST_F(WorkerStateTest, SuccessStoresTheValueAndReportsItsSize) {
  Compute(Task("a"));
  ASSERT_EQ(StartNext(), "a");
  Succeed("a", 123456);
  ASSERT_EQ(comm_.done.size(), 1u);
  const v1::TaskDone& done = comm_.done[0];
  EXPECT_EQ(done.key(), "a");
  EXPECT_TRUE(done.error().empty());
  EXPECT_GT(done.nbytes(), 0u);
  // The scheduler is told the encoding's size (what moving it costs); the store counts what the
  // value takes in memory.
  EXPECT_EQ(done.nbytes(), store_.Get("a")->ByteSizeLong());
  EXPECT_EQ(store_.bytes(), MemoryBytes(*store_.Get("a")));
  EXPECT_EQ(done.start(), 100);
  EXPECT_EQ(done.end(), 101.5);
  EXPECT_EQ(done.log(), "log of a");
  EXPECT_EQ(store_.Get("a")->int_(), 123456);
  EXPECT_EQ(state_.size(), 0u);
  EXPECT_EQ(state_.executing(), 0);
}

TEST_F(WorkerStateTest, FailureReportsTheErrorAndStoresNothing) {
  Compute({Task("a"), Task("b")});
  ASSERT_EQ(StartNext(), "a");
  Fail("a", "division by zero");
  ASSERT_EQ(StartNext(), "b");
  Finish("b", absl::InternalError(""));
  ASSERT_EQ(comm_.done.size(), 2u);
  EXPECT_EQ(comm_.done[0].error(), "division by zero");
  EXPECT_EQ(comm_.done[0].nbytes(), 0u);
  EXPECT_EQ(comm_.done[0].log(), "log of a");
  EXPECT_EQ(comm_.done[1].error(), "INTERNAL: ");  // no message: the status says what it was
  EXPECT_FALSE(store_.Contains("a"));
  EXPECT_FALSE(store_.Contains("b"));
}

TEST_F(WorkerStateTest, TimeLimitPassedReportsAnErrorAndDropsTheValue) {
  Compute({TimeLimit(Task("slow"), 2.5), Task("unlimited")});
  ASSERT_EQ(StartNext(), "slow");
  Finish("slow", *Int(1), /*timed_out=*/true);
  ASSERT_EQ(StartNext(), "unlimited");
  Finish("unlimited", *Int(2), /*timed_out=*/true);  // no limit: it cannot have timed out
  ASSERT_EQ(comm_.done.size(), 2u);
  EXPECT_EQ(comm_.done[0].error(), "timed out after 2.5 s (timeoutS)");
  EXPECT_TRUE(comm_.done[0].timed_out());
  EXPECT_FALSE(store_.Contains("slow"));
  EXPECT_TRUE(comm_.done[1].error().empty());
  EXPECT_FALSE(comm_.done[1].timed_out());
  EXPECT_TRUE(store_.Contains("unlimited"));
}

TEST_F(WorkerStateTest, TimedOutTaskStrandsTasksSentAheadForIt) {
  Compute(TimeLimit(Task("a"), 1));
  ASSERT_EQ(StartNext(), "a");
  Compute(Task("b", {Here("a")}));
  Finish("a", *Int(1), /*timed_out=*/true);
  EXPECT_EQ(PhaseOf("b"), Phase::kFetching);
}

// ---------------------------------------------------------------- the rest

TEST_F(WorkerStateTest, CountsForTheHeartbeat) {
  Compute({Task("a"), Task("b"), Task("c"), Task("d", {On("x")})});
  EXPECT_EQ(state_.ready(), 3);
  EXPECT_EQ(state_.executing(), 0);
  ASSERT_FALSE(StartNext().empty());
  ASSERT_FALSE(StartNext().empty());
  EXPECT_EQ(state_.ready(), 1);
  EXPECT_EQ(state_.executing(), 2);
  EXPECT_TRUE(state_.HasReady());
}

// ---------------------------------------------------------------- acquiring (hand-over)

TEST_F(WorkerStateTest, AnAcquiredValueIsFetchedKeptAndReported) {
  v1::SchedulerToWorker message;
  *message.add_acquire() = On("x", {"retiring-peer"});
  Send(message);
  EXPECT_EQ(state_.acquiring(), 1u);
  EXPECT_EQ(FetchOf("x").address, "retiring-peer");
  EXPECT_TRUE(comm_.acquired.empty());
  // A task that needs it meanwhile waits for the same fetch.
  Compute(Task("t", {On("x", {"retiring-peer"})}));
  EXPECT_EQ(comm_.fetches.size(), 1u);
  Fetched("x");
  EXPECT_TRUE(store_.Contains("x"));  // kept, not borrowed
  EXPECT_EQ(state_.BorrowedRefs("x"), 0);
  ASSERT_EQ(comm_.acquired.size(), 1u);
  EXPECT_EQ(comm_.acquired[0].key(), "x");
  EXPECT_GT(comm_.acquired[0].nbytes(), 0u);
  EXPECT_EQ(state_.acquiring(), 0u);
  EXPECT_EQ(StartNext(), "t");
}

TEST_F(WorkerStateTest, AValueAlreadyHereIsReportedAcquiredAtOnce) {
  Compute(Task("t", {On("x")}));
  Fetched("x");  // borrowed for t
  v1::SchedulerToWorker message;
  *message.add_acquire() = On("x", {"retiring-peer"});
  Send(message);
  EXPECT_TRUE(store_.Contains("x"));
  ASSERT_EQ(comm_.acquired.size(), 1u);
  EXPECT_EQ(comm_.fetches.size(), 1u);  // no second fetch
}

TEST_F(WorkerStateTest, AValueThatCannotBeAcquiredIsNotReported) {
  v1::SchedulerToWorker message;
  *message.add_acquire() = On("x", {"retiring-peer"});
  Send(message);
  FetchFailed("x");
  EXPECT_FALSE(store_.Contains("x"));
  EXPECT_TRUE(comm_.acquired.empty());
  EXPECT_EQ(state_.acquiring(), 0u);
}

TEST_F(WorkerStateTest, CancelRunningTellsEveryRunningOpToStop) {
  Compute({Task("a"), Task("b"), Task("c")});
  ASSERT_EQ(StartNext(), "a");
  ASSERT_EQ(StartNext(), "b");
  state_.CancelRunning();
  Check();
  EXPECT_TRUE(Running("a").control->cancelled());
  EXPECT_TRUE(Running("b").control->cancelled());
  Succeed("a");
  EXPECT_THAT(comm_.done, IsEmpty());
}

TEST_F(WorkerStateTest, SpecThatDoesNotDecodeIsIgnored) {
  v1::ComputeTask bad = Task("bad");
  bad.set_spec("\xff\xff\xff");
  Compute({bad, Task("good")});
  EXPECT_EQ(PhaseOf("bad"), std::nullopt);
  EXPECT_EQ(PhaseOf("good"), Phase::kReady);
}

TEST_F(WorkerStateTest, FinishedForATaskNotRunningIsIgnored) {
  Compute(Task("a"));
  Succeed("a");
  EXPECT_EQ(PhaseOf("a"), Phase::kReady);
  EXPECT_THAT(comm_.done, IsEmpty());
}

// ---------------------------------------------------------------- random event sequences

// Thousands of seeded sequences of every event, with Validate() after each one, and the
// promises the scheduler relies on checked as they go.
TEST(WorkerStateRandom, InvariantsHoldOverRandomEventSequences) {
  const std::vector<std::string> task_keys = {"t0", "t1", "t2", "t3", "t4", "t5"};
  const std::vector<std::string> remote_keys = {"r0", "r1", "r2", "r3"};
  const std::vector<std::string> peers = {"p0", "p1"};
  // Failed fetches are logged as warnings: hundreds of thousands of lines here.
  const spdlog::level::level_enum level = spdlog::get_level();
  spdlog::set_level(spdlog::level::err);
  // BRISK_RANDOMIZED_SEEDS=N runs seeds 1..N (fewer under the sanitizers, as for the scheduler).
  uint32_t seeds = 2000;
  if (const char* n = std::getenv("BRISK_RANDOMIZED_SEEDS")) {
    seeds = static_cast<uint32_t>(std::max(1L, std::strtol(n, nullptr, 10)));
  }
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937 rng(seed);
    auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
    ValueStore store;
    RecordingComm comm;
    WorkerState state(store, comm, "w-random");
    std::map<std::string, WorkerState::Started> running;
    std::map<uint64_t, FetchRequest> unanswered;  // fetches sent, not yet answered
    size_t fetches_seen = 0;
    // Every key any definition of a task has listed as an input: never released while the
    // task is held (the scheduler's promise).
    std::map<std::string, std::set<std::string>> inputs_ever;
    auto live = [&state, &task_keys] {
      std::set<std::string> keys;
      for (const std::string& k : task_keys) {
        if (state.PhaseOf(k)) keys.insert(k);
      }
      return keys;
    };
    for (int step = 0; step < 150; ++step) {
      SCOPED_TRACE(testing::Message() << "step " << step);
      const size_t event = pick(10);
      if (event <= 2) {  // new tasks
        v1::SchedulerToWorker message;
        const size_t n = 1 + pick(2);
        for (size_t i = 0; i < n; ++i) {
          const std::string& key = task_keys[pick(task_keys.size())];
          std::vector<v1::Dependency> deps;
          const size_t ndeps = pick(3);
          for (size_t d = 0; d < ndeps; ++d) {
            const size_t kind = pick(4);
            if (kind == 0) {
              const std::string& dep = task_keys[pick(task_keys.size())];
              if (dep != key) deps.push_back(Here(dep));
            } else if (kind == 1) {
              deps.push_back(On(remote_keys[pick(remote_keys.size())], {}));
            } else {
              deps.push_back(On(remote_keys[pick(remote_keys.size())], {peers[pick(2)], peers[0]}));
            }
          }
          v1::ComputeTask compute =
              Task(key, deps, static_cast<int64_t>(pick(5)), static_cast<int32_t>(pick(2)));
          if (pick(4) == 0) compute = After(compute, On(remote_keys[pick(remote_keys.size())]));
          for (const v1::Dependency& dep : compute.deps()) inputs_ever[key].insert(dep.key());
          *message.add_compute() = compute;
        }
        if (pick(3) == 0) message.add_cancel(task_keys[pick(task_keys.size())]);
        state.HandleMessage(message);
      } else if (event == 3) {  // cancel or steal
        const std::string& key = task_keys[pick(task_keys.size())];
        const std::optional<Phase> before = state.PhaseOf(key);
        v1::SchedulerToWorker message;
        if (pick(2) == 0) {
          message.add_cancel(key);
        } else {
          message.add_steal(key);
        }
        state.HandleMessage(message);
        if (message.steal_size() > 0) {
          ASSERT_FALSE(comm.stolen.empty());
          EXPECT_EQ(comm.stolen.back().ok(), before.has_value() && *before != Phase::kExecuting);
        }
      } else if (event == 4) {  // release a value nothing held needs
        std::vector<std::string> candidates;
        for (const std::string& k : task_keys) candidates.push_back(k);
        for (const std::string& k : remote_keys) candidates.push_back(k);
        const std::string& key = candidates[pick(candidates.size())];
        bool needed = false;
        for (const auto& [task, inputs] : inputs_ever) {
          needed = needed || (state.PhaseOf(task).has_value() && inputs.contains(key));
        }
        if (!needed) {
          v1::SchedulerToWorker message;
          message.add_release(key);
          state.HandleMessage(message);
        }
      } else if (event <= 6) {  // answer a fetch
        for (; fetches_seen < comm.fetches.size(); ++fetches_seen) {
          unanswered[comm.fetches[fetches_seen].id] = comm.fetches[fetches_seen];
        }
        if (unanswered.empty()) continue;
        auto it = unanswered.begin();
        std::advance(it, pick(unanswered.size()));
        const FetchRequest request = it->second;
        unanswered.erase(it);
        const std::set<std::string> before = live();
        const size_t reports = comm.done.size();
        FetchedValues values;
        if (pick(6) == 0) {
          state.FetchDone(request.id, absl::UnavailableError("peer gone"));
        } else {
          for (const std::string& k : request.keys) {
            if (pick(8) != 0) values[k] = Int(1);
          }
          state.FetchDone(request.id, values);
        }
        // A task given up for want of an input is reported once, naming an input that did not
        // come; no other task is given up.
        std::set<std::string> gone;
        for (const std::string& k : before) {
          if (!state.PhaseOf(k)) gone.insert(k);
        }
        std::set<std::string> reported;
        for (size_t i = reports; i < comm.done.size(); ++i) {
          const v1::TaskDone& d = comm.done[i];
          EXPECT_TRUE(reported.insert(d.key()).second) << d.key() << " reported twice";
          ASSERT_EQ(d.missing_size(), 1) << d.key();
          EXPECT_FALSE(values.contains(d.missing(0))) << d.key();
          EXPECT_NE(std::find(request.keys.begin(), request.keys.end(), d.missing(0)),
                    request.keys.end());
        }
        EXPECT_EQ(gone, reported);
      } else if (event == 7) {  // an executor takes a task
        if (running.size() >= 3) continue;
        const bool had_ready = state.HasReady();
        std::optional<WorkerState::Started> started = state.StartNext();
        ASSERT_EQ(started.has_value(), had_ready);
        if (started) {
          for (const v1::Arg& arg : started->spec->args()) {
            if (arg.has_ref()) {
              EXPECT_TRUE(started->inputs.contains(arg.ref())) << arg.ref();
            }
          }
          running.emplace(started->key, std::move(*started));
        }
      } else {  // an op returns
        if (running.empty()) continue;
        auto it = running.begin();
        std::advance(it, pick(running.size()));
        const std::string key = it->first;
        const bool cancelled = it->second.control->cancelled();
        running.erase(it);
        const size_t reports = comm.done.size();
        WorkerState::Outcome outcome;
        const size_t how = pick(4);
        if (how == 0) {
          outcome.result = absl::InternalError("boom");
        } else {
          outcome.result = *Int(2);
        }
        outcome.timed_out = how == 1;
        state.Finished(key, std::move(outcome));
        // A cancelled run is never reported (what was sent again meanwhile may be, at once, with
        // an input nobody holds); any other run is reported exactly once.
        if (cancelled) {
          for (size_t i = reports; i < comm.done.size(); ++i) {
            EXPECT_GT(comm.done[i].missing_size(), 0) << comm.done[i].key();
          }
        } else {
          ASSERT_EQ(comm.done.size() - reports, 1u);
          EXPECT_EQ(comm.done.back().key(), key);
          EXPECT_EQ(comm.done.back().missing_size(), 0);
        }
      }
      absl::Status valid = state.Validate();
      ASSERT_TRUE(valid.ok()) << valid;
      ASSERT_EQ(state.executing(), static_cast<int>(running.size()));
    }
    if (::testing::Test::HasFailure()) break;  // the first failing seed is enough
  }
  spdlog::set_level(level);
}

}  // namespace
}  // namespace brisk
