// Unit tests of the scheduler's state machine, driven exactly as the gRPC adapter drives it:
// registrations, client and worker batches in, Flush(), then what was sent to whom.
#include "scheduler/scheduler_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/scheduler.pb.h"
#include "scheduler/compact_vector.h"
#include "scheduler/key_and_spec.h"
#include "scheduler/scheduler_comm.h"
#include "tests/state_printers.h"
#include "tests/support/fake_clock.h"
#include "tests/support/recording_comm.h"

namespace brisk {

// The scheduler's own task states print by name in failed expectations (found by ADL).
inline void PrintTo(TaskState state, std::ostream* os) { *os << TaskStateName(state); }

namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

MATCHER_P2(Counted, state, count, "") {
  return arg.state() == state && arg.count() == static_cast<uint64_t>(count);
}

// ---- graph builders

// A task running `op` on the results of `deps` (on a literal when it has none).
v1::Task T(const std::string& key, const std::vector<std::string>& deps = {},
           const std::string& op = "inc") {
  v1::Task task;
  task.set_key(key);
  task.set_op(op);
  if (deps.empty()) task.add_args()->set_int_(1);
  for (const std::string& dep : deps) task.add_args()->set_ref(dep);
  return task;
}

v1::Task Needs(v1::Task task, const std::string& resource, double amount) {
  (*task.mutable_resources())[resource] = amount;
  return task;
}

v1::Task OnlyOn(v1::Task task, const std::vector<std::string>& workers) {
  for (const std::string& w : workers) task.add_workers(w);
  return task;
}

v1::Task Retries(v1::Task task, int retries) {
  task.set_retries(retries);
  return task;
}

v1::Task Priority(v1::Task task, int priority) {
  task.set_priority(priority);
  return task;
}

std::string Addr(const std::string& worker) { return worker + ".test:7000"; }

std::string KeyOf(const v1::ComputeTask& compute) {
  v1::Task spec;
  EXPECT_TRUE(spec.ParseFromString(compute.spec()));
  EXPECT_EQ(spec.key(), "");  // the key travels once, beside the spec
  return compute.key();
}

constexpr ClientId kClient = 1;

class SchedulerTest : public ::testing::Test {
 protected:
  // Most tests check the plain lifecycle, where a task is sent only once its inputs exist;
  // the Speculation tests turn sending ahead on.
  static SchedulerOptions Plain() {
    SchedulerOptions options;
    options.speculation_depth = 0;
    return options;
  }

  SchedulerTest() { Start(Plain()); }

  // (Re)creates the state machine with `options`; client kClient is connected.
  void Start(SchedulerOptions options) {
    state_.reset();
    comm_.to_worker.clear();
    comm_.to_client.clear();
    worker_cursor_.clear();
    client_cursor_.clear();
    ids_.clear();
    state_ = std::make_unique<SchedulerState>(comm_, clock_, options);
    state_->AddClient(kClient);
  }

  // Every helper that delivers an event ends here: the invariants are checked after each.
  void Flush() {
    state_->Flush();
    ExpectValid();
  }

  void ExpectValid() {
    absl::Status valid = state_->ValidateState();
    EXPECT_TRUE(valid.ok()) << valid.message();
  }

  // ---- workers

  WorkerId AddWorker(const std::string& name, int nthreads = 1,
                     const std::map<std::string, double>& resources = {},
                     const std::vector<std::string>& ops = {}) {
    v1::RegisterWorker reg;
    reg.set_name(name);
    reg.set_address(Addr(name));
    reg.set_nthreads(nthreads);
    reg.mutable_resources()->insert(resources.begin(), resources.end());
    for (const std::string& op : ops) reg.add_ops(op);
    const WorkerId id = next_worker_++;
    absl::Status status = state_->AddWorker(id, reg);
    EXPECT_TRUE(status.ok()) << status;
    ids_[name] = id;
    Flush();
    return id;
  }

  WorkerId IdOf(const std::string& name) const { return ids_.at(name); }

  // `name` registers again on a new stream (a new id), after losing the scheduler, holding
  // `held` (data keys and sizes). Returns the registration's status.
  absl::Status Reconnect(const std::string& name,
                         const std::vector<std::pair<std::string, uint64_t>>& held,
                         bool reconnect = true, const std::string& incarnation = "") {
    v1::RegisterWorker reg;
    reg.set_name(name);
    reg.set_address(Addr(name));
    reg.set_nthreads(1);
    reg.set_reconnect(reconnect);
    reg.set_incarnation(incarnation.empty() ? state_->incarnation() : incarnation);
    for (const auto& [key, nbytes] : held) {
      v1::HeldValue* h = reg.add_held();
      h->set_key(key);
      h->set_nbytes(nbytes);
    }
    const WorkerId id = next_worker_++;
    absl::Status status = state_->AddWorker(id, reg);
    if (status.ok()) ids_[name] = id;
    Flush();
    return status;
  }

  // The scheduler's clock moves by `seconds`, one Tick() per second, as the event loop ticks.
  void TickFor(int seconds, const std::vector<std::string>& heartbeating = {}) {
    for (int i = 0; i < seconds; ++i) {
      clock_.Advance(absl::Seconds(1));
      for (const std::string& name : heartbeating) {
        v1::WorkerToScheduler message;
        message.mutable_heartbeat()->set_memory(1);
        state_->HandleWorkerMessage(ids_.at(name), message);
      }
      state_->Tick();
      Flush();
    }
  }

  // Errors sent to the worker `id` (a closed stream says why).
  std::vector<std::string> ErrorsTo(WorkerId id) const {
    std::vector<std::string> out;
    auto it = comm_.to_worker.find(id);
    if (it == comm_.to_worker.end()) return out;
    for (const v1::SchedulerToWorker& batch : it->second) {
      if (!batch.error().empty()) out.push_back(batch.error());
    }
    return out;
  }

  void KillWorker(const std::string& name) {
    state_->RemoveWorker(ids_.at(name));
    Flush();
  }

  // Time passes: the event loop's tick runs, then a Flush.
  void Elapse(absl::Duration by) {
    clock_.Advance(by);
    state_->Tick();
    Flush();
  }

  void Report(const std::string& worker, v1::TaskDone done) {
    v1::WorkerToScheduler message;
    *message.add_done() = std::move(done);
    state_->HandleWorkerMessage(ids_.at(worker), message);
    Flush();
  }

  // The key the workers know `key`'s newest task by.
  std::string DataKey(const std::string& key) const {
    const std::string data_key = state_->DataKeyOf(key);
    return data_key.empty() ? key : data_key;
  }

  void ExpectProcessingOn(const std::string& worker, const std::string& key) {
    EXPECT_EQ(State(key), TaskState::kProcessing) << key;
    EXPECT_EQ(state_->WorkerOf(key), worker) << key;
  }

  // The worker reports `key` done: `nbytes` of result after `seconds` of running.
  void Complete(const std::string& worker, const std::string& key, uint64_t nbytes = 8,
                double seconds = 0.5) {
    ExpectProcessingOn(worker, key);
    v1::TaskDone done;
    done.set_key(DataKey(key));
    done.set_nbytes(nbytes);
    done.set_start(100);
    done.set_end(100 + seconds);
    Report(worker, std::move(done));
  }

  void Fail(const std::string& worker, const std::string& key, const std::string& error,
            bool timed_out = false) {
    ExpectProcessingOn(worker, key);
    v1::TaskDone done;
    done.set_key(DataKey(key));
    done.set_start(100);
    done.set_end(100.5);
    done.set_error(error);
    done.set_timed_out(timed_out);
    Report(worker, std::move(done));
  }

  void ReportMissing(const std::string& worker, const std::string& key,
                     const std::vector<std::string>& missing) {
    ExpectProcessingOn(worker, key);
    v1::TaskDone done;
    done.set_key(DataKey(key));
    for (const std::string& m : missing) done.add_missing(m);
    Report(worker, std::move(done));
  }

  // ---- clients

  void AddClient(ClientId client) { state_->AddClient(client); }

  void Send(v1::ClientToScheduler message, ClientId client = kClient) {
    state_->HandleClientMessage(client, message);
    Flush();
  }

  v1::SubmitResult Submit(std::vector<v1::Task> tasks, const std::vector<std::string>& outputs = {},
                          ClientId client = kClient, bool keep = false) {
    v1::ClientToScheduler message;
    v1::SubmitGraph* submit = message.mutable_submit();
    const uint64_t request = ++next_request_;
    submit->set_request_id(request);
    for (v1::Task& task : tasks) *submit->add_tasks() = std::move(task);
    for (const std::string& out : outputs) submit->add_outputs(out);
    submit->set_keep(keep);
    submit->set_last(true);
    Send(std::move(message), client);
    for (const v1::SchedulerToClient& batch : comm_.to_client[client]) {
      for (const v1::SubmitResult& result : batch.submitted()) {
        if (result.request_id() == request) return result;
      }
    }
    ADD_FAILURE() << "no SubmitResult for request " << request;
    return {};
  }

  // Submits a graph that must be accepted; returns its job.
  JobId Run(std::vector<v1::Task> tasks, const std::vector<std::string>& outputs = {},
            ClientId client = kClient, bool keep = false) {
    v1::SubmitResult result = Submit(std::move(tasks), outputs, client, keep);
    EXPECT_EQ(result.error(), "");
    EXPECT_NE(result.job(), 0u);
    return result.job();
  }

  void Cancel(JobId job, ClientId client = kClient) {
    v1::ClientToScheduler message;
    message.add_cancel_jobs(job);
    Send(std::move(message), client);
  }

  void Release(JobId job, ClientId client = kClient) {
    v1::ClientToScheduler message;
    message.add_release_jobs(job);
    Send(std::move(message), client);
  }

  void Watch(JobId job, ClientId client) {
    v1::ClientToScheduler message;
    message.add_watch_jobs(job);
    Send(std::move(message), client);
  }

  // ---- what the state machine says

  // The scheduler's own state of the task (kForgotten when it has no record of it).
  TaskState State(const std::string& key) const {
    absl::StatusOr<TaskState> state = state_->StateOf(key);
    return state.ok() ? *state : TaskState::kForgotten;
  }

  // UNSPECIFIED when the scheduler has no record of the job.
  v1::JobState JobState(JobId job) const {
    absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, false);
    return info.ok() ? info->state() : v1::JOB_STATE_UNSPECIFIED;
  }

  // Error recorded for `key` in the job's task list.
  std::string TaskError(JobId job, const std::string& key) const {
    absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, true);
    if (!info.ok()) return info.status().ToString();
    for (const v1::TaskInfo& task : info->tasks()) {
      if (task.key() == key) return task.error();
    }
    return "<not in job>";
  }

  // Kind of the error recorded for `key` in the job's task list.
  v1::ErrorKind TaskErrorKind(JobId job, const std::string& key) const {
    absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, true);
    if (!info.ok()) return v1::ERROR_KIND_UNSPECIFIED;
    for (const v1::TaskInfo& task : info->tasks()) {
      if (task.key() == key) return task.error_kind();
    }
    return v1::ERROR_KIND_UNSPECIFIED;
  }

  int Processing(const std::string& worker) const {
    const v1::StatusReply status = state_->Status();
    for (const v1::WorkerInfo& w : status.workers()) {
      if (w.name() == worker) return w.processing();
    }
    return -1;
  }

  uint64_t Count(v1::TaskState task_state) const {
    const v1::StatusReply status = state_->Status();
    for (const v1::TaskStateCount& c : status.tasks()) {
      if (c.state() == task_state) return c.count();
    }
    return 0;
  }

  // ---- what was sent, since the previous call of the same kind

  std::vector<v1::ComputeTask> TakeComputes(const std::string& worker) {
    std::vector<v1::ComputeTask> out;
    for (const v1::SchedulerToWorker* batch : NewWorkerBatches(worker, 0)) {
      out.insert(out.end(), batch->compute().begin(), batch->compute().end());
    }
    return out;
  }

  // Keys of the tasks sent to `worker` to compute.
  std::vector<std::string> Sent(const std::string& worker) {
    std::vector<std::string> keys;
    for (const v1::ComputeTask& compute : TakeComputes(worker)) keys.push_back(KeyOf(compute));
    return keys;
  }

  std::vector<std::string> Released(const std::string& worker) {
    std::vector<std::string> keys;
    for (const v1::SchedulerToWorker* batch : NewWorkerBatches(worker, 1)) {
      keys.insert(keys.end(), batch->release().begin(), batch->release().end());
    }
    return keys;
  }

  std::vector<std::string> Cancelled(const std::string& worker) {
    std::vector<std::string> keys;
    for (const v1::SchedulerToWorker* batch : NewWorkerBatches(worker, 2)) {
      keys.insert(keys.end(), batch->cancel().begin(), batch->cancel().end());
    }
    return keys;
  }

  std::vector<v1::KeyUpdate> KeyUpdates(ClientId client = kClient) {
    std::vector<v1::KeyUpdate> out;
    for (const v1::SchedulerToClient* batch : NewClientBatches(client, 0)) {
      out.insert(out.end(), batch->keys().begin(), batch->keys().end());
    }
    return out;
  }

  std::vector<v1::JobUpdate> JobUpdates(ClientId client = kClient) {
    std::vector<v1::JobUpdate> out;
    for (const v1::SchedulerToClient* batch : NewClientBatches(client, 1)) {
      out.insert(out.end(), batch->jobs().begin(), batch->jobs().end());
    }
    return out;
  }

  std::vector<v1::JobNotice> Notices(ClientId client = kClient) {
    std::vector<v1::JobNotice> out;
    for (const v1::SchedulerToClient* batch : NewClientBatches(client, 3)) {
      out.insert(out.end(), batch->notices().begin(), batch->notices().end());
    }
    return out;
  }

  FakeClock clock_;
  RecordingComm comm_;
  std::unique_ptr<SchedulerState> state_;

 private:
  std::vector<const v1::SchedulerToWorker*> NewWorkerBatches(const std::string& worker, int kind) {
    const WorkerId id = ids_.at(worker);
    size_t& cursor = worker_cursor_[{id, kind}];
    const auto& all = comm_.to_worker[id];
    std::vector<const v1::SchedulerToWorker*> out;
    for (; cursor < all.size(); ++cursor) out.push_back(&all[cursor]);
    return out;
  }

  std::vector<const v1::SchedulerToClient*> NewClientBatches(ClientId client, int kind) {
    size_t& cursor = client_cursor_[{client, kind}];
    const auto& all = comm_.to_client[client];
    std::vector<const v1::SchedulerToClient*> out;
    for (; cursor < all.size(); ++cursor) out.push_back(&all[cursor]);
    return out;
  }

  WorkerId next_worker_ = 1;
  uint64_t next_request_ = 0;
  std::map<std::string, WorkerId> ids_;
  std::map<std::pair<WorkerId, int>, size_t> worker_cursor_;
  std::map<std::pair<ClientId, int>, size_t> client_cursor_;
};

// One fixture name per area, so test names read as behaviour.
class Workers : public SchedulerTest {};
class Validation : public SchedulerTest {};
class Lifecycle : public SchedulerTest {};
class Jobs : public SchedulerTest {};
class Keys : public SchedulerTest {};
class RetriesTest : public SchedulerTest {};
class Placement : public SchedulerTest {};
class Queuing : public SchedulerTest {};
class Resources : public SchedulerTest {};
class Restrictions : public SchedulerTest {};
class WorkerLoss : public SchedulerTest {};
class Missing : public SchedulerTest {};
class Cancelling : public SchedulerTest {};
class Clients : public SchedulerTest {};
class Dedup : public SchedulerTest {};
class Durations : public SchedulerTest {};
class History : public SchedulerTest {};
class PluginOps : public SchedulerTest {};
// Hours pass in these tests without heartbeats: workers are not timed out for silence here.
class NoWorker : public SchedulerTest {
 protected:
  static SchedulerOptions Options(double no_worker_timeout_s = 0) {
    SchedulerOptions options = Plain();
    options.worker_timeout_s = 0;
    options.no_worker_timeout_s = no_worker_timeout_s;
    return options;
  }
  NoWorker() { Start(Options()); }
};
class Reconnecting : public SchedulerTest {};
class Liveness : public SchedulerTest {};

// `key` is a string or a matcher of one.
MATCHER_P3(Notice, job, key, message, "") {
  return arg.job() == job && ::testing::ExplainMatchResult(key, arg.key(), result_listener) &&
         arg.message() == message;
}

// ------------------------------------------------------------------------------------ workers

TEST_F(Workers, RefusesUnusableRegistrations) {
  v1::RegisterWorker reg;
  reg.set_name("w");
  reg.set_nthreads(1);
  EXPECT_EQ(state_->AddWorker(1, reg).code(), absl::StatusCode::kInvalidArgument);  // no address
  reg.set_address(Addr("w"));
  reg.set_nthreads(0);
  EXPECT_EQ(state_->AddWorker(1, reg).code(), absl::StatusCode::kInvalidArgument);
  reg.set_nthreads(2);
  EXPECT_TRUE(state_->AddWorker(1, reg).ok());
  reg.set_address(Addr("other"));
  EXPECT_EQ(state_->AddWorker(2, reg).code(), absl::StatusCode::kAlreadyExists);  // same name
  ASSERT_EQ(state_->Status().workers_size(), 1);
  EXPECT_EQ(state_->Status().workers(0).nthreads(), 2);
}

TEST_F(Workers, RegisteredWorkerIsToldItsId) {
  const WorkerId id = AddWorker("w1");
  ASSERT_EQ(comm_.to_worker[id].size(), 1u);
  EXPECT_EQ(comm_.to_worker[id][0].registered().worker_id(), id);
}

// ------------------------------------------------------------------------------------ validation

TEST_F(Validation, RefusesACycleNamingItsKeys) {
  v1::SubmitResult result = Submit({T("a", {"b"}), T("b", {"a"})});
  EXPECT_EQ(result.job(), 0u);
  EXPECT_THAT(result.error(), HasSubstr("cycle"));
  EXPECT_THAT(result.error(), HasSubstr("\"a\""));
  EXPECT_EQ(state_->TaskCount(), 0u);
}

TEST_F(Validation, RefusesAMissingReferenceNamingTheKey) {
  v1::SubmitResult result = Submit({T("a"), T("b", {"nope"})});
  EXPECT_EQ(result.job(), 0u);
  EXPECT_EQ(result.error(), "task \"b\" depends on missing key \"nope\"");
}

TEST_F(Validation, RefusesADuplicateKey) {
  v1::SubmitResult result = Submit({T("x"), T("x", {}, "noop")});
  EXPECT_EQ(result.job(), 0u);
  EXPECT_EQ(result.error(), "duplicate key \"x\"");
}

TEST_F(Validation, AcceptsAnOpNoWorkerHasYet) {
  v1::SubmitResult result = Submit({T("x", {}, "frobnicate")});
  EXPECT_EQ(result.error(), "");
  EXPECT_NE(result.job(), 0u);
  EXPECT_EQ(State("x"), TaskState::kNoWorker);
}

TEST_F(Validation, RefusesAnOpNameWithAControlCharacter) {
  v1::SubmitResult result = Submit({T("x", {}, "bad\top")});
  EXPECT_EQ(result.job(), 0u);
  EXPECT_EQ(result.error(), "task \"x\": op \"bad\\top\" contains a control character");
}

TEST_F(Validation, KeepsServingAfterRefusingGraphs) {
  AddWorker("w1");
  EXPECT_NE(Submit({T("a", {"b"}), T("b", {"a"})}).error(), "");
  EXPECT_NE(Submit({T("a"), T("b", {"nope"})}).error(), "");
  EXPECT_NE(Submit({T("a"), T("a")}).error(), "");
  EXPECT_NE(Submit({T("a", {}, "bad\x01op")}).error(), "");
  EXPECT_THAT(Sent("w1"), IsEmpty());
  EXPECT_EQ(state_->TaskCount(), 0u);
  EXPECT_EQ(state_->Status().jobs(), 0u);

  const JobId job = Run({T("a"), T("b", {"a"})});
  Complete("w1", "a");
  Complete("w1", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(State("b"), TaskState::kMemory);
}

// ------------------------------------------------------------------------------------ lifecycle

TEST_F(Lifecycle, ChainGoesWaitingProcessingMemoryAndFreesIntermediates) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"}), T("c", {"b"})});
  EXPECT_EQ(State("a"), TaskState::kProcessing);
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  EXPECT_EQ(State("c"), TaskState::kWaiting);
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));

  Complete("w1", "a");
  EXPECT_EQ(State("a"), TaskState::kMemory);
  EXPECT_EQ(State("b"), TaskState::kProcessing);
  EXPECT_THAT(Sent("w1"), ElementsAre("b"));
  EXPECT_THAT(Released("w1"), IsEmpty());  // b still needs a

  Complete("w1", "b");
  EXPECT_EQ(State("a"), TaskState::kReleased);
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
  EXPECT_THAT(state_->WhoHasKey("a"), IsEmpty());
  EXPECT_EQ(State("b"), TaskState::kMemory);
  EXPECT_EQ(State("c"), TaskState::kProcessing);
  EXPECT_THAT(Sent("w1"), ElementsAre("c"));

  Complete("w1", "c");
  EXPECT_EQ(State("b"), TaskState::kReleased);
  EXPECT_THAT(Released("w1"), ElementsAre("b"));
  EXPECT_EQ(State("c"), TaskState::kMemory);  // the job holds its output
  EXPECT_THAT(state_->WhoHasKey("c"), ElementsAre("w1"));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  EXPECT_THAT(Sent("w1"), IsEmpty());
}

TEST_F(Lifecycle, ComputeTaskCarriesTheSpecAndWhereDependenciesAre) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a"), T("b", {"a"}, "add")});
  std::vector<v1::ComputeTask> first = TakeComputes("w1");
  ASSERT_EQ(first.size(), 1u);
  v1::Task spec;
  ASSERT_TRUE(spec.ParseFromString(first[0].spec()));
  EXPECT_EQ(first[0].key(), "a");
  EXPECT_EQ(spec.op(), "inc");
  EXPECT_EQ(first[0].deps_size(), 0);

  Complete("w1", "a", 1234);
  std::vector<v1::ComputeTask> second = TakeComputes("w1");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(KeyOf(second[0]), "b");
  EXPECT_GT(second[0].order(), first[0].order());
  ASSERT_EQ(second[0].deps_size(), 1);
  EXPECT_EQ(second[0].deps(0).key(), "a");
  EXPECT_EQ(second[0].deps(0).nbytes(), 1234u);
  EXPECT_THAT(second[0].deps(0).who_has(), ElementsAre(Addr("w1")));
}

TEST_F(Lifecycle, OutputStaysInMemoryUntilTheJobIsReleased) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"})});
  Complete("w1", "a");
  Complete("w1", "b");
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
  EXPECT_EQ(State("b"), TaskState::kMemory);

  Release(job);
  EXPECT_EQ(State("b"), TaskState::kReleased);
  EXPECT_THAT(Released("w1"), ElementsAre("b"));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);  // the record stays
}

TEST_F(Lifecycle, OutputsDefaultToSinkTasks) {
  AddWorker("w1", 4);
  const JobId job = Run({T("a"), T("b", {"a"}), T("c", {"a"})});
  absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, false);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_THAT(info->outputs(), ElementsAre("b", "c"));

  Complete("w1", "a");
  Complete("w1", "b");
  Complete("w1", "c");
  EXPECT_EQ(State("a"), TaskState::kReleased);
  EXPECT_EQ(State("b"), TaskState::kMemory);
  EXPECT_EQ(State("c"), TaskState::kMemory);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Lifecycle, OnlyTasksTheOutputsNeedArePartOfTheJob) {
  AddWorker("w1", 4);
  const JobId job = Run({T("a"), T("b", {"a"}), T("c", {"b"}), T("x")}, {"b"});
  absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, false);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->ntasks(), 2u);
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  EXPECT_EQ(State("c"), TaskState::kForgotten);
  EXPECT_EQ(State("x"), TaskState::kForgotten);

  Complete("w1", "a");
  Complete("w1", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  EXPECT_THAT(Sent("w1"), ElementsAre("b"));
}

// ------------------------------------------------------------------------------------ jobs

TEST_F(Jobs, FinishedJobSendsEachOutputsLocationAndThenFinished) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("x"), T("y")});
  EXPECT_THAT(Sent("w1"), ElementsAre("x"));
  EXPECT_THAT(Sent("w2"), ElementsAre("y"));

  Complete("w1", "x", 100);
  std::vector<v1::KeyUpdate> keys = KeyUpdates();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].job(), job);
  EXPECT_EQ(keys[0].key(), "x");
  EXPECT_EQ(keys[0].state(), v1::KEY_STATE_MEMORY);
  EXPECT_EQ(keys[0].nbytes(), 100u);
  EXPECT_THAT(keys[0].who_has(), ElementsAre(Addr("w1")));
  EXPECT_THAT(JobUpdates(), IsEmpty());

  Complete("w2", "y", 200);
  keys = KeyUpdates();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key(), "y");
  EXPECT_THAT(keys[0].who_has(), ElementsAre(Addr("w2")));
  std::vector<v1::JobUpdate> jobs = JobUpdates();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].job(), job);
  EXPECT_EQ(jobs[0].state(), v1::JOB_STATE_FINISHED);
}

TEST_F(Jobs, FailedTaskErrsItsDependentsAndTheJob) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"}), T("c", {"b"})});
  Fail("w1", "a", "boom");
  EXPECT_EQ(State("a"), TaskState::kErred);
  EXPECT_EQ(State("b"), TaskState::kErred);
  EXPECT_EQ(State("c"), TaskState::kErred);
  EXPECT_EQ(TaskError(job, "a"), "boom");
  EXPECT_EQ(TaskError(job, "b"), "dependency \"a\" failed: boom");
  EXPECT_EQ(TaskError(job, "c"), "dependency \"a\" failed: boom");
  EXPECT_EQ(TaskErrorKind(job, "a"), v1::ERROR_KIND_TASK_FAILED);
  EXPECT_EQ(TaskErrorKind(job, "b"), v1::ERROR_KIND_DEPENDENCY_FAILED);
  EXPECT_EQ(TaskErrorKind(job, "c"), v1::ERROR_KIND_DEPENDENCY_FAILED);
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));

  std::vector<v1::KeyUpdate> keys = KeyUpdates();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key(), "c");
  EXPECT_EQ(keys[0].state(), v1::KEY_STATE_ERRED);
  EXPECT_EQ(keys[0].error(), "dependency \"a\" failed: boom");
  EXPECT_EQ(keys[0].error_kind(), v1::ERROR_KIND_DEPENDENCY_FAILED);
  std::vector<v1::JobUpdate> jobs = JobUpdates();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state(), v1::JOB_STATE_ERRED);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
}

TEST_F(Jobs, TaskThatRanPastItsTimeLimitErrsAsTimedOut) {
  AddWorker("w1");
  const JobId job = Run({T("a")});
  Fail("w1", "a", "timed out after 1 s (timeoutS)", /*timed_out=*/true);
  EXPECT_EQ(TaskErrorKind(job, "a"), v1::ERROR_KIND_TIMED_OUT);
  std::vector<v1::KeyUpdate> keys = KeyUpdates();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].error_kind(), v1::ERROR_KIND_TIMED_OUT);
  absl::StatusOr<v1::TaskLog> log = state_->GetLog("a");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->state(), v1::TASK_STATE_ERRED);
  EXPECT_EQ(log->error_kind(), v1::ERROR_KIND_TIMED_OUT);
}

TEST_F(Jobs, FailureReachesADependentStillWaitingOnOtherInputs) {
  AddWorker("w1", 4);
  const JobId job = Run({T("a"), T("slow"), T("b", {"a", "slow"})});
  Fail("w1", "a", "boom");
  EXPECT_EQ(State("b"), TaskState::kErred);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
  Complete("w1", "slow");  // nobody needs it any more
  EXPECT_EQ(State("slow"), TaskState::kReleased);
  EXPECT_THAT(Released("w1"), ElementsAre("slow"));
}

TEST_F(Jobs, ClientWatchingAFinishedJobGetsItsResults) {
  AddWorker("w1");
  const JobId job = Run({T("x")});
  Complete("w1", "x", 42);
  AddClient(2);
  Watch(job, 2);
  std::vector<v1::KeyUpdate> keys = KeyUpdates(2);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key(), "x");
  EXPECT_THAT(keys[0].who_has(), ElementsAre(Addr("w1")));
  std::vector<v1::JobUpdate> jobs = JobUpdates(2);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state(), v1::JOB_STATE_FINISHED);

  Watch(999, 2);
  jobs = JobUpdates(2);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_THAT(jobs[0].error(), HasSubstr("no job 999"));
}

TEST_F(Jobs, GraphSentInChunksStartsWithTheLastChunk) {
  AddWorker("w1");
  v1::ClientToScheduler first;
  first.mutable_submit()->set_request_id(7);
  *first.mutable_submit()->add_tasks() = T("a");
  first.mutable_submit()->set_name("chunked");
  Send(first);
  EXPECT_THAT(Sent("w1"), IsEmpty());
  EXPECT_TRUE(comm_.to_client[kClient].empty());

  v1::ClientToScheduler last;
  last.mutable_submit()->set_request_id(7);
  *last.mutable_submit()->add_tasks() = T("b", {"a"});
  last.mutable_submit()->set_last(true);
  Send(last);
  ASSERT_EQ(comm_.to_client[kClient].size(), 1u);
  ASSERT_EQ(comm_.to_client[kClient][0].submitted_size(), 1);
  const v1::SubmitResult& result = comm_.to_client[kClient][0].submitted(0);
  EXPECT_EQ(result.request_id(), 7u);
  EXPECT_EQ(result.error(), "");
  absl::StatusOr<v1::JobInfo> info = state_->GetJob(result.job(), false);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->name(), "chunked");
  EXPECT_EQ(info->ntasks(), 2u);
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
}

TEST_F(Jobs, GraphMayUseAKeyAnEarlierJobHolds) {
  AddWorker("w1");
  const JobId first = Run({T("a")});
  Complete("w1", "a");
  const JobId second = Run({T("b", {"a"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a", "b"));
  Release(first);
  EXPECT_THAT(Released("w1"), IsEmpty());  // b still needs it
  EXPECT_EQ(State("a"), TaskState::kMemory);
  Complete("w1", "b");
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
}

TEST_F(Jobs, GraphUsingAReleasedKeyRecomputesIt) {
  AddWorker("w1");
  const JobId first = Run({T("a")});
  Complete("w1", "a");
  Release(first);
  EXPECT_EQ(State("a"), TaskState::kReleased);
  Sent("w1");
  const JobId second = Run({T("b", {"a"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  Complete("w1", "a");
  Complete("w1", "b");
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
}

TEST_F(Jobs, FailedKeySubmittedAgainRunsAgain) {
  AddWorker("w1");
  const JobId first = Run({T("a"), T("b", {"a"})});
  Fail("w1", "a", "boom");
  EXPECT_EQ(JobState(first), v1::JOB_STATE_ERRED);
  Sent("w1");
  const JobId second = Run({T("a"), T("b", {"a"})});
  EXPECT_EQ(State("a"), TaskState::kProcessing);
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  Complete("w1", "a");
  Complete("w1", "b");
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(TaskError(second, "b"), "");
}

TEST_F(Jobs, DuplicateOutputsAreCountedOnce) {
  AddWorker("w1");
  const JobId job = Run({T("a")}, {"a", "a"});
  Complete("w1", "a");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  ASSERT_EQ(JobUpdates().size(), 1u);
  Release(job);
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
}

// ------------------------------------------------------------------------------------ retries

TEST_F(RetriesTest, FailedTaskWithRetriesIsResentAndThenSucceeds) {
  AddWorker("w1");
  const JobId job = Run({Retries(T("a"), 1)});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  Fail("w1", "a", "flaky");
  EXPECT_EQ(State("a"), TaskState::kProcessing);
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  EXPECT_THAT(JobUpdates(), IsEmpty());

  Complete("w1", "a");
  EXPECT_EQ(State("a"), TaskState::kMemory);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(RetriesTest, TaskErrsOnceItsRetriesAreUsedUp) {
  AddWorker("w1");
  const JobId job = Run({Retries(T("a"), 1)});
  Fail("w1", "a", "first");
  EXPECT_THAT(Sent("w1"), ElementsAre("a", "a"));
  Fail("w1", "a", "second");
  EXPECT_THAT(Sent("w1"), IsEmpty());
  EXPECT_EQ(State("a"), TaskState::kErred);
  EXPECT_EQ(TaskError(job, "a"), "second");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
}

// ------------------------------------------------------------------------------------ placement

TEST_F(Placement, PrefersWorkerHoldingLargestDependency) {
  AddWorker("A");
  AddWorker("B");
  const JobId job = Run({T("small"), T("big"), T("c", {"small", "big"})});
  EXPECT_THAT(Sent("A"), ElementsAre("small"));
  EXPECT_THAT(Sent("B"), ElementsAre("big"));
  Complete("A", "small", 1000);
  Complete("B", "big", 1000000000);
  ExpectProcessingOn("B", "c");
  EXPECT_THAT(Sent("B"), ElementsAre("c"));
  EXPECT_THAT(Sent("A"), IsEmpty());
  Complete("B", "c");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Placement, FollowsALargeDependencyEvenToABusierWorker) {
  AddWorker("A");
  AddWorker("B");
  Run({T("big")});
  EXPECT_THAT(Sent("A"), ElementsAre("big"));
  Complete("A", "big", 1000000000);  // 10 s to move at 100 MB/s
  Run({OnlyOn(T("busy"), {"A"})});
  EXPECT_THAT(Sent("A"), ElementsAre("busy"));
  Run({T("c", {"big"})});
  ExpectProcessingOn("A", "c");
}

TEST_F(Placement, EqualDependencyBytesGoToTheLessOccupiedWorker) {
  AddWorker("A");
  AddWorker("B");
  Run({T("d1"), T("d2")});
  EXPECT_THAT(Sent("A"), ElementsAre("d1"));
  EXPECT_THAT(Sent("B"), ElementsAre("d2"));
  Complete("A", "d1", 100);
  Complete("B", "d2", 100);
  Run({OnlyOn(T("busy"), {"A"})});
  ExpectProcessingOn("A", "busy");
  Run({T("c", {"d1", "d2"})});
  ExpectProcessingOn("B", "c");
}

TEST_F(Placement, EqualCostGoesToTheWorkerWithFewerTasks) {
  AddWorker("A");
  AddWorker("B");
  Run({T("s0", {}, "sleep"), T("d")});
  Complete("A", "s0", 8, 1.0);  // sleep: 1 s
  Complete("B", "d", 0, 0.5);   // inc: 0.5 s; no bytes, so no locality
  // A: two inc tasks, 1 s of work; B: one sleep task, 1 s of work.
  Run({OnlyOn(T("i1"), {"A"}), OnlyOn(T("i2"), {"A"}), OnlyOn(T("s1", {}, "sleep"), {"B"})});
  EXPECT_EQ(Processing("A"), 2);
  EXPECT_EQ(Processing("B"), 1);
  Run({T("c", {"d"})});
  ExpectProcessingOn("B", "c");
}

// ------------------------------------------------------------------------------------ queuing

TEST_F(Queuing, RootTasksGoToWorkersOnlyUpToSaturationInSubmissionOrder) {
  AddWorker("w1");
  AddWorker("w2");
  std::vector<v1::Task> tasks;
  std::vector<std::string> expected;
  for (int i = 0; i < 100; ++i) {
    expected.push_back(absl::StrFormat("r%03d", i));
    tasks.push_back(T(expected.back()));
  }
  const JobId job = Run(std::move(tasks));

  std::vector<std::string> dispatched;
  std::map<std::string, std::deque<std::string>> running;
  auto collect = [&] {
    for (const std::string w : {"w1", "w2"}) {
      for (const std::string& key : Sent(w)) {
        dispatched.push_back(key);
        running[w].push_back(key);
      }
      EXPECT_LE(running[w].size(), 2u) << w;
      EXPECT_LE(Processing(w), 2) << w;
    }
  };
  collect();
  EXPECT_THAT(running["w1"], ElementsAre("r000", "r002"));
  EXPECT_THAT(running["w2"], ElementsAre("r001", "r003"));
  EXPECT_EQ(Count(v1::TASK_STATE_QUEUED), 96u);
  EXPECT_EQ(Count(v1::TASK_STATE_PROCESSING), 4u);
  dispatched.clear();  // sent in one pass; from here on, one at a time
  expected.erase(expected.begin(), expected.begin() + 4);

  for (int step = 0; step < 200 && !(running["w1"].empty() && running["w2"].empty()); ++step) {
    for (const std::string w : {"w1", "w2"}) {
      if (running[w].empty()) continue;
      Complete(w, running[w].front());
      running[w].pop_front();
      collect();
    }
  }
  EXPECT_EQ(dispatched, expected);
  EXPECT_EQ(Count(v1::TASK_STATE_MEMORY), 100u);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Queuing, SaturationScalesWithThreads) {
  AddWorker("w1", 4);
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 20; ++i) tasks.push_back(T(absl::StrFormat("r%02d", i)));
  Run(std::move(tasks));
  EXPECT_EQ(Processing("w1"), 5);  // ceil(4 × 1.1)
  EXPECT_EQ(Count(v1::TASK_STATE_QUEUED), 15u);
}

TEST_F(Queuing, VeryShortTasksAreSentAheadToKeepTheWorkerBusy) {
  AddWorker("w1");
  Run({T("warm")});
  Complete("w1", "warm", 8, 0.0001);  // inc takes 100 µs
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 100; ++i) tasks.push_back(T(absl::StrFormat("r%03d", i)));
  Run(std::move(tasks));
  // Enough to cover min_queued_seconds (2 ms) of work, not all 100.
  EXPECT_GE(Processing("w1"), 20);
  EXPECT_LE(Processing("w1"), 21);
}

TEST_F(Queuing, RootsOfOneReductionRunBeforeThoseOfTheNext) {
  AddWorker("w1");
  Run({T("a1"), T("b1"), T("a2"), T("b2"), T("sa", {"a1", "a2"}, "add"),
       T("sb", {"b1", "b2"}, "add")});
  EXPECT_THAT(Sent("w1"), ElementsAre("a1", "a2"));
  Complete("w1", "a1");
  EXPECT_THAT(Sent("w1"), ElementsAre("b1"));
  Complete("w1", "a2");
  EXPECT_THAT(Sent("w1"), ElementsAre("sa"));  // the worker is saturated again: b1 and sa
  Complete("w1", "b1");
  EXPECT_THAT(Sent("w1"), ElementsAre("b2"));
}

TEST_F(Queuing, HigherPriorityRootsGoFirst) {
  AddWorker("w1");
  Run({T("p0"), T("p1"), T("p2"), Priority(T("urgent"), 10)});
  EXPECT_THAT(Sent("w1"), ElementsAre("urgent", "p0"));
}

// ------------------------------------------------------------------------------------ resources

TEST_F(Resources, GpuTasksRunOnlyOnTheGpuWorkerOneAtATime) {
  AddWorker("cpu", 4);
  AddWorker("gpu", 4, {{"GPU", 1}});
  const JobId job =
      Run({Needs(T("g1"), "GPU", 1), Needs(T("g2"), "GPU", 1), Needs(T("g3"), "GPU", 1)});
  EXPECT_THAT(Sent("gpu"), ElementsAre("g1"));
  EXPECT_EQ(State("g2"), TaskState::kQueued);
  EXPECT_EQ(State("g3"), TaskState::kQueued);
  Complete("gpu", "g1");
  EXPECT_THAT(Sent("gpu"), ElementsAre("g2"));
  EXPECT_EQ(Processing("gpu"), 1);
  Complete("gpu", "g2");
  EXPECT_THAT(Sent("gpu"), ElementsAre("g3"));
  EXPECT_EQ(Processing("gpu"), 1);
  Complete("gpu", "g3");
  EXPECT_THAT(Sent("cpu"), IsEmpty());
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Resources, TaskNoConnectedWorkerCanHostFailsAtOnce) {
  AddWorker("gpu1", 1, {{"GPU", 1}});
  const JobId job = Run({Needs(T("big"), "GPU", 5), T("after", {"big"})});
  EXPECT_EQ(State("big"), TaskState::kErred);
  EXPECT_EQ(State("after"), TaskState::kErred);
  EXPECT_THAT(Sent("gpu1"), IsEmpty());
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
  const auto updates = KeyUpdates();
  ASSERT_FALSE(updates.empty());
  EXPECT_THAT(updates.back().error(), HasSubstr("needs GPU=5, the most any worker has is 1"));
  EXPECT_EQ(TaskErrorKind(job, "big"), v1::ERROR_KIND_NO_WORKER_CAN_RUN);
  EXPECT_EQ(TaskErrorKind(job, "after"), v1::ERROR_KIND_DEPENDENCY_FAILED);
}

TEST_F(Resources, TaskSubmittedBeforeAnyWorkerWaitsForOne) {
  const JobId job = Run({Needs(T("big"), "GPU", 5)});
  EXPECT_EQ(State("big"), TaskState::kNoWorker);
  AddWorker("gpu8", 1, {{"GPU", 8}});
  ExpectProcessingOn("gpu8", "big");
  Complete("gpu8", "big");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Resources, DependentTaskNeedingAResourceWaitsForIt) {
  AddWorker("cpu", 4);
  AddWorker("gpu", 1, {{"GPU", 1}});
  Run({Needs(T("g0"), "GPU", 1), T("a"), Needs(T("g1", {"a"}), "GPU", 1)});
  ExpectProcessingOn("gpu", "g0");
  ExpectProcessingOn("cpu", "a");
  Complete("cpu", "a", 1000000000);  // a large value on cpu does not pull g1 there
  EXPECT_EQ(State("g1"), TaskState::kQueued);
  Complete("gpu", "g0");
  ExpectProcessingOn("gpu", "g1");
}

// ------------------------------------------------------------------------------------ restrictions

TEST_F(Restrictions, TaskRunsOnlyOnTheNamedWorker) {
  AddWorker("w1", 4);
  AddWorker("w2", 4);
  const JobId job = Run({OnlyOn(T("a"), {"w2"}), OnlyOn(T("b"), {"w2"})});
  EXPECT_THAT(Sent("w2"), ElementsAre("a", "b"));
  EXPECT_THAT(Sent("w1"), IsEmpty());
  Complete("w2", "a");
  Complete("w2", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Restrictions, TaskForAnAbsentWorkerWaitsUntilItJoins) {
  AddWorker("w1");
  Run({OnlyOn(T("a"), {"w3"})});
  EXPECT_EQ(State("a"), TaskState::kNoWorker);
  AddWorker("w3");
  ExpectProcessingOn("w3", "a");
}

TEST_F(Restrictions, QueuedTasksForADepartedWorkerRunWhenItComesBack) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({OnlyOn(T("a"), {"w2"}), OnlyOn(T("b"), {"w2"}), OnlyOn(T("c"), {"w2"})});
  EXPECT_THAT(Sent("w2"), ElementsAre("a", "b"));
  KillWorker("w2");
  EXPECT_THAT(Sent("w1"), IsEmpty());
  EXPECT_EQ(State("a"), TaskState::kNoWorker);
  AddWorker("w2");
  EXPECT_THAT(Sent("w2"), UnorderedElementsAre("a", "b"));
  Complete("w2", "a");
  EXPECT_THAT(Sent("w2"), ElementsAre("c"));
  Complete("w2", "b");
  Complete("w2", "c");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

// ------------------------------------------------------------------------------------ worker loss

TEST_F(WorkerLoss, ProcessingTaskIsResentToAnotherWorker) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a")});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  KillWorker("w1");
  ExpectProcessingOn("w2", "a");
  EXPECT_THAT(Sent("w2"), ElementsAre("a"));
  Complete("w2", "a");
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w2"));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(state_->Status().workers_size(), 1);
}

TEST_F(WorkerLoss, LostOnlyCopyOfANeededValueIsRecomputed) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("x"), T("b", {"a", "x"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  EXPECT_THAT(Sent("w2"), ElementsAre("x"));
  Complete("w1", "a", 1000);
  KillWorker("w1");
  ExpectProcessingOn("w2", "a");  // recomputed from its lineage
  EXPECT_THAT(Sent("w2"), ElementsAre("a"));
  EXPECT_EQ(State("b"), TaskState::kWaiting);

  Complete("w2", "x", 10);
  EXPECT_EQ(State("b"), TaskState::kWaiting);  // a is not back yet
  Complete("w2", "a", 1000);
  std::vector<v1::ComputeTask> computes = TakeComputes("w2");
  ASSERT_EQ(computes.size(), 1u);
  EXPECT_EQ(KeyOf(computes[0]), "b");
  ASSERT_EQ(computes[0].deps_size(), 2);
  EXPECT_EQ(computes[0].deps(0).key(), "a");
  EXPECT_THAT(computes[0].deps(0).who_has(), ElementsAre(Addr("w2")));
  EXPECT_THAT(computes[0].deps(1).who_has(), ElementsAre(Addr("w2")));

  Complete("w2", "b");
  EXPECT_THAT(Released("w2"), UnorderedElementsAre("a", "x"));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(WorkerLoss, DependentFetchingFromTheLostWorkerRunsAgainOnceTheValueIsBack) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("x"), T("b", {"a", "x"})});
  Complete("w1", "a", 10);
  Complete("w2", "x", 1000);
  ExpectProcessingOn("w2", "b");  // fetching a from w1
  Sent("w2");
  KillWorker("w1");
  ExpectProcessingOn("w2", "a");
  ReportMissing("w2", "b", {"a"});
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  Complete("w2", "a", 10);
  std::vector<v1::ComputeTask> computes = TakeComputes("w2");
  ASSERT_EQ(computes.size(), 2u);
  EXPECT_EQ(KeyOf(computes[0]), "a");
  EXPECT_EQ(KeyOf(computes[1]), "b");
  EXPECT_THAT(computes[1].deps(0).who_has(), ElementsAre(Addr("w2")));
  Complete("w2", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(WorkerLoss, LostOutputIsRecomputedBeforeTheJobFinishes) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("b")});
  Complete("w1", "a");
  KeyUpdates();
  KillWorker("w1");
  ExpectProcessingOn("w2", "a");
  Complete("w2", "b");
  EXPECT_THAT(JobUpdates(), IsEmpty());
  EXPECT_EQ(JobState(job), v1::JOB_STATE_RUNNING);
  Complete("w2", "a");
  std::vector<v1::KeyUpdate> keys = KeyUpdates();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1].key(), "a");
  EXPECT_THAT(keys[1].who_has(), ElementsAre(Addr("w2")));
  std::vector<v1::JobUpdate> jobs = JobUpdates();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state(), v1::JOB_STATE_FINISHED);
}

TEST_F(WorkerLoss, WorkWaitsForANewWorkerWhenAllAreGone) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"})});
  Complete("w1", "a");
  KillWorker("w1");
  EXPECT_EQ(State("a"), TaskState::kQueued);
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  AddWorker("w2");
  Complete("w2", "a");
  Complete("w2", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(WorkerLoss, RecomputingALostValueRecomputesItsReleasedInputs) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("b", {"a"}), T("x"), T("c", {"b", "x"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  EXPECT_THAT(Sent("w2"), ElementsAre("x"));
  Complete("w1", "a", 1000);
  Complete("w1", "b", 1000);
  EXPECT_EQ(State("a"), TaskState::kReleased);
  KillWorker("w1");
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  ExpectProcessingOn("w2", "a");
  Complete("w2", "a", 1000);
  ExpectProcessingOn("w2", "b");
  Complete("w2", "b", 1000);
  EXPECT_EQ(State("a"), TaskState::kReleased);
  EXPECT_EQ(State("c"), TaskState::kWaiting);
  Complete("w2", "x");
  Complete("w2", "c");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

// ------------------------------------------------------------------------------------ missing data

TEST_F(Missing, TaskWhoseDependencyCouldNotBeFetchedIsRescheduled) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("x"), T("b", {"a", "x"})});
  Complete("w1", "a", 10);
  Complete("w2", "x", 1000);
  EXPECT_THAT(Sent("w2"), ElementsAre("x", "b"));
  ReportMissing("w2", "b", {"a"});
  // Sent again, once a is available again.
  for (int i = 0; i < 3 && State("b") != TaskState::kProcessing; ++i) {
    if (State("a") == TaskState::kProcessing) Complete(state_->WorkerOf("a"), "a", 10);
  }
  EXPECT_EQ(State("b"), TaskState::kProcessing);
  EXPECT_THAT(Sent("w2"), testing::Contains("b"));
  Complete(state_->WorkerOf("b"), "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Missing, TaskErrsAfterMaxFetchAttempts) {
  SchedulerOptions options = Plain();
  options.max_fetch_attempts = 3;
  Start(options);
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"})});
  Complete("w1", "a", 10);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    // a may have been recomputed meanwhile.
    for (int i = 0; i < 3 && State("b") != TaskState::kProcessing; ++i) {
      if (State("a") == TaskState::kProcessing) Complete("w1", "a", 10);
    }
    ASSERT_EQ(State("b"), TaskState::kProcessing) << attempt;
    ReportMissing("w1", "b", {"a"});
  }
  EXPECT_EQ(State("b"), TaskState::kErred);
  EXPECT_EQ(TaskError(job, "b"), "could not fetch dependency \"a\" from any worker holding it");
  EXPECT_EQ(TaskErrorKind(job, "b"), v1::ERROR_KIND_FETCH_FAILED);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
}

TEST_F(Missing, ValueItsHolderNoLongerHasIsRecomputed) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("x"), T("b", {"a", "x"})});
  Complete("w1", "a", 10);
  Complete("w2", "x", 1000);
  ExpectProcessingOn("w2", "b");
  Sent("w1");
  Sent("w2");
  // w1 is alive but no longer has a: b cannot get it from anyone.
  ReportMissing("w2", "b", {"a"});
  EXPECT_EQ(State("a"), TaskState::kProcessing);  // recomputed, not fetched from w1 again
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
  Complete(state_->WorkerOf("a"), "a", 10);
  ExpectProcessingOn("w2", "b");
  Complete("w2", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

// ------------------------------------------------------------------------------------ cancel

TEST_F(Cancelling, StopsQueuedAndProcessingTasksAndFreesTheirData) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b"), T("c"), T("d"), T("s", {"a", "b", "c", "d"}, "sum")});
  EXPECT_THAT(Sent("w1"), ElementsAre("a", "b"));
  Complete("w1", "a");
  EXPECT_THAT(Sent("w1"), ElementsAre("c"));
  EXPECT_EQ(State("d"), TaskState::kQueued);

  Cancel(job);
  EXPECT_THAT(Cancelled("w1"), UnorderedElementsAre("b", "c"));
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
  EXPECT_EQ(State("a"), TaskState::kReleased);
  for (const char* key : {"b", "c", "d", "s"}) EXPECT_EQ(State(key), TaskState::kCancelled) << key;
  EXPECT_EQ(Processing("w1"), 0);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_CANCELLED);
  std::vector<v1::JobUpdate> jobs = JobUpdates();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state(), v1::JOB_STATE_CANCELLED);
  std::vector<v1::KeyUpdate> keys = KeyUpdates();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key(), "s");
  EXPECT_EQ(keys[0].state(), v1::KEY_STATE_CANCELLED);
  EXPECT_EQ(keys[0].error_kind(), v1::ERROR_KIND_CANCELLED);

  Flush();
  EXPECT_THAT(Sent("w1"), IsEmpty());
}

TEST_F(Cancelling, LateResultOfACancelledTaskIsReleasedOnTheWorker) {
  AddWorker("w1");
  const JobId job = Run({T("a")});
  Cancel(job);
  EXPECT_THAT(Cancelled("w1"), ElementsAre("a"));
  v1::TaskDone done;
  done.set_key("a");
  done.set_nbytes(8);
  Report("w1", done);
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
  EXPECT_EQ(State("a"), TaskState::kCancelled);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_CANCELLED);
}

TEST_F(Cancelling, TaskSharedWithAnotherRunningJobKeepsRunning) {
  AddWorker("w1");
  const JobId first = Run({T("x"), T("y", {"x"})});
  const JobId second = Run({T("x"), T("z", {"x"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("x"));
  Cancel(first);
  EXPECT_THAT(Cancelled("w1"), IsEmpty());
  EXPECT_EQ(State("x"), TaskState::kProcessing);
  EXPECT_EQ(State("y"), TaskState::kCancelled);
  EXPECT_EQ(JobState(first), v1::JOB_STATE_CANCELLED);

  Complete("w1", "x");
  EXPECT_THAT(Sent("w1"), ElementsAre("z"));
  Complete("w1", "z");
  EXPECT_THAT(Released("w1"), ElementsAre("x"));
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
}

// ------------------------------------------------------------------------------------ clients

TEST_F(Clients, DisconnectCancelsRunningJobsAndReleasesFinishedOnes) {
  AddWorker("w1", 4);
  AddClient(2);
  const JobId done = Run({T("d")}, {}, 2);
  Complete("w1", "d");
  const JobId running = Run({T("r")}, {}, 2);
  const JobId others = Run({T("o")});  // another client's job
  EXPECT_THAT(Sent("w1"), ElementsAre("d", "r", "o"));

  state_->RemoveClient(2);
  Flush();
  EXPECT_THAT(Cancelled("w1"), ElementsAre("r"));
  EXPECT_THAT(Released("w1"), ElementsAre("d"));
  EXPECT_EQ(JobState(running), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(JobState(done), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(State("d"), TaskState::kReleased);
  EXPECT_EQ(State("r"), TaskState::kCancelled);
  EXPECT_EQ(State("o"), TaskState::kProcessing);
  EXPECT_EQ(JobState(others), v1::JOB_STATE_RUNNING);
}

TEST_F(Clients, KeepJobSurvivesItsClientsDisconnect) {
  AddWorker("w1", 4);
  AddClient(2);
  const JobId kept = Run({T("k")}, {}, 2, /*keep=*/true);
  Complete("w1", "k");
  const JobId kept_running = Run({T("r")}, {}, 2, /*keep=*/true);
  state_->RemoveClient(2);
  Flush();
  EXPECT_THAT(Cancelled("w1"), IsEmpty());
  EXPECT_THAT(Released("w1"), IsEmpty());
  EXPECT_EQ(State("k"), TaskState::kMemory);
  Complete("w1", "r");
  EXPECT_EQ(JobState(kept_running), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(State("r"), TaskState::kMemory);

  Release(kept);  // from another client
  EXPECT_THAT(Released("w1"), ElementsAre("k"));
}

// ------------------------------------------------------------------------------------ dedup

TEST_F(Dedup, KeyInMemoryIsReusedWithoutComputingAnything) {
  AddWorker("w1");
  Run({T("a"), T("b", {"a"})});
  Complete("w1", "a");
  Complete("w1", "b");
  Sent("w1");
  KeyUpdates();
  JobUpdates();

  const JobId again = Run({T("a"), T("b", {"a"})});
  EXPECT_THAT(Sent("w1"), IsEmpty());
  EXPECT_EQ(State("a"), TaskState::kReleased);
  std::vector<v1::KeyUpdate> keys = KeyUpdates();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].job(), again);
  EXPECT_EQ(keys[0].key(), "b");
  EXPECT_THAT(keys[0].who_has(), ElementsAre(Addr("w1")));
  std::vector<v1::JobUpdate> jobs = JobUpdates();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].job(), again);
  EXPECT_EQ(jobs[0].state(), v1::JOB_STATE_FINISHED);
}

TEST_F(Dedup, ResubmittingAfterReleaseRecomputes) {
  AddWorker("w1");
  const JobId first = Run({T("a"), T("b", {"a"})});
  Complete("w1", "a");
  Complete("w1", "b");
  Sent("w1");
  Release(first);
  EXPECT_EQ(State("b"), TaskState::kReleased);

  const JobId again = Run({T("a"), T("b", {"a"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  Complete("w1", "a");
  EXPECT_THAT(Sent("w1"), ElementsAre("b"));
  Complete("w1", "b");
  EXPECT_EQ(JobState(again), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(JobState(first), v1::JOB_STATE_FINISHED);
}

TEST_F(Dedup, RunningKeyIsSharedNotRunTwice) {
  AddWorker("w1");
  AddClient(2);
  const JobId first = Run({T("a")});
  const JobId second = Run({T("a")}, {}, 2);
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  Complete("w1", "a");
  EXPECT_EQ(JobState(first), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
  ASSERT_EQ(KeyUpdates(2).size(), 1u);
  ASSERT_EQ(JobUpdates(2).size(), 1u);
  Release(first);
  EXPECT_THAT(Released("w1"), IsEmpty());  // the second job still holds it
  Release(second, 2);
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
}

// ------------------------------------------------------------------------------------ durations

TEST_F(Durations, ExpectedDurationMovesTowardMeasuredTimes) {
  AddWorker("w1");
  EXPECT_DOUBLE_EQ(state_->ExpectedDuration("inc"), 0.5);  // never seen: the default
  Run({T("a")});
  Complete("w1", "a", 8, 0.1);
  EXPECT_NEAR(state_->ExpectedDuration("inc"), 0.1, 1e-9);
  Run({T("b")});
  Complete("w1", "b", 8, 0.3);
  const double after_two = state_->ExpectedDuration("inc");
  EXPECT_GT(after_two, 0.1);
  EXPECT_LT(after_two, 0.3);
  for (int i = 0; i < 20; ++i) {
    const std::string key = absl::StrFormat("c%d", i);
    Run({T(key)});
    Complete("w1", key, 8, 0.3);
  }
  EXPECT_NEAR(state_->ExpectedDuration("inc"), 0.3, 1e-3);
  EXPECT_DOUBLE_EQ(state_->ExpectedDuration("add"), 0.5);  // other ops are unaffected
}

// ------------------------------------------------------------------------------------ history

TEST_F(History, JobRecordOutlivesItsRelease) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"})});
  Complete("w1", "a");
  Complete("w1", "b");
  Release(job);
  absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, true);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->state(), v1::JOB_STATE_FINISHED);
  ASSERT_EQ(info->tasks_size(), 2);
  EXPECT_EQ(info->tasks(0).key(), "a");
  EXPECT_EQ(info->tasks(0).worker(), "w1");
  EXPECT_THAT(info->task_states(), ElementsAre(Counted(v1::TASK_STATE_FINISHED, 2)));
}

TEST_F(History, OldestReleasedJobIsDroppedBeyondTheHistoryLimit) {
  SchedulerOptions options = Plain();
  options.job_history = 1;
  Start(options);
  AddWorker("w1");
  const JobId first = Run({T("a1"), T("b1", {"a1"})});
  Complete("w1", "a1");
  Complete("w1", "b1");
  Release(first);
  EXPECT_TRUE(state_->GetJob(first, false).ok());
  EXPECT_EQ(state_->TaskCount(), 2u);

  const JobId unreleased = Run({T("u")});
  Complete("w1", "u");
  const JobId second = Run({T("a2")});
  Complete("w1", "a2");
  EXPECT_EQ(state_->TaskCount(), 4u);
  Release(second);
  EXPECT_EQ(state_->GetJob(first, false).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(State("a1"), TaskState::kForgotten);
  EXPECT_EQ(State("b1"), TaskState::kForgotten);
  EXPECT_EQ(state_->TaskCount(), 2u);
  EXPECT_TRUE(state_->GetJob(second, false).ok());
  EXPECT_TRUE(state_->GetJob(unreleased, false).ok());  // still holds its output
  EXPECT_EQ(State("u"), TaskState::kMemory);

  // A forgotten key can be submitted again.
  const JobId third = Run({T("a1")});
  Complete("w1", "a1");
  EXPECT_EQ(JobState(third), v1::JOB_STATE_FINISHED);
}

// ------------------------------------------------------------------------------------ status

TEST_F(SchedulerTest, StatusCountsTasksPerStateAndWorkerLoad) {
  AddWorker("w1", 1, {{"GPU", 2}});
  Run({T("a"), T("b"), T("c"), T("s", {"a", "b", "c"}, "sum")});
  const v1::StatusReply status = state_->Status();
  ASSERT_EQ(status.workers_size(), 1);
  EXPECT_EQ(status.workers(0).name(), "w1");
  EXPECT_EQ(status.workers(0).address(), Addr("w1"));
  EXPECT_EQ(status.workers(0).processing(), 2);
  EXPECT_EQ(status.workers(0).state(), v1::WORKER_STATE_RUNNING);
  EXPECT_EQ(status.workers(0).resources().at("GPU"), 2);
  EXPECT_THAT(status.tasks(),
              ElementsAre(Counted(v1::TASK_STATE_WAITING, 1), Counted(v1::TASK_STATE_QUEUED, 1),
                          Counted(v1::TASK_STATE_PROCESSING, 2)));
  EXPECT_EQ(status.jobs(), 1u);
}

// What /metrics shows: runs finished and tasks failed per op, run times, jobs by state and when
// each worker joined (scheduler_snapshot.cc).
TEST_F(SchedulerTest, SnapshotCountsRunsAndFailuresByOp) {
  const double joined = UnixSeconds(clock_.Now());
  AddWorker("w1", 2);
  const JobId job = Run({T("a"), T("b"), T("s", {"a", "b"}, "sum")}, {"s"});
  Complete("w1", "a", 8, 0.25);
  Fail("w1", "b", "boom");  // s fails with it
  const DashboardSnapshot snapshot = state_->Snapshot();
  std::map<std::string, OpMetrics> ops(snapshot.ops.begin(), snapshot.ops.end());
  ASSERT_TRUE(ops.contains("inc") && ops.contains("sum"));
  EXPECT_EQ(ops.at("inc").finished, 1u);
  EXPECT_EQ(ops.at("inc").failed, 1u);
  EXPECT_EQ(ops.at("inc").duration.count(), 1u);
  EXPECT_DOUBLE_EQ(ops.at("inc").duration.sum(), 0.25);
  EXPECT_EQ(ops.at("sum").finished, 0u);
  EXPECT_EQ(ops.at("sum").failed, 1u) << "a dependency's failure counts for its op";
  EXPECT_EQ(ops.at("sum").duration.count(), 0u);
  EXPECT_THAT(snapshot.jobs, Contains(std::pair(v1::JOB_STATE_ERRED, uint64_t{1})));
  EXPECT_THAT(snapshot.jobs, Contains(std::pair(v1::JOB_STATE_RUNNING, uint64_t{0})));
  ASSERT_EQ(snapshot.status.workers_size(), 1);
  EXPECT_DOUBLE_EQ(snapshot.status.workers(0).joined(), joined);
  EXPECT_THAT(snapshot.status.tasks(), Contains(Counted(v1::TASK_STATE_ERRED, 2)));

  // Counters only grow: releasing the job forgets its tasks, not what they did.
  v1::ClientToScheduler release;
  release.add_release_jobs(job);
  Send(release);
  Flush();
  const DashboardSnapshot later = state_->Snapshot();
  std::map<std::string, OpMetrics> after(later.ops.begin(), later.ops.end());
  EXPECT_EQ(after.at("inc").finished, 1u);
  EXPECT_EQ(after.at("sum").failed, 1u);
}

TEST_F(SchedulerTest, HeartbeatUpdatesTheWorkersReportedLoad) {
  AddWorker("w1");
  v1::WorkerToScheduler message;
  message.mutable_heartbeat()->set_memory(12345);
  message.mutable_heartbeat()->set_executing(1);
  state_->HandleWorkerMessage(1, message);
  const v1::StatusReply status = state_->Status();
  ASSERT_EQ(status.workers_size(), 1);
  EXPECT_EQ(status.workers(0).memory(), 12345u);
  EXPECT_EQ(status.workers(0).running(), 1);
}

TEST_F(SchedulerTest, WhoHasReportsStateLocationAndError) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a"), T("b")});
  Complete("w1", "a", 77);
  Fail("w2", "b", "boom");
  v1::WhoHasRequest request;
  request.add_keys("a");
  request.add_keys("b");
  request.add_keys("zzz");
  const v1::WhoHasReply reply = state_->WhoHas(request);
  ASSERT_EQ(reply.keys_size(), 3);
  EXPECT_EQ(reply.keys(0).state(), v1::TASK_STATE_MEMORY);
  EXPECT_EQ(reply.keys(0).nbytes(), 77u);
  EXPECT_THAT(reply.keys(0).who_has(), ElementsAre(Addr("w1")));
  EXPECT_EQ(reply.keys(1).state(), v1::TASK_STATE_ERRED);
  EXPECT_EQ(reply.keys(1).error(), "boom");
  EXPECT_EQ(reply.keys(1).error_kind(), v1::ERROR_KIND_TASK_FAILED);
  EXPECT_EQ(reply.keys(2).state(), v1::TASK_STATE_UNSPECIFIED);
}

TEST_F(SchedulerTest, ShutdownTellsEveryWorkerToExit) {
  const WorkerId w1 = AddWorker("w1");
  const WorkerId w2 = AddWorker("w2");
  state_->Shutdown();
  Flush();
  EXPECT_TRUE(comm_.to_worker[w1].back().shutdown());
  EXPECT_TRUE(comm_.to_worker[w2].back().shutdown());
}

// ------------------------------------------------------------------------------------ stealing

class Stealing : public SchedulerTest {
 protected:
  // Steal requests sent to `worker` so far.
  std::vector<std::string> StealRequests(const std::string& worker) {
    std::vector<std::string> keys;
    for (const v1::SchedulerToWorker& batch : comm_.to_worker[IdOf(worker)]) {
      keys.insert(keys.end(), batch.steal().begin(), batch.steal().end());
    }
    return keys;
  }

  void AnswerSteal(const std::string& victim, const std::string& key, bool ok) {
    v1::WorkerToScheduler message;
    v1::StealResponse* response = message.add_stolen();
    response->set_key(key);
    response->set_ok(ok);
    state_->HandleWorkerMessage(IdOf(victim), message);
    Flush();
  }

  // w1 holds r and every task depending on it when w2 joins idle.
  void Backlog() {
    AddWorker("w1");
    std::vector<v1::Task> tasks = {T("r")};
    for (int i = 0; i < 5; ++i) tasks.push_back(T("d" + std::to_string(i), {"r"}));
    Run(tasks);
    Complete("w1", "r");
    for (int i = 0; i < 5; ++i) ExpectProcessingOn("w1", "d" + std::to_string(i));
    AddWorker("w2");
  }
};

TEST_F(Stealing, IdleWorkerAsksForTheTaskThatWouldRunLast) {
  Backlog();
  EXPECT_THAT(StealRequests("w1"), ElementsAre("d4"));
  ExpectProcessingOn("w1", "d4");  // nothing moves before the victim confirms
  AnswerSteal("w1", "d4", /*ok=*/true);
  ExpectProcessingOn("w2", "d4");
  std::vector<v1::ComputeTask> sent = TakeComputes("w2");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(KeyOf(sent[0]), "d4");
  ASSERT_EQ(sent[0].deps_size(), 1);
  EXPECT_THAT(sent[0].deps(0).who_has(), ElementsAre(Addr("w1")));  // fetched from the holder
}

TEST_F(Stealing, TaskAlreadyStartedStaysWithItsWorker) {
  Backlog();
  AnswerSteal("w1", "d4", /*ok=*/false);
  ExpectProcessingOn("w1", "d4");
  EXPECT_THAT(Sent("w2"), IsEmpty());
  Complete("w1", "d4");
  EXPECT_EQ(State("d4"), TaskState::kMemory);
}

TEST_F(Stealing, ARefusedTaskIsNotAskedForAgainWhileItRunsThere) {
  Backlog();
  AnswerSteal("w1", "d4", /*ok=*/false);
  // The next request is for another task, never for the one that had started.
  EXPECT_THAT(StealRequests("w1"), ElementsAre("d4", "d3"));
  AnswerSteal("w1", "d3", /*ok=*/false);
  AnswerSteal("w1", "d2", /*ok=*/false);
  EXPECT_THAT(StealRequests("w1"), ElementsAre("d4", "d3", "d2", "d1"));
}

TEST_F(Stealing, VictimFinishingTheTaskFirstWins) {
  Backlog();
  Complete("w1", "d4");
  AnswerSteal("w1", "d4", /*ok=*/false);
  EXPECT_EQ(State("d4"), TaskState::kMemory);
  EXPECT_THAT(state_->WhoHasKey("d4"), ElementsAre("w1"));
}

TEST_F(Stealing, NoStealWhenMovingTheInputsCostsMoreThanRunning) {
  AddWorker("w1");
  std::vector<v1::Task> tasks = {T("r")};
  for (int i = 0; i < 3; ++i) tasks.push_back(T("d" + std::to_string(i), {"r"}));
  Run(tasks);
  Complete("w1", "r", /*nbytes=*/1'000'000'000);  // 10 s to move at 100 MB/s; tasks take 0.5 s
  AddWorker("w2");
  EXPECT_THAT(StealRequests("w1"), IsEmpty());
}

TEST_F(Stealing, StolenRestrictedTaskOnlyGoesWhereItMayRun) {
  AddWorker("w1");
  Run({T("r"), OnlyOn(T("a", {"r"}), {"w1"}), OnlyOn(T("b", {"r"}), {"w1"})});
  Complete("w1", "r");
  AddWorker("w2");
  EXPECT_THAT(StealRequests("w1"), IsEmpty());
}

// ------------------------------------------------------------------------------------ speculation

// ------------------------------------------------------------------------------------ memory

// Workers short of memory (WorkerHeartbeat.paused): no new work while another worker can take it,
// no stealing or sending ahead to them, and work again once every capable worker is paused.
class Memory : public Stealing {
 protected:
  void Heartbeat(const std::string& worker, bool paused) {
    v1::WorkerToScheduler message;
    v1::WorkerHeartbeat* hb = message.mutable_heartbeat();
    hb->set_paused(paused);
    hb->set_memory(1000);
    hb->set_managed(1000);
    hb->set_spilled(500);
    hb->set_spilled_total(700);
    hb->set_resident(9000);
    state_->HandleWorkerMessage(IdOf(worker), message);
    Flush();
  }
};

TEST_F(Memory, APausedWorkerGetsNoNewTasksWhileAnotherCanTakeThem) {
  AddWorker("A");
  AddWorker("B");
  Heartbeat("A", /*paused=*/true);
  const JobId job = Run({T("r0"), T("r1"), T("r2"), T("r3")});
  EXPECT_THAT(Sent("A"), IsEmpty());
  EXPECT_THAT(Sent("B"), ElementsAre("r0", "r1"));  // up to B's saturation; the rest queue
  EXPECT_EQ(Count(v1::TASK_STATE_QUEUED), 2u);
  Complete("B", "r0");
  EXPECT_THAT(Sent("B"), ElementsAre("r2"));
  EXPECT_THAT(Sent("A"), IsEmpty());
  // Running again: the queue reaches it at once.
  Heartbeat("A", /*paused=*/false);
  EXPECT_THAT(Sent("A"), ElementsAre("r3"));
  Complete("B", "r1");
  Complete("B", "r2");
  Complete("A", "r3");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Memory, ADependentAvoidsAPausedWorkerHoldingItsInput) {
  AddWorker("A");
  AddWorker("B");
  Run({OnlyOn(T("big"), {"A"})});
  Complete("A", "big", 1000000000);  // 10 s to move: A would be chosen by far
  Heartbeat("A", /*paused=*/true);
  Run({T("c", {"big"})});
  ExpectProcessingOn("B", "c");
}

TEST_F(Memory, WhenEveryWorkerIsPausedWorkStillGoesOut) {
  AddWorker("A");
  AddWorker("B");
  Heartbeat("A", /*paused=*/true);
  Heartbeat("B", /*paused=*/true);
  const JobId job = Run({T("r0"), T("r1"), T("r2", {"r0", "r1"})});
  EXPECT_EQ(Processing("A") + Processing("B"), 2);
  for (const std::string w : {"A", "B"}) {
    for (const std::string& key : Sent(w)) Complete(w, key);
  }
  EXPECT_EQ(State("r2"), TaskState::kProcessing);
  Complete(state_->WorkerOf("r2"), "r2");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Memory, NothingIsStolenForAPausedWorker) {
  AddWorker("w1");
  AddWorker("w2");
  Heartbeat("w2", /*paused=*/true);
  std::vector<v1::Task> tasks = {T("r")};
  for (int i = 0; i < 5; ++i) tasks.push_back(T("d" + std::to_string(i), {"r"}));
  Run(tasks);
  Complete("w1", "r");
  for (int i = 0; i < 5; ++i) ExpectProcessingOn("w1", "d" + std::to_string(i));
  EXPECT_THAT(StealRequests("w1"), IsEmpty());
  Heartbeat("w2", /*paused=*/false);
  EXPECT_THAT(StealRequests("w1"), ElementsAre("d4"));
}

TEST_F(Memory, StatusShowsPausedWorkersAndTheirMemory) {
  AddWorker("A");
  Heartbeat("A", /*paused=*/true);
  v1::StatusReply status = state_->Status();
  ASSERT_EQ(status.workers_size(), 1);
  EXPECT_EQ(status.workers(0).state(), v1::WORKER_STATE_PAUSED);
  EXPECT_TRUE(status.workers(0).paused());
  EXPECT_EQ(status.workers(0).managed(), 1000u);
  EXPECT_EQ(status.workers(0).spilled(), 500u);
  EXPECT_EQ(status.workers(0).spilled_total(), 700u);
  EXPECT_EQ(status.workers(0).resident(), 9000u);
  Heartbeat("A", /*paused=*/false);
  status = state_->Status();
  EXPECT_EQ(status.workers(0).state(), v1::WORKER_STATE_RUNNING);
  EXPECT_FALSE(status.workers(0).paused());
}

TEST_F(Memory, ATaskFailedForMemoryErrsAsOutOfMemory) {
  AddWorker("A");
  const JobId job = Run({T("x")});
  ExpectProcessingOn("A", "x");
  v1::TaskDone done;
  done.set_key(DataKey("x"));
  done.set_error("out of memory: worker A failed this task");
  done.set_out_of_memory(true);
  Report("A", std::move(done));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
  EXPECT_EQ(TaskErrorKind(job, "x"), v1::ERROR_KIND_OUT_OF_MEMORY);
  EXPECT_THAT(TaskError(job, "x"), HasSubstr("out of memory"));
}

class Speculation : public Stealing {
 protected:
  Speculation() {
    SchedulerOptions options;  // default: sending ahead up to 3 links
    Start(options);
  }

  bool PendingHere(const v1::ComputeTask& compute, const std::string& dep) {
    for (const v1::Dependency& d : compute.deps()) {
      if (d.key() == dep) return d.pending_here();
    }
    return false;
  }
};

TEST_F(Speculation, ChainIsSentAheadToTheWorkerComputingItsInput) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"}), T("c", {"b"}), T("d", {"c"}), T("e", {"d"})});
  std::vector<v1::ComputeTask> sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 4u);  // a, then b, c, d ahead of their inputs; e waits
  EXPECT_EQ(KeyOf(sent[1]), "b");
  EXPECT_TRUE(PendingHere(sent[1], "a"));
  EXPECT_TRUE(sent[1].deps(0).who_has().empty());
  EXPECT_EQ(State("e"), TaskState::kWaiting);
  Complete("w1", "a");  // the window slides: e is sent ahead now
  EXPECT_THAT(Sent("w1"), ElementsAre("e"));
  Complete("w1", "b");
  Complete("w1", "c");
  Complete("w1", "d");
  Complete("w1", "e");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Speculation, TaskWithInputsElsewhereIsNotSentAhead) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a"), T("b"), T("c", {"a", "b"})});
  EXPECT_EQ(State("c"), TaskState::kWaiting);  // two inputs still missing
}

TEST_F(Speculation, FailedInputCancelsTheTaskSentAhead) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"})});
  Fail("w1", "a", "boom");
  EXPECT_EQ(State("b"), TaskState::kErred);
  EXPECT_THAT(Cancelled("w1"), ElementsAre("b"));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
  EXPECT_EQ(Processing("w1"), 0);
}

TEST_F(Speculation, RetryElsewhereTakesBackTheTaskSentAhead) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({Retries(T("a"), 1), T("b", {"a"})});
  const std::string first = state_->WorkerOf("a");
  const std::string other = first == "w1" ? "w2" : "w1";
  ExpectProcessingOn(first, "b");
  Fail(first, "a", "flaky");
  EXPECT_THAT(Cancelled(first), ElementsAre("b"));
  ExpectProcessingOn(other, "a");
  ExpectProcessingOn(other, "b");  // sent ahead again, to where a runs now
  Complete(other, "a");
  Complete(other, "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Speculation, WorkerLossPlacesTheChainAgain) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"})});
  AddWorker("w2");
  KillWorker("w1");
  ExpectProcessingOn("w2", "a");
  ExpectProcessingOn("w2", "b");
  Complete("w2", "a");
  Complete("w2", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Speculation, TaskSentAheadIsNeverStolen) {
  AddWorker("w1");
  Run({T("a"), T("b", {"a"}), T("c", {"b"})});
  AddWorker("w2");
  EXPECT_THAT(StealRequests("w1"), IsEmpty());
}

// ------------------------------------------------------------------------------------ task records

TEST_F(Lifecycle, LongKeysAndLargeSpecsReachTheWorkerIntact) {
  AddWorker("w1");
  const std::string a = "a-" + std::string(200, 'k');  // well past the inline key-and-spec buffer
  const std::string b = "b-" + std::string(30, 'k');
  v1::Task first = T(a);
  first.mutable_args(0)->set_str(std::string(1000, 's'));
  Run({first, T(b, {a})});
  std::vector<v1::ComputeTask> sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(KeyOf(sent[0]), a);
  v1::Task spec;
  ASSERT_TRUE(spec.ParseFromString(sent[0].spec()));
  EXPECT_EQ(spec.args(0).str(), std::string(1000, 's'));

  Complete("w1", a);
  sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(KeyOf(sent[0]), b);
  ASSERT_EQ(sent[0].deps_size(), 1);
  EXPECT_EQ(sent[0].deps(0).key(), a);
  Complete("w1", b);
  EXPECT_THAT(Released("w1"), ElementsAre(a));
}

TEST_F(Jobs, KeySubmittedAgainRunsWithItsNewSpec) {
  AddWorker("w1");
  const std::string key = "k-" + std::string(40, 'k');
  v1::Task old_spec = T(key);
  old_spec.mutable_args(0)->set_int_(1);
  Run({old_spec});
  Fail("w1", key, "boom");
  Sent("w1");
  v1::Task new_spec = T(key);
  new_spec.mutable_args(0)->set_str("second");
  Run({new_spec});
  std::vector<v1::ComputeTask> sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 1u);
  // The failed task's record stays for its job, so the new definition is a task of its own,
  // stored under a data key of its own.
  EXPECT_NE(DataKey(key), key);
  EXPECT_EQ(KeyOf(sent[0]), DataKey(key));
  v1::Task spec;
  ASSERT_TRUE(spec.ParseFromString(sent[0].spec()));
  EXPECT_EQ(spec.args(0).str(), "second");
}

TEST_F(History, RecordsOfForgottenKeysAreReusedAndKeysStillFindTheirTasks) {
  SchedulerOptions options = Plain();
  options.job_history = 0;
  Start(options);
  AddWorker("w1", /*nthreads=*/1000);
  std::vector<v1::Task> first;
  for (int i = 0; i < 100; ++i) first.push_back(T(absl::StrFormat("x%d", i)));
  const JobId old_job = Run(first);
  for (int i = 0; i < 100; ++i) Complete("w1", absl::StrFormat("x%d", i));
  Release(old_job);
  EXPECT_EQ(state_->TaskCount(), 0u);

  std::vector<v1::Task> second;
  for (int i = 0; i < 120; ++i) second.push_back(T(absl::StrFormat("y%d", i)));
  const JobId job = Run(second);
  EXPECT_EQ(state_->TaskCount(), 120u);
  EXPECT_EQ(State("x7"), TaskState::kForgotten);
  for (int i = 0; i < 120; ++i) Complete("w1", absl::StrFormat("y%d", i));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(State("y119"), TaskState::kMemory);
}

// ------------------------------------------------------------------------------------ containers

TEST(CompactVectorTest, KeepsTwoIdsInlineThenMovesToTheHeap) {
  static_assert(sizeof(CompactVector<uint32_t>) == 16);
  CompactVector<uint32_t> v;
  EXPECT_TRUE(v.empty());
  v.push_back(1);
  v.push_back(2);
  EXPECT_EQ(v.capacity(), 2u);
  EXPECT_GE(v.data(), reinterpret_cast<uint32_t*>(&v));  // inside the object
  EXPECT_LT(v.data(), reinterpret_cast<uint32_t*>(&v + 1));
  for (uint32_t i = 3; i <= 100; ++i) v.push_back(i);
  ASSERT_EQ(v.size(), 100u);
  EXPECT_GE(v.capacity(), 100u);
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(v[i], i + 1);
  EXPECT_EQ(v.back(), 100u);
}

TEST(CompactVectorTest, ErasesPopsAssignsAndClears) {
  CompactVector<uint32_t> v;
  for (uint32_t i : {5, 1, 5, 2, 5}) v.push_back(i);
  v.erase(std::remove(v.begin(), v.end(), 5u), v.end());
  EXPECT_THAT(v, ElementsAre(1u, 2u));
  v.pop_back();
  EXPECT_THAT(v, ElementsAre(1u));
  EXPECT_NE(std::find(v.begin(), v.end(), 1u), v.end());
  v.assign(3, 9);
  EXPECT_THAT(v, ElementsAre(9u, 9u, 9u));
  const uint32_t capacity = v.capacity();
  v.clear();
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), capacity);
  v.assign(1, 4);
  EXPECT_THAT(v, ElementsAre(4u));
}

TEST(CompactVectorTest, CopiesAndMovesInlineAndHeapContents) {
  for (uint32_t n : {1u, 2u, 3u, 50u}) {
    CompactVector<uint32_t> v;
    for (uint32_t i = 0; i < n; ++i) v.push_back(i * 7);
    CompactVector<uint32_t> copy = v;
    CompactVector<uint32_t> moved = std::move(v);
    EXPECT_TRUE(v.empty()) << n;  // NOLINT(bugprone-use-after-move): moved-from is empty
    v.push_back(42);              // and usable
    EXPECT_THAT(v, ElementsAre(42u));
    ASSERT_EQ(copy.size(), n);
    ASSERT_EQ(moved.size(), n);
    for (uint32_t i = 0; i < n; ++i) {
      EXPECT_EQ(copy[i], i * 7);
      EXPECT_EQ(moved[i], i * 7);
    }
    CompactVector<uint32_t> assigned;
    assigned.push_back(1);
    assigned = copy;
    EXPECT_EQ(assigned.size(), n);
    assigned = std::move(moved);
    EXPECT_EQ(assigned.size(), n);
    EXPECT_EQ(assigned.back(), (n - 1) * 7);
  }
}

TEST(KeyAndSpecTest, ShortPairsLiveInsideTheObject) {
  static_assert(sizeof(KeyAndSpec) == 32);
  KeyAndSpec empty;
  EXPECT_EQ(empty.key(), "");
  EXPECT_EQ(empty.spec(), "");
  KeyAndSpec ks("inc-12345", "0123456789abcde");  // 24 bytes together
  EXPECT_EQ(ks.key(), "inc-12345");
  EXPECT_EQ(ks.spec(), "0123456789abcde");
  EXPECT_GE(ks.key().data(), reinterpret_cast<const char*>(&ks));
  EXPECT_LT(ks.key().data(), reinterpret_cast<const char*>(&ks + 1));
}

TEST(KeyAndSpecTest, SetSpecKeepsTheKeyWhateverTheSizes) {
  const std::string long_key(100, 'k');
  const std::string long_spec(5000, 's');
  for (const std::string& key : {std::string("k"), long_key}) {
    KeyAndSpec ks(key, "");
    EXPECT_EQ(ks.key(), key);
    EXPECT_EQ(ks.spec(), "");
    ks.set_spec(long_spec);
    EXPECT_EQ(ks.key(), key);
    EXPECT_EQ(ks.spec(), long_spec);
    ks.set_spec("x");
    EXPECT_EQ(ks.key(), key);
    EXPECT_EQ(ks.spec(), "x");
  }
}

TEST(KeyAndSpecTest, CopiesAndMoves) {
  for (const std::string& spec : {std::string("short"), std::string(300, 's')}) {
    KeyAndSpec ks("key", spec);
    KeyAndSpec copy = ks;
    KeyAndSpec moved = std::move(ks);
    EXPECT_EQ(ks.key(), "");  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(copy.key(), "key");
    EXPECT_EQ(copy.spec(), spec);
    EXPECT_EQ(moved.key(), "key");
    EXPECT_EQ(moved.spec(), spec);
    KeyAndSpec assigned("other", std::string(100, 'o'));
    assigned = copy;
    EXPECT_EQ(assigned.spec(), spec);
    assigned = KeyAndSpec("third", "t");
    EXPECT_EQ(assigned.key(), "third");
    EXPECT_EQ(assigned.spec(), "t");
  }
}

TEST_F(Lifecycle, StatusCountsTasksReleasedAfterRunningAsFinished) {
  AddWorker("w1");
  Run({T("a"), T("b", {"a"}), T("c", {"b"})});
  Complete("w1", "a");
  Complete("w1", "b");  // frees a
  EXPECT_EQ(Count(v1::TASK_STATE_FINISHED), 1u);
  EXPECT_EQ(Count(v1::TASK_STATE_RELEASED), 0u);
  EXPECT_EQ(Count(v1::TASK_STATE_MEMORY), 1u);
  EXPECT_EQ(Count(v1::TASK_STATE_PROCESSING), 1u);
  Complete("w1", "c");
  EXPECT_EQ(Count(v1::TASK_STATE_FINISHED), 2u);
}

// ---- a key's identity is its key and its definition

v1::Task Sleep(const std::string& key, double seconds, int value) {
  v1::Task task;
  task.set_key(key);
  task.set_op("sleep");
  task.add_args()->set_float_(seconds);
  task.add_args()->set_int_(value);
  return task;
}

TEST_F(Keys, AnotherDefinitionOfALiveKeyIsATaskOfItsOwn) {
  AddWorker("w1", /*nthreads=*/2);
  const JobId first = Run({Sleep("shared", 2, 1)});
  ASSERT_THAT(Sent("w1"), ElementsAre("shared"));
  const JobId second = Run({Sleep("shared", 0.1, 999)});
  std::vector<v1::ComputeTask> sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 1u) << "the second definition is computed, not shared";
  const std::string data_key = KeyOf(sent[0]);
  EXPECT_NE(data_key, "shared");
  EXPECT_EQ(data_key, DataKey("shared")) << "by name, the newest job's task";
  v1::Task spec;
  ASSERT_TRUE(spec.ParseFromString(sent[0].spec()));
  EXPECT_EQ(spec.args(1).int_(), 999);

  Complete("w1", "shared");  // the newest: the second job's
  std::vector<v1::KeyUpdate> updates = KeyUpdates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].job(), second);
  EXPECT_EQ(updates[0].key(), "shared") << "results keep the key as written";
  EXPECT_EQ(updates[0].data_key(), data_key) << "and say where the value is stored";
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(JobState(first), v1::JOB_STATE_RUNNING);

  v1::TaskDone done;  // the first job's task, under its own key
  done.set_key("shared");
  done.set_nbytes(8);
  done.set_end(2);
  Report("w1", std::move(done));
  updates = KeyUpdates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].job(), first);
  EXPECT_EQ(updates[0].key(), "shared");
  EXPECT_EQ(updates[0].data_key(), "");
  EXPECT_EQ(JobState(first), v1::JOB_STATE_FINISHED);
}

TEST_F(Keys, TheSameDefinitionIsSharedAndComputedOnce) {
  AddWorker("w1");
  AddClient(2);
  const JobId first = Run({T("a"), T("b", {"a"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  const JobId second = Run({T("a"), T("b", {"a"})}, {}, 2);
  EXPECT_THAT(Sent("w1"), IsEmpty());
  Complete("w1", "a");
  EXPECT_THAT(Sent("w1"), ElementsAre("b"));
  Complete("w1", "b");
  EXPECT_EQ(JobState(first), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(state_->TaskCount(), 2u);
}

// A shell command's output depends on more than its arguments: the same definition submitted
// while the first is held runs again, and so does what depends on it.
TEST_F(Keys, AShellTaskSubmittedAgainRunsAgainAndSoDoItsDependents) {
  AddWorker("w1", /*nthreads=*/2);
  v1::Task shell;
  shell.set_key("t");
  shell.set_op("shell");
  shell.add_args()->set_str("date");
  const JobId first = Run({shell, T("b", {"t"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("t"));
  Complete("w1", "t");
  EXPECT_THAT(Sent("w1"), ElementsAre("b"));
  Complete("w1", "b");
  EXPECT_EQ(JobState(first), v1::JOB_STATE_FINISHED);
  const JobId second = Run({shell, T("b", {"t"})});
  const std::string t2 = DataKey("t");
  EXPECT_NE(t2, "t");
  EXPECT_THAT(Sent("w1"), ElementsAre(t2)) << "not the first job's value";
  Complete("w1", "t");
  std::vector<v1::ComputeTask> sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(KeyOf(sent[0]), "b") << "a dependent of the new run is computed again too";
  Complete("w1", "b");
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(state_->TaskCount(), 4u);
}

TEST_F(Keys, ADependentOfAnotherInputIsAnotherTaskAndReadsThatInput) {
  AddWorker("w1", /*nthreads=*/4);
  v1::Task one = T("a");
  v1::Task five = T("a");
  five.mutable_args(0)->set_int_(5);
  Run({one, T("b", {"a"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  const JobId second = Run({five, T("b", {"a"})});
  const std::string a2 = DataKey("a");
  EXPECT_THAT(Sent("w1"), ElementsAre(a2));
  Complete("w1", "a");  // the second job's a
  std::vector<v1::ComputeTask> sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(KeyOf(sent[0]), "b") << "same op and names, another input: another definition";
  ASSERT_EQ(sent[0].deps_size(), 1);
  EXPECT_EQ(sent[0].deps(0).key(), a2);
  v1::Task spec;
  ASSERT_TRUE(spec.ParseFromString(sent[0].spec()));
  EXPECT_EQ(spec.args(0).ref(), a2) << "the worker resolves the reference to the right input";
  Complete("w1", "b");
  EXPECT_EQ(JobState(second), v1::JOB_STATE_FINISHED);
}

TEST_F(Keys, AJobReferringToAKeyItDoesNotDefineTakesTheNewestJobs) {
  AddWorker("w1", /*nthreads=*/4);
  v1::Task two = T("a");
  two.mutable_args(0)->set_int_(2);
  Run({T("a")});
  Complete("w1", "a");
  Run({two});
  Complete("w1", "a");
  const std::string newest = DataKey("a");
  EXPECT_NE(newest, "a");
  TakeComputes("w1");
  Run({T("c", {"a"})});
  std::vector<v1::ComputeTask> sent = TakeComputes("w1");
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].deps_size(), 1);
  EXPECT_EQ(sent[0].deps(0).key(), newest);
}

TEST_F(Keys, NamesResolveToTheNewestJobsTaskForLogsPublishAndWhoHas) {
  AddWorker("w1", /*nthreads=*/4);
  v1::Task two = T("a");
  two.mutable_args(0)->set_int_(2);
  Run({T("a")});
  Complete("w1", "a");
  Run({two});
  Complete("w1", "a");
  v1::WhoHasRequest request;
  request.add_keys("a");
  const v1::WhoHasReply reply = state_->WhoHas(request);
  ASSERT_EQ(reply.keys_size(), 1);
  EXPECT_EQ(reply.keys(0).key(), "a");
  EXPECT_EQ(reply.keys(0).data_key(), DataKey("a"));
  ASSERT_TRUE(state_->Publish("latest", "a").ok());
  EXPECT_EQ(*state_->Published("latest"), DataKey("a"));
  EXPECT_EQ(state_->GetLog("a")->key(), "a");
}

// ------------------------------------------------------------------------------------ plugin ops

TEST_F(PluginOps, WaitsInNoWorkerUntilAWorkerWithTheOpJoins) {
  AddWorker("plain");
  const JobId job = Run({T("a", {}, "tile"), T("b", {"a"}, "inc")});
  EXPECT_EQ(State("a"), TaskState::kNoWorker);
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  EXPECT_THAT(Sent("plain"), IsEmpty());
  EXPECT_THAT(Notices(), ElementsAre(Notice(
                             job, "a", "no connected worker has op \"tile\"; it waits for one")));

  AddWorker("tiles", 1, {}, {"tile"});
  EXPECT_THAT(Sent("tiles"), ElementsAre("a"));
  EXPECT_THAT(Sent("plain"), IsEmpty());
  Complete("tiles", "a");
  Complete(state_->WorkerOf("b"), "b");  // a built-in: any worker
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  EXPECT_THAT(Notices(), IsEmpty());
}

TEST_F(PluginOps, AreSentOnlyToWorkersThatAnnouncedThem) {
  AddWorker("plain", 4);
  AddWorker("tiles", 1, {}, {"tile"});
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 6; ++i) {
    tasks.push_back(T(absl::StrFormat("t%d", i), {}, "tile"));
    tasks.push_back(T(absl::StrFormat("u%d", i), {absl::StrFormat("t%d", i)}, "tile"));
  }
  Run(std::move(tasks));
  for (int round = 0; round < 12; ++round) {
    EXPECT_THAT(Sent("plain"), IsEmpty());
    for (const std::string& key : Sent("tiles")) Complete("tiles", key);
  }
  EXPECT_EQ(Count(v1::TASK_STATE_MEMORY), 6u);
  EXPECT_THAT(Notices(), IsEmpty());
}

TEST_F(PluginOps, AreNotSentAheadToAWorkerWithoutTheOp) {
  Start([] {
    SchedulerOptions options;
    options.speculation_depth = 3;
    return options;
  }());
  AddWorker("plain");
  AddWorker("tiles", 1, {}, {"tile"});
  Run({OnlyOn(T("a"), {"plain"}), T("b", {"a"}, "tile")});
  ExpectProcessingOn("plain", "a");
  EXPECT_EQ(State("b"), TaskState::kWaiting);  // not sent ahead to "plain"
  EXPECT_THAT(Sent("plain"), ElementsAre("a"));
  Complete("plain", "a");
  ExpectProcessingOn("tiles", "b");
}

TEST_F(PluginOps, NoticeOncePerJobAndOpWithCloseNames) {
  AddWorker("tiles", 1, {}, {"tile", "tile3d"});
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 100; ++i) tasks.push_back(T(absl::StrFormat("s%d", i), {}, "shel"));
  tasks.push_back(T("m", {}, "tilee"));
  tasks.push_back(T("sum", {"s0", "s1", "m"}, "noop"));
  const JobId job = Run(std::move(tasks));
  EXPECT_THAT(
      Notices(),
      UnorderedElementsAre(
          Notice(job, ::testing::StartsWith("s"),
                 "no connected worker has op \"shel\" (did you mean \"shell\"?); it waits for one"),
          Notice(job, "m",
                 "no connected worker has op \"tilee\" (did you mean \"tile\" or "
                 "\"tile3d\"?); it waits for one")));
  // A worker without those ops joins: the tasks are placed again, nobody is told again.
  AddWorker("plain");
  EXPECT_EQ(State("s7"), TaskState::kNoWorker);
  EXPECT_THAT(Notices(), IsEmpty());
  // A second job of the same op is told of it too.
  const JobId again = Run({T("s-again", {}, "shel")});
  EXPECT_THAT(
      Notices(),
      ElementsAre(Notice(
          again, "s-again",
          "no connected worker has op \"shel\" (did you mean \"shell\"?); it waits for one")));
}

TEST_F(PluginOps, ALaterWatcherIsToldOfAMissingOp) {
  const JobId job = Run({T("x", {}, "tile")}, {}, kClient, /*keep=*/true);
  EXPECT_THAT(Notices(), ElementsAre(Notice(
                             job, "x", "no connected worker has op \"tile\"; it waits for one")));
  AddClient(2);
  Watch(job, 2);
  EXPECT_THAT(Notices(2), ElementsAre(Notice(
                              job, "x", "no connected worker has op \"tile\"; it waits for one")));
}

TEST_F(PluginOps, WaitAgainWhenTheLastWorkerWithTheOpLeaves) {
  AddWorker("plain");
  AddWorker("tiles", 1, {}, {"tile"});
  const JobId job = Run({T("x", {}, "tile"), T("y", {}, "tile"), T("w", {}, "tile")});
  ExpectProcessingOn("tiles", "x");
  ExpectProcessingOn("tiles", "y");
  EXPECT_EQ(State("w"), TaskState::kQueued);  // tiles is saturated
  KillWorker("tiles");
  EXPECT_EQ(State("x"), TaskState::kNoWorker);
  EXPECT_EQ(State("y"), TaskState::kNoWorker);
  EXPECT_EQ(State("w"), TaskState::kNoWorker);
  std::vector<v1::JobNotice> notices = Notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].job(), job);
  EXPECT_EQ(notices[0].message(), "no connected worker has op \"tile\"; it waits for one");
  // The queue is not stuck behind them: a built-in op still runs on "plain".
  Run({T("z")});
  EXPECT_THAT(Sent("plain"), ElementsAre("z"));
}

TEST_F(PluginOps, WithResourcesWaitForAWorkerWithBoth) {
  AddWorker("gpu", 1, {{"GPU", 1}});
  const JobId job = Run({Needs(T("x", {}, "tile"), "GPU", 1)});
  EXPECT_EQ(State("x"), TaskState::kNoWorker);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_RUNNING);
  AddWorker("tiles", 1, {}, {"tile"});  // no GPU
  EXPECT_EQ(State("x"), TaskState::kNoWorker);
  AddWorker("gpu-tiles", 1, {{"GPU", 1}}, {"tile"});
  ExpectProcessingOn("gpu-tiles", "x");
}

// ------------------------------------------------------------------------------------ no worker

TEST_F(NoWorker, ATaskForAnAbsentNamedWorkerSaysSoAtOnceAndRunsWhenItJoins) {
  AddWorker("gpu-bx");
  const JobId job = Run({OnlyOn(T("train"), {"gpu-box"}), T("report", {"train"})});
  EXPECT_EQ(State("train"), TaskState::kNoWorker);
  EXPECT_THAT(Notices(),
              ElementsAre(Notice(job, "train",
                                 "no connected worker is named \"gpu-box\" (did you mean "
                                 "\"gpu-bx\"?); it waits for one")));
  Elapse(absl::Hours(1));  // no timeout by default: it waits, and nobody is told again
  EXPECT_EQ(State("train"), TaskState::kNoWorker);
  EXPECT_THAT(Notices(), IsEmpty());
  AddWorker("gpu-box");
  Complete("gpu-box", "train");
  Complete(state_->WorkerOf("report"), "report");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(NoWorker, ANamedWorkerThatLeavesLeavesItsTasksWaitingAndTheClientIsTold) {
  AddWorker("a");
  AddWorker("b");
  const JobId job = Run({OnlyOn(T("x"), {"b"})});
  ExpectProcessingOn("b", "x");
  KillWorker("b");
  EXPECT_EQ(State("x"), TaskState::kNoWorker);
  EXPECT_THAT(Notices(), ElementsAre(Notice(job, "x",
                                            "no connected worker is named \"b\" (did you mean "
                                            "\"a\"?); it waits for one")));
  // A client that watches later hears it too, while it still holds.
  AddClient(2);
  Watch(job, 2);
  EXPECT_EQ(Notices(2).size(), 1u);
}

TEST_F(NoWorker, TasksQueuedForANamedWorkerThatLeavesWaitInNoWorker) {
  AddWorker("a");
  AddWorker("b");
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(OnlyOn(T(absl::StrFormat("x%d", i)), {"b"}));
  const JobId job = Run(std::move(tasks));
  EXPECT_EQ(Count(v1::TASK_STATE_QUEUED), 2u);  // b holds two at once (saturation 1.1)
  KillWorker("b");
  EXPECT_EQ(Count(v1::TASK_STATE_NO_WORKER), 4u);
  EXPECT_EQ(Notices().size(), 1u);
  AddWorker("b");
  EXPECT_EQ(Count(v1::TASK_STATE_PROCESSING), 2u);
  EXPECT_EQ(Count(v1::TASK_STATE_QUEUED), 2u);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_RUNNING);
}

TEST_F(NoWorker, OneNoticePerJobAndCause) {
  AddWorker("worker-1");
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 50; ++i) tasks.push_back(OnlyOn(T(absl::StrFormat("t%d", i)), {"x", "y"}));
  tasks.push_back(OnlyOn(T("z"), {"q"}));
  const JobId job = Run(std::move(tasks));
  EXPECT_THAT(Notices(),
              UnorderedElementsAre(
                  Notice(job, ::testing::StartsWith("t"),
                         "no connected worker is named \"x\" or \"y\"; it waits for one"),
                  Notice(job, "z", "no connected worker is named \"q\"; it waits for one")));
}

TEST_F(NoWorker, WithNoWorkerAtAllTheJobIsToldAfterAGracePeriod) {
  const JobId job = Run({T("a"), T("b", {"a"})});
  EXPECT_EQ(State("a"), TaskState::kQueued);
  Elapse(absl::Seconds(1));
  EXPECT_THAT(Notices(), IsEmpty());  // workers may still be registering
  Elapse(absl::Seconds(1.5));
  EXPECT_THAT(
      Notices(),
      ElementsAre(Notice(job, "", "no worker is connected to the scheduler; it waits for one")));
  Elapse(absl::Seconds(10));
  EXPECT_THAT(Notices(), IsEmpty());
  AddWorker("w");
  Elapse(absl::Seconds(1));
  Complete("w", "a");
  // The worker leaves again: the job, still running, is told again.
  KillWorker("w");
  Elapse(absl::Seconds(3));
  EXPECT_THAT(
      Notices(),
      ElementsAre(Notice(job, "", "no worker is connected to the scheduler; it waits for one")));
}

TEST_F(NoWorker, TimeoutFailsTheTaskAndItsDependentsAndOtherJobsGoOn) {
  Start(Options(/*no_worker_timeout_s=*/30));
  AddWorker("w");
  const JobId stuck = Run({OnlyOn(T("x"), {"gone"}), T("y", {"x"})});
  EXPECT_THAT(Notices(), ElementsAre(Notice(stuck, "x",
                                            "no connected worker is named \"gone\"; it fails "
                                            "unless a worker that can run it joins within 30 s")));
  const JobId fine = Run({T("a")}, {}, kClient);
  Elapse(absl::Seconds(29));
  EXPECT_EQ(State("x"), TaskState::kNoWorker);
  Complete("w", "a");
  Elapse(absl::Seconds(1));
  EXPECT_EQ(State("x"), TaskState::kErred);
  EXPECT_EQ(TaskErrorKind(stuck, "x"), v1::ERROR_KIND_NO_WORKER_CAN_RUN);
  EXPECT_EQ(TaskError(stuck, "x"),
            "no connected worker could run it for 30 s: no connected worker is named \"gone\"");
  EXPECT_EQ(TaskErrorKind(stuck, "y"), v1::ERROR_KIND_DEPENDENCY_FAILED);
  EXPECT_EQ(JobState(stuck), v1::JOB_STATE_ERRED);
  EXPECT_EQ(JobState(fine), v1::JOB_STATE_FINISHED);
}

TEST_F(NoWorker, TimeoutCountsFromWhenTheTaskBeganToWait) {
  Start(Options(/*no_worker_timeout_s=*/30));
  AddWorker("a");
  AddWorker("b");
  Run({OnlyOn(T("x"), {"b"})});
  Elapse(absl::Seconds(100));  // running on b all along: no clock was running for it
  ExpectProcessingOn("b", "x");
  KillWorker("b");
  Elapse(absl::Seconds(20));
  EXPECT_EQ(State("x"), TaskState::kNoWorker);
  AddWorker("b");  // back in time: it runs
  Complete("b", "x");
  EXPECT_EQ(State("x"), TaskState::kMemory);
}

TEST_F(NoWorker, TimeoutWithNoWorkerAtAllFailsQueuedTasks) {
  Start(Options(/*no_worker_timeout_s=*/10));
  const JobId job = Run({T("a"), T("b", {"a"})});
  Elapse(absl::Seconds(5));
  EXPECT_EQ(State("a"), TaskState::kQueued);
  Elapse(absl::Seconds(5.5));
  EXPECT_EQ(State("a"), TaskState::kErred);
  EXPECT_EQ(TaskError(job, "a"),
            "no connected worker could run it for 10 s: no worker is connected to the scheduler");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
  // A worker joins: new work runs.
  AddWorker("w");
  Run({T("c")});
  Complete("w", "c");
}

}  // namespace
}  // namespace brisk

namespace brisk {
namespace {

// ------------------------------------------------------------------------------------ reconnecting
// A worker that lost the scheduler registers again with the values it holds (RegisterWorker.held);
// each task that can take its value does, the others are released on that worker.

TEST_F(Reconnecting, HeldValueOfAQueuedTaskBecomesMemoryAndItsDependentRuns) {
  const JobId job = Run({T("a"), T("b", {"a"})}, {"b"});  // no worker yet: a waits in the queue
  EXPECT_EQ(State("a"), TaskState::kQueued);
  ASSERT_TRUE(Reconnect("w1", {{"a", 40}}).ok());
  EXPECT_EQ(State("a"), TaskState::kMemory);
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w1"));
  EXPECT_THAT(Sent("w1"), ElementsAre("b"));  // a is not computed again
  Complete("w1", "b");
  EXPECT_THAT(Released("w1"), ElementsAre("a"));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(Count(v1::TASK_STATE_FINISHED), 1u);  // a: it ran (somewhere), then was freed
}

TEST_F(Reconnecting, HeldValueOfAWaitingTaskBecomesMemoryAndItsInputsAreFreed) {
  AddWorker("w2");
  const JobId job = Run({T("a"), T("b", {"a"}), T("c", {"b"})}, {"c"});
  EXPECT_EQ(State("b"), TaskState::kWaiting);
  ASSERT_TRUE(Reconnect("w1", {{"b", 8}}).ok());
  EXPECT_EQ(State("b"), TaskState::kMemory);
  ExpectProcessingOn("w1", "c");
  // a was only needed for b: it finishes (it was running) and is then freed.
  Complete("w2", "a");
  EXPECT_EQ(State("a"), TaskState::kReleased);
  EXPECT_THAT(Released("w2"), ElementsAre("a"));
  Complete("w1", "c");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Reconnecting, HeldValueOfATaskNoWorkerCouldRunBecomesMemory) {
  AddWorker("w2");
  const JobId job = Run({OnlyOn(T("a"), {"w1"})}, {"a"});
  EXPECT_EQ(State("a"), TaskState::kNoWorker);
  ASSERT_TRUE(Reconnect("w1", {{"a", 8}}).ok());
  EXPECT_EQ(State("a"), TaskState::kMemory);
  EXPECT_THAT(Sent("w1"), IsEmpty());
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Reconnecting, HeldValueOfATaskProcessingElsewhereStopsItThere) {
  AddWorker("w2");
  const JobId job = Run({T("a")}, {"a"});
  EXPECT_THAT(Sent("w2"), ElementsAre("a"));
  ASSERT_TRUE(Reconnect("w1", {{"a", 8}}).ok());
  EXPECT_EQ(State("a"), TaskState::kMemory);
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w1"));
  EXPECT_THAT(Cancelled("w2"), ElementsAre("a"));
  EXPECT_EQ(Processing("w2"), 0);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
  // The late report of the run that was stopped is refused: w2 drops its copy.
  v1::TaskDone done;
  done.set_key("a");
  done.set_nbytes(8);
  Report("w2", done);
  EXPECT_THAT(Released("w2"), ElementsAre("a"));
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w1"));
}

TEST_F(Reconnecting, HeldValueInMemoryElsewhereIsOneMoreCopy) {
  AddWorker("w2");
  Run({T("a")}, {"a"});
  Complete("w2", "a");
  ASSERT_TRUE(Reconnect("w1", {{"a", 8}, {"a", 8}}).ok());  // listed twice: one copy
  EXPECT_THAT(state_->WhoHasKey("a"), UnorderedElementsAre("w1", "w2"));
  EXPECT_THAT(Released("w1"), IsEmpty());
}

TEST_F(Reconnecting, UnknownFreedErredAndCancelledValuesAreReleasedOnTheWorker) {
  AddWorker("w2");
  Run({T("done"), T("freed", {"done"})}, {"freed"});  // done: ran, then freed
  Complete("w2", "done");
  Complete("w2", "freed");
  EXPECT_EQ(State("done"), TaskState::kReleased);
  Run({T("bad")}, {"bad"});
  Fail("w2", "bad", "boom");
  const JobId cancelled = Run({T("stopped", {"freed"})}, {"stopped"});
  Cancel(cancelled);
  EXPECT_EQ(State("stopped"), TaskState::kCancelled);
  ASSERT_TRUE(Reconnect("w1", {{"unknown", 1}, {"done", 1}, {"bad", 1}, {"stopped", 1}}).ok());
  EXPECT_THAT(Released("w1"), UnorderedElementsAre("unknown", "done", "bad", "stopped"));
  EXPECT_EQ(State("done"), TaskState::kReleased);
  EXPECT_EQ(State("bad"), TaskState::kErred);
  EXPECT_EQ(State("stopped"), TaskState::kCancelled);
  EXPECT_THAT(state_->WhoHasKey("freed"), ElementsAre("w2"));
}

TEST_F(Reconnecting, LostValueStillNeededIsTakenBackFromTheReturningWorker) {
  AddWorker("w1");
  const JobId job = Run({T("a"), T("b", {"a"})}, {"b"});
  Complete("w1", "a");
  KillWorker("w1");  // a is lost; no worker is left to compute it again
  EXPECT_EQ(State("a"), TaskState::kQueued);
  ASSERT_TRUE(Reconnect("w1", {{"a", 8}}).ok());
  EXPECT_EQ(State("a"), TaskState::kMemory);
  EXPECT_THAT(Sent("w1"), ElementsAre("b"));
  Complete("w1", "b");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Reconnecting, SameNameOnANewStreamReplacesTheOldRegistration) {
  const WorkerId old_id = AddWorker("w1");
  Run({T("a")}, {"a"});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  // Without `reconnect`, a second worker of that name is refused.
  EXPECT_EQ(Reconnect("w1", {}, /*reconnect=*/false).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Reconnect("w1", {}).ok());
  EXPECT_NE(IdOf("w1"), old_id);
  EXPECT_EQ(state_->Status().workers_size(), 1);
  EXPECT_THAT(ErrorsTo(old_id), ElementsAre(HasSubstr("registered again")));  // stream closed
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));  // placed again on the new registration
  Complete("w1", "a");
}

TEST_F(Reconnecting, ValuesHeldUnderAnotherSchedulerAreReleased) {
  const JobId job = Run({T("a")}, {"a"});
  ASSERT_TRUE(Reconnect("w1", {{"a", 8}}, true, "an earlier scheduler").ok());
  EXPECT_THAT(Released("w1"), ElementsAre("a"));  // "a" may have had another definition there
  ExpectProcessingOn("w1", "a");
  Complete("w1", "a");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(Reconnecting, OnlyWhatTheWorkerHeldOrRanWhenItLeftIsTakenBack) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("kept")}, {"kept"});
  ExpectProcessingOn("w1", "kept");
  Complete("w1", "kept");
  KillWorker("w1");  // it held kept
  ExpectProcessingOn("w2", "kept");
  const JobId job = Run({T("new")}, {"new"});
  // While w1 was away: "new" is defined; whatever w1 offers under that key is not its value.
  ASSERT_TRUE(Reconnect("w1", {{"kept", 8}, {"new", 8}}).ok());
  EXPECT_THAT(state_->WhoHasKey("kept"), ElementsAre("w1"));
  EXPECT_THAT(Released("w1"), ElementsAre("new"));
  EXPECT_NE(State("new"), TaskState::kMemory);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_RUNNING);
}

// ------------------------------------------------------------------------------------ liveness

TEST_F(Liveness, SilentWorkerIsRemovedAfterTheWorkerTimeout) {
  SchedulerOptions options = Plain();
  options.worker_timeout_s = 10;
  Start(options);
  const WorkerId silent = AddWorker("w1");
  AddWorker("w2");
  Run({T("a"), T("b")}, {"a", "b"});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  TickFor(10, {"w2"});
  EXPECT_EQ(state_->Status().workers_size(), 2);  // 10 s of silence: not more than the limit
  TickFor(1, {"w2"});
  ASSERT_EQ(state_->Status().workers_size(), 1);
  EXPECT_EQ(state_->Status().workers(0).name(), "w2");
  EXPECT_THAT(ErrorsTo(silent), ElementsAre(HasSubstr("--worker-timeout")));
  EXPECT_NE(state_->WorkerOf("a"), "w1");  // placed again
}

TEST_F(Liveness, AnyMessageCountsAsAHeartbeat) {
  SchedulerOptions options = Plain();
  options.worker_timeout_s = 10;
  Start(options);
  AddWorker("w1");
  Run({T("a")}, {"a"});
  TickFor(8);
  Complete("w1", "a");
  TickFor(8);
  EXPECT_EQ(state_->Status().workers_size(), 1);
}

TEST_F(Liveness, NoWorkerIsBlamedForTheSchedulersOwnStall) {
  SchedulerOptions options = Plain();
  options.worker_timeout_s = 10;
  Start(options);
  AddWorker("w1");
  TickFor(1);
  clock_.Advance(absl::Seconds(30));  // the scheduler was frozen: no tick, no message read
  state_->Tick();
  Flush();
  EXPECT_EQ(state_->Status().workers_size(), 1);
  TickFor(10);
  EXPECT_EQ(state_->Status().workers_size(), 1);
  TickFor(1);  // now the worker has been silent longer than the limit
  EXPECT_EQ(state_->Status().workers_size(), 0);
}

TEST_F(Liveness, ZeroWorkerTimeoutNeverRemovesASilentWorker) {
  SchedulerOptions options = Plain();
  options.worker_timeout_s = 0;
  Start(options);
  AddWorker("w1");
  TickFor(100);
  EXPECT_EQ(state_->Status().workers_size(), 1);
}

// ------------------------------------------------------------------------------------ crashes
// and graceful retirement (scheduler_retire.cc)

class CrashesAndRetirement : public SchedulerTest {
 protected:
  // Every batch sent to `worker` so far, from the start.
  const std::vector<v1::SchedulerToWorker>& AllTo(const std::string& worker) {
    return comm_.to_worker[IdOf(worker)];
  }
  bool ToldToShutDown(const std::string& worker, std::string* reason = nullptr) {
    for (const v1::SchedulerToWorker& batch : AllTo(worker)) {
      if (!batch.shutdown()) continue;
      if (reason != nullptr) *reason = batch.shutdown_reason();
      return true;
    }
    return false;
  }
  std::vector<v1::Dependency> Acquires(const std::string& worker) {
    std::vector<v1::Dependency> out;
    for (const v1::SchedulerToWorker& batch : AllTo(worker)) {
      out.insert(out.end(), batch.acquire().begin(), batch.acquire().end());
    }
    return out;
  }
  std::vector<std::string> Steals(const std::string& worker) {
    std::vector<std::string> out;
    for (const v1::SchedulerToWorker& batch : AllTo(worker)) {
      out.insert(out.end(), batch.steal().begin(), batch.steal().end());
    }
    return out;
  }
  absl::StatusOr<v1::RetireReply> Retire(const std::vector<std::string>& names) {
    v1::RetireRequest request;
    for (const std::string& n : names) request.add_workers(n);
    absl::StatusOr<v1::RetireReply> reply = state_->RetireWorkers(request);
    Flush();
    return reply;
  }
  void WorkerSays(const std::string& worker, v1::WorkerToScheduler message) {
    state_->HandleWorkerMessage(IdOf(worker), message);
    Flush();
  }
  void Acquired(const std::string& worker, const std::string& key, uint64_t nbytes = 8) {
    v1::WorkerToScheduler message;
    v1::HeldValue* held = message.add_acquired();
    held->set_key(key);
    held->set_nbytes(nbytes);
    WorkerSays(worker, std::move(message));
  }
  void StealAnswer(const std::string& worker, const std::string& key, bool ok) {
    v1::WorkerToScheduler message;
    v1::StealResponse* response = message.add_stolen();
    response->set_key(key);
    response->set_ok(ok);
    WorkerSays(worker, std::move(message));
  }
  v1::WorkerState WorkerStateOf(const std::string& worker) {
    const v1::StatusReply status = state_->Status();
    for (const v1::WorkerInfo& w : status.workers()) {
      if (w.name() == worker) return w.state();
    }
    return v1::WORKER_STATE_UNSPECIFIED;
  }
};

TEST_F(CrashesAndRetirement, ATaskFailsOnItsNthCrashAndItsDependentsWithIt) {
  for (const char* w : {"w1", "w2", "w3", "w4"}) AddWorker(w);
  const JobId job = Run({T("bad"), T("after", {"bad"})}, {"after"});
  std::vector<std::string> killed;
  for (int crash = 1; crash <= 3; ++crash) {
    ASSERT_EQ(State("bad"), TaskState::kProcessing) << crash;
    killed.push_back(state_->WorkerOf("bad"));
    KillWorker(killed.back());
    if (crash < 3) {
      absl::StatusOr<v1::TaskLog> log = state_->GetLog("bad");
      ASSERT_TRUE(log.ok());
      EXPECT_EQ(log->crashes(), static_cast<uint32_t>(crash));
      EXPECT_EQ(log->crash_causes(crash - 1), killed.back() + " (connection lost)");
    }
  }
  EXPECT_EQ(State("bad"), TaskState::kErred);
  EXPECT_EQ(TaskErrorKind(job, "bad"), v1::ERROR_KIND_WORKER_DIED);
  const std::string error = TaskError(job, "bad");
  EXPECT_THAT(error, HasSubstr("running on workers that died, 3 times"));
  for (const std::string& w : killed) EXPECT_THAT(error, HasSubstr(w + " (connection lost)"));
  EXPECT_EQ(State("after"), TaskState::kErred);
  EXPECT_EQ(TaskErrorKind(job, "after"), v1::ERROR_KIND_DEPENDENCY_FAILED);
  EXPECT_EQ(JobState(job), v1::JOB_STATE_ERRED);
  absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, true);
  ASSERT_TRUE(info.ok());
  for (const v1::TaskInfo& t : info->tasks()) {
    if (t.key() == "bad") {
      EXPECT_EQ(t.crashes(), 3u);
    }
  }

  // Another job runs on the worker that is left.
  const JobId other = Run({T("fine")});
  Complete(state_->WorkerOf("fine"), "fine");
  EXPECT_EQ(JobState(other), v1::JOB_STATE_FINISHED);
}

TEST_F(CrashesAndRetirement, AllowedFailuresOneFailsOnTheFirstCrash) {
  SchedulerOptions options = Plain();
  options.allowed_failures = 1;
  Start(options);
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("bad")});
  KillWorker(state_->WorkerOf("bad"));
  EXPECT_EQ(TaskErrorKind(job, "bad"), v1::ERROR_KIND_WORKER_DIED);
  EXPECT_THAT(TaskError(job, "bad"), HasSubstr("1 time (--allowed-failures 1)"));
}

// ---- exit reports of supervised workers (scheduler_worker_exit.cc)

class WorkerExits : public CrashesAndRetirement {
 protected:
  v1::WorkerExitReply ReportExit(const std::string& name, const std::string& text, WorkerId id = 0,
                                 const std::string& incarnation = "") {
    v1::WorkerExitReport report;
    report.set_name(name);
    report.set_worker_id(id == 0 ? IdOf(name) : id);
    report.set_incarnation(incarnation.empty() ? state_->incarnation() : incarnation);
    report.set_pid(4242);
    report.set_signal(9);
    report.set_text(text);
    v1::WorkerExitReply reply = state_->OnWorkerExit(report);
    Flush();
    return reply;
  }
  std::vector<std::string> CrashCauses(const std::string& key) {
    absl::StatusOr<v1::TaskLog> log = state_->GetLog(key);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return {};
    return {log->crash_causes().begin(), log->crash_causes().end()};
  }
};

TEST_F(WorkerExits, AReportAfterTheStreamEndNamesTheCauseOfTheCrashes) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("b")});
  ExpectProcessingOn("w1", "a");
  ExpectProcessingOn("w2", "b");
  KillWorker("w1");
  EXPECT_THAT(CrashCauses("a"), ElementsAre("w1 (connection lost)"));
  EXPECT_TRUE(ReportExit("w1", "killed by SIGKILL: out of memory").attached());
  EXPECT_THAT(CrashCauses("a"), ElementsAre("w1 (killed by SIGKILL: out of memory)"));
  absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, /*include_tasks=*/true);
  ASSERT_TRUE(info.ok());
  bool seen = false;
  for (const v1::TaskInfo& t : info->tasks()) {
    if (t.key() != "a") continue;
    seen = true;
    EXPECT_EQ(t.crashes(), 1u);
    EXPECT_THAT(t.crash_causes(), ElementsAre("w1 (killed by SIGKILL: out of memory)"));
  }
  EXPECT_TRUE(seen);
  EXPECT_THAT(CrashCauses("b"), IsEmpty());  // it ran on w2
  // A second report of the same death is nothing new.
  EXPECT_FALSE(ReportExit("w1", "killed by SIGSEGV", IdOf("w1")).attached());
  EXPECT_THAT(CrashCauses("a"), ElementsAre("w1 (killed by SIGKILL: out of memory)"));
  Complete("w2", "b");
  Complete("w2", "a");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(WorkerExits, AReportBeforeTheStreamEndRemovesTheWorkerWithThatCause) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("b")});
  ExpectProcessingOn("w1", "a");
  EXPECT_TRUE(ReportExit("w1", "killed by SIGSEGV (core dumped)").attached());
  EXPECT_THAT(CrashCauses("a"), ElementsAre("w1 (killed by SIGSEGV (core dumped))"));
  EXPECT_EQ(state_->Status().workers_size(), 1);
  // Its stream's end, noticed later, counts nothing more.
  KillWorker("w1");
  EXPECT_THAT(CrashCauses("a"), ElementsAre("w1 (killed by SIGSEGV (core dumped))"));
  ExpectProcessingOn("w2", "b");
  Complete("w2", "b");
  Complete("w2", "a");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(WorkerExits, OnlyTheReportedWorkersEntriesChange) {
  for (const char* w : {"w1", "w2", "w3"}) AddWorker(w);
  Run({T("bad")});
  std::vector<std::string> killed;
  for (int crash = 0; crash < 2; ++crash) {
    killed.push_back(state_->WorkerOf("bad"));
    KillWorker(killed.back());
  }
  ASSERT_NE(killed[0], killed[1]);
  EXPECT_TRUE(ReportExit(killed[1], "exited with status 3").attached());
  EXPECT_THAT(CrashCauses("bad"),
              ElementsAre(killed[0] + " (connection lost)", killed[1] + " (exited with status 3)"));
}

TEST_F(WorkerExits, AFailedTasksErrorKeepsTheCauseKnownWhenItFailed) {
  SchedulerOptions options = Plain();
  options.allowed_failures = 1;
  Start(options);
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("bad")});
  ExpectProcessingOn("w1", "bad");
  KillWorker("w1");
  ASSERT_EQ(State("bad"), TaskState::kErred);
  EXPECT_TRUE(ReportExit("w1", "killed by SIGKILL, not known to be out of memory").attached());
  // Its clients were told; the error stays. The crash causes are up to date.
  EXPECT_THAT(TaskError(job, "bad"), HasSubstr("w1 (connection lost)"));
  EXPECT_THAT(CrashCauses("bad"),
              ElementsAre("w1 (killed by SIGKILL, not known to be out of memory)"));
}

TEST_F(WorkerExits, ReportsThatNameNoKnownWorkerAreNotAttached) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a")});
  ExpectProcessingOn("w1", "a");
  const WorkerId w1 = IdOf("w1");
  // Another scheduler's incarnation, another name, an id never registered: nothing changes.
  EXPECT_FALSE(ReportExit("w1", "killed by SIGKILL", w1, "another-incarnation").attached());
  EXPECT_FALSE(ReportExit("w2", "killed by SIGKILL", w1).attached());
  EXPECT_FALSE(ReportExit("w1", "killed by SIGKILL", 999).attached());
  EXPECT_EQ(state_->Status().workers_size(), 2);
  ExpectProcessingOn("w1", "a");
  // A worker that never registered (id 0) is only logged.
  v1::WorkerExitReport unregistered;
  unregistered.set_name("w9");
  unregistered.set_text("exited with status 1");
  EXPECT_FALSE(state_->OnWorkerExit(unregistered).attached());
}

TEST_F(WorkerExits, ADeathIsForgottenAfterAWhile) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a")});
  ExpectProcessingOn("w1", "a");
  KillWorker("w1");
  TickFor(11 * 60, /*heartbeating=*/{"w2"});
  EXPECT_FALSE(ReportExit("w1", "killed by SIGKILL").attached());
  EXPECT_THAT(CrashCauses("a"), ElementsAre("w1 (connection lost)"));
}

TEST_F(WorkerExits, ARetiringWorkersCrashSaysItWasRetiring) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a")});
  ExpectProcessingOn("w1", "a");
  ASSERT_TRUE(Retire({"w1"}).ok());
  KillWorker("w1");
  EXPECT_TRUE(ReportExit("w1", "killed by SIGKILL").attached());
  EXPECT_THAT(CrashCauses("a"), ElementsAre("w1 (killed by SIGKILL while retiring: brisk retire)"));
}

TEST_F(CrashesAndRetirement, RetiringWorkerHandsItsValuesOverAndNothingIsRecomputed) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a"), T("b"), T("c", {"a", "b"})});
  EXPECT_THAT(Sent("w1"), ElementsAre("a"));
  EXPECT_THAT(Sent("w2"), ElementsAre("b"));
  Complete("w1", "a", 1000);
  absl::StatusOr<v1::RetireReply> reply = Retire({"w1"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(reply->retiring(), ElementsAre("w1"));
  EXPECT_EQ(WorkerStateOf("w1"), v1::WORKER_STATE_RETIRING);
  // w2 is told to fetch a from w1 and keep it; w1 is not told to go yet.
  std::vector<v1::Dependency> acquires = Acquires("w2");
  ASSERT_EQ(acquires.size(), 1u);
  EXPECT_EQ(acquires[0].key(), "a");
  EXPECT_THAT(acquires[0].who_has(), ElementsAre(Addr("w1")));
  EXPECT_EQ(acquires[0].nbytes(), 1000u);
  EXPECT_FALSE(ToldToShutDown("w1"));
  Acquired("w2", "a", 1000);
  EXPECT_THAT(state_->WhoHasKey("a"), UnorderedElementsAre("w1", "w2"));
  std::string reason;
  ASSERT_TRUE(ToldToShutDown("w1", &reason));
  EXPECT_THAT(reason, HasSubstr("handed over"));
  KillWorker("w1");  // its stream ends: not a crash, and nothing to recompute
  EXPECT_EQ(State("a"), TaskState::kMemory);
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w2"));
  EXPECT_THAT(Sent("w2"), IsEmpty());
  Complete("w2", "b");
  EXPECT_THAT(Sent("w2"), ElementsAre("c"));
  Complete("w2", "c");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(CrashesAndRetirement, ARetiringWorkerGetsNoNewTasksAndGivesUpThoseNotStarted) {
  AddWorker("w1", 2);
  AddWorker("w2");
  const JobId job = Run({T("a"), T("b"), T("c")});
  EXPECT_THAT(Sent("w1"), UnorderedElementsAre("a", "c"));
  EXPECT_THAT(Sent("w2"), ElementsAre("b"));
  ASSERT_TRUE(Retire({"w1"}).ok());
  EXPECT_THAT(Steals("w1"), UnorderedElementsAre("a", "c"));
  StealAnswer("w1", "a", /*ok=*/false);  // running: it finishes there
  StealAnswer("w1", "c", /*ok=*/true);   // not started: placed elsewhere
  Complete("w2", "b");
  EXPECT_THAT(Sent("w2"), ElementsAre("c"));
  EXPECT_THAT(Sent("w1"), IsEmpty());
  EXPECT_FALSE(ToldToShutDown("w1"));
  Complete("w1", "a");
  ASSERT_EQ(Acquires("w2").size(), 1u);
  Acquired("w2", "a");
  EXPECT_TRUE(ToldToShutDown("w1"));
  KillWorker("w1");
  Complete("w2", "c");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(CrashesAndRetirement, RetiringTheLastWorkerOrAnUnknownOneIsRefused) {
  AddWorker("w1");
  absl::StatusOr<v1::RetireReply> last = Retire({"w1"});
  EXPECT_EQ(last.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(last.status().message(), HasSubstr("no worker would be left"));
  absl::StatusOr<v1::RetireReply> unknown = Retire({"nope"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("\"nope\""));
  EXPECT_EQ(WorkerStateOf("w1"), v1::WORKER_STATE_RUNNING);
  EXPECT_FALSE(ToldToShutDown("w1"));
}

TEST_F(CrashesAndRetirement, TheLastWorkerRetiringOnItsOwnGoesAtOnceAndItsValuesAreLost) {
  AddWorker("w1");
  Run({T("a")}, {"a"});
  Complete("w1", "a");
  v1::WorkerToScheduler message;
  message.set_retiring("signal 15");
  WorkerSays("w1", std::move(message));
  std::string reason;
  ASSERT_TRUE(ToldToShutDown("w1", &reason));
  EXPECT_THAT(reason, HasSubstr("1 still needed are lost"));
}

TEST_F(CrashesAndRetirement, AHandoverPastTheRetireTimeoutStopsTheWorkerAnyway) {
  SchedulerOptions options = Plain();
  options.worker_timeout_s = 0;  // a minute passes with no heartbeat in this test
  Start(options);
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a"), T("b"), T("c", {"a", "b"})});
  Sent("w1");
  Sent("w2");
  Complete("w1", "a");
  ASSERT_TRUE(Retire({"w1"}).ok());
  ASSERT_EQ(Acquires("w2").size(), 1u);  // never answered
  clock_.Advance(absl::Seconds(59));
  state_->Tick();
  Flush();
  EXPECT_FALSE(ToldToShutDown("w1"));
  clock_.Advance(absl::Seconds(2));
  state_->Tick();
  Flush();
  std::string reason;
  ASSERT_TRUE(ToldToShutDown("w1", &reason));
  EXPECT_THAT(reason, HasSubstr("1 values not handed over"));
  KillWorker("w1");
  ExpectProcessingOn("w2", "a");  // computed again: it was not handed over
  absl::StatusOr<v1::TaskLog> log = state_->GetLog("a");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->crashes(), 0u);  // told to go: no crash
}

TEST_F(CrashesAndRetirement, AValueAcquiredAfterItWasFreedIsDroppedAgain) {
  AddWorker("w1");
  AddWorker("w2");
  const JobId job = Run({T("a")}, {"a"});
  Complete("w1", "a");
  ASSERT_TRUE(Retire({"w1"}).ok());
  ASSERT_EQ(Acquires("w2").size(), 1u);
  Release(job);  // no longer needed: freed before w2 has it
  Released("w2");
  Acquired("w2", "a");
  EXPECT_THAT(Released("w2"), ElementsAre("a"));
  EXPECT_TRUE(ToldToShutDown("w1"));
}

TEST_F(CrashesAndRetirement, ARetiringWorkerThatRegistersAgainGoesOnRetiring) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a")}, {"a"});
  Complete("w1", "a");
  ASSERT_TRUE(Retire({"w1"}).ok());
  ASSERT_EQ(Acquires("w2").size(), 1u);
  // Its stream breaks; it registers again, holding a, before the old stream's end is noticed.
  ASSERT_TRUE(Reconnect("w1", {{"a", 8}}).ok());
  EXPECT_EQ(WorkerStateOf("w1"), v1::WORKER_STATE_RETIRING);
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w1"));
  EXPECT_FALSE(ToldToShutDown("w1"));
  // It takes no new work.
  Run({T("b")}, {"b"});
  EXPECT_THAT(Sent("w1"), IsEmpty());
  ExpectProcessingOn("w2", "b");
  // The handover asked before goes on (w2 fetches a from w1's address); then w1 is told to go.
  Acquired("w2", "a");
  EXPECT_THAT(state_->WhoHasKey("a"), UnorderedElementsAre("w1", "w2"));
  std::string reason;
  ASSERT_TRUE(ToldToShutDown("w1", &reason));
  EXPECT_THAT(reason, HasSubstr("handed over"));
  KillWorker("w1");
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w2"));
}

TEST_F(CrashesAndRetirement, AWorkerRetiringOnItsOwnStillRetiresAfterItsLossWasNoticed) {
  SchedulerOptions options = Plain();
  options.worker_timeout_s = 0;  // a minute passes with no heartbeat in this test
  Start(options);
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a")}, {"a"});
  Complete("w1", "a");
  v1::WorkerToScheduler message;
  message.set_retiring("signal 15");  // said once: the worker does not say it again
  WorkerSays("w1", std::move(message));
  ASSERT_EQ(Acquires("w2").size(), 1u);
  Elapse(absl::Seconds(30));
  KillWorker("w1");  // its stream ended; a is lost and computed again on w2
  ExpectProcessingOn("w2", "a");
  ASSERT_TRUE(Reconnect("w1", {{"a", 8}}).ok());
  EXPECT_EQ(WorkerStateOf("w1"), v1::WORKER_STATE_RETIRING);
  EXPECT_EQ(State("a"), TaskState::kMemory);  // its value is back, on w1 only
  EXPECT_THAT(Sent("w1"), IsEmpty());
  // a moves to w2 (asked again); the handover is never answered, and the deadline is the one
  // it had: a minute from when it first said it was retiring.
  ASSERT_EQ(Acquires("w2").size(), 2u);
  Elapse(absl::Seconds(29));
  EXPECT_FALSE(ToldToShutDown("w1"));
  Elapse(absl::Seconds(2));
  std::string reason;
  ASSERT_TRUE(ToldToShutDown("w1", &reason));
  EXPECT_THAT(reason, HasSubstr("retire timeout"));
}

TEST_F(CrashesAndRetirement, ANewWorkerWithTheNameOfOneThatRetiredIsNotRetiring) {
  AddWorker("w1");
  AddWorker("w2");
  ASSERT_TRUE(Retire({"w1"}).ok());
  ASSERT_TRUE(ToldToShutDown("w1"));
  KillWorker("w1");
  // Started afresh (no `reconnect`): a worker like any other.
  ASSERT_TRUE(Reconnect("w1", {}, /*reconnect=*/false).ok());
  EXPECT_EQ(WorkerStateOf("w1"), v1::WORKER_STATE_RUNNING);
  Run({T("a"), T("b")});
  EXPECT_EQ(Sent("w1").size(), 1u);
}

TEST_F(CrashesAndRetirement, AHandoverFromAWorkerThatDiedIsAskedAgainFromAnotherHolder) {
  AddWorker("w1");
  AddWorker("w2");
  AddWorker("w3");
  Run({T("a"), T("b")}, {"a", "b"});
  ExpectProcessingOn("w1", "a");
  ExpectProcessingOn("w2", "b");
  Complete("w1", "a");
  ASSERT_TRUE(Retire({"w1"}).ok());
  ASSERT_EQ(Acquires("w2").size(), 1u);
  // w2 retires too (it still runs b), then has a: a still has to move, to w3, from w1.
  v1::WorkerToScheduler message;
  message.set_retiring("signal 15");
  WorkerSays("w2", std::move(message));
  StealAnswer("w2", "b", /*ok=*/false);
  Acquired("w2", "a");
  std::vector<v1::Dependency> acquires = Acquires("w3");
  ASSERT_EQ(acquires.size(), 1u);
  EXPECT_THAT(acquires[0].who_has(), ElementsAre(Addr("w1")));
  // w1 dies before w3 fetched it: w3 cannot, and does not say so. It is asked again, from w2.
  KillWorker("w1");
  EXPECT_THAT(state_->WhoHasKey("a"), ElementsAre("w2"));
  acquires = Acquires("w3");
  ASSERT_EQ(acquires.size(), 2u);
  EXPECT_THAT(acquires[1].who_has(), ElementsAre(Addr("w2")));
  Acquired("w3", "a");
  EXPECT_THAT(state_->WhoHasKey("a"), UnorderedElementsAre("w2", "w3"));
  Complete("w2", "b");
  ASSERT_EQ(Acquires("w3").size(), 3u);
  Acquired("w3", "b");
  EXPECT_TRUE(ToldToShutDown("w2"));
}

TEST_F(CrashesAndRetirement, AValueReportedAcquiredTwiceStaysWhereItIs) {
  AddWorker("w1");
  AddWorker("w2");
  Run({T("a")}, {"a"});
  Complete("w1", "a");
  ASSERT_TRUE(Retire({"w1"}).ok());
  Acquired("w2", "a");
  Released("w2");
  // Asked twice (a worker reports a value it holds already when asked again): still held.
  Acquired("w2", "a");
  EXPECT_THAT(Released("w2"), IsEmpty());
  EXPECT_THAT(state_->WhoHasKey("a"), UnorderedElementsAre("w1", "w2"));
}

}  // namespace
}  // namespace brisk
