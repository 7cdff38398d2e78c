#include "worker/worker.h"

#include <algorithm>
#include <deque>

#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/graph_validate.h"
#include "common/grpc_status.h"
#include "spdlog/spdlog.h"
#include "worker/arg_resolver.h"

namespace brisk {

Worker::Worker(WorkerOptions options, const OpRegistry& ops)
    : options_(std::move(options)), ops_(ops) {
  if (options_.contact_host.empty()) options_.contact_host = options_.host;
  if (options_.nthreads < 1) options_.nthreads = 1;
  if (options_.fetch_threads < 1) options_.fetch_threads = 1;
  peers_ = std::make_unique<DataClient>(options_.auth_token);
}

Worker::~Worker() {
  Stop();
  if (!joined_) {
    for (std::thread& t : threads_) t.join();
    joined_ = true;
  }
  if (data_server_) data_server_->Shutdown(std::chrono::system_clock::now());
  if (bulk_) bulk_->Stop();
}

absl::Status Worker::Start() {
  if (absl::Status allowed = CheckListenAllowed(options_.host, options_.auth_token);
      !allowed.ok()) {
    return allowed;
  }
  if (options_.bulk_port >= 0) {
    bulk_ = std::make_unique<BulkServer>();
    absl::StatusOr<int> bulk_port = bulk_->Start(options_.host, options_.bulk_port);
    if (!bulk_port.ok()) return bulk_port.status();
  }
  data_service_ = std::make_unique<DataService>(store_, options_.auth_token, bulk_.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::StrCat(options_.host, ":", options_.port),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(data_service_.get());
  builder.SetMaxReceiveMessageSize(16 << 20);
  data_server_ = builder.BuildAndStart();
  if (!data_server_ || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.host, ":", options_.port));
  }
  address_ = absl::StrCat(options_.contact_host, ":", port);
  if (options_.name.empty()) options_.name = address_;

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);  // notice a vanished scheduler host
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  auto channel =
      grpc::CreateCustomChannel(options_.scheduler, grpc::InsecureChannelCredentials(), args);
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoSeconds(options_.connect_timeout);
  if (!channel->WaitForConnected(deadline)) {
    return absl::UnavailableError(absl::StrCat("cannot reach the scheduler at ", options_.scheduler,
                                               " within ",
                                               absl::FormatDuration(options_.connect_timeout)));
  }
  stub_ = v1::Scheduler::NewStub(channel);
  AddAuth(stream_context_, options_.auth_token);
  stream_ = stub_->WorkerStream(&stream_context_);

  v1::WorkerToScheduler hello;
  v1::RegisterWorker* reg = hello.mutable_register_();
  reg->set_name(options_.name);
  reg->set_address(address_);
  reg->set_nthreads(options_.nthreads);
  reg->set_memory_limit(options_.memory_limit);
  reg->mutable_resources()->insert(options_.resources.begin(), options_.resources.end());
  for (const std::string& op : ops_.Names()) reg->add_ops(op);
  v1::SchedulerToWorker reply;
  if (!stream_->Write(hello) || !stream_->Read(&reply)) {
    grpc::Status status = stream_->Finish();
    return absl::UnavailableError(
        absl::StrCat("scheduler at ", options_.scheduler, " refused this worker: ",
                     status.error_message().empty() ? "stream closed" : status.error_message()));
  }
  if (!reply.error().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("scheduler refused this worker: ", reply.error()));
  }
  spdlog::info("worker {} serving data on {} (bulk port {}), {} threads, registered with {}",
               options_.name, address_, bulk_ ? std::to_string(bulk_->port()) : "none",
               options_.nthreads, options_.scheduler);
  HandleMessage(reply);

  threads_.emplace_back([this] { ReadLoop(); });
  threads_.emplace_back([this] { SendLoop(); });
  for (int i = 0; i < options_.nthreads; ++i) threads_.emplace_back([this] { ExecuteLoop(); });
  for (int i = 0; i < options_.fetch_threads; ++i) threads_.emplace_back([this] { FetchLoop(); });
  return absl::OkStatus();
}

void Worker::Wait() { stopped_.WaitForNotification(); }

void Worker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [key, task] : tasks_) {
      if (task.control) task.control->Cancel();
    }
  }
  stream_context_.TryCancel();
  stopped_.Notify();
}

void Worker::ReadLoop() {
  v1::SchedulerToWorker message;
  while (stream_->Read(&message)) {
    HandleMessage(message);
    if (message.shutdown()) break;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) spdlog::warn("worker {}: the scheduler stream ended; stopping", options_.name);
  }
  Stop();
}

void Worker::HandleMessage(const v1::SchedulerToWorker& message) {
  if (!message.error().empty()) {
    spdlog::error("worker {}: scheduler says: {}", options_.name, message.error());
  }
  for (const std::string& key : message.release()) store_.Erase(key);
  absl::flat_hash_map<std::string, FetchJob> fetches;
  {
    absl::MutexLock lock(&mu_);
    // Cancels and steals first: a batch may take a task back and send it again.
    for (const std::string& key : message.cancel()) CancelTask(key);
    for (const std::string& key : message.steal()) {
      // Only a task that has not started may go: it must never run in two places at once.
      auto it = tasks_.find(key);
      const bool ok = it != tasks_.end() && it->second.phase != Phase::kExecuting;
      if (ok) DropTask(key);
      v1::StealResponse response;
      response.set_key(key);
      response.set_ok(ok);
      stolen_.push_back(std::move(response));
    }
    for (const v1::ComputeTask& compute : message.compute()) AddTask(compute, fetches);
    for (auto& [address, job] : fetches) fetch_queue_.push_back(std::move(job));
  }
  if (message.shutdown()) {
    spdlog::info("worker {}: shutdown requested by the scheduler", options_.name);
    Stop();
  }
}

void Worker::AddTask(const v1::ComputeTask& compute,
                     absl::flat_hash_map<std::string, FetchJob>& fetches) {
  LocalTask task;
  if (!task.spec.ParseFromString(compute.spec())) {
    spdlog::error("worker {}: a task spec from the scheduler does not decode", options_.name);
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
  if (!task.spec.after().empty())
    ForEachRef(task.spec, [&](const std::string& k) { refs.insert(k); });
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
    if (!first) continue;
    if (dep.who_has().empty()) {
      // Nobody holds it: the scheduler will recompute it.
      fetches["?"].keys.push_back(dep.key());
      continue;
    }
    const std::string& holder = dep.who_has(static_cast<int>(tasks_.size() % dep.who_has_size()));
    FetchJob& job = fetches[holder];
    job.address = holder;
    job.keys.push_back(dep.key());
  }
  if (task.missing == 0) {
    task.phase = Phase::kReady;
    ready_.insert({-task.priority, task.order, key});
  }
  tasks_.emplace(key, std::move(task));
}

void Worker::CancelTask(const std::string& key) {
  auto it = tasks_.find(key);
  if (it == tasks_.end()) return;
  if (it->second.phase == Phase::kExecuting) {
    it->second.control->Cancel();  // ExecuteLoop drops it when the op returns
    return;
  }
  DropTask(key);
}

void Worker::DropTask(const std::string& key) {
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

void Worker::Report(v1::TaskDone done) { outbox_.push_back(std::move(done)); }

void Worker::FetchLoop() {
  while (true) {
    FetchJob job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Worker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            return w->stopping_ || !w->fetch_queue_.empty();
          },
          this));
      if (stopping_) return;
      job = std::move(fetch_queue_.back());
      fetch_queue_.pop_back();
    }
    if (job.address.empty()) {
      FetchDone(job, absl::NotFoundError("no worker holds it"));
      continue;
    }
    FetchDone(job, peers_->Fetch(job.address, job.keys));
  }
}

void Worker::FetchDone(const FetchJob& job, const absl::StatusOr<FetchResult>& result) {
  if (!result.ok()) {
    spdlog::warn("worker {}: fetching {} keys from {} failed: {}", options_.name, job.keys.size(),
                 job.address, result.status().ToString());
  }
  absl::MutexLock lock(&mu_);
  for (const std::string& dep : job.keys) {
    auto node = fetching_.extract(dep);
    if (node.empty()) continue;
    ValuePtr value;
    if (result.ok()) {
      auto v = result->values.find(dep);
      if (v != result->values.end()) value = v->second;
    }
    for (const std::string& waiter : node.mapped()) {
      auto it = tasks_.find(waiter);
      if (it == tasks_.end() || it->second.phase != Phase::kFetching) continue;
      LocalTask& task = it->second;
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
      if (--task.missing == 0) {
        task.phase = Phase::kReady;
        ready_.insert({-task.priority, task.order, waiter});
      }
    }
  }
}

void Worker::ExecuteLoop() {
  while (true) {
    std::string key;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Worker* w)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return w->stopping_ || !w->ready_.empty(); },
          this));
      if (stopping_) return;
      key = std::get<2>(*ready_.begin());
      ready_.erase(ready_.begin());
      // Executing from here on, under the same lock: a steal or cancel that comes before the
      // op starts must see it (a steal is refused, a cancel stops it).
      LocalTask& task = tasks_.at(key);
      task.phase = Phase::kExecuting;
      task.control = std::make_shared<TaskControl>(absl::Seconds(task.spec.timeout_s()));
    }
    RunTask(key);
  }
}

void Worker::RunTask(const std::string& key) {
  std::shared_ptr<TaskControl> control;
  const v1::Task* spec;
  Inputs inputs;
  {
    absl::MutexLock lock(&mu_);
    LocalTask& task = tasks_.at(key);
    control = task.control;
    spec = &task.spec;  // tasks_ is a node map: stable while the task is executing
    for (const std::string& dep : task.deps) {
      ValuePtr value = store_.Get(dep);
      if (!value) {
        auto b = borrowed_.find(dep);
        if (b != borrowed_.end()) value = b->second.value;
      }
      if (value) inputs.emplace(dep, std::move(value));
    }
    ++executing_;
  }
  v1::TaskDone done;
  done.set_key(key);
  done.set_start(UnixSeconds(absl::Now()));
  absl::StatusOr<v1::Value> result;
  std::deque<v1::Value> storage;
  absl::StatusOr<OpArgs> args = ResolveArgs(*spec, inputs, storage);
  const OpFn* fn = ops_.Find(spec->op());
  if (!args.ok()) {
    result = args.status();
  } else if (fn == nullptr) {
    result = absl::NotFoundError(
        absl::StrCat("unknown op \"", spec->op(), "\" on worker ", options_.name));
  } else {
    result = (*fn)(*control, *args);
  }
  done.set_end(UnixSeconds(absl::Now()));
  storage.clear();
  inputs.clear();

  absl::MutexLock lock(&mu_);
  --executing_;
  if (control->cancelled()) {
    awaiting_local_.erase(key);  // the scheduler takes back what was sent ahead for it
    std::unique_ptr<v1::ComputeTask> rerun = std::move(tasks_.at(key).rerun);
    DropTask(key);
    if (rerun != nullptr) {
      absl::flat_hash_map<std::string, FetchJob> fetches;
      AddTask(*rerun, fetches);
      for (auto& [address, job] : fetches) fetch_queue_.push_back(std::move(job));
    }
    return;
  }
  done.set_log(control->TakeLog());
  const bool timed_out = spec->timeout_s() > 0 && control->TimedOut();
  if (timed_out || !result.ok()) {
    awaiting_local_.erase(key);  // tasks sent ahead for it will be cancelled by the scheduler
  }
  if (timed_out) {
    done.set_error(absl::StrCat("timed out after ", spec->timeout_s(), " s (timeoutS)"));
  } else if (!result.ok()) {
    done.set_error(result.status().message().empty() ? result.status().ToString()
                                                     : std::string(result.status().message()));
  } else {
    done.set_nbytes(store_.Put(key, std::make_shared<v1::Value>(std::move(*result))));
    // Tasks sent ahead for this value can start now, without a round trip to the scheduler.
    if (auto node = awaiting_local_.extract(key); !node.empty()) {
      for (const std::string& waiter : node.mapped()) {
        auto it = tasks_.find(waiter);
        if (it == tasks_.end() || it->second.phase != Phase::kFetching) continue;
        if (--it->second.missing == 0) {
          it->second.phase = Phase::kReady;
          ready_.insert({-it->second.priority, it->second.order, waiter});
        }
      }
    }
  }
  Report(std::move(done));
  DropTask(key);
}

void Worker::SendLoop() {
  absl::Time next_heartbeat = absl::Now();
  while (true) {
    v1::WorkerToScheduler message;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(
                                +[](Worker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                                  return w->stopping_ || !w->outbox_.empty() || !w->stolen_.empty();
                                },
                                this),
                            next_heartbeat);
      if (stopping_) return;
      for (v1::TaskDone& done : outbox_) *message.add_done() = std::move(done);
      outbox_.clear();
      for (v1::StealResponse& response : stolen_) *message.add_stolen() = std::move(response);
      stolen_.clear();
      if (absl::Now() >= next_heartbeat) {
        v1::WorkerHeartbeat* hb = message.mutable_heartbeat();
        hb->set_memory(store_.bytes());
        hb->set_executing(executing_);
        hb->set_ready(static_cast<int32_t>(ready_.size()));
        next_heartbeat = absl::Now() + options_.heartbeat;
      }
    }
    if (!stream_->Write(message)) return;
  }
}

}  // namespace brisk
