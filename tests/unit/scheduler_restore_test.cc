// Unit tests of the scheduler's journal records and its restore: a SchedulerState records to a
// fake sink; the records replayed (JournalReplay) are restored into a fresh SchedulerState, as
// a restarted scheduler does, with ValidateState() after every event.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "brisk/v1/scheduler.pb.h"
#include "scheduler/journal_replay.h"
#include "scheduler/journal_sink.h"
#include "scheduler/scheduler_state.h"
#include "tests/support/fake_clock.h"
#include "tests/support/recording_comm.h"

namespace brisk {

inline void PrintTo(TaskState state, std::ostream* os) { *os << TaskStateName(state); }

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Keeps the committed records; a compaction replaces them with the snapshot, as the file does.
class RecordingSink : public JournalSink {
 public:
  void Record(const v1::JournalRecord& record) override { batch.push_back(record); }
  void Commit() override {
    records.insert(records.end(), batch.begin(), batch.end());
    batch.clear();
    ++commits;
  }
  bool WantsCompaction() const override { return compact; }
  absl::Status Rewrite(const std::vector<v1::JournalRecord>& snapshot) override {
    records = snapshot;
    batch.clear();
    compact = false;
    ++rewrites;
    return absl::OkStatus();
  }
  std::vector<v1::JournalRecord> batch, records;
  bool compact = false;
  int commits = 0, rewrites = 0;
};

v1::Task T(const std::string& key, const std::vector<std::string>& deps = {},
           const std::string& op = "inc") {
  v1::Task task;
  task.set_key(key);
  task.set_op(op);
  if (deps.empty()) task.add_args()->set_int_(1);
  for (const std::string& dep : deps) task.add_args()->set_ref(dep);
  return task;
}

constexpr ClientId kClient = 1;

class RestoreTest : public ::testing::Test {
 protected:
  RestoreTest() { Start(SchedulerOptions{}); }

  void Start(SchedulerOptions options) {
    options_ = options;
    options_.speculation_depth = 0;
    sink_ = std::make_unique<RecordingSink>();
    comm_ = std::make_unique<RecordingComm>();
    state_ = std::make_unique<SchedulerState>(*comm_, clock_, options_);
    state_->SetJournal(sink_.get());
    state_->AddClient(kClient);
    ids_.clear();
  }

  // A scheduler restarted on what the journal holds: a fresh state restored from the records,
  // recording to a sink that starts with them, as the file would.
  absl::Status Restart(absl::Duration grace = absl::Seconds(5)) {
    JournalReplay replay(options_.job_history);
    for (const v1::JournalRecord& record : sink_->records) replay.Apply(record);
    auto sink = std::make_unique<RecordingSink>();
    sink->records = sink_->records;
    state_.reset();
    sink_ = std::move(sink);
    comm_ = std::make_unique<RecordingComm>();
    state_ = std::make_unique<SchedulerState>(*comm_, clock_, options_);
    absl::Status restored = state_->Restore(replay, grace);
    state_->SetJournal(sink_.get());
    state_->AddClient(kClient);
    ids_.clear();
    ExpectValid();
    return restored;
  }

  void Flush() {
    state_->Flush();
    ExpectValid();
  }
  void Tick() {
    state_->Tick();
    Flush();
  }
  void ExpectValid() {
    absl::Status valid = state_->ValidateState();
    EXPECT_TRUE(valid.ok()) << valid.message();
  }

  WorkerId AddWorker(const std::string& name) {
    v1::RegisterWorker reg;
    reg.set_name(name);
    reg.set_address(name + ".test:7000");
    reg.set_nthreads(4);
    const WorkerId id = next_worker_++;
    EXPECT_TRUE(state_->AddWorker(id, reg).ok());
    ids_[name] = id;
    Flush();
    return id;
  }

  // The keys sent to `worker` to compute since the last call.
  std::vector<std::string> Computes(const std::string& worker) {
    std::vector<std::string> keys;
    auto& batches = comm_->to_worker[ids_.at(worker)];
    for (const v1::SchedulerToWorker& batch : batches) {
      for (const v1::ComputeTask& c : batch.compute()) keys.push_back(c.key());
    }
    batches.clear();
    return keys;
  }

  void Done(const std::string& worker, const std::string& key, const std::string& log = "",
            const std::string& error = "") {
    ASSERT_EQ(State(key), TaskState::kProcessing) << key;
    v1::WorkerToScheduler message;
    v1::TaskDone* done = message.add_done();
    done->set_key(state_->DataKeyOf(key).empty() ? key : state_->DataKeyOf(key));
    done->set_nbytes(8);
    done->set_start(100);
    done->set_end(101);
    done->set_log(log);
    done->set_error(error);
    state_->HandleWorkerMessage(ids_.at(worker), message);
    Flush();
  }

  JobId Run(std::vector<v1::Task> tasks, const std::vector<std::string>& outputs = {},
            bool keep = true, const std::string& name = "") {
    v1::ClientToScheduler message;
    v1::SubmitGraph* submit = message.mutable_submit();
    submit->set_request_id(++next_request_);
    for (v1::Task& task : tasks) *submit->add_tasks() = std::move(task);
    for (const std::string& out : outputs) submit->add_outputs(out);
    submit->set_keep(keep);
    submit->set_name(name);
    submit->set_last(true);
    state_->HandleClientMessage(kClient, message);
    Flush();
    for (const v1::SchedulerToClient& batch : comm_->to_client[kClient]) {
      for (const v1::SubmitResult& r : batch.submitted()) {
        if (r.request_id() == next_request_) {
          EXPECT_EQ(r.error(), "");
          return r.job();
        }
      }
    }
    ADD_FAILURE() << "no SubmitResult";
    return 0;
  }

  void Send(v1::ClientToScheduler message) {
    state_->HandleClientMessage(kClient, message);
    Flush();
  }

  TaskState State(const std::string& key) const {
    absl::StatusOr<TaskState> s = state_->StateOf(key);
    return s.ok() ? *s : TaskState::kForgotten;
  }
  v1::JobState JobState(JobId job) const {
    absl::StatusOr<v1::JobInfo> info = state_->GetJob(job, false);
    return info.ok() ? info->state() : v1::JOB_STATE_UNSPECIFIED;
  }
  // What the watchers of a job were told about `key`: its KeyUpdates' states.
  std::vector<v1::KeyState> KeyStatesSent(const std::string& key) {
    std::vector<v1::KeyState> states;
    for (const v1::SchedulerToClient& batch : comm_->to_client[kClient]) {
      for (const v1::KeyUpdate& k : batch.keys()) {
        if (k.key() == key) states.push_back(k.state());
      }
    }
    return states;
  }

  SchedulerOptions options_;
  FakeClock clock_;
  std::unique_ptr<RecordingSink> sink_;
  std::unique_ptr<RecordingComm> comm_;
  std::unique_ptr<SchedulerState> state_;
  std::map<std::string, WorkerId> ids_;
  WorkerId next_worker_ = 1;
  uint64_t next_request_ = 0;
};

TEST_F(RestoreTest, RecordsAreCommittedOncePerFlush) {
  AddWorker("w0");
  sink_->records.clear();
  Run({T("a"), T("b", {"a"})}, {"b"});
  EXPECT_TRUE(sink_->batch.empty());
  ASSERT_EQ(sink_->records.size(), 1u);
  // The listed tasks come first and are counted, not listed again by key; both are new.
  const v1::JournalJobSubmitted& s = sink_->records[0].job_submitted();
  EXPECT_EQ(s.listed_count(), 2u);
  EXPECT_THAT(s.listed(), IsEmpty());
  EXPECT_TRUE(s.listed_recomputed());
  EXPECT_THAT(s.recomputed(), IsEmpty());
  EXPECT_FALSE(s.outputs_listed());  // b only
  EXPECT_THAT(s.outputs(), ElementsAre("b"));
  Done("w0", "a");
  ASSERT_EQ(sink_->records.size(), 2u);
  EXPECT_EQ(sink_->records[1].task_finished().data_key(), "a");
  EXPECT_EQ(sink_->records[1].task_finished().worker(), "w0");
}

// A job record written before `listed_count`, `outputs_listed` and `listed_recomputed` existed
// (every list spelled out by key) replays to the same job as one written with them.
TEST(JournalReplayTest, JobRecordsWithAndWithoutTheCountedListsReplayTheSame) {
  auto task = [](v1::JournalJobSubmitted& s, const std::string& key) {
    v1::JournalTask* t = s.add_tasks();
    t->set_data_key(key);
    t->set_spec("spec of " + key);
  };
  // "a" was known and had finished, with the same definition: the job computes it afresh.
  v1::JournalRecord earlier;
  v1::JournalTask* known = earlier.mutable_tasks()->add_tasks();
  known->set_data_key("a");
  known->set_spec("spec of a");
  v1::JournalRecord finished;
  finished.mutable_task_finished()->set_data_key("a");
  v1::JournalRecord old_form, new_form;
  v1::JournalJobSubmitted& o = *old_form.mutable_job_submitted();
  o.set_id(2);
  task(o, "a");
  task(o, "b");
  task(o, "in");  // an input the job only refers to
  o.add_listed("a");
  o.add_listed("b");
  o.add_outputs("a");
  o.add_outputs("b");
  o.add_recomputed("a");
  o.add_recomputed("b");
  v1::JournalJobSubmitted& n = *new_form.mutable_job_submitted();
  n.set_id(2);
  task(n, "a");
  task(n, "b");
  task(n, "in");
  n.set_listed_count(2);
  n.set_outputs_listed(true);
  n.set_listed_recomputed(true);
  for (const v1::JournalRecord* record : {&old_form, &new_form}) {
    JournalReplay replay(10);
    replay.Apply(earlier);
    replay.Apply(finished);
    ASSERT_EQ(replay.tasks().at("a").outcome, JournalReplay::Task::Outcome::kFinished);
    replay.Apply(*record);
    ASSERT_EQ(replay.jobs().size(), 1u);
    const JournalReplay::Job& job = replay.jobs().at(2);
    EXPECT_THAT(job.tasks, ElementsAre("a", "b"));
    EXPECT_THAT(job.outputs, ElementsAre("a", "b"));
    EXPECT_EQ(replay.tasks().at("a").outcome, JournalReplay::Task::Outcome::kNone);
    EXPECT_EQ(replay.tasks().size(), 3u);
  }
}

TEST_F(RestoreTest, FinishedJobsKeepTheirStatesLogsAndIds) {
  AddWorker("w0");
  const JobId ok = Run({T("a"), T("b", {"a"})}, {"b"}, true, "good");
  Done("w0", "a", "a's log");
  Done("w0", "b");
  const JobId bad = Run({T("x")}, {"x"});
  Done("w0", "x", "x's stderr", "it broke");
  ASSERT_EQ(JobState(ok), v1::JOB_STATE_FINISHED);
  ASSERT_EQ(JobState(bad), v1::JOB_STATE_ERRED);

  ASSERT_TRUE(Restart().ok());
  EXPECT_EQ(JobState(ok), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(JobState(bad), v1::JOB_STATE_ERRED);
  EXPECT_EQ(state_->GetJob(ok, false)->name(), "good");
  absl::StatusOr<v1::TaskLog> log = state_->GetLog("a");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->log(), "a's log");
  EXPECT_EQ(log->state(), v1::TASK_STATE_FINISHED);
  EXPECT_EQ(log->worker(), "w0");
  absl::StatusOr<v1::TaskLog> failed = state_->GetLog("x");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state(), v1::TASK_STATE_ERRED);
  EXPECT_EQ(failed->error(), "it broke");
  EXPECT_EQ(failed->log(), "x's stderr");
  // New jobs continue after the restored ones.
  AddWorker("w1");
  EXPECT_EQ(Run({T("n")}, {"n"}), bad + 1);
}

TEST_F(RestoreTest, UnfinishedJobWaitsForTheGraceThenRecomputesWhatIsLost) {
  AddWorker("w0");
  const JobId job = Run({T("a"), T("b", {"a"}), T("c", {"b"})}, {"c"});
  Done("w0", "a");
  ASSERT_EQ(State("b"), TaskState::kProcessing);

  ASSERT_TRUE(Restart(absl::Seconds(5)).ok());
  EXPECT_TRUE(state_->InRestoreGrace());
  EXPECT_EQ(JobState(job), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(State("a"), TaskState::kReleased);  // finished; a worker may still hold it
  EXPECT_EQ(State("c"), TaskState::kReleased);
  AddWorker("other");  // not the worker the journal knew: the grace goes on
  Tick();
  EXPECT_TRUE(state_->InRestoreGrace());
  EXPECT_THAT(Computes("other"), IsEmpty());

  clock_.Advance(absl::Seconds(6));
  Tick();
  EXPECT_FALSE(state_->InRestoreGrace());
  EXPECT_THAT(Computes("other"), ElementsAre("a"));  // nobody brought it back
  Done("other", "a");
  Done("other", "b");
  Done("other", "c");
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(RestoreTest, GraceEndsOnceEveryKnownWorkerIsBack) {
  AddWorker("w0");
  AddWorker("w1");
  Run({T("a")}, {"a"});
  ASSERT_TRUE(Restart(absl::Seconds(60)).ok());
  AddWorker("w0");
  Tick();
  EXPECT_TRUE(state_->InRestoreGrace());
  AddWorker("w1");
  Tick();
  EXPECT_FALSE(state_->InRestoreGrace());
  const std::vector<std::string> sent = [&] {
    std::vector<std::string> all = Computes("w0");
    for (const std::string& k : Computes("w1")) all.push_back(k);
    return all;
  }();
  EXPECT_THAT(sent, ElementsAre("a"));
}

TEST_F(RestoreTest, WorkerThatLeftIsNotWaitedFor) {
  AddWorker("w0");
  AddWorker("gone");
  Run({T("a")}, {"a"});
  state_->RemoveWorker(ids_.at("gone"));
  Flush();
  ASSERT_TRUE(Restart(absl::Seconds(60)).ok());
  AddWorker("w0");
  Tick();
  EXPECT_FALSE(state_->InRestoreGrace());
}

TEST_F(RestoreTest, NothingToWaitForMeansNoGrace) {
  AddWorker("w0");
  const JobId job = Run({T("a")}, {"a"});
  Done("w0", "a");
  v1::ClientToScheduler release;
  release.add_release_jobs(job);
  Send(release);
  ASSERT_TRUE(Restart().ok());
  EXPECT_FALSE(state_->InRestoreGrace());
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(RestoreTest, WaitingOnAFinishedJobDuringTheGraceIsNotToldItWasReleased) {
  AddWorker("w0");
  const JobId job = Run({T("a")}, {"a"});
  Done("w0", "a");
  ASSERT_TRUE(Restart(absl::Seconds(5)).ok());
  v1::ClientToScheduler watch;
  watch.add_watch_jobs(job);
  Send(watch);
  EXPECT_THAT(KeyStatesSent("a"), IsEmpty());  // it may come back with a worker
  // Nobody brings it back: computed again, and then the watcher hears of it.
  AddWorker("w1");
  clock_.Advance(absl::Seconds(6));
  Tick();
  EXPECT_THAT(Computes("w1"), ElementsAre("a"));
  Done("w1", "a");
  EXPECT_THAT(KeyStatesSent("a"), ElementsAre(v1::KEY_STATE_MEMORY));
  EXPECT_EQ(JobState(job), v1::JOB_STATE_FINISHED);
}

TEST_F(RestoreTest, DataKeysOfOtherDefinitionsSurvive) {
  AddWorker("w0");
  Run({T("k")}, {"k"});
  Done("w0", "k");
  v1::Task other = T("k");
  other.mutable_args(0)->set_int_(2);
  Run({other}, {"k"});
  const std::string data_key = state_->DataKeyOf("k");
  ASSERT_NE(data_key, "k");
  ASSERT_TRUE(Restart().ok());
  EXPECT_EQ(state_->DataKeyOf("k"), data_key);
}

TEST_F(RestoreTest, PublishedNamesSurvive) {
  AddWorker("w0");
  Run({T("a")}, {"a"});
  Done("w0", "a");
  ASSERT_TRUE(state_->Publish("answer", "a").ok());
  Flush();
  ASSERT_TRUE(state_->Publish("gone", "a").ok());
  ASSERT_TRUE(state_->Unpublish("gone").ok());
  Flush();
  ASSERT_TRUE(Restart().ok());
  EXPECT_EQ(*state_->Published("answer"), "a");
  EXPECT_FALSE(state_->Published("gone").ok());
}

TEST_F(RestoreTest, JobHistoryBoundHolds) {
  SchedulerOptions options;
  options.job_history = 2;
  Start(options);
  AddWorker("w0");
  std::vector<JobId> jobs;
  for (int i = 0; i < 4; ++i) {
    const std::string key = "t" + std::to_string(i);
    jobs.push_back(Run({T(key)}, {key}));
    Done("w0", key);
    v1::ClientToScheduler release;
    release.add_release_jobs(jobs.back());
    Send(release);
  }
  ASSERT_TRUE(Restart().ok());
  EXPECT_EQ(JobState(jobs[0]), v1::JOB_STATE_UNSPECIFIED);
  EXPECT_EQ(JobState(jobs[1]), v1::JOB_STATE_UNSPECIFIED);
  EXPECT_EQ(JobState(jobs[2]), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(JobState(jobs[3]), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(State("t0"), TaskState::kForgotten);
}

TEST_F(RestoreTest, CancelledJobStaysCancelled) {
  AddWorker("w0");
  const JobId job = Run({T("a"), T("b", {"a"})}, {"b"});
  v1::ClientToScheduler cancel;
  cancel.add_cancel_jobs(job);
  Send(cancel);
  ASSERT_TRUE(Restart().ok());
  EXPECT_EQ(JobState(job), v1::JOB_STATE_CANCELLED);
}

// Compaction: the snapshot written in place of the log restores the same jobs and task states
// as the whole log does.
TEST_F(RestoreTest, SnapshotRestoresWhatTheWholeLogDoes) {
  AddWorker("w0");
  const JobId done = Run({T("a"), T("b", {"a"})}, {"b"});
  Done("w0", "a", "log of a");
  Done("w0", "b");
  const JobId failed = Run({T("x")}, {"x"});
  Done("w0", "x", "", "boom");
  const JobId running = Run({T("c", {"b"}), T("d", {"c"})}, {"d"});
  ASSERT_TRUE(state_->Publish("bee", "b").ok());
  const JobId released = Run({T("r")}, {"r"});
  Done("w0", "r");
  v1::ClientToScheduler release;
  release.add_release_jobs(released);
  Send(release);

  auto summary = [&] {
    std::string out;
    for (JobId j : {done, failed, running, released}) {
      absl::StatusOr<v1::JobInfo> info = state_->GetJob(j, true);
      if (!info.ok()) {
        out += "no job\n";
        continue;
      }
      out += std::to_string(j) + " " + v1::JobState_Name(info->state()) + ":";
      for (const v1::TaskInfo& t : info->tasks()) {
        out += " " + t.key() + "=" + v1::TaskState_Name(t.state()) + "/" + t.error();
      }
      out += "\n";
    }
    out += state_->Published("bee").value_or("-");
    out += " " + state_->GetLog("a")->log();
    return out;
  };
  const std::vector<v1::JournalRecord> whole_log = sink_->records;
  sink_->compact = true;
  Tick();
  ASSERT_EQ(sink_->rewrites, 1);
  const std::vector<v1::JournalRecord> snapshot = sink_->records;

  sink_->records = whole_log;
  ASSERT_TRUE(Restart().ok());
  const std::string from_log = summary();
  sink_->records = snapshot;
  ASSERT_TRUE(Restart().ok());
  EXPECT_EQ(summary(), from_log);
  EXPECT_THAT(from_log, HasSubstr("boom"));
  EXPECT_THAT(from_log, HasSubstr("log of a"));
}

TEST_F(RestoreTest, NoCompactionDuringTheGrace) {
  AddWorker("w0");
  Run({T("a")}, {"a"});
  ASSERT_TRUE(Restart().ok());
  sink_->compact = true;
  Tick();
  EXPECT_EQ(sink_->rewrites, 0);
  clock_.Advance(absl::Seconds(6));
  Tick();  // the grace ends first, then the check compacts
  EXPECT_EQ(sink_->rewrites, 1);
}

TEST_F(RestoreTest, UndefinedTaskIsReportedAsCorrupt) {
  v1::JournalRecord record;
  v1::JournalJobSubmitted& s = *record.mutable_job_submitted();
  s.set_id(1);
  s.add_listed("nowhere");
  s.add_outputs("nowhere");
  sink_->records = {record};
  absl::Status restored = Restart();
  EXPECT_FALSE(restored.ok());
  EXPECT_THAT(restored.message(), HasSubstr("\"nowhere\" is never defined"));
}

}  // namespace
}  // namespace brisk
