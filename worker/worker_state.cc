#include "worker/worker_state.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/graph_validate.h"
#include "spdlog/spdlog.h"

namespace brisk {

const char* WorkerState::PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kFetching:
      return "fetching";
    case Phase::kReady:
      return "ready";
    case Phase::kExecuting:
      return "executing";
  }
  return "?";
}

WorkerState::WorkerState(ValueStore& store, WorkerComm& comm, std::string name)
    : store_(store), comm_(comm), name_(std::move(name)) {}

// ---------------------------------------------------------------- events

void WorkerState::HandleMessage(const v1::SchedulerToWorker& message) {
  for (const std::string& key : message.release()) store_.Erase(key);
  // Cancels and steals first: a batch may take a task back and send it again.
  for (const std::string& key : message.cancel()) CancelTask(key);
  for (const std::string& key : message.steal()) Steal(key);
  FetchBatch fetches;
  for (const v1::ComputeTask& compute : message.compute()) AddTask(compute, fetches);
  for (const v1::Dependency& value : message.acquire()) Acquire(value, fetches);
  StartFetches(fetches);
}

void WorkerState::FetchDone(uint64_t fetch, const absl::StatusOr<FetchedValues>& result) {
  auto request = in_flight_.extract(fetch);
  if (request.empty()) {
    spdlog::warn("worker {}: an answer to fetch {}, which is not in flight", name_, fetch);
    return;
  }
  const FetchRequest& job = request.mapped();
  if (!result.ok()) {
    spdlog::warn("worker {}: fetching {} keys from {} failed: {}", name_, job.keys.size(),
                 job.address.empty() ? "(nobody)" : job.address, result.status().ToString());
  }
  for (const std::string& dep : job.keys) {
    auto node = fetching_.extract(dep);
    if (node.empty()) continue;
    ValuePtr value;
    if (result.ok()) {
      auto v = result->find(dep);
      if (v != result->end()) value = v->second;
    }
    const bool to_acquire = acquiring_.erase(dep) > 0;
    const bool acquired = to_acquire && value != nullptr;
    if (acquired) {
      store_.Put(dep, value);  // kept as if computed here; the tasks below find it in the store
      ReportHeld(dep, value);
    } else if (to_acquire) {
      spdlog::warn("worker {}: could not acquire {} from {}", name_, dep,
                   job.address.empty() ? "(nobody)" : job.address);
    }
    for (const std::string& waiter : node.mapped()) {
      auto it = tasks_.find(waiter);
      if (it == tasks_.end() || it->second.phase != Phase::kFetching) continue;
      LocalTask& task = it->second;
      if (acquired) {
        if (--task.missing == 0) MakeReady(waiter, task);
        continue;
      }
      if (!value) {
        v1::TaskDone done;
        done.set_key(waiter);
        done.add_missing(dep);
        Report(std::move(done));
        DropTask(waiter);
        continue;
      }
      Borrowed& b = borrowed_[dep];
      b.value = value;
      ++b.refs;
      task.held.push_back(dep);
      if (--task.missing == 0) MakeReady(waiter, task);
    }
  }
}

std::optional<WorkerState::Started> WorkerState::StartNext() {
  if (ready_.empty()) return std::nullopt;
  Started started;
  started.key = std::get<2>(*ready_.begin());
  ready_.erase(ready_.begin());
  LocalTask& task = tasks_.at(started.key);
  task.phase = Phase::kExecuting;
  task.control = std::make_shared<TaskControl>(absl::Seconds(task.spec.timeout_s()));
  ++executing_;
  started.spec = &task.spec;
  started.control = task.control;
  for (const std::string& dep : task.deps) {
    ValuePtr value = store_.Get(dep);
    if (!value) {
      auto b = borrowed_.find(dep);
      if (b != borrowed_.end()) value = b->second.value;
    }
    if (value) started.inputs.emplace(dep, std::move(value));
  }
  return started;
}

void WorkerState::Finished(const std::string& key, Outcome outcome) {
  auto it = tasks_.find(key);
  if (it == tasks_.end() || it->second.phase != Phase::kExecuting) {
    spdlog::error("worker {}: task {} finished, but it was not running", name_, key);
    return;
  }
  LocalTask& task = it->second;
  --executing_;
  if (task.control->cancelled()) {
    StrandAwaiting(key);  // the scheduler takes back what was sent ahead for it
    std::unique_ptr<v1::ComputeTask> rerun = std::move(task.rerun);
    DropTask(key);
    if (rerun != nullptr) {
      FetchBatch fetches;
      AddTask(*rerun, fetches);
      StartFetches(fetches);
    }
    return;
  }
  v1::TaskDone done;
  done.set_key(key);
  done.set_start(outcome.start);
  done.set_end(outcome.end);
  done.set_log(std::move(outcome.log));
  const double timeout_s = task.spec.timeout_s();
  const bool timed_out = timeout_s > 0 && outcome.timed_out;
  if (timed_out || !outcome.result.ok()) {
    StrandAwaiting(key);  // tasks sent ahead for it will be cancelled by the scheduler
  }
  if (timed_out) {
    done.set_error(absl::StrCat("timed out after ", timeout_s, " s (timeoutS)"));
    done.set_timed_out(true);
  } else if (!outcome.result.ok()) {
    const absl::Status& status = outcome.result.status();
    done.set_error(status.message().empty() ? status.ToString() : std::string(status.message()));
    done.set_out_of_memory(outcome.out_of_memory);
  } else {
    done.set_nbytes(store_.Put(key, std::make_shared<v1::Value>(std::move(*outcome.result))));
    // Tasks sent ahead for this value can start now, without a round trip to the scheduler.
    if (auto node = awaiting_local_.extract(key); !node.empty()) {
      for (const std::string& waiter : node.mapped()) {
        auto w = tasks_.find(waiter);
        if (w == tasks_.end() || w->second.phase != Phase::kFetching) continue;
        if (--w->second.missing == 0) MakeReady(waiter, w->second);
      }
    }
  }
  Report(std::move(done));
  DropTask(key);
}

void WorkerState::CancelRunning() {
  for (auto& [key, task] : tasks_) {
    if (task.control) task.control->Cancel();
  }
}

void WorkerState::DropAllTasks() {
  std::vector<std::string> keys;
  keys.reserve(tasks_.size());
  for (const auto& [key, task] : tasks_) keys.push_back(key);
  for (const std::string& key : keys) {
    LocalTask& task = tasks_.at(key);
    if (task.phase == Phase::kExecuting) {
      task.control->Cancel();  // dropped when the op returns (Finished)
      task.rerun.reset();      // sent by the scheduler that went away
    } else {
      DropTask(key);
    }
  }
}

// ---------------------------------------------------------------- transitions

void WorkerState::AddTask(const v1::ComputeTask& compute, FetchBatch& fetches) {
  LocalTask task;
  if (!task.spec.ParseFromString(compute.spec())) {
    spdlog::error("worker {}: a task spec from the scheduler does not decode", name_);
    return;
  }
  task.spec.set_key(compute.key());
  const std::string key = task.spec.key();
  if (auto existing = tasks_.find(key); existing != tasks_.end()) {
    // Sent again while a cancelled run of it is still finishing: run it again after that.
    if (existing->second.phase == Phase::kExecuting && existing->second.control->cancelled()) {
      existing->second.rerun = std::make_unique<v1::ComputeTask>(compute);
    }
    return;
  }
  task.priority = compute.priority();
  task.order = compute.order();
  absl::flat_hash_set<std::string> refs;
  if (!task.spec.after().empty()) {
    ForEachRef(task.spec, [&refs](const std::string& k) { refs.insert(k); });
  }
  for (const v1::Dependency& dep : compute.deps()) {
    // A key in `after` only orders the task: its value is not needed here, but a task sent
    // ahead must still wait for it to finish.
    const bool order_only = !task.spec.after().empty() && !refs.contains(dep.key());
    if (order_only && !dep.pending_here()) continue;
    if (!order_only) task.deps.push_back(dep.key());
    if (store_.Contains(dep.key())) continue;
    if (auto b = borrowed_.find(dep.key()); b != borrowed_.end()) {
      ++b->second.refs;
      task.held.push_back(dep.key());
      continue;
    }
    ++task.missing;
    task.waits.push_back(dep.key());
    if (dep.pending_here()) {
      awaiting_local_[dep.key()].push_back(key);  // starts when our own task stores it
      continue;
    }
    auto [waiters, first] = fetching_.try_emplace(dep.key());
    waiters->second.push_back(key);
    if (!first) continue;  // already on its way
    if (dep.who_has().empty()) {
      fetches[""].push_back(dep.key());  // nobody holds it: the scheduler will recompute it
      continue;
    }
    // Spread the fetches of a value over its holders.
    const std::string& holder = dep.who_has(static_cast<int>(tasks_.size() % dep.who_has_size()));
    fetches[holder].push_back(dep.key());
  }
  if (task.missing == 0) MakeReady(key, task);
  tasks_.emplace(key, std::move(task));
}

void WorkerState::Acquire(const v1::Dependency& value, FetchBatch& fetches) {
  const std::string& key = value.key();
  if (ValuePtr here = store_.Get(key)) {
    ReportHeld(key, here);
    return;
  }
  if (auto b = borrowed_.find(key); b != borrowed_.end()) {
    store_.Put(key, b->second.value);  // fetched for a task already: kept from now on
    ReportHeld(key, b->second.value);
    return;
  }
  if (acquiring_.contains(key)) return;
  if (value.who_has().empty()) {
    spdlog::warn("worker {}: asked to acquire {}, but no holder is named", name_, key);
    return;
  }
  acquiring_.insert(key);
  auto [waiters, first] = fetching_.try_emplace(key);
  if (first) fetches[value.who_has(0)].push_back(key);  // else a task's fetch brings it
}

void WorkerState::ReportHeld(const std::string& key, const ValuePtr& value) {
  v1::HeldValue held;
  held.set_key(key);
  held.set_nbytes(value->ByteSizeLong());
  comm_.ReportAcquired(std::move(held));
}

void WorkerState::StartFetches(FetchBatch& fetches) {
  std::vector<std::string> nobody;
  for (auto& [address, keys] : fetches) {
    if (address.empty()) {
      nobody = std::move(keys);
      continue;
    }
    FetchRequest request;
    request.id = next_fetch_++;
    request.address = address;
    request.keys = std::move(keys);
    in_flight_[request.id] = request;
    comm_.StartFetch(std::move(request));
  }
  fetches.clear();
  if (!nobody.empty()) {
    // Answered at once: its tasks are reported with the key missing.
    FetchRequest request;
    request.id = next_fetch_++;
    request.keys = std::move(nobody);
    const uint64_t id = request.id;
    in_flight_[id] = std::move(request);
    FetchDone(id, absl::NotFoundError("no worker holds it"));
  }
}

void WorkerState::CancelTask(const std::string& key) {
  auto it = tasks_.find(key);
  if (it == tasks_.end()) return;
  if (it->second.phase == Phase::kExecuting) {
    it->second.control->Cancel();  // dropped when the op returns (Finished)
    return;
  }
  DropTask(key);
}

void WorkerState::Steal(const std::string& key) {
  // Only a task that has not started may go: it must never run in two places at once.
  auto it = tasks_.find(key);
  const bool ok = it != tasks_.end() && it->second.phase != Phase::kExecuting;
  if (ok) DropTask(key);
  v1::StealResponse response;
  response.set_key(key);
  response.set_ok(ok);
  comm_.AnswerSteal(std::move(response));
}

void WorkerState::DropTask(const std::string& key) {
  auto it = tasks_.find(key);
  if (it == tasks_.end()) return;
  LocalTask& task = it->second;
  if (task.phase == Phase::kReady) ready_.erase({-task.priority, task.order, key});
  for (const std::string& dep : task.held) {
    auto b = borrowed_.find(dep);
    if (b != borrowed_.end() && --b->second.refs <= 0) borrowed_.erase(b);
  }
  // Out of every waiter list, so a later copy of this task is not counted twice.
  for (const std::string& dep : task.waits) {
    if (auto f = fetching_.find(dep); f != fetching_.end()) {
      f->second.erase(std::remove(f->second.begin(), f->second.end(), key), f->second.end());
    }
    if (auto a = awaiting_local_.find(dep); a != awaiting_local_.end()) {
      a->second.erase(std::remove(a->second.begin(), a->second.end(), key), a->second.end());
      if (a->second.empty()) awaiting_local_.erase(a);
    }
  }
  tasks_.erase(it);
}

void WorkerState::MakeReady(const std::string& key, LocalTask& task) {
  task.phase = Phase::kReady;
  ready_.insert({-task.priority, task.order, key});
}

void WorkerState::StrandAwaiting(const std::string& key) {
  auto node = awaiting_local_.extract(key);
  if (node.empty()) return;
  for (const std::string& waiter : node.mapped()) {
    auto it = tasks_.find(waiter);
    if (it != tasks_.end() && it->second.phase == Phase::kFetching) ++it->second.stranded;
  }
}

// ---------------------------------------------------------------- queries

std::optional<WorkerState::Phase> WorkerState::PhaseOf(const std::string& key) const {
  auto it = tasks_.find(key);
  if (it == tasks_.end()) return std::nullopt;
  return it->second.phase;
}

int WorkerState::BorrowedRefs(const std::string& key) const {
  auto it = borrowed_.find(key);
  return it == borrowed_.end() ? 0 : it->second.refs;
}

absl::Status WorkerState::Validate() const {
  auto fail = [](auto&&... parts) { return absl::InternalError(absl::StrCat(parts...)); };

  // The waiter lists: who is listed, and how often.
  absl::flat_hash_map<std::string, int> listed;  // task -> times listed
  for (const auto* lists : {&fetching_, &awaiting_local_}) {
    const bool local = lists == &awaiting_local_;
    for (const auto& [dep, waiters] : *lists) {
      if (local && waiters.empty()) return fail("awaiting_local_[", dep, "] is empty");
      for (const std::string& waiter : waiters) {
        auto it = tasks_.find(waiter);
        if (it == tasks_.end()) {
          return fail(waiter, ", gone, is still listed as waiting for ", dep);
        }
        const LocalTask& task = it->second;
        if (task.phase != Phase::kFetching) {
          return fail(waiter, " is ", PhaseName(task.phase), " but listed as waiting for ", dep);
        }
        if (std::find(task.waits.begin(), task.waits.end(), dep) == task.waits.end()) {
          return fail(waiter, " is listed as waiting for ", dep, ", not among its waits");
        }
        ++listed[waiter];
      }
    }
  }

  absl::flat_hash_map<std::string, int> holds;  // borrowed key -> times held
  int ready = 0, executing = 0;
  for (const auto& [key, task] : tasks_) {
    if (task.spec.key() != key) return fail("task ", key, " holds the spec of ", task.spec.key());
    auto l = listed.find(key);
    const int times_listed = l == listed.end() ? 0 : l->second;
    if (task.missing != times_listed + task.stranded) {
      return fail(key, ": missing ", task.missing, ", but listed ", times_listed,
                  " times and stranded ", task.stranded);
    }
    if ((task.missing > 0) != (task.phase == Phase::kFetching)) {
      return fail(key, " is ", PhaseName(task.phase), " with ", task.missing, " inputs missing");
    }
    const bool in_ready = ready_.contains({-task.priority, task.order, key});
    if (in_ready != (task.phase == Phase::kReady)) {
      return fail(key, " is ", PhaseName(task.phase), in_ready ? " and" : " but not",
                  " in the ready queue");
    }
    if ((task.control != nullptr) != (task.phase == Phase::kExecuting)) {
      return fail(key, " is ", PhaseName(task.phase), task.control ? " with" : " without",
                  " a control");
    }
    if (task.rerun != nullptr && !(task.control && task.control->cancelled())) {
      return fail(key, " has a rerun but is not a cancelled run");
    }
    if (task.phase == Phase::kReady) ++ready;
    if (task.phase == Phase::kExecuting) ++executing;
    for (const std::string& dep : task.held) {
      auto b = borrowed_.find(dep);
      if (b == borrowed_.end() || b->second.value == nullptr) {
        return fail(key, " holds ", dep, ", which is not borrowed");
      }
      ++holds[dep];
    }
    if (task.phase == Phase::kReady) {
      for (const std::string& dep : task.deps) {
        const bool held = std::find(task.held.begin(), task.held.end(), dep) != task.held.end();
        if (!held && !store_.Contains(dep)) return fail(key, " is ready without input ", dep);
      }
    }
  }
  if (ready != static_cast<int>(ready_.size())) {
    return fail(ready_.size(), " entries in the ready queue for ", ready, " ready tasks");
  }
  for (const auto& [neg_priority, order, key] : ready_) {
    if (!tasks_.contains(key)) return fail("the ready queue holds ", key, ", which is gone");
  }
  if (executing != executing_) {
    return fail(executing_, " counted executing, but ", executing, " tasks are");
  }
  for (const auto& [dep, b] : borrowed_) {
    auto h = holds.find(dep);
    const int held = h == holds.end() ? 0 : h->second;
    if (b.refs <= 0 || b.refs != held) {
      return fail("borrowed ", dep, " has ", b.refs, " refs but is held ", held, " times");
    }
  }
  absl::flat_hash_set<std::string> in_flight;
  for (const auto& [id, request] : in_flight_) {
    if (request.id != id) return fail("fetch ", id, " recorded under id ", request.id);
    for (const std::string& dep : request.keys) {
      if (!in_flight.insert(dep).second) return fail(dep, " is in two fetches in flight");
      if (!fetching_.contains(dep)) return fail(dep, " is in flight but not in fetching_");
    }
  }
  if (in_flight.size() != fetching_.size()) {
    return fail(fetching_.size(), " keys fetching, but ", in_flight.size(), " in flight");
  }
  for (const std::string& key : acquiring_) {
    if (!fetching_.contains(key)) return fail(key, " is being acquired but not fetched");
  }
  return absl::OkStatus();
}

}  // namespace brisk
