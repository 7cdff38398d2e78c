#include "brisk/client.h"

#include <grpcpp/grpcpp.h>

#include <future>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "brisk/v1/scheduler.grpc.pb.h"
#include "client/local_cluster.h"
#include "common/auth.h"
#include "common/data_client.h"
#include "common/graph_validate.h"
#include "common/grpc_status.h"
#include "common/state_names.h"

namespace brisk {

// The client's connection: one stream to the scheduler, read by one thread that records key and
// job updates; callers wait on those records.
struct Client::Impl {
  struct JobTrack {
    v1::JobState state = v1::JOB_STATE_UNSPECIFIED;  // UNSPECIFIED while running
    std::string error;                               // the scheduler does not know the job
    absl::flat_hash_map<std::string, KeyStatus> keys;
    std::vector<std::string> completed;  // keys in completion order
    bool rewatched = false;              // watched again after the client reconnected
  };

  std::unique_ptr<LocalCluster> local;  // destroyed last (declared first)
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Scheduler::Stub> stub;
  std::unique_ptr<grpc::ClientContext> stream_context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ClientToScheduler, v1::SchedulerToClient>> stream;
  std::thread reader;
  std::string token;
  std::unique_ptr<DataClient> data;
  absl::Duration reconnect_timeout;  // ConnectOptions::reconnect_timeout

  absl::Mutex mu;
  absl::Mutex write_mu;
  bool closed ABSL_GUARDED_BY(mu) = false;
  // How the scheduler ended the stream, once `closed` (e.g. a message over its size limit).
  grpc::Status end_status ABSL_GUARDED_BY(mu);
  uint64_t next_request ABSL_GUARDED_BY(mu) = 1;
  absl::flat_hash_map<uint64_t, v1::SubmitResult> submit_results ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<JobId, JobTrack> jobs ABSL_GUARDED_BY(mu);
  // Streams opened so far (a reconnection opens the next).
  uint64_t generation ABSL_GUARDED_BY(mu) = 0;
  // Held by the one thread reconnecting; others that find the stream closed wait for it.
  absl::Mutex reconnect_mu;
  std::function<void(const std::string&)> on_reconnect ABSL_GUARDED_BY(reconnect_mu);
  // Held while it is called (the reader thread), so that replacing it waits for that call.
  absl::Mutex notice_mu;
  std::function<void(const JobNotice&)> on_notice ABSL_GUARDED_BY(notice_mu);

  ~Impl() {
    if (stream) {
      // Close our side and let the scheduler finish the stream, so it handles this client's
      // departure (releasing its jobs) before anything else it hears from us — in particular
      // before the embedded cluster's workers leave. Cancel if it does not answer in time.
      {
        absl::MutexLock lock(&write_mu);
        stream->WritesDone();
      }
      absl::MutexLock lock(&mu);
      mu.AwaitWithTimeout(absl::Condition(&closed), absl::Seconds(2));
    }
    if (stream_context) stream_context->TryCancel();
    if (reader.joinable()) reader.join();
  }

  absl::Status Open() {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    // After the scheduler went away, try again soon (gRPC's default backs off to 2 minutes).
    // (Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC takes it as the time one connection attempt
    // may take, and at 0.1 s a loaded host failed to connect at all: see worker/scheduler_link.cc.)
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
    channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
    // Connect, but give up at the first refused attempt rather than retrying for the deadline.
    const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
    for (grpc_connectivity_state state = channel->GetState(true); state != GRPC_CHANNEL_READY;
         state = channel->GetState(true)) {
      if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN ||
          !channel->WaitForStateChange(state, deadline)) {
        return absl::UnavailableError(absl::StrCat("cannot reach the scheduler at ", address));
      }
    }
    stub = v1::Scheduler::NewStub(channel);
    {
      // One query first: a refused token or a wrong service shows here with its own message.
      grpc::ClientContext context;
      AddAuth(context, token);
      v1::StatusReply reply;
      grpc::Status status = stub->Status(&context, v1::StatusRequest(), &reply);
      if (!status.ok()) {
        return absl::Status(FromGrpcStatus(status).code(),
                            absl::StrCat("scheduler at ", address, ": ", status.error_message()));
      }
    }
    data = std::make_unique<DataClient>(token);
    OpenStream();
    return absl::OkStatus();
  }

  // A new stream and its reader thread (the previous reader has ended).
  void OpenStream() {
    absl::MutexLock lock(&write_mu);
    OpenStreamLocked();
  }
  void OpenStreamLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu) {
    stream.reset();
    stream_context = std::make_unique<grpc::ClientContext>();
    AddAuth(*stream_context, token);
    stream = stub->ClientStream(stream_context.get());
    reader = std::thread([this] { ReadLoop(); });
  }

  // The stream closed while a caller waited on a job (it saw stream number `seen`): with a
  // reconnect timeout, reaches the scheduler again, opens a new stream and watches again every
  // job not ended. OK when a stream is open again (perhaps opened by another caller meanwhile).
  absl::Status Reconnect(uint64_t seen) {
    absl::MutexLock reconnecting(&reconnect_mu);
    {
      absl::MutexLock lock(&mu);
      if (generation != seen) return absl::OkStatus();
      if (reconnect_timeout <= absl::ZeroDuration()) return Closed();
    }
    if (on_reconnect)
      on_reconnect(absl::StrCat("lost the scheduler at ", address, "; reconnecting..."));
    if (reader.joinable()) reader.join();  // it set `closed` as it ended
    const absl::Time deadline = absl::Now() + reconnect_timeout;
    while (true) {
      if (absl::Now() >= deadline) {
        return absl::UnavailableError(absl::StrCat("lost the connection to the scheduler at ",
                                                   address, " and could not reach it again within ",
                                                   absl::FormatDuration(reconnect_timeout)));
      }
      if (!channel->WaitForConnected(absl::ToChronoTime(deadline))) continue;
      // A query first: the scheduler answers (not only its port).
      grpc::ClientContext context;
      AddAuth(context, token);
      context.set_deadline(absl::ToChronoTime(std::min(deadline, absl::Now() + absl::Seconds(5))));
      v1::StatusReply reply;
      if (stub->Status(&context, v1::StatusRequest(), &reply).ok()) break;
      absl::SleepFor(absl::Milliseconds(100));  // back off between refused attempts
    }
    v1::ClientToScheduler rewatch;
    {
      // Writers wait for the new stream; its reader starts after `closed` is reset.
      absl::MutexLock write_lock(&write_mu);
      {
        absl::MutexLock lock(&mu);
        closed = false;
        end_status = grpc::Status::OK;
        ++generation;
        for (auto& [id, job] : jobs) {
          if (job.state != v1::JOB_STATE_UNSPECIFIED || !job.error.empty()) continue;
          job.rewatched = true;
          rewatch.add_watch_jobs(id);
        }
      }
      OpenStreamLocked();
    }
    // A stream that fails at once is found closed by the waiting caller, which tries again.
    if (rewatch.watch_jobs_size() > 0) Send(rewatch).IgnoreError();
    return absl::OkStatus();
  }

  // Why the job cannot be waited for (its JobTrack.error), in words.
  std::string UnknownJob(JobId id, const JobTrack& job) const {
    if (!job.rewatched) return job.error;
    return absl::StrCat("the scheduler at ", address, " came back without job ", id, ": ",
                        job.error);
  }

  void ReadLoop() {
    v1::SchedulerToClient message;
    while (stream->Read(&message)) {
      if (!message.notices().empty()) {
        absl::MutexLock lock(&notice_mu);
        for (const v1::JobNotice& n : message.notices()) {
          if (on_notice) on_notice(JobNotice{n.job(), n.key(), n.message()});
        }
      }
      absl::MutexLock lock(&mu);
      for (v1::SubmitResult& r : *message.mutable_submitted()) {
        if (r.error().empty()) jobs.try_emplace(r.job());
        submit_results[r.request_id()] = std::move(r);
      }
      for (v1::KeyUpdate& u : *message.mutable_keys()) {
        JobTrack& job = jobs[u.job()];
        KeyStatus& status = job.keys[u.key()];
        if (status.state == v1::KEY_STATE_UNSPECIFIED) job.completed.push_back(u.key());
        status.state = u.state();
        status.error = u.error();
        status.error_kind = u.error_kind();
        status.nbytes = u.nbytes();
        status.who_has.assign(u.who_has().begin(), u.who_has().end());
        status.data_key = u.data_key().empty() ? u.key() : u.data_key();
      }
      for (const v1::JobUpdate& u : message.jobs()) {
        JobTrack& job = jobs[u.job()];
        job.state = u.state();
        job.error = u.error();
      }
    }
    grpc::Status status = stream->Finish();  // Read failed: the call is over, this returns at once
    absl::MutexLock lock(&mu);
    end_status = std::move(status);
    closed = true;
  }

  absl::Status Send(const v1::ClientToScheduler& message) {
    absl::MutexLock lock(&write_mu);
    if (!stream->Write(message)) {
      // The stream is over; the reader learns why from the scheduler's final status.
      absl::MutexLock closed_lock(&mu);
      mu.Await(absl::Condition(&closed));
      return Closed();
    }
    return absl::OkStatus();
  }

  // One unary call to the scheduler, with the token.
  template <typename Request, typename Reply>
  absl::StatusOr<Reply> Unary(grpc::Status (v1::Scheduler::Stub::*method)(grpc::ClientContext*,
                                                                          const Request&, Reply*),
                              const Request& request) {
    Reply reply;
    grpc::ClientContext context;
    AddAuth(context, token);
    grpc::Status status = (stub.get()->*method)(&context, request, &reply);
    if (!status.ok()) return FromGrpcStatus(status);
    return reply;
  }

  absl::Status Closed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    const grpc::StatusCode code = end_status.error_code();
    if (code != grpc::StatusCode::OK && code != grpc::StatusCode::UNAVAILABLE &&
        code != grpc::StatusCode::CANCELLED) {
      // The scheduler ended the stream on purpose, e.g. a message over its size limit.
      return absl::Status(FromGrpcStatus(end_status).code(),
                          absl::StrCat("the scheduler at ", address,
                                       " closed the connection: ", end_status.error_message()));
    }
    return absl::UnavailableError(
        absl::StrCat("lost the connection to the scheduler at ", address));
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const std::string& address,
                                                        const ConnectOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->address = address;
  impl->token = options.auth_token;
  impl->reconnect_timeout = options.reconnect_timeout;
  absl::Status opened = impl->Open();
  if (!opened.ok()) return opened;
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<Client>> Client::StartLocal(LocalClusterOptions options) {
  auto local = LocalCluster::Start(options);
  if (!local.ok()) return local.status();
  auto impl = std::make_unique<Impl>();
  impl->address = (*local)->address();
  impl->local = std::move(*local);
  absl::Status opened = impl->Open();
  if (!opened.ok()) return opened;
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const std::string& Client::scheduler_address() const { return impl_->address; }

void Client::SetReconnectHandler(std::function<void(const std::string&)> handler) {
  absl::MutexLock lock(&impl_->reconnect_mu);
  impl_->on_reconnect = std::move(handler);
}

void Client::SetNoticeHandler(std::function<void(const JobNotice&)> handler) {
  absl::MutexLock lock(&impl_->notice_mu);
  impl_->on_notice = std::move(handler);
}

absl::StatusOr<Job> Client::Submit(const v1::Graph& graph, const SubmitOptions& options) {
  uint64_t request;
  {
    absl::MutexLock lock(&impl_->mu);
    request = impl_->next_request++;
  }
  // Big graphs go in chunks, each well under the message limit.
  const int chunk = std::max(1, options.chunk_tasks);
  int sent = 0;
  do {
    v1::ClientToScheduler message;
    v1::SubmitGraph* submit = message.mutable_submit();
    submit->set_request_id(request);
    const int end = std::min(graph.tasks_size(), sent + chunk);
    for (int i = sent; i < end; ++i) *submit->add_tasks() = graph.tasks(i);
    sent = end;
    if (sent == graph.tasks_size()) {
      submit->set_last(true);
      *submit->mutable_outputs() = graph.outputs();
      submit->set_name(options.name);
      submit->set_keep(options.keep);
    }
    absl::Status status = impl_->Send(message);
    if (!status.ok()) return status;
  } while (sent < graph.tasks_size());

  v1::SubmitResult result;
  {
    absl::MutexLock lock(&impl_->mu);
    auto arrived = [this, request]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->mu) {
      return impl_->closed || impl_->submit_results.contains(request);
    };
    impl_->mu.Await(absl::Condition(&arrived));
    auto it = impl_->submit_results.find(request);
    if (it == impl_->submit_results.end()) return impl_->Closed();
    result = std::move(it->second);
    impl_->submit_results.erase(it);
  }
  if (!result.error().empty()) return absl::InvalidArgumentError(result.error());
  Job job;
  job.id = result.job();
  std::vector<std::string> outputs(graph.outputs().begin(), graph.outputs().end());
  if (outputs.empty()) outputs = DefaultOutputs(graph);
  for (std::string& key : outputs) job.outputs.push_back(Future{job.id, std::move(key)});
  return job;
}

absl::StatusOr<Job> Client::Watch(JobId id) {
  auto info = GetJob(id, /*include_tasks=*/false);
  if (!info.ok()) return info.status();
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->jobs.try_emplace(id);
  }
  v1::ClientToScheduler message;
  message.add_watch_jobs(id);
  absl::Status sent = impl_->Send(message);
  if (!sent.ok()) return sent;
  Job job;
  job.id = id;
  for (const std::string& key : info->outputs()) job.outputs.push_back(Future{id, key});
  return job;
}

absl::StatusOr<v1::JobState> Client::Wait(JobId id, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&impl_->mu);
      auto done = [this, id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->mu) {
        auto it = impl_->jobs.find(id);
        return impl_->closed ||
               (it != impl_->jobs.end() &&
                (it->second.state != v1::JOB_STATE_UNSPECIFIED || !it->second.error.empty()));
      };
      if (!impl_->mu.AwaitWithDeadline(absl::Condition(&done), deadline)) {
        return absl::DeadlineExceededError(absl::StrCat("job ", id, " still running"));
      }
      auto it = impl_->jobs.find(id);
      if (it != impl_->jobs.end() && it->second.state != v1::JOB_STATE_UNSPECIFIED) {
        return it->second.state;
      }
      if (it != impl_->jobs.end() && !it->second.error.empty()) {
        return absl::NotFoundError(impl_->UnknownJob(id, it->second));
      }
      seen = impl_->generation;
    }
    // The stream closed with the job still running.
    if (absl::Status again = impl_->Reconnect(seen); !again.ok()) return again;
  }
}

absl::StatusOr<KeyStatus> Client::WaitKey(const Future& future, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&impl_->mu);
      auto done = [this, &future]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->mu) {
        if (impl_->closed) return true;
        auto job = impl_->jobs.find(future.job);
        if (job == impl_->jobs.end()) return false;
        if (!job->second.error.empty()) return true;
        auto key = job->second.keys.find(future.key);
        return key != job->second.keys.end() || job->second.state != v1::JOB_STATE_UNSPECIFIED;
      };
      if (!impl_->mu.AwaitWithDeadline(absl::Condition(&done), deadline)) {
        return absl::DeadlineExceededError(absl::StrCat("\"", future.key, "\" not done yet"));
      }
      auto job = impl_->jobs.find(future.job);
      if (job != impl_->jobs.end()) {
        if (!job->second.error.empty()) {
          return absl::NotFoundError(impl_->UnknownJob(future.job, job->second));
        }
        auto key = job->second.keys.find(future.key);
        if (key != job->second.keys.end()) return key->second;
        if (!impl_->closed || job->second.state != v1::JOB_STATE_UNSPECIFIED) {
          return absl::NotFoundError(
              absl::StrCat("\"", future.key, "\" is not an output of job ", future.job));
        }
      } else {
        return impl_->Closed();  // never submitted nor watched: nothing to watch again
      }
      seen = impl_->generation;
    }
    // The stream closed before the key was done.
    if (absl::Status again = impl_->Reconnect(seen); !again.ok()) return again;
  }
}

absl::StatusOr<std::vector<ValuePtr>> Client::Gather(const std::vector<Future>& futures) {
  // Wait for all, then fetch from each holder in parallel, several keys per request.
  absl::flat_hash_map<std::string, std::vector<std::string>> by_worker;
  std::vector<std::string> data_keys;  // as the workers store them, one per future
  for (const Future& f : futures) {
    auto status = WaitKey(f);
    if (!status.ok()) return status.status();
    if (status->state != v1::KEY_STATE_MEMORY) {
      return absl::AbortedError(absl::StrCat(
          "task \"", f.key, "\" ",
          status->state == v1::KEY_STATE_ERRED ? "failed" : "was cancelled", ": ", status->error));
    }
    if (status->who_has.empty()) {
      return absl::UnavailableError(absl::StrCat("no worker holds \"", f.key, "\""));
    }
    by_worker[status->who_has.front()].push_back(status->data_key);
    data_keys.push_back(status->data_key);
  }
  absl::flat_hash_map<std::string, ValuePtr> values;
  std::vector<std::pair<std::string, std::future<absl::StatusOr<FetchResult>>>> fetches;
  for (auto& [address, keys] : by_worker) {
    fetches.emplace_back(address,
                         std::async(std::launch::async, [this, address = address, keys = keys] {
                           return impl_->data->Fetch(address, keys);
                         }));
  }
  // A value may have moved since the future heard where it was (its worker retired and handed it
  // over): those the holder did not serve are asked of the scheduler, which knows where they are.
  std::vector<std::string> moved;
  absl::Status first_error;
  for (auto& [address, pending] : fetches) {
    absl::StatusOr<FetchResult> result = pending.get();
    if (!result.ok() || !result->missing.empty()) {
      if (first_error.ok()) {
        first_error =
            !result.ok()
                ? result.status()
                : absl::UnavailableError(absl::StrCat("worker ", address, " no longer holds \"",
                                                      result->missing.front(), "\""));
      }
      for (const std::string& key : by_worker[address]) {
        if (!result.ok() || !result->values.contains(key)) moved.push_back(key);
      }
    }
    if (!result.ok()) continue;
    for (auto& [key, value] : result->values) values[key] = std::move(value);
  }
  if (!moved.empty()) {
    absl::StatusOr<std::vector<ValuePtr>> again = GatherKeys(moved);
    if (!again.ok()) {
      return absl::Status(first_error.code(),
                          absl::StrCat(first_error.message(),
                                       " (and asked again: ", again.status().message(), ")"));
    }
    for (size_t i = 0; i < moved.size(); ++i) values[moved[i]] = (*again)[i];
  }
  std::vector<ValuePtr> out;
  out.reserve(futures.size());
  for (const std::string& key : data_keys) out.push_back(values[key]);
  return out;
}

absl::StatusOr<ValuePtr> Client::Result(const Future& future) {
  auto values = Gather({future});
  if (!values.ok()) return values.status();
  return values->front();
}

absl::Status Client::AsCompleted(const std::vector<Future>& futures,
                                 const std::function<void(const Future&, const KeyStatus&)>& fn) {
  absl::flat_hash_map<std::pair<JobId, std::string>, const Future*> wanted;
  for (const Future& f : futures) wanted[{f.job, f.key}] = &f;
  absl::flat_hash_map<JobId, size_t> seen;  // position in each job's completion list
  while (!wanted.empty()) {
    std::vector<std::pair<const Future*, KeyStatus>> ready;
    bool reconnect = false;
    uint64_t generation = 0;
    {
      absl::MutexLock lock(&impl_->mu);
      auto progress = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->mu) {
        if (impl_->closed) return true;
        for (const auto& [id, pos] : seen) {
          auto it = impl_->jobs.find(id);
          if (it != impl_->jobs.end() && it->second.completed.size() > pos) return true;
          if (it != impl_->jobs.end() && !it->second.error.empty()) return true;
        }
        for (const auto& [k, f] : wanted) {
          if (!seen.contains(k.first)) return true;
        }
        return false;
      };
      impl_->mu.Await(absl::Condition(&progress));
      for (const auto& [k, f] : wanted) seen.try_emplace(k.first, 0);
      for (auto& [id, pos] : seen) {
        auto it = impl_->jobs.find(id);
        if (it == impl_->jobs.end()) continue;
        for (; pos < it->second.completed.size(); ++pos) {
          const std::string& key = it->second.completed[pos];
          auto w = wanted.find(std::make_pair(id, key));
          if (w == wanted.end()) continue;
          ready.emplace_back(w->second, it->second.keys[key]);
          wanted.erase(w);
        }
      }
      for (const auto& [id, pos] : seen) {
        auto it = impl_->jobs.find(id);
        if (ready.empty() && it != impl_->jobs.end() && !it->second.error.empty()) {
          return absl::NotFoundError(impl_->UnknownJob(id, it->second));
        }
      }
      if (ready.empty() && impl_->closed) {
        reconnect = true;
        generation = impl_->generation;
      }
    }
    if (reconnect) {
      // The stream closed with futures outstanding.
      if (absl::Status again = impl_->Reconnect(generation); !again.ok()) return again;
      continue;
    }
    for (auto& [f, status] : ready) fn(*f, status);
  }
  return absl::OkStatus();
}

absl::Status Client::Cancel(JobId job) {
  v1::ClientToScheduler message;
  message.add_cancel_jobs(job);
  return impl_->Send(message);
}

absl::Status Client::Release(JobId job) {
  v1::ClientToScheduler message;
  message.add_release_jobs(job);
  return impl_->Send(message);
}

absl::StatusOr<std::vector<ValuePtr>> Client::GatherKeys(const std::vector<std::string>& keys) {
  v1::WhoHasRequest request;
  for (const std::string& key : keys) request.add_keys(key);
  auto reply = impl_->Unary(&v1::Scheduler::Stub::WhoHas, request);
  if (!reply.ok()) return reply.status();
  absl::flat_hash_map<std::string, std::vector<std::string>> by_worker;
  std::vector<std::string> data_keys;  // as the workers store them, one per key
  for (const v1::KeyLocation& loc : reply->keys()) {
    if (loc.state() == v1::TASK_STATE_UNSPECIFIED) {
      return absl::NotFoundError(absl::StrCat("no key \"", loc.key(), "\" at the scheduler"));
    }
    if (!loc.error().empty()) {
      return absl::AbortedError(absl::StrCat("task \"", loc.key(), "\" failed: ", loc.error()));
    }
    if (loc.who_has().empty()) {
      return absl::NotFoundError(
          absl::StrCat("\"", loc.key(), "\" is not in memory (", StateName(loc.state()), ")"));
    }
    by_worker[loc.who_has(0)].push_back(loc.data_key().empty() ? loc.key() : loc.data_key());
    data_keys.push_back(loc.data_key().empty() ? loc.key() : loc.data_key());
  }
  absl::flat_hash_map<std::string, ValuePtr> values;
  for (auto& [address, wanted] : by_worker) {
    auto result = impl_->data->Fetch(address, wanted);
    if (!result.ok()) return result.status();
    if (!result->missing.empty()) {
      return absl::NotFoundError(absl::StrCat("\"", result->missing.front(), "\" was just freed"));
    }
    for (auto& [key, value] : result->values) values[key] = std::move(value);
  }
  std::vector<ValuePtr> out;
  for (const std::string& key : data_keys) out.push_back(values[key]);
  return out;
}

absl::StatusOr<v1::StatusReply> Client::Status() {
  return impl_->Unary(&v1::Scheduler::Stub::Status, v1::StatusRequest());
}

absl::StatusOr<v1::JobInfo> Client::GetJob(JobId job, bool include_tasks) {
  v1::GetJobRequest request;
  request.set_job(job);
  request.set_include_tasks(include_tasks);
  return impl_->Unary(&v1::Scheduler::Stub::GetJob, request);
}

absl::StatusOr<v1::ListJobsReply> Client::ListJobs() {
  return impl_->Unary(&v1::Scheduler::Stub::ListJobs, v1::ListJobsRequest());
}

absl::Status Client::Publish(const std::string& key, const std::string& name) {
  v1::PublishRequest request;
  request.set_name(name);
  request.set_key(key);
  return impl_->Unary(&v1::Scheduler::Stub::Publish, request).status();
}

absl::Status Client::Unpublish(const std::string& name) {
  v1::PublishRequest request;
  request.set_name(name);
  request.set_unpublish(true);
  return impl_->Unary(&v1::Scheduler::Stub::Publish, request).status();
}

absl::StatusOr<std::string> Client::Published(const std::string& name) {
  v1::GetPublishedRequest request;
  request.set_name(name);
  auto reply = impl_->Unary(&v1::Scheduler::Stub::GetPublished, request);
  if (!reply.ok()) return reply.status();
  return reply->key();
}

absl::StatusOr<v1::TaskLog> Client::GetLog(const std::string& key) {
  v1::GetLogRequest request;
  request.set_key(key);
  return impl_->Unary(&v1::Scheduler::Stub::GetLog, request);
}

absl::StatusOr<v1::RetireReply> Client::RetireWorkers(const std::vector<std::string>& workers) {
  v1::RetireRequest request;
  for (const std::string& w : workers) request.add_workers(w);
  return impl_->Unary(&v1::Scheduler::Stub::RetireWorkers, request);
}

absl::Status Client::ShutdownCluster() {
  return impl_->Unary(&v1::Scheduler::Stub::Shutdown, v1::ShutdownRequest()).status();
}

}  // namespace brisk
