#include "client/cli/shell_jobs.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "client/cli/cli_common.h"
#include "client/cli/progress.h"

namespace brisk {
namespace {

// Keys are global in the cluster: each invocation gets its own prefix.
std::string UniquePrefix(const std::string& what) {
  std::random_device rd;
  return absl::StrCat(what, "-", absl::Hex(static_cast<uint32_t>(rd()), absl::kZeroPad8));
}

v1::Task ShellTask(const std::string& key, const ShellTaskOptions& options,
                   const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  v1::Task task;
  task.set_key(key);
  task.set_op("shell");
  for (const std::string& a : argv) task.add_args()->set_str(a);
  if (!env.empty()) {
    v1::ArgList* list = (*task.mutable_kwargs())["env"].mutable_list();
    for (const std::string& e : env) list->add_items()->set_str(e);
  }
  if (!options.cwd.empty()) (*task.mutable_kwargs())["cwd"].set_str(options.cwd);
  task.mutable_resources()->insert(options.resources.begin(), options.resources.end());
  task.set_timeout_s(options.timeout_s);
  task.set_retries(options.retries);
  return task;
}

const std::string& BytesOf(const v1::Value& v) {
  return v.kind_case() == v1::Value::kStr ? v.str() : v.bytes();
}

}  // namespace

absl::StatusOr<std::string> CommandDirectory(const std::string& flag) {
  std::error_code ec;
  std::filesystem::path here = std::filesystem::current_path(ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot tell the current directory: ", ec.message()));
  }
  if (flag.empty()) return here.string();
  return (here / flag).lexically_normal().string();
}

void SetShellDirectories(v1::Graph& graph, const std::string& dir) {
  for (v1::Task& task : *graph.mutable_tasks()) {
    if (task.op() != "shell") continue;
    auto& kwargs = *task.mutable_kwargs();
    auto it = kwargs.find("cwd");
    if (it == kwargs.end()) {
      kwargs["cwd"].set_str(dir);
    } else if (it->second.kind_case() == v1::Arg::kStr &&
               std::filesystem::path(it->second.str()).is_relative()) {
      it->second.set_str(
          (std::filesystem::path(dir) / it->second.str()).lexically_normal().string());
    }
  }
}

namespace {

// One attempt of `brisk run`'s command: what it printed and how it ended.
absl::StatusOr<RunReport> RunOnce(Client& client, const ShellTaskOptions& options) {
  v1::Graph graph;
  const std::string key = UniquePrefix("run");
  v1::Task task = ShellTask(key, options, options.command, {});
  (*task.mutable_kwargs())["check"].set_bool_(false);  // the exit status is a result
  task.set_retries(0);  // run's retries are attempts made here (RunCommand), not the scheduler's
  *graph.add_tasks() = std::move(task);
  SubmitOptions submit;
  submit.name = options.name.empty() ? options.command.front() : options.name;
  auto job = client.Submit(graph, submit);
  if (!job.ok()) return job.status();
  auto status = client.WaitKey(job->outputs.front());
  if (!status.ok()) return status.status();
  RunReport report;
  report.job = job->id;
  report.key = key;
  if (status->state == v1::KEY_STATE_MEMORY) {
    auto value = client.Result(job->outputs.front());
    if (!value.ok()) return value.status();
    const auto& result = (*value)->map().entries();
    report.stdout_text = result.at("stdout").bytes();
    report.exit_status = static_cast<int>(result.at("status").int_());
  } else {
    report.error = status->error;
    // As shells do: 124 for a time-out (timeout(1)), 127 for a command that cannot be run.
    report.exit_status = status->error_kind == v1::ERROR_KIND_TIMED_OUT          ? 124
                         : status->error.find("cannot run") != std::string::npos ? 127
                                                                                 : kExitFailed;
  }
  auto log = client.GetLog(key);
  if (log.ok()) report.stderr_text = log->log();
  return report;
}

}  // namespace

int RunCommand(Client& client, const ShellTaskOptions& options, Output& out) {
  if (options.command.empty())
    return Fail(absl::InvalidArgumentError("run: no command given after --"));
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<RunReport> report = RunOnce(client, options);
    if (!report.ok()) return Fail(report.status());
    if (report->exit_status == 0 || attempt >= options.retries) {
      out.Run(*report);
      return report->exit_status;
    }
    // An earlier attempt's output is not printed: only the last attempt's is the result.
    std::cerr << "brisk: run: attempt " << attempt + 1 << " of " << options.retries + 1
              << " exited with status " << report->exit_status << "; running it again\n";
  }
}

absl::StatusOr<std::vector<std::string>> ParseArray(const std::string& spec) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  std::vector<std::string> range = absl::StrSplit(parts[0], '-');
  int64_t from, to, step = 1;
  if (parts.size() > 2 || range.size() != 2 || !absl::SimpleAtoi(range[0], &from) ||
      !absl::SimpleAtoi(range[1], &to) ||
      (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &step)) || step < 1 || to < from) {
    return absl::InvalidArgumentError(
        absl::StrCat("--array takes FROM-TO or FROM-TO:STEP with FROM <= TO, got \"", spec, "\""));
  }
  if ((to - from) / step >= 10'000'000) {
    return absl::InvalidArgumentError("--array has more than 10,000,000 items");
  }
  std::vector<std::string> items;
  for (int64_t i = from; i <= to; i += step) items.push_back(absl::StrCat(i));
  return items;
}

absl::StatusOr<std::vector<std::string>> ReadLines(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    in = &file;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(*in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

int MapCommand(Client& client, const MapOptions& options, Output& out) {
  if (options.task.command.empty())
    return Fail(absl::InvalidArgumentError("map: no command given after --"));
  if (options.items.empty()) return Fail(absl::InvalidArgumentError("map: no items"));
  const std::string prefix = UniquePrefix("map");
  v1::Graph graph;
  for (size_t i = 0; i < options.items.size(); ++i) {
    const std::string& item = options.items[i];
    std::vector<std::string> argv;
    for (const std::string& a : options.task.command)
      argv.push_back(absl::StrReplaceAll(a, {{"{}", item}}));
    *graph.add_tasks() =
        ShellTask(absl::StrCat(prefix, "-", i), options.task, argv,
                  {absl::StrCat("BRISK_ITEM=", item), absl::StrCat("BRISK_TASK_ID=", i)});
  }
  SubmitOptions submit;
  submit.name = options.task.name.empty() ? absl::StrCat("map ", options.task.command.front())
                                          : options.task.name;
  auto job = client.Submit(graph, submit);
  if (!job.ok()) return Fail(job.status());

  MapReport report;
  report.job = job->id;
  report.items = options.items.size();
  Progress progress(options.items.size());
  size_t done = 0;
  bool cancelled = false;
  std::vector<int> ok_index;
  absl::Status streamed =
      client.AsCompleted(job->outputs, [&](const Future& f, const KeyStatus& s) {
        const size_t index = std::stoul(f.key.substr(prefix.size() + 1));
        ++done;
        if (s.state != v1::KEY_STATE_MEMORY) {
          report.failed.push_back({index, options.items[index], s.error});
          if (options.max_fails >= 0 &&
              static_cast<int>(report.failed.size()) > options.max_fails && !cancelled) {
            cancelled = true;
            (void)client.Cancel(job->id);
          }
        }
        progress.Update(done, report.failed.size());
      });
  if (!streamed.ok()) return Fail(streamed);
  std::sort(report.failed.begin(), report.failed.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });

  // Outputs in item order, fetched a batch at a time.
  std::vector<bool> failed(options.items.size(), false);
  for (const auto& f : report.failed) failed[f.index] = true;
  if (!options.output_dir.empty()) std::filesystem::create_directories(options.output_dir);
  constexpr size_t kBatch = 1000;
  for (size_t start = 0; start < options.items.size(); start += kBatch) {
    std::vector<Future> batch;
    for (size_t i = start; i < std::min(options.items.size(), start + kBatch); ++i) {
      if (!failed[i]) batch.push_back(job->outputs[i]);
    }
    auto values = client.Gather(batch);
    if (!values.ok()) return Fail(values.status());
    for (size_t b = 0; b < batch.size(); ++b) {
      const size_t index = std::stoul(batch[b].key.substr(prefix.size() + 1));
      const std::string& text = BytesOf(*(*values)[b]);
      if (!options.output_dir.empty()) {
        std::ofstream file(absl::StrCat(options.output_dir, "/", index, ".out"), std::ios::binary);
        file.write(text.data(), static_cast<std::streamsize>(text.size()));
      } else {
        report.outputs.push_back(text);
      }
    }
  }
  report.output_dir = options.output_dir;
  out.Map(report);
  (void)client.Release(job->id);
  return report.failed.empty() ? kExitOk : kExitFailed;
}

}  // namespace brisk
