// SchedulerState's jobs: taking in a submitted graph (validation, the identity of each key, the
// job's tasks), and a job's life after that (outputs done, release, cancel, history, watchers).
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/builtin_op_names.h"
#include "common/graph_validate.h"
#include "common/state_names.h"
#include "scheduler/scheduler_state.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

// Replaces references by name (in args, kwargs and `after`) with the data keys they resolve to.
// Iterative: an argument list may nest.
void RewriteRefs(v1::Task& task, const std::vector<std::pair<std::string, std::string>>& renames) {
  auto rename = [&](std::string& ref) {
    for (const auto& [from, to] : renames) {
      if (ref == from) {
        ref = to;
        return;
      }
    }
  };
  std::vector<v1::Arg*> todo;
  for (v1::Arg& arg : *task.mutable_args()) todo.push_back(&arg);
  for (auto& [name, arg] : *task.mutable_kwargs()) todo.push_back(&arg);
  while (!todo.empty()) {
    v1::Arg* arg = todo.back();
    todo.pop_back();
    if (arg->kind_case() == v1::Arg::kRef) {
      rename(*arg->mutable_ref());
    } else if (arg->kind_case() == v1::Arg::kList) {
      for (v1::Arg& item : *arg->mutable_list()->mutable_items()) todo.push_back(&item);
    }
  }
  for (std::string& key : *task.mutable_after()) rename(key);
}

}  // namespace

// ------------------------------------------------------------------------------------ submission

void SchedulerState::HandleSubmit(ClientId client, v1::SubmitGraph& chunk) {
  PendingSubmit& pending = pending_submits_[client][chunk.request_id()];
  for (v1::Task& task : *chunk.mutable_tasks()) *pending.graph.add_tasks() = std::move(task);
  for (std::string& out : *chunk.mutable_outputs()) pending.graph.add_outputs(std::move(out));
  if (!chunk.name().empty()) pending.name = chunk.name();
  pending.keep = pending.keep || chunk.keep();
  if (!chunk.last()) return;
  PendingSubmit complete = std::move(pending);
  pending_submits_[client].erase(chunk.request_id());
  v1::SubmitResult* result = ClientBatch(client).add_submitted();
  result->set_request_id(chunk.request_id());
  trim_requested_ = trim_requested_ || complete.graph.tasks_size() >= kTrimAfterTasks;
  absl::StatusOr<JobId> job = CreateJob(client, complete);
  if (!job.ok()) {
    spdlog::info("refused a graph from client {}: {}", client, job.status().ToString());
    result->set_error(std::string(job.status().message()));
    return;
  }
  result->set_job(*job);
  WatchJob(client, *job);
}

uint32_t SchedulerState::InternOp(const std::string& op) {
  auto [it, inserted] = op_index_.try_emplace(op, static_cast<uint32_t>(op_names_.size()));
  if (inserted) {
    op_names_.push_back(op);
    op_duration_.push_back(-1);
    op_builtin_.push_back(IsBuiltinOp(op));
    op_workers_.push_back(0);
    op_metrics_.emplace_back();
  }
  return it->second;
}

TaskId SchedulerState::NewTask(absl::string_view data_key) {
  if (!recommendations_.empty()) {
    // A recommendation could name the slot about to be reused.
    spdlog::error("scheduler bug: a task created with transitions pending");
    if (options_.validate) std::abort();
    RunTransitions();
  }
  TaskId id;
  if (!free_tasks_.empty()) {
    id = free_tasks_.back();
    free_tasks_.pop_back();
    tasks_[id] = Task{};
  } else {
    id = static_cast<TaskId>(tasks_.size());
    tasks_.emplace_back();
  }
  Task& t = tasks_[id];
  t.key_spec = KeyAndSpec(data_key, "");
  ++state_counts_[static_cast<int>(t.state)];
  key_index_.insert(id);
  const absl::string_view user_key = UserKey(t);
  if (user_key.size() != data_key.size()) aliases_[user_key].push_back(id);
  return id;
}

absl::string_view SchedulerState::UserKey(const Task& t) const {
  const absl::string_view key = t.key();
  const size_t cut = key.find(kDataKeySeparator);
  return cut == absl::string_view::npos ? key : key.substr(0, cut);
}

std::string SchedulerState::DataKeyFor(absl::string_view user_key) {
  if (!key_index_.contains(user_key)) return std::string(user_key);
  std::string key;
  do {
    key = absl::StrCat(user_key, std::string(1, kDataKeySeparator), next_alias_++);
  } while (key_index_.contains(key));
  return key;
}

std::vector<TaskId> SchedulerState::TasksOfKey(absl::string_view user_key) const {
  std::vector<TaskId> ids;
  if (auto it = key_index_.find(user_key); it != key_index_.end()) ids.push_back(*it);
  if (!aliases_.empty()) {
    if (auto it = aliases_.find(user_key); it != aliases_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
    }
  }
  return ids;
}

TaskId SchedulerState::Resolve(absl::string_view name) const {
  if (name.find(kDataKeySeparator) != absl::string_view::npos) {
    auto it = key_index_.find(name);
    return it == key_index_.end() ? kNoTask : *it;
  }
  const std::vector<TaskId> ids = TasksOfKey(name);
  if (ids.size() <= 1) return ids.empty() ? kNoTask : ids.front();
  // Several definitions of one key: the one held or being computed, then the newest job's.
  auto rank = [this](TaskId id) {
    const Task& t = tasks_[id];
    const bool live = t.state == TaskState::kMemory || IsActive(t.state) || t.holders > 0;
    JobId newest = 0;
    for (JobId j : OutputJobs(id)) newest = std::max(newest, j);
    return std::make_tuple(live, newest, t.order);
  };
  TaskId best = ids.front();
  for (TaskId id : ids) {
    if (rank(id) > rank(best)) best = id;
  }
  return best;
}

// A graph being taken in. A node of the graph as resolved is a known task (>= 0) or the graph's
// task i, to be created (-(i + 1)).
struct SchedulerState::Intake {
  using Node = int64_t;
  static Node NewNode(int i) { return -static_cast<Node>(i) - 1; }
  static int Index(Node node) { return static_cast<int>(-(node + 1)); }

  struct Plan {
    TaskId match = kNoTask;  // a known task with the same definition
    std::string data_key;    // for a new task
    std::string spec;        // serialized, without the key, references by data key
    std::vector<Node> deps;
  };

  explicit Intake(v1::Graph& g) : graph(g), n(g.tasks_size()), dep_names(n), plans(n) {
    local.reserve(n);
    for (int i = 0; i < n; ++i) local.emplace(graph.tasks(i).key(), i);
    outputs.assign(graph.outputs().begin(), graph.outputs().end());
    if (outputs.empty()) outputs = DefaultOutputs(graph);
  }
  // The node a name of this graph stands for (a task of its own, or a known task).
  Node NodeOf(const std::string& name, const SchedulerState& state) const {
    auto it = local.find(name);
    if (it == local.end()) return state.Resolve(name);
    const Plan& plan = plans[it->second];
    return plan.match != kNoTask ? plan.match : NewNode(it->second);
  }
  // A known task this graph defines (same definition), as opposed to one it only refers to.
  bool DefinedHere(TaskId id, const SchedulerState& state) const {
    auto it = local.find(state.UserKey(state.tasks_[id]));
    return it != local.end() && plans[it->second].match == id;
  }

  v1::Graph& graph;
  const int n;
  absl::flat_hash_map<absl::string_view, int> local;  // key -> index in the graph
  std::vector<std::string> outputs;
  std::vector<std::vector<std::string>> dep_names;  // of the tasks the outputs reach
  std::vector<int> post_order;                      // those tasks, dependencies first
  std::vector<Plan> plans;
  std::vector<TaskId> created;            // task i's new id
  absl::flat_hash_set<TaskId> recompute;  // known tasks this graph submits again
};

// Taking in a graph, in four passes: validation; the graph's order; the identity of each of its
// tasks; the job's tasks.
absl::StatusOr<JobId> SchedulerState::CreateJob(ClientId client, PendingSubmit& submit) {
  GraphCheck check;
  check.key_exists = [this](absl::string_view key) { return Resolve(key) != kNoTask; };
  absl::Status valid = ValidateGraph(submit.graph, check);
  if (!valid.ok()) return valid;

  Intake in(submit.graph);
  OrderGraph(in);
  MatchDefinitions(in);
  const JobId job_id = next_job_++;
  Job& job = jobs_[job_id];
  job.id = job_id;
  job.name = submit.name;
  job.owner = client;
  job.keep = submit.keep;
  job.submitted = UnixSeconds(clock_.Now());
  ListJobTasks(in, job);
  HoldOutputs(in, job);
  if (journal_ != nullptr) JournalJob(job, in.recompute, in.created);
  // Dependencies first, so a task looks at inputs that are already on their way.
  for (TaskId id : job.tasks) {
    const TaskState s = tasks_[id].state;
    if (s == TaskState::kReleased || s == TaskState::kCancelled ||
        (s == TaskState::kErred && in.recompute.contains(id))) {
      Recommend(id, TaskState::kWaiting);
    }
  }
  spdlog::debug("job {} submitted: {} tasks, {} outputs", job_id, job.tasks.size(),
                job.outputs.size());
  if (job.state == JobState::kRunning && job.outputs_left == 0) JobCheckDone(job);
  return job_id;
}

// Post-order over the graph's own tasks that the outputs reach: dependencies first.
void SchedulerState::OrderGraph(Intake& in) {
  std::vector<uint8_t> listed(in.n, 0);
  in.post_order.reserve(in.n);
  std::vector<std::pair<int, size_t>> stack;
  auto enter = [&](int i) {
    listed[i] = 1;
    in.dep_names[i] = Dependencies(in.graph.tasks(i));
    stack.push_back({i, 0});
  };
  for (const std::string& out : in.outputs) {
    auto it = in.local.find(out);
    if (it == in.local.end() || listed[it->second]) continue;
    enter(it->second);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < in.dep_names[node].size()) {
        auto dep = in.local.find(in.dep_names[node][next++]);
        if (dep != in.local.end() && !listed[dep->second]) enter(dep->second);
        continue;
      }
      in.post_order.push_back(node);
      stack.pop_back();
    }
  }
}

// In dependency order, each task of the graph is matched to a known task of the same key whose
// definition is the same: op, arguments, options and the identity of every dependency, all in
// its serialized spec once references are rewritten to data keys. Otherwise it will be a new
// task, under its key if that is free, else under a data key of its own.
void SchedulerState::MatchDefinitions(Intake& in) {
  std::vector<std::pair<std::string, std::string>> renames;
  for (int i : in.post_order) {
    Intake::Plan& plan = in.plans[i];
    v1::Task& spec = *in.graph.mutable_tasks(i);
    bool all_known = true;  // a task over a new input is new itself
    renames.clear();
    plan.deps.reserve(in.dep_names[i].size());
    for (const std::string& name : in.dep_names[i]) {
      const Intake::Node dep = in.NodeOf(name, *this);
      plan.deps.push_back(dep);
      const absl::string_view data_key =
          dep >= 0 ? tasks_[dep].key() : absl::string_view(in.plans[Intake::Index(dep)].data_key);
      all_known = all_known && dep >= 0;
      if (data_key != name) renames.emplace_back(name, std::string(data_key));
    }
    if (!renames.empty()) RewriteRefs(spec, renames);
    std::string user_key = std::move(*spec.mutable_key());
    spec.clear_key();  // kept once, beside the spec
    plan.spec = spec.SerializeAsString();
    bool key_known = true;  // unless looked up and found free
    // A shell command's output depends on the world (files, clocks, the network), not only on
    // its arguments: submitted again, it runs again, as a task of its own.
    const bool shareable = spec.op() != "shell";
    if (all_known && !shareable) key_known = !TasksOfKey(user_key).empty();
    if (all_known && shareable) {
      const std::vector<TaskId> candidates = TasksOfKey(user_key);
      key_known = !candidates.empty();
      for (TaskId candidate : candidates) {
        const Task& c = tasks_[candidate];
        // A failure another job holds as its output stays that job's answer: computing it again
        // is a task of its own.
        if (c.state == TaskState::kErred && c.holders > 0) continue;
        if (c.spec() == plan.spec) {
          plan.match = candidate;
          break;
        }
      }
    }
    if (plan.match == kNoTask) {
      // A key nobody has is its own data key: no second look-up for most new tasks.
      plan.data_key = key_known ? DataKeyFor(user_key) : user_key;
    }
    spec.set_key(std::move(user_key));
  }
}

TaskId SchedulerState::CreateTask(Intake& in, int i) {
  Intake::Plan& plan = in.plans[i];
  const v1::Task& spec = in.graph.tasks(i);
  const TaskId id = NewTask(plan.data_key);
  ApplySpec(id, spec);
  Task& t = tasks_[id];
  t.order = next_order_++;
  for (Intake::Node dep : plan.deps) {
    const TaskId d = dep >= 0 ? static_cast<TaskId>(dep) : in.created[Intake::Index(dep)];
    t.deps.push_back(d);
    tasks_[d].dependents.push_back(id);
  }
  t.key_spec.set_spec(plan.spec);
  std::string().swap(plan.spec);
  return id;
}

void SchedulerState::ApplySpec(TaskId id, const v1::Task& spec) {
  Task& t = tasks_[id];
  t.op = InternOp(spec.op());
  t.needs_op = !op_builtin_[t.op];
  t.priority = spec.priority();
  if (spec.retries() > 0) retries_[id].left = spec.retries();
  t.restricted = !spec.resources().empty() || !spec.workers().empty();
  if (t.restricted) {
    Restrictions& r = restrictions_[id];
    r.resources.insert(spec.resources().begin(), spec.resources().end());
    r.workers.assign(spec.workers().begin(), spec.workers().end());
  }
}

// A depth-first walk from the outputs over the graph as resolved: creates the new tasks and
// lists, dependencies first, every task the outputs need — not below a value already in memory,
// nor below a failure not submitted again.
void SchedulerState::ListJobTasks(Intake& in, Job& job) {
  using Node = Intake::Node;
  in.created.assign(in.n, kNoTask);
  absl::flat_hash_set<TaskId> seen_known;
  std::vector<uint8_t> seen_new(in.n, 0);
  auto first_visit = [&](Node node) {
    if (node >= 0) return seen_known.insert(static_cast<TaskId>(node)).second;
    if (seen_new[Intake::Index(node)]) return false;
    seen_new[Intake::Index(node)] = 1;
    return true;
  };
  auto dep_of = [&](Node node, size_t k, Node* out) {
    if (node < 0) {
      const std::vector<Node>& deps = in.plans[Intake::Index(node)].deps;
      if (k >= deps.size()) return false;
      *out = deps[k];
      return true;
    }
    const Task& t = tasks_[node];
    if (t.state == TaskState::kMemory || k >= t.deps.size()) return false;
    if (t.state == TaskState::kErred && !in.DefinedHere(static_cast<TaskId>(node), *this)) {
      return false;
    }
    *out = t.deps[k];
    return true;
  };
  auto add_to_job = [&](TaskId id) {
    job.tasks.push_back(id);
    ++tasks_[id].job_refs;
    ++tasks_[id].live_jobs;
  };
  std::vector<std::pair<Node, size_t>> stack;
  for (const std::string& out : in.outputs) {
    const Node root = in.NodeOf(out, *this);
    if (!first_visit(root)) continue;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      Node dep;
      if (dep_of(node, next, &dep)) {
        ++next;
        if (first_visit(dep)) stack.push_back({dep, 0});
        continue;
      }
      const Node done = node;
      stack.pop_back();
      if (done < 0) {
        const int i = Intake::Index(done);
        in.created[i] = CreateTask(in, i);
        add_to_job(in.created[i]);
        continue;
      }
      const TaskId id = static_cast<TaskId>(done);
      const bool here = in.DefinedHere(id, *this);
      // A value in memory that the graph only refers to is an input, not part of the job.
      if (tasks_[id].state == TaskState::kMemory && !here) continue;
      add_to_job(id);
      const TaskState s = tasks_[id].state;
      if (s == TaskState::kMemory || IsActive(s)) continue;  // shared as it is
      tasks_[id].order = next_order_++;  // computed again: runs in this job's order
      if (here) ReuseTask(in, id);
    }
  }
}

// A known task this graph defines again, neither held nor being computed: computed afresh,
// whatever happened to it before, with the retries this graph gives it.
void SchedulerState::ReuseTask(Intake& in, TaskId id) {
  const Task& t = tasks_[id];
  in.recompute.insert(id);
  crashes_.erase(id);  // its earlier runs' crashes do not count against this one
  const int retries = in.graph.tasks(in.local.at(UserKey(t))).retries();
  if (retries > 0) {
    Retries& r = retries_[id];
    r.left = retries;
    r.fetch_failures = 0;
  } else if (auto r = retries_.find(id); r != retries_.end()) {
    r->second.left = 0;
    r->second.fetch_failures = 0;
    if (r->second.failed_on == kNoWorker) retries_.erase(r);
  }
}

// The job holds its outputs; those already in memory (or failed, and not submitted again) count
// as done at once.
void SchedulerState::HoldOutputs(Intake& in, Job& job) {
  for (const std::string& out : in.outputs) {
    const Intake::Node node = in.NodeOf(out, *this);
    const TaskId id = node >= 0 ? static_cast<TaskId>(node) : in.created[Intake::Index(node)];
    job.outputs.push_back(id);
    ++tasks_[id].holders;
    if (tasks_[id].output_job == 0) {
      tasks_[id].output_job = job.id;
    } else {
      more_output_jobs_[id].push_back(job.id);
    }
  }
  job.outputs_left = static_cast<uint32_t>(job.outputs.size());
  for (TaskId id : job.outputs) {
    const TaskState s = tasks_[id].state;
    if (s == TaskState::kMemory || (s == TaskState::kErred && !in.recompute.contains(id))) {
      --job.outputs_left;
    }
  }
}

// ------------------------------------------------------------------------------------ jobs

std::vector<JobId> SchedulerState::OutputJobs(TaskId id) const {
  std::vector<JobId> jobs;
  if (tasks_[id].output_job != 0) jobs.push_back(tasks_[id].output_job);
  auto it = more_output_jobs_.find(id);
  if (it != more_output_jobs_.end()) jobs.insert(jobs.end(), it->second.begin(), it->second.end());
  return jobs;
}

void SchedulerState::OutputDone(TaskId id) {
  for (JobId jid : OutputJobs(id)) {
    Job& job = jobs_.at(jid);
    for (ClientId c : job.watchers) SendKeyUpdate(c, job, id);
    if (job.state == JobState::kRunning) {
      if (job.outputs_left > 0 && --job.outputs_left == 0) JobCheckDone(job);
    } else if (OutputsSettled(job)) {
      AnnounceJobState(job);  // an output lost after the job ended is back
    }
  }
}

bool SchedulerState::OutputsSettled(const Job& job) const {
  for (TaskId id : job.outputs) {
    if (IsActive(tasks_[id].state) || AwaitingRestore(id)) return false;
  }
  return true;
}

void SchedulerState::JobCheckDone(Job& job) {
  JobState result = JobState::kFinished;
  for (TaskId id : job.outputs) {
    const TaskState s = tasks_[id].state;
    if (s == TaskState::kErred) result = JobState::kErred;
    if (IsActive(s)) return;  // an output was lost and is being recomputed
  }
  EndJob(job, result);
}

void SchedulerState::EndJob(Job& job, JobState state) {
  job.state = state;
  job.ended = UnixSeconds(clock_.Now());
  if (journal_ != nullptr) JournalJobEnded(job);
  for (TaskId id : job.tasks) --tasks_[id].live_jobs;
  AnnounceJobState(job);
  if (!job.holding) ended_jobs_.push_back(job.id);
  spdlog::debug("job {} {}", job.id, StateName(WireState(state)));
}

void SchedulerState::AnnounceJobState(const Job& job) {
  for (ClientId c : job.watchers) {
    v1::JobUpdate* update = ClientBatch(c).add_jobs();
    update->set_job(job.id);
    update->set_state(WireState(job.state));
  }
}

void SchedulerState::CancelJob(Job& job) {
  if (job.state == JobState::kRunning) {
    // Dependents first: a task is stopped only when nothing else needs it — no other running
    // job, no dependent still being computed, no other job or name holding it.
    absl::flat_hash_map<TaskId, uint32_t> own_holds;
    if (job.holding) {
      for (TaskId id : job.outputs) ++own_holds[id];
    }
    for (auto it = job.tasks.rbegin(); it != job.tasks.rend(); ++it) {
      const Task& t = tasks_[*it];
      auto own = own_holds.find(*it);
      const uint32_t held_here = own == own_holds.end() ? 0 : own->second;
      if (IsActive(t.state) && t.live_jobs == 1 && t.pending_dependents == 0 &&
          t.holders == held_here) {
        Recommend(*it, TaskState::kCancelled);
        RunTransitions();
      }
    }
    for (TaskId id : job.outputs) {
      if (tasks_[id].state == TaskState::kCancelled) {
        for (ClientId c : job.watchers) SendKeyUpdate(c, job, id);
      }
    }
    EndJob(job, JobState::kCancelled);
  }
  ReleaseJob(job);
}

void SchedulerState::ReleaseJob(Job& job) {
  if (!job.holding) return;
  job.holding = false;
  if (journal_ != nullptr) JournalJobReleased(job.id);
  for (TaskId id : job.outputs) {
    Task& t = tasks_[id];
    --t.holders;
    auto more = more_output_jobs_.find(id);
    if (t.output_job == job.id) {
      t.output_job = 0;
      if (more != more_output_jobs_.end()) {
        t.output_job = more->second.back();
        more->second.pop_back();
      }
    } else if (more != more_output_jobs_.end()) {
      // One entry per time the job lists it.
      auto entry = std::find(more->second.begin(), more->second.end(), job.id);
      if (entry != more->second.end()) more->second.erase(entry);
    }
    if (more != more_output_jobs_.end() && more->second.empty()) more_output_jobs_.erase(more);
    MaybeRelease(id);
    MaybeForget(id);
  }
  if (job.state != JobState::kRunning) ended_jobs_.push_back(job.id);
}

void SchedulerState::TrimJobHistory() {
  while (ended_jobs_.size() > options_.job_history) {
    const JobId jid = ended_jobs_.front();
    ended_jobs_.pop_front();
    auto it = jobs_.find(jid);
    if (it == jobs_.end()) continue;
    std::vector<TaskId> tasks = std::move(it->second.tasks);
    jobs_.erase(it);
    for (auto t = tasks.rbegin(); t != tasks.rend(); ++t) {
      --tasks_[*t].job_refs;
      MaybeForget(*t);
    }
  }
}

void SchedulerState::WatchJob(ClientId client, JobId jid) {
  spdlog::debug("client {} watches job {}", client, jid);
  auto it = jobs_.find(jid);
  if (it == jobs_.end()) {
    v1::JobUpdate* update = ClientBatch(client).add_jobs();
    update->set_job(jid);
    update->set_error(absl::StrCat("no job ", jid, " (unknown, or its record was dropped)"));
    return;
  }
  Job& job = it->second;
  if (std::find(job.watchers.begin(), job.watchers.end(), client) == job.watchers.end()) {
    job.watchers.push_back(client);
  }
  for (TaskId id : job.outputs) {
    const TaskState s = tasks_[id].state;
    if (s == TaskState::kMemory || s == TaskState::kErred || s == TaskState::kCancelled ||
        (s == TaskState::kReleased && job.state != JobState::kRunning && !AwaitingRestore(id))) {
      SendKeyUpdate(client, job, id);
    }
  }
  for (const Job::Told& told : job.told) {
    const bool still = told.task == kNoTask ? workers_.empty()
                                            : tasks_[told.task].state == TaskState::kNoWorker &&
                                                  WhyUnrunnable(told.task).cause == told.cause;
    if (still) SendNotice(client, jid, told.key, told.message);
  }
  // A job that ended but whose output is being computed again (its value was lost) is announced
  // once that output is back (OutputDone).
  if (job.state != JobState::kRunning && OutputsSettled(job)) {
    v1::JobUpdate* update = ClientBatch(client).add_jobs();
    update->set_job(jid);
    update->set_state(WireState(job.state));
  }
}

void SchedulerState::SendKeyUpdate(ClientId client, const Job& job, TaskId id) {
  const Task& t = tasks_[id];
  v1::KeyUpdate* update = ClientBatch(client).add_keys();
  update->set_job(job.id);
  update->set_key(std::string(UserKey(t)));
  if (UserKey(t).size() != t.key().size()) update->set_data_key(std::string(t.key()));
  switch (t.state) {
    case TaskState::kMemory:
      update->set_state(v1::KEY_STATE_MEMORY);
      update->set_nbytes(t.nbytes);
      for (WorkerId w : t.who_has) update->add_who_has(workers_.at(w).address);
      break;
    case TaskState::kErred:
      update->set_state(v1::KEY_STATE_ERRED);
      SetError(id, *update);
      break;
    case TaskState::kCancelled:
      update->set_state(v1::KEY_STATE_CANCELLED);
      update->set_error("cancelled");
      update->set_error_kind(v1::ERROR_KIND_CANCELLED);
      break;
    default:
      update->set_state(v1::KEY_STATE_CANCELLED);
      update->set_error("released: the job's results were freed");
      update->set_error_kind(v1::ERROR_KIND_RELEASED);
  }
}

v1::JobState SchedulerState::WireState(JobState state) {
  switch (state) {
    case JobState::kRunning:
      return v1::JOB_STATE_RUNNING;
    case JobState::kFinished:
      return v1::JOB_STATE_FINISHED;
    case JobState::kErred:
      return v1::JOB_STATE_ERRED;
    case JobState::kCancelled:
      return v1::JOB_STATE_CANCELLED;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

}  // namespace brisk
