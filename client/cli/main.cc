// brisk: the command line. Submits graphs, waits for and prints results, and queries and steers a
// cluster. The scheduler address comes from --scheduler, else BRISK_SCHEDULER, else an embedded
// local cluster is started in this process.
//
// Exit status: 0 everything asked for succeeded; 1 a task or job failed or was cancelled;
// 2 bad input (usage, unreadable or invalid graph, unknown job or key); 3 no scheduler reachable.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "brisk/client.h"
#include "client/cli/output.h"
#include "common/auth.h"
#include "common/graph_json.h"
#include "common/logging.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kBadInput = 2;
constexpr int kUnavailable = 3;

struct Globals {
  std::string scheduler;
  std::string token_file;
  std::string output = "text";
  int local_workers = 0;
};

int Fail(const absl::Status& status) {
  std::cerr << "brisk: " << status.message() << "\n";
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnavailable;
    case absl::StatusCode::kAborted:
      return kFailed;
    default:
      return kBadInput;
  }
}

absl::StatusOr<std::unique_ptr<Client>> Connect(const Globals& g) {
  std::string address = g.scheduler;
  if (address.empty()) {
    const char* env = std::getenv("BRISK_SCHEDULER");
    if (env != nullptr) address = env;
  }
  if (!address.empty()) {
    ConnectOptions options;
    std::string token_file = g.token_file;
    if (token_file.empty()) {
      const char* env_file = std::getenv("BRISK_AUTH_TOKEN_FILE");
      if (env_file != nullptr) token_file = env_file;
    }
    if (!token_file.empty()) {
      auto token = ReadTokenFile(token_file);
      if (!token.ok()) return token.status();
      options.auth_token = *token;
    }
    return Client::Connect(address, options);
  }
  LocalClusterOptions local;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  local.workers = g.local_workers > 0 ? g.local_workers : std::min(cores, 8);
  return Client::StartLocal(local);
}

absl::StatusOr<JobId> ParseJob(const std::string& text) {
  JobId id;
  if (!absl::SimpleAtoi(text, &id)) {
    return absl::InvalidArgumentError("a job id is a number, got \"" + text + "\"");
  }
  return id;
}

// Waits for the job, fetches its outputs and prints them.
int Report(Client& client, const Job& job, Output& out, size_t ntasks,
           std::chrono::steady_clock::time_point started) {
  auto state = client.Wait(job.id);
  if (!state.ok()) return Fail(state.status());
  JobReport report;
  report.job = job.id;
  report.state = *state;
  std::vector<Future> in_memory;
  for (const Future& f : job.outputs) {
    auto status = client.WaitKey(f);
    if (!status.ok()) return Fail(status.status());
    if (status->state == v1::KEY_STATE_MEMORY) {
      in_memory.push_back(f);
    } else {
      report.errors.emplace_back(f.key, status->error);
    }
  }
  auto values = client.Gather(in_memory);
  if (!values.ok()) return Fail(values.status());
  for (size_t i = 0; i < in_memory.size(); ++i) {
    report.results.emplace_back(in_memory[i].key, (*values)[i]);
  }
  report.ntasks = ntasks;
  if (ntasks > 0) {
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  out.Job(report);
  return report.state == "finished" && report.errors.empty() ? kOk : kFailed;
}

}  // namespace
}  // namespace brisk

int main(int argc, char** argv) {
  using namespace brisk;
  InitLogging("warn");
  CLI::App app{
      "brisk: submit task graphs to a Brisk cluster and get their results.\n"
      "The scheduler is --scheduler, else $BRISK_SCHEDULER, else an embedded local cluster."};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--scheduler", g.scheduler, "Scheduler address host:port");
  app.add_option("--output,-o", g.output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--auth-token-file", g.token_file,
                 "File holding the cluster's token (default: $BRISK_AUTH_TOKEN_FILE)");
  app.add_option("--local-workers", g.local_workers,
                 "Workers of the embedded cluster (default: one per core, at most 8)");

  std::string graph_file, name;
  bool no_wait = false;
  auto* submit = app.add_subcommand("submit", "Submit a graph file (- for stdin), wait, print outputs");
  submit->add_option("file", graph_file, "Graph JSON file, or - for standard input")->required();
  submit->add_option("--name", name, "Job name");
  submit->add_flag("--no-wait", no_wait, "Print the job id and return; results stay until released");

  std::string job_text;
  auto* wait = app.add_subcommand("wait", "Wait for a job, then print its outputs");
  wait->add_option("job", job_text, "Job id")->required();
  auto* status = app.add_subcommand("status", "Workers and task counts");
  auto* tasks = app.add_subcommand("tasks", "Tasks of a job: key, state, worker, start, end");
  tasks->add_option("job", job_text, "Job id")->required();
  auto* jobs = app.add_subcommand("jobs", "Jobs the scheduler knows, with task counts per state");
  std::vector<std::string> keys;
  auto* gather = app.add_subcommand("gather", "Print the values of keys held in the cluster");
  gather->add_option("keys", keys, "Keys")->required();
  auto* cancel = app.add_subcommand("cancel", "Cancel a job: stop its tasks and free its data");
  cancel->add_option("job", job_text, "Job id")->required();
  auto* release = app.add_subcommand("release", "Free a finished job's results");
  release->add_option("job", job_text, "Job id")->required();
  auto* shutdown = app.add_subcommand("shutdown", "Stop the scheduler and all its workers");

  CLI11_PARSE(app, argc, argv);
  std::unique_ptr<Output> out = MakeOutput(g.output);

  if (submit->parsed()) {
    auto graph = ReadGraphFile(graph_file);
    if (!graph.ok()) return Fail(graph.status());
    auto client = Connect(g);
    if (!client.ok()) return Fail(client.status());
    const auto started = std::chrono::steady_clock::now();
    SubmitOptions options;
    options.name = name;
    options.keep = no_wait;
    auto job = (*client)->Submit(*graph, options);
    if (!job.ok()) return Fail(job.status());
    if (no_wait) {
      out->Submitted(job->id);
      return kOk;
    }
    return Report(**client, *job, *out, static_cast<size_t>(graph->tasks_size()), started);
  }

  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  Client& c = **client;
  if (wait->parsed()) {
    auto id = ParseJob(job_text);
    if (!id.ok()) return Fail(id.status());
    auto job = c.Watch(*id);
    if (!job.ok()) return Fail(job.status());
    return Report(c, *job, *out, 0, std::chrono::steady_clock::now());
  }
  if (status->parsed()) {
    auto reply = c.Status();
    if (!reply.ok()) return Fail(reply.status());
    out->Status(*reply);
    return kOk;
  }
  if (tasks->parsed()) {
    auto id = ParseJob(job_text);
    if (!id.ok()) return Fail(id.status());
    auto info = c.GetJob(*id, /*include_tasks=*/true);
    if (!info.ok()) return Fail(info.status());
    out->Tasks(*info);
    return kOk;
  }
  if (jobs->parsed()) {
    auto reply = c.ListJobs();
    if (!reply.ok()) return Fail(reply.status());
    out->Jobs(*reply);
    return kOk;
  }
  if (gather->parsed()) {
    auto values = c.GatherKeys(keys);
    if (!values.ok()) return Fail(values.status());
    std::vector<std::pair<std::string, ValuePtr>> pairs;
    for (size_t i = 0; i < keys.size(); ++i) pairs.emplace_back(keys[i], (*values)[i]);
    out->Values(pairs);
    return kOk;
  }
  if (cancel->parsed() || release->parsed()) {
    auto id = ParseJob(job_text);
    if (!id.ok()) return Fail(id.status());
    auto job = c.Watch(*id);
    if (!job.ok()) return Fail(job.status());
    absl::Status sent = cancel->parsed() ? c.Cancel(*id) : c.Release(*id);
    if (!sent.ok()) return Fail(sent);
    auto state = c.Wait(*id);
    if (!state.ok()) return Fail(state.status());
    out->JobState(*id, *state);
    return kOk;
  }
  if (shutdown->parsed()) {
    absl::Status done = c.ShutdownCluster();
    if (!done.ok()) return Fail(done);
    out->Done("shutdown");
    return kOk;
  }
  return kBadInput;
}
