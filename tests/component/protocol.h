// Builders and readers for the scheduler protocol's messages, so the component tests read as the
// conversation they script.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brisk/v1/graph.pb.h"
#include "brisk/v1/scheduler.pb.h"
#include "tests/component/scripted_stream.h"

namespace brisk {

using ScriptedWorker = ScriptedStream<v1::WorkerToScheduler, v1::SchedulerToWorker>;
using ScriptedClient = ScriptedStream<v1::ClientToScheduler, v1::SchedulerToClient>;

// The data-service address a scripted worker named `name` registers with.
std::string AddressOf(const std::string& name);

v1::RegisterWorker Registration(const std::string& name, int nthreads = 1);

// A task running `op` on the results of `deps` (on a literal when it has none).
v1::Task Task(const std::string& key, const std::vector<std::string>& deps = {},
              const std::string& op = "inc");

// One chunk of a graph submission.
v1::ClientToScheduler Submit(uint64_t request_id, const std::vector<v1::Task>& tasks,
                             bool last = true, bool keep = false);

// A worker message reporting `keys` done (successfully, 8 bytes each), all in one batch.
v1::WorkerToScheduler Done(const std::vector<std::string>& keys);

// The keys of the ComputeTask entries in a batch, in order.
std::vector<std::string> ComputeKeys(const v1::SchedulerToWorker& batch);

// ---- waiting for the scheduler's side of the conversation (nullopt: it did not come in time)

// Sends the registration of worker `name` and returns the scheduler's first answer.
std::optional<v1::SchedulerToWorker> Register(ScriptedWorker& worker, const std::string& name,
                                              int nthreads = 1);
// The answer to the submission `request_id`.
std::optional<v1::SubmitResult> AwaitSubmitted(ScriptedClient& client, uint64_t request_id);
// The next batch that asks the worker to compute something.
std::optional<v1::SchedulerToWorker> AwaitCompute(ScriptedWorker& worker);
// The end of `job` as the client is told it ("finished", "erred", "cancelled"; or its error).
std::optional<v1::JobUpdate> AwaitJobEnd(ScriptedClient& client, uint64_t job);

}  // namespace brisk
