#include "tests/component/protocol.h"

namespace brisk {

std::string AddressOf(const std::string& name) { return name + ".test:7000"; }

v1::RegisterWorker Registration(const std::string& name, int nthreads) {
  v1::RegisterWorker reg;
  reg.set_name(name);
  reg.set_address(AddressOf(name));
  reg.set_nthreads(nthreads);
  reg.set_memory_limit(1 << 30);
  return reg;
}

v1::Task Task(const std::string& key, const std::vector<std::string>& deps, const std::string& op) {
  v1::Task task;
  task.set_key(key);
  task.set_op(op);
  if (deps.empty()) task.add_args()->set_int_(1);
  for (const std::string& dep : deps) task.add_args()->set_ref(dep);
  return task;
}

v1::ClientToScheduler Submit(uint64_t request_id, const std::vector<v1::Task>& tasks, bool last,
                             bool keep) {
  v1::ClientToScheduler message;
  v1::SubmitGraph* submit = message.mutable_submit();
  submit->set_request_id(request_id);
  for (const v1::Task& task : tasks) *submit->add_tasks() = task;
  submit->set_last(last);
  submit->set_keep(keep);
  return message;
}

v1::WorkerToScheduler Done(const std::vector<std::string>& keys) {
  v1::WorkerToScheduler message;
  for (const std::string& key : keys) {
    v1::TaskDone* done = message.add_done();
    done->set_key(key);
    done->set_nbytes(8);
    done->set_start(1700000000);
    done->set_end(1700000001);
  }
  return message;
}

std::vector<std::string> ComputeKeys(const v1::SchedulerToWorker& batch) {
  std::vector<std::string> keys;
  for (const v1::ComputeTask& compute : batch.compute()) keys.push_back(compute.key());
  return keys;
}

std::optional<v1::SchedulerToWorker> Register(ScriptedWorker& worker, const std::string& name,
                                              int nthreads) {
  v1::WorkerToScheduler hello;
  *hello.mutable_register_() = Registration(name, nthreads);
  if (!worker.Send(hello)) return std::nullopt;
  return worker.Next();
}

std::optional<v1::SubmitResult> AwaitSubmitted(ScriptedClient& client, uint64_t request_id) {
  std::optional<v1::SubmitResult> found;
  client.NextWhere([&](const v1::SchedulerToClient& batch) {
    for (const v1::SubmitResult& result : batch.submitted()) {
      if (result.request_id() == request_id) found = result;
    }
    return found.has_value();
  });
  return found;
}

std::optional<v1::SchedulerToWorker> AwaitCompute(ScriptedWorker& worker) {
  return worker.NextWhere(
      [](const v1::SchedulerToWorker& batch) { return batch.compute_size() > 0; });
}

std::optional<v1::JobUpdate> AwaitJobEnd(ScriptedClient& client, uint64_t job) {
  std::optional<v1::JobUpdate> found;
  client.NextWhere([&](const v1::SchedulerToClient& batch) {
    for (const v1::JobUpdate& update : batch.jobs()) {
      if (update.job() == job) found = update;
    }
    return found.has_value();
  });
  return found;
}

}  // namespace brisk
