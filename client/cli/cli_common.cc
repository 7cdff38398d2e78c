#include "client/cli/cli_common.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "brisk/npy.h"
#include "brisk/value.h"
#include "client/cli/progress.h"
#include "common/auth.h"
#include "common/cpu_count.h"

namespace brisk {

int Fail(const absl::Status& status) {
  std::cerr << "brisk: " << status.message() << "\n";
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    case absl::StatusCode::kAborted:
      return kExitFailed;
    default:
      return kExitBadInput;
  }
}

std::string SchedulerAddress(const Globals& g) {
  if (!g.scheduler.empty()) return g.scheduler;
  const char* env = std::getenv("BRISK_SCHEDULER");
  return env != nullptr ? env : "";
}

int RequireScheduler(const Globals& g, const std::string& command) {
  if (!SchedulerAddress(g).empty()) return kExitOk;
  std::cerr << "brisk " << command
            << ": no scheduler is set: give --scheduler HOST:PORT or set BRISK_SCHEDULER=HOST:PORT "
               "(only submit, run, map, frame, array and bag start an embedded cluster of their "
               "own, which ends with the command)\n";
  return kExitBadInput;
}

namespace {

absl::StatusOr<std::unique_ptr<Client>> Open(const Globals& g) {
  const std::string address = SchedulerAddress(g);
  if (address.empty()) {
    LocalClusterOptions local;
    local.workers = g.local_workers > 0 ? g.local_workers : std::min(AvailableCores(), 8);
    local.plugins = g.plugins;
    return Client::StartLocal(local);
  }
  if (!g.plugins.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--plugin loads ops into the embedded local cluster only; the workers of the cluster at ",
        address, " load them themselves (brisk-worker --plugin PATH)"));
  }
  ConnectOptions options;
  options.reconnect_timeout = absl::Seconds(g.scheduler_timeout_s);
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

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Connect(const Globals& g) {
  absl::StatusOr<std::unique_ptr<Client>> client = Open(g);
  if (client.ok()) {
    (*client)->SetNoticeHandler([](const JobNotice& notice) {
      if (notice.key.empty()) {
        std::cerr << "job " << notice.job << ": " << notice.message << std::endl;
      } else {
        std::cerr << "task " << notice.key << ": " << notice.message << std::endl;
      }
    });
    (*client)->SetReconnectHandler(
        [](const std::string& message) { std::cerr << "brisk: " << message << std::endl; });
  }
  return client;
}

absl::StatusOr<JobId> ParseJob(const std::string& text) {
  JobId id;
  if (!absl::SimpleAtoi(text, &id)) {
    return absl::InvalidArgumentError("a job id is a number, got \"" + text + "\"");
  }
  return id;
}

namespace {

// Waits for the job; once it has run for a second, shows its progress on standard error.
absl::StatusOr<v1::JobState> WaitWithProgress(Client& client, JobId job) {
  const absl::Time quiet_until = absl::Now() + absl::Seconds(1);
  std::unique_ptr<Progress> progress;
  while (true) {
    auto state = client.Wait(job, absl::Milliseconds(200));
    if (state.status().code() != absl::StatusCode::kDeadlineExceeded) {
      if (state.ok() && progress != nullptr) {
        auto info = client.GetJob(job, /*include_tasks=*/false);
        if (info.ok()) progress->Update(info->ntasks(), 0);
      }
      return state;
    }
    if (absl::Now() < quiet_until) continue;
    auto info = client.GetJob(job, /*include_tasks=*/false);
    if (!info.ok()) continue;
    size_t done = 0, failed = 0;
    for (const v1::TaskStateCount& c : info->task_states()) {
      switch (c.state()) {
        case v1::TASK_STATE_MEMORY:
        case v1::TASK_STATE_FINISHED:
          done += c.count();
          break;
        case v1::TASK_STATE_ERRED:
        case v1::TASK_STATE_CANCELLED:
          failed += c.count();
          break;
        default:
          break;
      }
    }
    if (progress == nullptr) progress = std::make_unique<Progress>(info->ntasks());
    progress->Update(done + failed, failed);
  }
}

}  // namespace

int WriteRawResult(const std::string& key, const v1::Value& value, const std::string& path) {
  if (value.kind_case() != v1::Value::kBytes && value.kind_case() != v1::Value::kStr) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" is a value of kind ", KindName(value),
                     ", not bytes or text: --raw writes only those (an array: --npy)")));
  }
  const std::string& data = value.kind_case() == v1::Value::kBytes ? value.bytes() : value.str();
  if (path.empty()) {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() ||
        std::fflush(stdout) != 0) {
      return Fail(absl::UnavailableError(
          absl::StrCat("writing \"", key, "\" to standard output: ", std::strerror(errno))));
    }
    return kExitOk;
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(data.data(), static_cast<std::streamsize>(data.size()));
  file.close();
  if (!file) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("cannot write \"", key, "\" to ", path, ": ", std::strerror(errno))));
  }
  return kExitOk;
}

int WriteNpyResult(const std::string& key, const v1::Value& value, const std::string& path,
                   Output& out) {
  if (value.kind_case() != v1::Value::kNdarray) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "\"", key, "\" holds a ", KindName(value), ", not an ndarray: --npy writes only arrays")));
  }
  if (absl::Status written = WriteNpy(path, value); !written.ok()) return Fail(written);
  out.NpyWritten(key, path);
  return kExitOk;
}

int ReportJob(Client& client, const Job& job, Output& out, size_t ntasks,
              std::chrono::steady_clock::time_point started) {
  auto state = WaitWithProgress(client, job.id);
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
  return report.state == v1::JOB_STATE_FINISHED && report.errors.empty() ? kExitOk : kExitFailed;
}

}  // namespace brisk
