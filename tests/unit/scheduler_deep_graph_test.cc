// The scheduler on graphs deeper than any call stack: chains of hundreds of thousands to a million
// links, computed, recomputed after the worker holding the last link is lost, cancelled, failed
// and forgotten. Every path that walks a lineage is a worklist, so none of this may overflow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/scheduler.pb.h"
#include "common/clock.h"
#include "scheduler/scheduler_state.h"
#include "tests/state_printers.h"

namespace brisk {
namespace {

class FixedClock : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(1700000000); }
};

// Workers that finish every task they are sent, in the order they were sent it. Keeps only what
// is still to be done, so a million tasks cost little memory.
class InstantWorkers : public SchedulerComm {
 public:
  void SendToWorker(WorkerId worker, v1::SchedulerToWorker batch) override {
    for (const v1::ComputeTask& compute : batch.compute()) todo[worker].push_back(compute.key());
    computed += batch.compute_size();
    released += batch.release_size();
    cancelled += batch.cancel_size();
  }
  void SendToClient(ClientId client, v1::SchedulerToClient batch) override {
    for (const v1::JobUpdate& job : batch.jobs()) job_states[client].push_back(job.state());
    for (const v1::KeyUpdate& key : batch.keys()) key_states[client].push_back(key.state());
  }

  // Reports everything sent so far as done, and what that sends, until nothing is left.
  void RunAll(SchedulerState& state) {
    state.Flush();
    while (true) {
      bool any = false;
      for (auto& [worker, keys] : todo) {
        if (keys.empty()) continue;
        any = true;
        v1::WorkerToScheduler message;
        for (const std::string& key : keys) {
          v1::TaskDone* done = message.add_done();
          done->set_key(key);
          done->set_nbytes(8);
          done->set_end(1e-6);
        }
        keys.clear();
        state.HandleWorkerMessage(worker, message);
      }
      if (!any) return;
      state.Flush();
    }
  }

  std::map<WorkerId, std::vector<std::string>> todo;
  std::map<ClientId, std::vector<v1::JobState>> job_states;
  std::map<ClientId, std::vector<v1::KeyState>> key_states;
  uint64_t computed = 0, released = 0, cancelled = 0;
};

std::string Link(int i) { return absl::StrCat("c", i); }

// c0 = inc(1), c(i) = inc(c(i-1)); the output is the last link.
v1::ClientToScheduler Chain(int links) {
  v1::ClientToScheduler message;
  v1::SubmitGraph* submit = message.mutable_submit();
  submit->set_request_id(1);
  submit->set_last(true);
  for (int i = 0; i < links; ++i) {
    v1::Task* task = submit->add_tasks();
    task->set_key(Link(i));
    task->set_op("inc");
    if (i == 0) {
      task->add_args()->set_int_(1);
    } else {
      task->add_args()->set_ref(Link(i - 1));
    }
  }
  return message;
}

v1::ClientToScheduler OneTask(const std::string& key, const std::string& ref) {
  v1::ClientToScheduler message;
  v1::SubmitGraph* submit = message.mutable_submit();
  submit->set_request_id(2);
  submit->set_last(true);
  v1::Task* task = submit->add_tasks();
  task->set_key(key);
  task->set_op("inc");
  task->add_args()->set_ref(ref);
  return message;
}

v1::RegisterWorker Registration(const std::string& name) {
  v1::RegisterWorker reg;
  reg.set_name(name);
  reg.set_address(name + ":1");
  reg.set_nthreads(1);
  return reg;
}

class DeepGraph : public ::testing::Test {
 protected:
  void SetUp() override { state_.AddClient(1); }

  void ExpectValid() {
    absl::Status valid = state_.ValidateState();
    EXPECT_TRUE(valid.ok()) << valid.message();
  }

  uint64_t Count(v1::TaskState task_state) {
    const v1::StatusReply status = state_.Status();
    for (const v1::TaskStateCount& c : status.tasks()) {
      if (c.state() == task_state) return c.count();
    }
    return 0;
  }

  FixedClock clock_;
  InstantWorkers workers_;
  SchedulerOptions options_;
  SchedulerState state_{workers_, clock_, options_};
};

// `full` links, divided by BRISK_DEEP_CHAIN_DIVISOR when it is set: scripts/test divides by 8
// under the sanitizers, which make each link 20-50 times slower and check memory and races, not
// depth; the gcc phase runs every chain at full length, where a recursion would overflow.
int ChainLinks(int full) {
  const char* divisor = std::getenv("BRISK_DEEP_CHAIN_DIVISOR");
  return divisor != nullptr ? std::max(2, full / std::max(1, std::atoi(divisor))) : full;
}

TEST_F(DeepGraph, LosingTheLastLinkOfAMillionTaskChainRecomputesTheWholeLineage) {
  const int kLinks = ChainLinks(1000000);
  ASSERT_TRUE(state_.AddWorker(1, Registration("w1")).ok());
  v1::ClientToScheduler chain = Chain(kLinks);
  state_.HandleClientMessage(1, chain);
  workers_.RunAll(state_);
  EXPECT_EQ(workers_.computed, static_cast<uint64_t>(kLinks));
  EXPECT_EQ(workers_.job_states[1].back(), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(Count(v1::TASK_STATE_MEMORY), 1u);  // only the output is kept
  ExpectValid();

  ASSERT_TRUE(state_.AddWorker(2, Registration("w2")).ok());
  workers_.computed = 0;
  state_.RemoveWorker(1);  // held the last link, the job's output
  ExpectValid();
  // A client that asks about the job now hears of it once its output is back.
  state_.AddClient(2);
  v1::ClientToScheduler watch;
  watch.add_watch_jobs(1);
  state_.HandleClientMessage(2, watch);
  state_.Flush();
  EXPECT_TRUE(workers_.job_states[2].empty());

  workers_.RunAll(state_);
  EXPECT_EQ(workers_.computed, static_cast<uint64_t>(kLinks)) << "every link is computed again";
  EXPECT_EQ(state_.WhoHasKey(Link(kLinks - 1)), std::vector<std::string>{"w2"});
  ASSERT_EQ(workers_.job_states[2].size(), 1u);
  EXPECT_EQ(workers_.job_states[2][0], v1::JOB_STATE_FINISHED);
  EXPECT_EQ(workers_.key_states[2].back(), v1::KEY_STATE_MEMORY);
  ExpectValid();
}

TEST_F(DeepGraph, ATaskReferringToTheEndOfAFinishedReleasedChainRecomputesIt) {
  // The case that once overflowed the stack: 300,000 links, finished and released, then one
  // task that takes the last link.
  const int kLinks = ChainLinks(300000);
  ASSERT_TRUE(state_.AddWorker(1, Registration("w1")).ok());
  v1::ClientToScheduler chain = Chain(kLinks);
  state_.HandleClientMessage(1, chain);
  workers_.RunAll(state_);
  v1::ClientToScheduler release;
  release.add_release_jobs(1);
  state_.HandleClientMessage(1, release);
  state_.Flush();
  EXPECT_EQ(Count(v1::TASK_STATE_MEMORY), 0u);

  workers_.computed = 0;
  v1::ClientToScheduler next = OneTask("after", Link(kLinks - 1));
  state_.HandleClientMessage(1, next);
  workers_.RunAll(state_);
  EXPECT_EQ(workers_.computed, static_cast<uint64_t>(kLinks) + 1);
  EXPECT_EQ(workers_.job_states[1].back(), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(*state_.StateOf("after"), TaskState::kMemory);
  ExpectValid();
}

// 200,000 links: far past what any recursion would survive (each frame at least ~100 bytes of
// an 8 MiB stack).
constexpr int kDeep = 200000;

TEST_F(DeepGraph, CancellingADeepChainStopsEveryLinkAndForgetsThem) {
  const int kLinks = ChainLinks(kDeep);
  options_.job_history = 0;
  SchedulerState state(workers_, clock_, options_);
  state.AddClient(1);
  ASSERT_TRUE(state.AddWorker(1, Registration("w1")).ok());
  v1::ClientToScheduler chain = Chain(kLinks);
  state.HandleClientMessage(1, chain);
  state.Flush();
  v1::ClientToScheduler cancel;
  cancel.add_cancel_jobs(1);
  state.HandleClientMessage(1, cancel);
  state.Flush();
  EXPECT_EQ(workers_.job_states[1].back(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(state.TaskCount(), 0u) << "cancelled, released and, with no history, forgotten";
  absl::Status valid = state.ValidateState();
  EXPECT_TRUE(valid.ok()) << valid.message();
}

TEST_F(DeepGraph, AFailureAtTheRootOfADeepChainReachesTheLastLink) {
  const int kLinks = ChainLinks(kDeep);
  ASSERT_TRUE(state_.AddWorker(1, Registration("w1")).ok());
  v1::ClientToScheduler chain = Chain(kLinks);
  state_.HandleClientMessage(1, chain);
  state_.Flush();
  v1::WorkerToScheduler failed;
  v1::TaskDone* done = failed.add_done();
  done->set_key(Link(0));
  done->set_error("boom");
  state_.HandleWorkerMessage(1, failed);
  state_.Flush();
  EXPECT_EQ(workers_.job_states[1].back(), v1::JOB_STATE_ERRED);
  EXPECT_EQ(Count(v1::TASK_STATE_ERRED), static_cast<uint64_t>(kLinks));
  absl::StatusOr<v1::TaskLog> log = state_.GetLog(Link(kLinks - 1));
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->error(), "dependency \"c0\" failed: boom");
  ExpectValid();
}

TEST_F(DeepGraph, AFinishedDeepChainIsForgottenWhenItsJobRecordGoes) {
  const int kLinks = ChainLinks(kDeep);
  options_.job_history = 0;
  SchedulerState state(workers_, clock_, options_);
  state.AddClient(1);
  ASSERT_TRUE(state.AddWorker(1, Registration("w1")).ok());
  v1::ClientToScheduler chain = Chain(kLinks);
  state.HandleClientMessage(1, chain);
  workers_.RunAll(state);
  EXPECT_EQ(state.TaskCount(), static_cast<uint64_t>(kLinks));
  state.RemoveClient(1);  // releases the job; with no history its record goes, and its tasks
  EXPECT_EQ(state.TaskCount(), 0u);
  absl::Status valid = state.ValidateState();
  EXPECT_TRUE(valid.ok()) << valid.message();
}

}  // namespace
}  // namespace brisk
