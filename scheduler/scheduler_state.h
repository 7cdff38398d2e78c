// SchedulerState: all cluster state and every scheduling decision, as a state machine with no
// network and no threads. One thread (the event loop) owns it; gRPC handlers turn messages into
// calls on it, and every outgoing message leaves through SchedulerComm when Flush() runs.
//
// Every change of a task's state is a transition (task_state.h has the diagram and the table of
// allowed pairs). Events (a worker's report, a submission, a lost worker...) recommend
// transitions; one worklist loop, RunTransitions(), applies them; each transition checks where it
// starts from, does its bookkeeping, and recommends the follow-ups it implies for its neighbours.
// Nothing recurses, so any graph depth works. ValidateState() states what every counter must
// equal (scheduler_validate.cc).
//
// The class is one state machine, implemented along its seams: scheduler_state.cc (events and
// the transitions), scheduler_jobs.cc (submission, jobs, key identity), scheduler_placement.cc
// (choosing workers, queues, stealing, sending ahead), scheduler_queries.cc (status, jobs, logs,
// published names), scheduler_validate.cc (the invariants).
//
// Keys: a task's identity is its key *and* its definition. A job that submits a key with another
// definition than a live task of that key gets a task of its own; workers store it under a data
// key that differs from the user's key (see scheduler/README.md, "Keys and definitions").
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/scheduler.pb.h"
#include "common/clock.h"
#include "scheduler/compact_vector.h"
#include "scheduler/dashboard_snapshot.h"
#include "scheduler/journal_sink.h"
#include "scheduler/key_and_spec.h"
#include "scheduler/scheduler_comm.h"
#include "scheduler/task_state.h"

namespace brisk {

class JournalReplay;
using TaskId = uint32_t;

struct SchedulerOptions {
  // Root tasks go to a worker only while it has fewer than nthreads × saturation tasks, unless
  // their expected run time is so short that the worker would otherwise idle (see
  // scheduler/README.md).
  double worker_saturation = 1.1;
  // Expected run time of an op never seen before.
  double default_task_duration_s = 0.5;
  // Keep a worker this many seconds of expected work ahead, however small the tasks.
  double min_queued_seconds = 0.002;
  // A task whose last missing input is being computed on a worker is sent to that worker ahead
  // of time, up to this many links down a chain (0: never). See scheduler/README.md.
  int speculation_depth = 3;
  // Assumed network bandwidth for transfer-cost estimates.
  double bandwidth_bytes_per_s = 100e6;
  // A task whose dependency cannot be fetched is retried this many times before it errs.
  int max_fetch_attempts = 5;
  // A task errs (ERROR_KIND_WORKER_DIED) on its Nth crash: the Nth time a worker it was running on
  // dies (its stream ends without the scheduler having told it to shut down). At least 1.
  int allowed_failures = 3;
  // A retiring worker is told to shut down after this many seconds even if its running tasks
  // have not finished or its values have not all moved; what it still held is recomputed.
  double retire_timeout_s = 60;
  // Finished jobs whose records are kept for `brisk tasks` and `brisk job`.
  size_t job_history = 1000;
  // A task that no connected worker can run (its op, its named workers or its resources are not
  // there) errs after waiting this many seconds in no-worker; so do queued tasks once no worker
  // at all has been connected that long. 0: they wait for a worker to join, however long (as in
  // Dask; the waiting clients are told why).
  double no_worker_timeout_s = 0;
  // With no worker connected, running jobs' watchers are told so after this many seconds (not at
  // once: workers started with the scheduler are usually still registering).
  double no_workers_notice_s = 2;
  // A worker that sent nothing (not even a heartbeat) for this long is removed, as if its stream
  // had ended; <= 0: never. Generous, so that a worker stalled for tens of seconds (swapping, a
  // frozen VM, kill -STOP) is not taken for dead (`brisk-scheduler --worker-timeout`).
  double worker_timeout_s = 60;
  // Names this scheduler's life (WorkerRegistered.incarnation); empty: a new random one. A
  // scheduler restored from a journal passes its predecessor's, so that the values workers held
  // under it are taken back (data keys name definitions only within one incarnation).
  std::string incarnation;
  // Check every invariant after each event and abort on the first broken one (slow: for tests
  // and `brisk-scheduler --validate`).
  bool validate = false;
};

class SchedulerState {
 public:
  SchedulerState(SchedulerComm& comm, const Clock& clock, SchedulerOptions options = {});
  SchedulerState(const SchedulerState&) = delete;  // key_index_ refers to this object's tasks_
  SchedulerState& operator=(const SchedulerState&) = delete;

  // ---- workers
  // Registers a worker under `id` (chosen by the caller, never reused). An error when the
  // registration is unusable (no address, no threads, a name already connected and
  // `reconnect` not set). With `reconnect`, a connected worker of that name is removed first
  // (the same process coming back over a new stream). Each value in `held` becomes the value of
  // the task of that data key on this worker when that task can take it (see TakeHeldValue);
  // the worker is told to release the others. One that left while retiring and registers
  // again with `reconnect` goes on retiring.
  absl::Status AddWorker(WorkerId id, const v1::RegisterWorker& registration);
  // The worker's stream ended: its running tasks go back to the queue and values that only it
  // held are recomputed where still needed. Unless the scheduler had told it to shut down, each
  // task it was running counts one crash, with `cause` (what is known of why it went: "connection
  // lost", "stopped responding"...); see SchedulerOptions::allowed_failures.
  void RemoveWorker(WorkerId worker, absl::string_view cause = "connection lost");
  // How a worker's process ended, from its supervising parent (`brisk-worker --nanny`; see
  // scheduler_worker_exit.cc). A worker still connected is removed with that cause; one that
  // died recently (its stream end came first, as it usually does) has the cause attached to
  // its departure and to the crashes of the tasks that were running on it. `attached` is false
  // when the scheduler has no such worker (another scheduler's, or one that left long ago).
  v1::WorkerExitReply OnWorkerExit(const v1::WorkerExitReport& report);
  void HandleWorkerMessage(WorkerId worker, const v1::WorkerToScheduler& message);

  // ---- clients
  void AddClient(ClientId client);
  // The client's stream ended: jobs it submitted without `keep` are cancelled or released.
  void RemoveClient(ClientId client);
  void HandleClientMessage(ClientId client, v1::ClientToScheduler& message);

  // ---- the journal (scheduler_restore.cc)
  // From now on, what a restart needs is recorded to `sink` (nullptr: nothing is recorded).
  // Records to `sink` from now on, starting with this scheduler's incarnation.
  void SetJournal(JournalSink* sink);
  // Rebuilds, into an empty state, what a journal's records add up to. Tasks that had finished
  // are held for `grace` (or until every worker the journal knew has reconnected) so that
  // reconnecting workers can report them; then unfinished jobs resume (see the file's comment).
  // An error when the journal contradicts itself.
  absl::Status Restore(const JournalReplay& replay, absl::Duration grace);
  // Whether restored work waits for workers to reconnect.
  bool InRestoreGrace() const { return grace_; }

  // ---- queries (scheduler_queries.cc). Keys are as the user wrote them; where several tasks
  // of one key are known (different definitions), the newest job's is meant.
  v1::StatusReply Status() const;
  absl::StatusOr<v1::JobInfo> GetJob(JobId job, bool include_tasks) const;
  v1::ListJobsReply ListJobs() const;
  v1::WhoHasReply WhoHas(const v1::WhoHasRequest& request) const;
  // Named results: the key stays in memory while published under `name`.
  absl::Status Publish(const std::string& name, const std::string& key);
  absl::Status Unpublish(const std::string& name);
  absl::StatusOr<std::string> Published(const std::string& name) const;
  absl::StatusOr<v1::TaskLog> GetLog(absl::string_view key) const;
  // What the HTTP endpoint shows: Status() and the counters since start (scheduler_snapshot.cc).
  // The caller adds what the event loop measures (DashboardSnapshot::loop_latency).
  DashboardSnapshot Snapshot() const;
  // Graceful retirement (scheduler_retire.cc): the named workers (names or addresses) take no
  // new tasks, finish those they run, hand the values still needed to other workers, then are
  // told to shut down. Refused, retiring none, when a name is unknown or no worker would be left.
  absl::StatusOr<v1::RetireReply> RetireWorkers(const v1::RetireRequest& request);
  // Tells every worker to exit.
  void Shutdown();
  // Names this scheduler's life (SchedulerOptions::incarnation).
  const std::string& incarnation() const { return incarnation_; }

  // Decisions that time alone triggers, made from the clock (the event loop calls this about
  // twice a second, then Flush()): each is a Check...() function of its own (silent workers,
  // tasks no worker can run, retiring workers past SchedulerOptions::retire_timeout_s, the end
  // of the grace period after a restore from a journal and the journal's compaction).
  void Tick();

  // Assigns queued work to workers with room; then sends one batch per destination.
  // The event loop calls this once after each batch of events.
  void Flush();

  // True once after a large graph was taken in: the buffers that held it are free, and the event
  // loop may hand that memory back to the operating system.
  bool TakeTrimRequest() {
    const bool trim = trim_requested_;
    trim_requested_ = false;
    return trim;
  }

  // Every invariant of the state, checked (scheduler_validate.cc); the first broken one, named.
  absl::Status ValidateState() const;

  // ---- introspection for tests and benchmarks
  size_t TaskCount() const { return key_index_.size(); }
  absl::StatusOr<TaskState> StateOf(absl::string_view key) const;
  // Name of the worker the task runs or ran on ("" when none).
  std::string WorkerOf(absl::string_view key) const;
  std::vector<std::string> WhoHasKey(absl::string_view key) const;
  // The key workers store the task's value under (differs from `key` when another task of that
  // key with another definition was known when it was submitted).
  std::string DataKeyOf(absl::string_view key) const;
  double ExpectedDuration(absl::string_view op) const;

 private:
  static constexpr WorkerId kNoWorker = UINT32_MAX;
  static constexpr TaskId kNoTask = UINT32_MAX;
  static constexpr int kTrimAfterTasks = 50000;
  // Between a user's key and the suffix that tells tasks of that key apart on the workers.
  // Graph validation refuses keys with control characters, so a data key never collides.
  static constexpr char kDataKeySeparator = '\x1f';

  struct Restrictions {
    std::map<std::string, double> resources;
    std::vector<std::string> workers;
  };

  // One per live key, so every byte counts: fields most tasks never use live in side tables
  // (restrictions_, errors_, logs_, more_output_jobs_, retries_). See kTaskBytes.
  struct Task {
    KeyAndSpec key_spec;  // key: the data key; spec: the serialized v1::Task without its key
    CompactVector<TaskId> deps;
    CompactVector<TaskId> dependents;
    CompactVector<WorkerId> who_has;
    uint64_t nbytes = 0;
    JobId output_job = 0;  // the first job holding this key as an output (0: none)
    uint64_t order = 0;    // depth-first submission order; lower runs first
    double start = 0, end = 0;
    uint32_t op = 0;
    uint32_t waiting_on = 0;          // dependencies not in memory (see ValidateState)
    uint32_t pending_dependents = 0;  // dependents being computed, which need this value
    uint32_t holders = 0;             // jobs holding this key as an output, and published names
    uint32_t live_jobs = 0;           // running jobs that include this task
    uint32_t job_refs = 0;            // job records that list this task
    int32_t priority = 0;
    float assigned_estimate = 0;  // expected seconds added to the worker's occupancy
    WorkerId processing_on = kNoWorker;
    WorkerId ran_on = kNoWorker;
    WorkerId stealing_to = kNoWorker;  // a steal request is out; the victim must confirm
    uint8_t speculative = 0;  // > 0: sent ahead of its last input, that many links down a chain
    TaskState state = TaskState::kReleased;
    // Flags, in one byte.
    bool restricted : 1 = false;
    bool needs_op : 1 = false;       // a plugin's op: only workers that announced it run it
    bool steal_refused : 1 = false;  // its worker would not give it up (it had started)
    bool free : 1 = false;           // slot on the free list

    absl::string_view key() const { return key_spec.key(); }  // the data key
    absl::string_view spec() const { return key_spec.spec(); }
  };
  // Guards against a record growing unnoticed: it is kept once per key.
  static constexpr size_t kTaskBytes = 168;
  static_assert(sizeof(Task) <= kTaskBytes, "Task grew: is the new field needed by most tasks?");

  // A recommended transition, applied by RunTransitions. `from` is the state the task was in
  // when it was recommended: a task that has moved on since is skipped (whoever moved it made
  // its own recommendations).
  struct Recommendation {
    TaskId id = kNoTask;
    // processing: the worker to send it to (kNoWorker: choose); memory: the worker that has it.
    WorkerId worker = kNoWorker;
    // erred: why, as an index into pending_errors_ (16 bytes in all: one is made per transition).
    uint32_t error = 0;
    TaskState from = TaskState::kReleased;
    TaskState to = TaskState::kReleased;
    // processing: sent ahead of its last input, this many links down a chain.
    uint8_t speculative = 0;
    // memory -> released: the holders could not serve the value; tell them to drop it.
    bool drop_copies : 1 = false;
    // -> memory: `worker` held the value when it registered (HeldToMemory), rather than
    // computed it.
    bool held : 1 = false;
  };
  static_assert(sizeof(Recommendation) <= 16);

  // Why a task erred: the kind clients switch on, and the message people read.
  struct TaskError {
    v1::ErrorKind kind = v1::ERROR_KIND_UNSPECIFIED;
    std::string message;
  };

  // One crash of a task: the worker it was running on, and "worker-name (cause)".
  struct Crash {
    WorkerId worker = 0;
    std::string cause;
  };
  // Crashes of a task (times a worker it was running on died), kept only for tasks that had one.
  struct Crashes {
    uint32_t count = 0;
    std::vector<Crash> causes;  // one per crash
  };
  // A worker that died (its stream ended with no shutdown), kept for kDeathMemory so that its
  // exit report, which usually arrives after the stream's end, can name the cause of the crashes
  // it caused (scheduler_worker_exit.cc).
  struct Death {
    std::string name;
    std::string retiring;  // Worker::retiring when it died
    std::string cause;     // "connection lost", then its exit report's
    absl::Time at;
    // The tasks that were running on it and counted a crash, each with its `order` (slots are
    // reused).
    std::vector<std::pair<TaskId, uint64_t>> tasks;
    bool reported = false;  // an exit report came
  };
  static constexpr absl::Duration kDeathMemory = absl::Minutes(10);
  static constexpr size_t kMaxDeaths = 1000;

  // Retry bookkeeping, kept only for tasks submitted with retries or that failed to fetch an input.
  struct Retries {
    int32_t left = 0;
    int32_t fetch_failures = 0;
    WorkerId failed_on = kNoWorker;  // retries go elsewhere when they can
  };

  // key_index_ holds task ids and finds them by data key: hashing and comparison read the key
  // from tasks_, so the index stores no copy of it.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(absl::string_view key) const { return absl::Hash<absl::string_view>{}(key); }
    size_t operator()(TaskId id) const { return (*this)((*tasks)[id].key()); }
    const std::deque<Task>* tasks;
  };
  struct KeyEq {
    using is_transparent = void;
    bool operator()(TaskId a, TaskId b) const { return a == b; }
    bool operator()(TaskId a, absl::string_view b) const { return (*tasks)[a].key() == b; }
    bool operator()(absl::string_view a, TaskId b) const { return a == (*tasks)[b].key(); }
    const std::deque<Task>* tasks;
  };

  struct Worker {
    WorkerId id = 0;
    std::string name;
    std::string address;
    int nthreads = 1;
    uint64_t memory_limit = 0;
    uint64_t memory = 0;
    // From its heartbeats (WorkerHeartbeat): values in memory, spill files, resident memory.
    uint64_t managed = 0;
    uint64_t spilled = 0;
    uint64_t spilled_total = 0;
    uint64_t resident = 0;
    // Above its memory pause threshold: placement prefers any other worker and never steals to
    // it (scheduler/README.md).
    bool paused = false;
    int executing = 0;
    std::map<std::string, double> resources;
    std::map<std::string, double> used;
    absl::flat_hash_set<TaskId> processing;
    absl::flat_hash_set<TaskId> has_what;
    double occupancy = 0;               // expected seconds of assigned work
    int incoming_steals = 0;            // steal requests out on its behalf
    int speculative = 0;                // tasks sent ahead of their last input (not runnable yet)
    absl::flat_hash_set<uint32_t> ops;  // the ops it announced (interned: op_names_)
    double last_seen = 0;               // clock_ seconds of its last message
    double joined = 0;                  // clock_ seconds of its registration
    // Retiring (non-empty: why): no new tasks; its values move elsewhere (scheduler_retire.cc).
    std::string retiring;
    absl::Time retire_deadline;
    bool goodbye = false;  // told to shut down: its stream ending is no crash
  };
  // What is known of a worker that left, for when it registers again.
  struct Departed {
    // The tasks it held or was computing then, each with its `order` (a record's identity:
    // slots are reused). Only those held values are taken back: any other value it offers may
    // be of a key that was freed, forgotten and defined anew while it was away.
    absl::flat_hash_map<TaskId, uint64_t> values;
    // Non-empty: it was retiring (why, and until when). The same process coming back
    // (`reconnect`) goes on retiring: it was asked to go (`brisk retire`, which it never hears
    // of), or said it would (a SIGTERM, which it says only once).
    std::string retiring;
    absl::Time retire_deadline;
  };

  enum class JobState : uint8_t { kRunning, kFinished, kErred, kCancelled };

  struct Job {
    JobId id = 0;
    std::string name;
    ClientId owner = 0;
    bool keep = false;
    bool holding = true;  // outputs are held
    JobState state = JobState::kRunning;
    std::vector<TaskId> tasks;  // dependencies before their dependents
    std::vector<TaskId> outputs;
    uint32_t outputs_left = 0;
    double submitted = 0, ended = 0;
    std::vector<ClientId> watchers;
    // Why its tasks waited for a worker, as told to its watchers (a JobNotice once per cause; a
    // later watcher hears the ones that still hold).
    struct Told {
      std::string cause;  // Unrunnable::cause
      std::string key;    // the waiting task's user key ("" for "no worker is connected")
      std::string message;
      TaskId task;  // kNoTask for "no worker is connected"
    };
    std::vector<Told> told;
  };

  struct PendingSubmit {
    v1::Graph graph;  // chunks accumulated so far
    std::string name;
    bool keep = false;
  };

  // Queue order: higher user priority first, then lower submission order, then the id. The
  // fields are laid out to fit 16 bytes (a tuple in this order takes 24): a big graph's roots are
  // all queued at once.
  struct QueueKey {
    int32_t neg_priority;
    TaskId id;
    uint64_t order;
    bool operator<(const QueueKey& other) const {
      return std::tie(neg_priority, order, id) <
             std::tie(other.neg_priority, other.order, other.id);
    }
  };
  static QueueKey KeyFor(const Task& t, TaskId id) { return {-t.priority, id, t.order}; }

  // ---- the transition engine (scheduler_state.cc)
  void Recommend(const Recommendation& rec) { recommendations_.push_back(rec); }
  void Recommend(TaskId id, TaskState to, WorkerId worker = kNoWorker);
  void RecommendErred(TaskId id, v1::ErrorKind kind, std::string error);
  // Applies recommendations, and those they imply, until none is left.
  void RunTransitions();
  void ApplyTransition(const Recommendation& rec);
  // The only writer of Task::state; refuses pairs the table does not allow.
  void SetState(TaskId id, TaskState to);
  // A broken precondition: a bug. Logged; fatal when validating.
  void Violation(TaskId id, const std::string& what);
  // After every event when options_.validate: abort on a broken invariant.
  void MaybeValidate();

  // ---- transitions, one function each (from -> to)
  void ToWaiting(TaskId id);       // released, erred or cancelled -> waiting
  void ReadyToWaiting(TaskId id);  // queued or no-worker -> waiting: an input was lost
  void WaitingToReady(TaskId id, WorkerId worker, uint8_t speculative);  // -> processing/queued/..
  void WaitingToQueued(TaskId id, TaskState to);                         // -> queued or no-worker
  void QueuedToProcessing(TaskId id, WorkerId worker);
  void ProcessingToMemory(TaskId id, WorkerId worker);
  // released (needed), waiting, queued, no-worker or processing -> memory: a re-registering
  // worker holds the value (RegisterWorker.held).
  void HeldToMemory(TaskId id, WorkerId worker);
  void ProcessingToWaiting(TaskId id, WorkerId prefer);  // worker lost, retry, stolen, taken back
  void ToErred(TaskId id, TaskError error);
  void ToCancelled(TaskId id);
  void MemoryToReleased(TaskId id, bool drop_copies);  // no longer needed, or its last copy lost
  void ToForgotten(TaskId id);

  // ---- pieces the transitions share
  void StartProcessing(TaskId id, WorkerId w, uint8_t speculative);  // sends the task
  void LeaveProcessing(TaskId id);
  void RemoveFromQueues(TaskId id);
  void DependentDone(TaskId dep);  // one dependent of `dep` no longer needs it
  bool Needed(const Task& t) const { return t.holders > 0 || t.pending_dependents > 0; }
  bool Forgettable(const Task& t) const;
  void MaybeRelease(TaskId id);  // memory and no longer needed: recommend freeing it
  void MaybeForget(TaskId id);   // nothing refers to it: recommend dropping the record
  std::string DependencyError(TaskId failed) const;

  // ---- workers (scheduler_state.cc)
  // A value a registering worker holds: its task takes it (memory on `w`, a further copy when in
  // memory elsewhere), or the worker is told to drop it.
  // `departed`: what that worker's previous registration held or was computing (see
  // departed_), or null when this scheduler has no record of it.
  void TakeHeldValue(WorkerId w, const v1::HeldValue& held, const Departed* departed);
  // Removes workers silent for longer than options_.worker_timeout_s (from Tick).
  void CheckSilentWorkers();
  // Removes a worker the scheduler gives up on, and closes its stream with `why`.
  void DropWorker(WorkerId w, const std::string& why);

  // ---- worker reports (scheduler_state.cc)
  void OnHeartbeat(Worker& w, const v1::WorkerHeartbeat& heartbeat);
  void OnTaskDone(WorkerId w, const v1::TaskDone& done);
  void OnStealResponse(WorkerId victim, const v1::StealResponse& response);

  // ---- submission and jobs (scheduler_jobs.cc)
  void HandleSubmit(ClientId client, v1::SubmitGraph& chunk);
  absl::StatusOr<JobId> CreateJob(ClientId client, PendingSubmit& submit);
  struct Intake;  // a graph being taken in
  void OrderGraph(Intake& in);
  void MatchDefinitions(Intake& in);
  void ListJobTasks(Intake& in, Job& job);
  TaskId CreateTask(Intake& in, int i);
  void ReuseTask(Intake& in, TaskId id);
  void HoldOutputs(Intake& in, Job& job);
  TaskId NewTask(absl::string_view data_key);
  // The fields of a new task that come from its spec (op, priority, retries, restrictions).
  void ApplySpec(TaskId id, const v1::Task& spec);
  uint32_t InternOp(const std::string& op);
  // The user's key of a task (its data key without the suffix).
  absl::string_view UserKey(const Task& t) const;
  std::string DataKeyFor(absl::string_view user_key);  // a fresh data key for a new task
  // Every known task of a user's key, and the one a name refers to (the newest job's).
  std::vector<TaskId> TasksOfKey(absl::string_view user_key) const;
  TaskId Resolve(absl::string_view name) const;  // kNoTask when unknown
  std::vector<JobId> OutputJobs(TaskId id) const;
  void OutputDone(TaskId id);  // notify jobs holding `id` as an output
  void JobCheckDone(Job& job);
  void ReleaseJob(Job& job);
  void CancelJob(Job& job);
  void EndJob(Job& job, JobState state);
  void TrimJobHistory();
  void WatchJob(ClientId client, JobId job);
  // Tells watchers that a job that had ended has all its outputs settled again.
  void AnnounceJobState(const Job& job);
  bool OutputsSettled(const Job& job) const;
  void SendKeyUpdate(ClientId client, const Job& job, TaskId id);
  static v1::JobState WireState(JobState state);

  // ---- the journal (scheduler_restore.cc)
  void AddJournalTask(TaskId id, v1::JournalTask& out) const;
  // `recomputed`: known tasks the job submits again; `created`: its new tasks (kNoTask: none).
  void JournalJob(const Job& job, const absl::flat_hash_set<TaskId>& recomputed,
                  const std::vector<TaskId>& created);
  // A finished or erred task as a journal record (as it happens, and in a snapshot).
  void FillFinished(TaskId id, v1::JournalTaskFinished& record) const;
  void FillErred(TaskId id, v1::JournalTaskErred& record) const;
  void JournalFinished(TaskId id);
  void JournalErred(TaskId id);
  void JournalJobEnded(const Job& job);
  void JournalJobReleased(JobId job);
  void JournalPublished(const std::string& name, TaskId id);  // kNoTask: unpublished
  void JournalWorker(const std::string& name, bool joined);
  std::vector<v1::JournalRecord> JournalSnapshot() const;
  // From Tick(): the end of the grace period after a restore, and compaction.
  void CheckJournal();
  void EndRestoreGrace(const char* why);
  // A name for a worker a restored task ran on, as an id no connected worker has.
  WorkerId RestoredWorker(const std::string& name);
  // A restored output that a reconnecting worker may still bring back.
  bool AwaitingRestore(TaskId id) const {
    return grace_ && tasks_[id].state == TaskState::kReleased && grace_held_.contains(id);
  }

  // ---- placement (scheduler_placement.cc)
  bool CanEverRun(const Worker& w, TaskId id) const;
  bool HasRoomFor(const Worker& w, TaskId id) const;
  bool RootSaturated(const Worker& w) const;
  WorkerId DecideWorker(TaskId id, bool root) const;
  void ScheduleQueued();
  // Work stealing: idle workers take not-yet-started tasks from workers with a backlog.
  void StealWork();
  // Speculative assignment: send `id`'s dependents waiting only on it to the same worker.
  void SendAhead(TaskId id);
  double Estimate(const Task& t) const;
  std::string Requirements(TaskId id) const;  // what a restricted task needs, in words
  bool ResourcesExistFor(TaskId id) const;    // some connected worker declares enough
  // Whether worker `w` has the task's op (always, for a built-in op).
  bool HasOp(const Worker& w, const Task& t) const { return !t.needs_op || w.ops.contains(t.op); }
  // Whether some connected worker has it.
  bool OpAvailable(const Task& t) const { return !t.needs_op || op_workers_[t.op] > 0; }

  // ---- tasks no worker can run (scheduler_notices.cc)
  // Why the no-worker task `id` cannot run: a key that tells causes apart (one notice per job
  // and cause) and the reason in words.
  struct Unrunnable {
    std::string cause;
    std::string reason;
  };
  Unrunnable WhyUnrunnable(TaskId id) const;
  // The notice a job's watchers read: the reason, and what happens next.
  std::string NoticeFor(const std::string& reason) const;
  std::string MissingOpMessage(uint32_t op) const;
  // Tells the watchers of the jobs that need the tasks in unrunnable_ why those wait, once per
  // job and cause.
  void SendUnrunnableNotices();
  void SendNotice(ClientId client, JobId job, const std::string& key, const std::string& message);
  // From Tick(): tells running jobs' watchers when no worker has been connected for a while, and
  // fails tasks that waited longer than SchedulerOptions::no_worker_timeout_s.
  void CheckNoWorker();

  // ---- crashes and graceful retirement (scheduler_retire.cc)
  // Counts a crash of `id`, running on `w` when it died of `cause`; true when that was its last
  // allowed one (it should err, with CrashError).
  bool CountCrash(TaskId id, const Worker& w, absl::string_view cause);
  std::string CrashError(TaskId id) const;
  // "w1 (cause)", or "w1 (cause while retiring: why)": one crash's entry.
  static std::string CrashCause(absl::string_view worker, absl::string_view cause,
                                absl::string_view retiring);

  // ---- workers that died (scheduler_worker_exit.cc)
  // Logs one line for a worker that died with tasks running: how many, which run again and
  // which failed (the first few keys of each; `again` and `failed` are sorted user keys).
  void LogDeath(const Worker& w, absl::string_view cause, const std::vector<std::string>& again,
                const std::vector<std::string>& failed) const;
  // Drops the records of deaths older than kDeathMemory (from Tick), and the oldest beyond
  // kMaxDeaths.
  void CheckDeaths();
  void StartRetiring(WorkerId wid, std::string why);
  // Moves the values of retiring workers, and tells those done to shut down (from Flush).
  void ContinueRetiring();
  void CheckRetireTimeouts();  // from Tick
  void OnAcquired(WorkerId wid, const v1::HeldValue& held);
  // The worker that should take `id`'s value from a retiring `from` (kNoWorker: none).
  WorkerId HandoverTarget(const absl::flat_hash_map<WorkerId, size_t>& load, WorkerId from) const;
  // Whether `id`'s value must move before a retiring `from` goes: still needed, and no worker
  // that stays holds a copy.
  bool MovesWith(TaskId id, WorkerId from) const;
  bool TakesWork(const Worker& w) const { return w.retiring.empty() && !w.goodbye; }
  void SayGoodbye(WorkerId wid, Worker& w, std::string reason);
  template <typename Reply>
  void SetCrashes(TaskId id, Reply& reply) const {
    auto c = crashes_.find(id);
    if (c == crashes_.end()) return;
    reply.set_crashes(c->second.count);
    for (const Crash& crash : c->second.causes) reply.add_crash_causes(crash.cause);
  }

  // ---- queries (scheduler_queries.cc)
  std::string WorkerName(WorkerId w) const;
  // The state queries report: a released task that ran is TASK_STATE_FINISHED (value since freed).
  static v1::TaskState WireState(const Task& t);
  // The task's error kind and message into a query's reply, when it erred.
  template <typename Reply>
  void SetError(TaskId id, Reply& reply) const {
    auto err = errors_.find(id);
    if (err == errors_.end()) return;
    reply.set_error(err->second.message);
    reply.set_error_kind(err->second.kind);
  }

  v1::SchedulerToWorker& WorkerBatch(WorkerId w) { return worker_out_[w]; }
  v1::SchedulerToClient& ClientBatch(ClientId c) { return client_out_[c]; }

  SchedulerComm& comm_;
  const Clock& clock_;
  SchedulerOptions options_;

  std::deque<Task> tasks_;  // records never move as it grows: a Task& stays valid across NewTask
  std::vector<TaskId> free_tasks_;
  absl::flat_hash_set<TaskId, KeyHash, KeyEq> key_index_;  // every live task, by data key
  // User keys with tasks whose data key differs from it (other definitions of that key).
  absl::flat_hash_map<std::string, std::vector<TaskId>> aliases_;
  uint64_t next_alias_ = 1;
  absl::flat_hash_map<TaskId, Restrictions> restrictions_;
  absl::flat_hash_map<TaskId, TaskError> errors_;
  absl::flat_hash_map<TaskId, std::string> logs_;  // only tasks that left a log
  // Jobs holding a key as an output beyond the first (kept in Task::output_job).
  absl::flat_hash_map<TaskId, std::vector<JobId>> more_output_jobs_;
  absl::flat_hash_map<TaskId, Retries> retries_;  // only some tasks: see Retries
  absl::flat_hash_map<TaskId, Crashes> crashes_;  // only tasks that had a crash
  // A value of a retiring worker on its way to another: who fetches it, and from whom.
  struct Acquiring {
    WorkerId to = kNoWorker;
    WorkerId from = kNoWorker;
  };
  absl::flat_hash_map<TaskId, Acquiring> acquiring_;
  uint64_t next_order_ = 0;
  // The worklist: applied first in, first out from `next_recommendation_`; emptied, and the
  // errors with it, when all are applied.
  std::vector<Recommendation> recommendations_;
  size_t next_recommendation_ = 0;
  std::vector<TaskError> pending_errors_;
  // Broken preconditions seen (each a bug), and the first one: ValidateState reports them.
  uint64_t violations_ = 0;
  std::string first_violation_;

  std::vector<std::string> op_names_;
  absl::flat_hash_map<std::string, uint32_t> op_index_;
  std::vector<double> op_duration_;    // learned seconds per op; < 0: unknown
  std::vector<uint8_t> op_builtin_;    // per op: every worker has it (common/builtin_op_names.h)
  std::vector<uint32_t> op_workers_;   // per op: connected workers that announced it
  std::vector<OpMetrics> op_metrics_;  // per op: runs finished, tasks failed, run times
  // Tasks that went no-worker since the last Flush because no connected worker has their op.
  // Tasks that went to no-worker since the last Flush(): their jobs' watchers are told why.
  std::vector<TaskId> unrunnable_;
  // When each task in no_worker_ went there (for no_worker_timeout_s).
  absl::flat_hash_map<TaskId, absl::Time> no_worker_since_;
  // Since when no worker has been connected: set at the start and when the last one leaves;
  // InfinitePast once Tick() saw workers.
  absl::Time no_workers_since_;

  absl::btree_set<QueueKey> queued_;       // ready root tasks waiting for a free worker
  absl::btree_set<QueueKey> constrained_;  // ready tasks waiting for resources or named workers
  absl::btree_set<QueueKey> no_worker_;    // ready tasks no connected worker can ever run

  std::string incarnation_;
  // Per name of a worker that left. Dropped when the name registers again.
  absl::flat_hash_map<std::string, Departed> departed_;
  std::map<WorkerId, Worker> workers_;
  absl::flat_hash_map<std::string, WorkerId> worker_by_name_;
  absl::flat_hash_map<WorkerId, std::string> worker_names_;  // also of departed workers
  std::map<WorkerId, Death> deaths_;                         // recent deaths, by worker id
  uint64_t state_counts_[kTaskStateCount] = {};
  uint64_t finished_count_ = 0;  // of those released, the ones that ran (ran_on set)

  absl::flat_hash_map<std::string, TaskId> published_;
  std::map<JobId, Job> jobs_;
  JobId next_job_ = 1;
  std::deque<JobId> ended_jobs_;  // in the order they ended, for history trimming
  absl::flat_hash_map<ClientId, absl::flat_hash_map<uint64_t, PendingSubmit>> pending_submits_;
  absl::flat_hash_set<ClientId> clients_;

  bool trim_requested_ = false;
  double last_tick_ = -1;  // clock_ seconds of the last Tick() (< 0: none yet)

  JournalSink* journal_ = nullptr;
  v1::JournalRecord journal_record_;  // scratch for JournalFinished/JournalErred
  bool restored_ = false;             // from a journal: held values come back only with a record
  // After a restore: finished tasks held until the grace period ends (counted in holders).
  bool grace_ = false;
  absl::flat_hash_set<TaskId> grace_held_;
  absl::Time grace_deadline_;
  std::set<std::string> grace_workers_;  // the workers the journal last knew, by name
  // Workers restored tasks ran on, by name, with ids counting down from kNoWorker.
  absl::flat_hash_map<std::string, WorkerId> restored_workers_;
  WorkerId next_restored_worker_ = kNoWorker - 1;

  absl::flat_hash_map<WorkerId, v1::SchedulerToWorker> worker_out_;
  absl::flat_hash_map<ClientId, v1::SchedulerToClient> client_out_;
};

}  // namespace brisk
