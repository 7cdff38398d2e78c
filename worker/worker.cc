#include "worker/worker.h"

#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/builtin_op_names.h"
#include "common/clock.h"
#include "common/grpc_status.h"
#include "common/system_memory.h"
#include "spdlog/spdlog.h"
#include "worker/arg_resolver.h"

namespace brisk {
namespace {

// What a value costs to move, cheaply: a raw buffer's size, else its encoding's.
uint64_t EncodedBytes(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kBytes:
      return value.bytes().size();
    case v1::Value::kNdarray:
      return value.ndarray().data().size();
    case v1::Value::kTable:
      return value.table().body().size();
    default:
      return value.ByteSizeLong();
  }
}

}  // namespace

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
  monitor_.reset();  // its hooks call into this worker
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
  if (options_.memory_limit > 0) {
    absl::StatusOr<std::unique_ptr<SpillStore>> spill =
        SpillStore::Open(options_.local_dir, options_.spill_compression);
    if (!spill.ok()) return spill.status();
    store_.SetSpillStore(*std::move(spill));
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

  SchedulerLinkOptions link_options;
  link_options.scheduler = options_.scheduler;
  link_options.auth_token = options_.auth_token;
  link_options.keepalive_time = options_.keepalive_time;
  link_options.keepalive_timeout = options_.keepalive_timeout;
  link_ = std::make_unique<SchedulerLink>(link_options);
  if (!link_->WaitForConnected(absl::Now() + options_.connect_timeout)) {
    return absl::UnavailableError(absl::StrCat("cannot reach the scheduler at ", options_.scheduler,
                                               " within ",
                                               absl::FormatDuration(options_.connect_timeout)));
  }
  std::shared_ptr<SchedulerLink::Session> session = link_->Open();
  {
    absl::MutexLock lock(&mu_);
    opening_ = session;
  }
  absl::StatusOr<v1::SchedulerToWorker> reply = link_->Register(*session, Registration());
  {
    absl::MutexLock lock(&mu_);
    opening_ = nullptr;
  }
  if (!reply.ok()) return reply.status();
  spdlog::info("worker {} serving data on {} (bulk port {}), {} threads, registered with {}",
               options_.name, address_, bulk_ ? std::to_string(bulk_->port()) : "none",
               options_.nthreads, options_.scheduler);
  {
    absl::MutexLock lock(&mu_);
    state_ = std::make_unique<WorkerState>(store_, outbox_, options_.name);
    session_ = session;
  }
  HandleMessage(*reply);

  // Before the threads that read monitor_.
  if (options_.memory_limit > 0) {
    MemoryPolicy policy = options_.memory;
    policy.limit = options_.memory_limit;
    MemoryMonitor::Hooks hooks;
    hooks.resident = ResidentBytes;
    hooks.trim = TrimMalloc;
    hooks.on_pause = [this](bool paused) { SetPaused(paused); };
    hooks.on_terminate = [this](uint64_t resident) { FailLargestTask(resident); };
    monitor_ = std::make_unique<MemoryMonitor>(store_, policy, std::move(hooks));
    monitor_->Start();
    spdlog::info("worker {}: memory limit {} bytes, spilling to {} ({})", options_.name,
                 options_.memory_limit, store_.spill_store()->dir(),
                 CodecName(options_.spill_compression));
  }
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
    if (state_) state_->CancelRunning();
    if (session_) session_->context.TryCancel();
    if (opening_) opening_->context.TryCancel();
  }
  stopped_.Notify();
}

v1::RegisterWorker Worker::Registration() const {
  v1::RegisterWorker reg;
  reg.set_name(options_.name);
  reg.set_address(address_);
  reg.set_nthreads(options_.nthreads);
  reg.set_memory_limit(options_.memory_limit);
  reg.mutable_resources()->insert(options_.resources.begin(), options_.resources.end());
  for (const std::string& op : ops_.Names()) reg.add_ops(op);
  return reg;
}

void Worker::Retire(const std::string& why) {
  {
    absl::MutexLock lock(&mu_);
    if (retiring_ || stopping_) return;
    retiring_ = true;
    retire_reason_ = why;
    if (session_ != nullptr) {
      retire_message_ = why;
      return;
    }
    // Between two streams (the scheduler went away): nobody can take its values over.
    spdlog::warn(
        "worker {}: {} while not connected to the scheduler: stopping; the {} values it "
        "holds are lost",
        options_.name, why, store_.size());
  }
  Stop();
}

void Worker::ReadLoop() {
  std::shared_ptr<SchedulerLink::Session> session;
  {
    absl::MutexLock lock(&mu_);
    session = session_;
  }
  while (session != nullptr) {
    v1::SchedulerToWorker message;
    bool shutdown = false;
    while (session->stream->Read(&message)) {
      HandleMessage(message);
      if (message.shutdown()) {
        shutdown = true;
        break;
      }
    }
    session->context.TryCancel();  // the sender's next write fails rather than blocks
    if (shutdown || !Reconnect()) break;
    absl::MutexLock lock(&mu_);
    session = session_;
  }
  Stop();
}

bool Worker::Reconnect() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    // The tasks it was given are the old stream's: the scheduler places them again (a new one
    // knows nothing of them). Results not reported yet are in the store and are offered below
    // as held values.
    session_ = nullptr;
    state_->DropAllTasks();
    outbox_.done.clear();
    outbox_.stolen.clear();
    // Retiring with nothing to hand over: the retirement is done (as Retire() between two
    // streams stops). A retiring worker that holds values registers again to hand them over.
    if (retiring_ && store_.size() == 0) {
      spdlog::info("worker {}: lost the scheduler while retiring, holding no values: stopping",
                   options_.name);
      return false;
    }
  }
  const absl::Time give_up = absl::Now() + options_.scheduler_timeout;
  spdlog::warn(
      "worker {}: lost the scheduler at {}; reconnecting (keeping {} values; giving up after {}, "
      "--scheduler-timeout)",
      options_.name, options_.scheduler, store_.size(),
      absl::FormatDuration(options_.scheduler_timeout));
  // Connection attempts back off inside the channel (0.1 s growing to 5 s, see SchedulerLink);
  // a registration that fails once connected backs off here, 0.1 s doubling to 5 s.
  absl::Duration backoff = absl::Milliseconds(100);
  std::string last_error = "the scheduler does not answer";
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return false;
    }
    if (absl::Now() >= give_up) break;
    // Waited for a little at a time, so that Stop() is heard.
    if (!link_->WaitForConnected(std::min(absl::Now() + absl::Milliseconds(200), give_up))) {
      continue;
    }
    std::shared_ptr<SchedulerLink::Session> session = link_->Open();
    v1::RegisterWorker reg = Registration();
    reg.set_reconnect(true);
    for (auto& [key, nbytes] : store_.Held()) {
      v1::HeldValue* held = reg.add_held();
      held->set_key(std::move(key));
      held->set_nbytes(nbytes);
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return false;
      opening_ = session;
      reg.set_incarnation(incarnation_);
    }
    absl::StatusOr<v1::SchedulerToWorker> reply = link_->Register(*session, reg);
    {
      absl::MutexLock lock(&mu_);
      opening_ = nullptr;
      if (reply.ok()) session_ = session;
      // Retiring: said again on the new stream (a restarted scheduler never heard it; one that
      // kept a record of this worker goes on with the retirement it knows).
      if (reply.ok() && retiring_) retire_message_ = retire_reason_;
    }
    if (reply.ok()) {
      spdlog::info("worker {}: registered again with the scheduler at {}, holding {} values",
                   options_.name, options_.scheduler, reg.held_size());
      HandleMessage(*reply);
      return true;
    }
    last_error = std::string(reply.status().message());
    if (absl::IsFailedPrecondition(reply.status())) {
      absl::MutexLock lock(&mu_);
      exit_status_ = reply.status();
      spdlog::error("worker {}: {}; stopping", options_.name, last_error);
      return false;
    }
    spdlog::debug("worker {}: registering again failed: {}", options_.name, last_error);
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithDeadline(absl::Condition(&stopping_), std::min(absl::Now() + backoff, give_up));
    backoff = std::min(2 * backoff, absl::Seconds(5));
  }
  const std::string why =
      absl::StrCat("the scheduler at ", options_.scheduler, " did not come back within ",
                   absl::FormatDuration(options_.scheduler_timeout),
                   " (--scheduler-timeout; last: ", last_error, ")");
  spdlog::error("worker {}: {}; stopping", options_.name, why);
  absl::MutexLock lock(&mu_);
  exit_status_ = absl::UnavailableError(why);
  return false;
}

void Worker::HandleMessage(const v1::SchedulerToWorker& message) {
  if (!message.error().empty()) {
    spdlog::error("worker {}: scheduler says: {}", options_.name, message.error());
  }
  {
    absl::MutexLock lock(&mu_);
    if (message.has_registered()) incarnation_ = message.registered().incarnation();
    state_->HandleMessage(message);
  }
  if (message.has_registered() && options_.on_registered) {
    options_.on_registered(message.registered(), options_.name);
  }
  if (message.shutdown()) {
    spdlog::info("worker {}: shutdown requested by the scheduler{}{}", options_.name,
                 message.shutdown_reason().empty() ? "" : ": ", message.shutdown_reason());
    Stop();
  }
}

void Worker::FetchLoop() {
  while (true) {
    FetchRequest job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Worker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            return w->stopping_ || !w->outbox_.fetches.empty();
          },
          this));
      if (stopping_) return;
      job = std::move(outbox_.fetches.back());
      outbox_.fetches.pop_back();
    }
    absl::StatusOr<FetchResult> fetched = peers_->Fetch(job.address, job.keys);
    absl::StatusOr<FetchedValues> values =
        fetched.ok() ? absl::StatusOr<FetchedValues>(std::move(fetched->values)) : fetched.status();
    absl::MutexLock lock(&mu_);
    state_->FetchDone(job.id, values);
  }
}

void Worker::ExecuteLoop() {
  while (true) {
    std::optional<WorkerState::Started> started;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Worker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            // Paused (short of memory): one task at a time, and only once nothing runs, so
            // that a job still finishes when every worker is paused.
            return w->stopping_ ||
                   (w->state_->HasReady() && (!w->paused_ || w->state_->executing() == 0));
          },
          this));
      if (stopping_) return;
      // Executing from here on, under the same lock: a steal or cancel that comes before the
      // op starts must see it (a steal is refused, a cancel stops it).
      started = state_->StartNext();
      Running& running = running_[started->key];
      running.control = started->control;
      running.order = next_start_++;
      for (const auto& [key, value] : started->inputs) running.input_bytes += EncodedBytes(*value);
    }
    RunTask(std::move(*started));
  }
}

void Worker::RunTask(WorkerState::Started started) {
  const v1::Task& spec = *started.spec;  // stable until Finished()
  TaskControl& control = *started.control;
  WorkerState::Outcome outcome;
  outcome.start = UnixSeconds(absl::Now());
  std::deque<v1::Value> storage;
  absl::StatusOr<OpArgs> args = ResolveArgs(spec, started.inputs, storage);
  if (!args.ok()) {
    outcome.result = args.status();
  } else if (ops_.Find(spec.op()) == nullptr) {
    outcome.result = absl::NotFoundError(
        absl::StrCat("unknown op \"", spec.op(), "\" on worker ", options_.name));
  } else {
    outcome.result = ops_.Call(spec.op(), control, *args);
    // What a built-in returns is well formed by construction; a plugin's result is checked, so
    // that a malformed array fails its task here rather than whoever reads it.
    if (outcome.result.ok() && !IsBuiltinOp(spec.op())) {
      if (absl::Status valid = CheckValue(*outcome.result); !valid.ok()) {
        outcome.result = absl::InvalidArgumentError(
            absl::StrCat("op \"", spec.op(), "\" returned a malformed value: ", valid.message()));
      }
    }
  }
  outcome.end = UnixSeconds(absl::Now());
  storage.clear();
  started.inputs.clear();
  outcome.timed_out = control.TimedOut();
  outcome.log = control.TakeLog();
  if (std::string why = control.out_of_memory(); !why.empty()) {
    outcome.result = absl::ResourceExhaustedError(why);
    outcome.out_of_memory = true;
  } else if (outcome.result.ok() && options_.memory_limit > 0) {
    // A value that alone exceeds the limit could never be kept within it: an error, not a
    // worker that spills everything else and still runs out of memory.
    const uint64_t size = MemoryBytes(*outcome.result);
    if (size > options_.memory_limit) {
      outcome.result = absl::ResourceExhaustedError(absl::StrCat(
          "task ", started.key, " returned a value of ", size, " bytes, more than worker ",
          options_.name, "'s memory limit of ", options_.memory_limit, " bytes (--memory-limit)"));
      outcome.out_of_memory = true;
    }
  }

  {
    absl::MutexLock lock(&mu_);
    running_.erase(started.key);
    state_->Finished(started.key, std::move(outcome));
  }
  if (monitor_) monitor_->ValueStored();  // its value may need spilling now
}

void Worker::SetPaused(bool paused) {
  absl::MutexLock lock(&mu_);
  paused_ = paused;
  heartbeat_now_ = true;  // the scheduler stops (or resumes) sending work at once
}

void Worker::FailLargestTask(uint64_t resident) {
  absl::MutexLock lock(&mu_);
  // Ops run in this process, so no task's own memory can be measured: the running task with the
  // most input data is taken as the largest (the most recently started on a tie: it is the one
  // still growing). One at a time: the next only once it has ended and memory is still high.
  const Running* largest = nullptr;
  std::string key;
  for (const auto& [k, r] : running_) {
    if (!r.control->out_of_memory().empty()) return;
    if (largest == nullptr || r.input_bytes > largest->input_bytes ||
        (r.input_bytes == largest->input_bytes && r.order > largest->order)) {
      largest = &r;
      key = k;
    }
  }
  if (largest == nullptr) return;
  const std::string why = absl::StrCat(
      "out of memory: worker ", options_.name,
      " failed this task to stay within its memory "
      "limit (resident memory ",
      resident, " bytes is above ", static_cast<int>(options_.memory.terminate * 100), "% of the ",
      options_.memory_limit,
      "-byte limit, --memory-terminate); it was the running task with the most input data");
  spdlog::warn("worker {}: task {}: {}", options_.name, key, why);
  largest->control->FailOutOfMemory(why);
}

void Worker::SendLoop() {
  absl::Time next_heartbeat = absl::Now();
  while (true) {
    v1::WorkerToScheduler message;
    std::shared_ptr<SchedulerLink::Session> session;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(
                                +[](Worker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                                  return w->stopping_ || !w->outbox_.done.empty() ||
                                         !w->outbox_.stolen.empty() ||
                                         !w->outbox_.acquired.empty() ||
                                         !w->retire_message_.empty() || w->heartbeat_now_;
                                },
                                this),
                            next_heartbeat);
      if (stopping_) return;
      if (session_ == nullptr) {
        // Reconnecting: what there was to say is void; wait for the new stream.
        mu_.Await(absl::Condition(
            +[](Worker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
              return w->stopping_ || w->session_ != nullptr;
            },
            this));
        next_heartbeat = absl::Now();
        continue;
      }
      session = session_;  // this message is for this stream only
      for (v1::TaskDone& done : outbox_.done) *message.add_done() = std::move(done);
      outbox_.done.clear();
      for (v1::StealResponse& response : outbox_.stolen) {
        *message.add_stolen() = std::move(response);
      }
      outbox_.stolen.clear();
      for (v1::HeldValue& held : outbox_.acquired) *message.add_acquired() = std::move(held);
      outbox_.acquired.clear();
      if (!retire_message_.empty()) message.set_retiring(std::move(retire_message_));
      retire_message_.clear();
      if (absl::Now() >= next_heartbeat || heartbeat_now_) {
        v1::WorkerHeartbeat* hb = message.mutable_heartbeat();
        const ValueStore::Stats stats = store_.stats();
        hb->set_memory(stats.managed);
        hb->set_managed(stats.managed);
        hb->set_spilled(stats.spilled);
        hb->set_spilled_total(stats.spilled_total);
        hb->set_resident(monitor_ ? monitor_->resident() : ResidentBytes());
        hb->set_paused(paused_);
        hb->set_executing(state_->executing());
        hb->set_ready(state_->ready());
        next_heartbeat = absl::Now() + options_.heartbeat;
        heartbeat_now_ = false;
      }
    }
    // A failed write means the stream ended: the reader finds that too and reconnects.
    session->stream->Write(message);
  }
}

}  // namespace brisk
