// brisk: the command line. Submits graphs and shell commands, waits for and prints results, and
// queries and steers a cluster. Flag wiring only; the work is in cli_common and shell_jobs.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "CLI/CLI.hpp"
#include "brisk/client.h"
#include "client/cli/array_command.h"
#include "client/cli/bag_command.h"
#include "client/cli/cli_common.h"
#include "client/cli/frame_command.h"
#include "client/cli/output.h"
#include "client/cli/shell_jobs.h"
#include "client/cli/state_filter.h"
#include "common/graph_json.h"
#include "common/grpc_lifetime.h"
#include "common/logging.h"
#include "common/parse_flags.h"
#include "common/version.h"

int main(int argc, char** argv) {
  using namespace brisk;
  InitLogging("warn");
  KeepGrpcUntilExit();
  CLI::App app{
      "brisk: submit task graphs and shell commands to a Brisk cluster and get their results.\n"
      "The scheduler is --scheduler, else $BRISK_SCHEDULER, else (for submit, run, map, frame,\n"
      "array and bag only) an embedded local cluster that ends with the command.\n"
      "Exit status: 0 success, 1 a task or job failed, 2 bad input, 3 no scheduler reachable;\n"
      "`brisk run` exits with the command's own status."};
  app.set_version_flag("--version", std::string("brisk ") + BriskVersion());
  app.require_subcommand(1);
  app.fallthrough();  // global options also after the subcommand: `brisk wait 3 -o json`
  Globals g;
  app.add_option("--scheduler", g.scheduler, "Scheduler address host:port");
  app.add_option("--output,-o", g.output, "text or json (or csv, for brisk frame and bag)")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  app.add_option("--auth-token-file", g.token_file,
                 "File holding the cluster's token (default: $BRISK_AUTH_TOKEN_FILE)");
  app.add_option("--scheduler-timeout", g.scheduler_timeout_s,
                 "While waiting for a job (wait, map, run, submit without --no-wait): seconds to "
                 "keep trying to reach the scheduler again after losing it; 0 = fail at once")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--local-workers", g.local_workers,
                 "Workers of the embedded cluster (default: one per core, at most 8)");
  app.add_option(
      "--plugin", g.plugins,
      "Load ops from this plugin (shared library) into the embedded cluster; repeatable");

  std::string graph_file, name, job_text, key, cwd;
  bool no_wait = false;
  auto* submit =
      app.add_subcommand("submit", "Submit a graph file (- for stdin), wait, print outputs");
  submit->add_option("file", graph_file, "Graph JSON file, or - for standard input")->required();
  submit->add_option("--name", name, "Job name");
  submit->add_flag("--no-wait", no_wait,
                   "Print the job id and return; results stay until released");
  submit->add_option("--cwd", cwd,
                     "Directory of the shell tasks without a cwd, and base of relative ones "
                     "(default: the current directory)");

  auto* wait = app.add_subcommand("wait", "Wait for a job, then print its outputs");
  wait->add_option("job", job_text, "Job id")->required();
  auto* status = app.add_subcommand("status", "Workers and task counts");
  std::vector<std::string> state_names;
  std::string name_pattern;
  auto* tasks = app.add_subcommand("tasks", "Tasks of a job: key, state, worker, start, end");
  tasks->add_option("job", job_text, "Job id")->required();
  tasks
      ->add_option("--state", state_names,
                   "Only tasks in these states (comma-separated; failed = erred or cancelled)")
      ->delimiter(',');
  auto* jobs = app.add_subcommand("jobs", "Jobs the scheduler knows, with task counts per state");
  jobs->add_option("--state", state_names,
                   "Only jobs in these states: running, finished, erred, cancelled, failed (= "
                   "erred or cancelled); comma-separated")
      ->delimiter(',');
  jobs->add_option("--name", name_pattern, "Only jobs whose name matches this shell pattern");
  auto* job = app.add_subcommand("job", "One job: state, task counts, times");
  job->add_option("job", job_text, "Job id")->required();
  std::vector<std::string> keys;
  std::string published_name;
  std::string npy_path;
  auto* gather = app.add_subcommand(
      "gather", "Print the values of keys held in the cluster (arrays as NumPy prints them)");
  auto* keys_opt = gather->add_option("keys", keys, "Keys");
  gather->add_option("--name", published_name, "The key published under this name")
      ->excludes(keys_opt);
  gather->add_option("--npy", npy_path, "Write the one key's array to FILE as NumPy's .npy");
  bool gather_raw = false;
  std::string raw_path;
  gather->add_flag("--raw", gather_raw,
                   "Write the one key's bytes or text to stdout exactly as held, nothing else "
                   "(a binary result: brisk gather KEY --raw > FILE)");
  gather->add_option("--output-file", raw_path,
                     "As --raw, into FILE (made or truncated) instead of stdout");
  auto* publish = app.add_subcommand("publish", "Keep a key in memory under a name, for anyone");
  publish->add_option("key", key, "Key (in memory)")->required();
  publish->add_option("name", published_name, "Name")->required();
  auto* unpublish = app.add_subcommand("unpublish", "Drop a published name (and its value)");
  unpublish->add_option("name", published_name, "Name")->required();
  auto* logs = app.add_subcommand("logs", "A task's log (a shell task's stderr) and its error");
  logs->add_option("key", key, "Task key")->required();
  auto* cancel = app.add_subcommand("cancel", "Cancel a job: stop its tasks and free its data");
  cancel->add_option("job", job_text, "Job id")->required();
  auto* release = app.add_subcommand("release", "Free a finished job's results");
  release->add_option("job", job_text, "Job id")->required();
  auto* shutdown = app.add_subcommand("shutdown", "Stop the scheduler and all its workers");
  std::vector<std::string> retire_names;
  bool retire_no_wait = false;
  auto* retire = app.add_subcommand(
      "retire",
      "Retire workers gracefully: they finish their tasks and hand their values to other workers, "
      "then exit; waits until they have left");
  retire->add_option("workers", retire_names, "Worker names (or addresses)")->required();
  retire->add_flag("--no-wait", retire_no_wait, "Return once they are retiring");

  ShellTaskOptions shell;
  std::string resources;
  auto add_shell_options = [&](CLI::App* cmd) {
    cmd->add_option("--resources", resources, "Resources each task needs, e.g. GPU=1,MEM=4e9");
    cmd->add_option("--timeout", shell.timeout_s, "Kill a command running longer (seconds)");
    cmd->add_option("--retries", shell.retries,
                    "Run a failed command again, up to N more times (map: an item whose command "
                    "failed; run: while it exits non-zero)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--name", shell.name, "Job name");
    cmd->add_option("--cwd", cwd,
                    "Directory the command runs in, on the workers (default: the current "
                    "directory)");
    cmd->add_option("command", shell.command, "-- COMMAND ARGS...")->required();
  };
  auto* run =
      app.add_subcommand("run", "Run one command on the cluster: its output, its exit status");
  add_shell_options(run);
  MapOptions map;
  std::string array, each_line;
  auto* map_cmd = app.add_subcommand(
      "map",
      "Run a command once per item ({} and $BRISK_ITEM: the item; $BRISK_TASK_ID: its index)");
  add_shell_options(map_cmd);
  auto* array_opt = map_cmd->add_option("--array", array, "Items FROM-TO[:STEP], e.g. 1-1000");
  map_cmd->add_option("--each-line", each_line, "Items: the lines of this file (- for stdin)")
      ->excludes(array_opt);
  map_cmd->add_option("--max-fails", map.max_fails,
                      "Cancel the rest once more than N items failed");
  map_cmd->add_option("--output-dir", map.output_dir, "Write each item's output to DIR/INDEX.out");

  ArrayCommandOptions array_options;
  auto* array_cmd = AddArrayCommand(app, array_options);
  FrameCommandOptions frame_options;
  auto* frame_cmd = AddFrameCommand(app, frame_options);
  BagCommandOptions bag_options;
  auto* bag_cmd = AddBagCommand(app, bag_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error is bad input (2), not CLI11's own codes.
    return app.exit(e) == 0 ? kExitOk : kExitBadInput;
  }
  std::optional<FramePlan> frame_plan;
  if (frame_cmd->parsed()) {
    auto plan = ParseFramePipeline(frame_cmd->remaining(), frame_options);  // before connecting
    if (!plan.ok()) return Fail(plan.status());
    frame_plan = std::move(*plan);
  } else if (g.output == "csv" && !bag_cmd->parsed()) {
    return Fail(
        absl::InvalidArgumentError("-o csv is for the tables of brisk frame and brisk bag"));
  }
  std::unique_ptr<Output> out = MakeOutput(g.output == "csv" ? "text" : g.output);
  if (!resources.empty()) {
    auto parsed = ParseResources(resources);
    if (!parsed.ok()) return Fail(parsed.status());
    shell.resources = *parsed;
  }
  if (run->parsed() || map_cmd->parsed() || submit->parsed()) {
    auto dir = CommandDirectory(cwd);
    if (!dir.ok()) return Fail(dir.status());
    shell.cwd = *dir;
  }
  if (map_cmd->parsed()) {
    absl::StatusOr<std::vector<std::string>> items =
        !array.empty()       ? ParseArray(array)
        : !each_line.empty() ? ReadLines(each_line)
                             : absl::StatusOr<std::vector<std::string>>(absl::InvalidArgumentError(
                                   "map needs --array FROM-TO or --each-line FILE"));
    if (!items.ok()) return Fail(items.status());
    map.items = std::move(*items);
    map.task = shell;
  }
  std::optional<v1::Graph> graph;
  if (submit->parsed()) {
    auto read = ReadGraphFile(graph_file);  // before connecting: bad input fails fast
    if (!read.ok()) return Fail(read.status());
    graph = std::move(*read);
    SetShellDirectories(*graph, shell.cwd);
  }

  std::optional<StateFilter> state_filter;
  if (jobs->parsed() || tasks->parsed()) {
    auto filter =
        jobs->parsed() ? StateFilter::ForJobs(state_names) : StateFilter::ForTasks(state_names);
    if (!filter.ok()) return Fail(filter.status());
    state_filter = std::move(*filter);
  }
  // Without a scheduler, these would query or steer a throw-away embedded cluster.
  for (CLI::App* cmd : {wait, status, tasks, jobs, job, gather, publish, unpublish, logs, cancel,
                        release, shutdown, retire}) {
    if (cmd->parsed()) {
      if (int refused = RequireScheduler(g, cmd->get_name()); refused != kExitOk) return refused;
    }
  }
  if (submit->parsed() && no_wait) {
    if (int refused = RequireScheduler(g, "submit --no-wait"); refused != kExitOk) return refused;
  }

  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  Client& c = **client;

  if (submit->parsed()) {
    const auto started = std::chrono::steady_clock::now();
    SubmitOptions options;
    options.name = name;
    options.keep = no_wait;
    auto submitted = c.Submit(*graph, options);
    if (!submitted.ok()) return Fail(submitted.status());
    if (no_wait) {
      out->Submitted(submitted->id);
      return kExitOk;
    }
    return ReportJob(c, *submitted, *out, static_cast<size_t>(graph->tasks_size()), started);
  }
  if (run->parsed()) return RunCommand(c, shell, *out);
  if (frame_plan) return FrameCommand(c, *frame_plan, g.output);
  if (array_cmd->parsed()) return ArrayCommand(c, *array_cmd, array_options, g.output);
  if (bag_cmd->parsed()) return BagCommand(c, *bag_cmd, bag_options, g.output);
  if (map_cmd->parsed()) return MapCommand(c, map, *out);
  if (status->parsed()) {
    auto reply = c.Status();
    if (!reply.ok()) return Fail(reply.status());
    out->Status(*reply);
    return kExitOk;
  }
  if (jobs->parsed()) {
    auto reply = c.ListJobs();
    if (!reply.ok()) return Fail(reply.status());
    FilterJobs(*state_filter, name_pattern, *reply);
    out->Jobs(*reply);
    return kExitOk;
  }
  if (publish->parsed() || unpublish->parsed()) {
    absl::Status done =
        publish->parsed() ? c.Publish(key, published_name) : c.Unpublish(published_name);
    if (!done.ok()) return Fail(done);
    out->Done(publish->parsed() ? "published" : "unpublished");
    return kExitOk;
  }
  if (gather->parsed()) {
    if (!published_name.empty()) {
      auto published = c.Published(published_name);
      if (!published.ok()) return Fail(published.status());
      keys = {*published};
    }
    if (keys.empty()) return Fail(absl::InvalidArgumentError("gather needs KEY... or --name NAME"));
    if (!npy_path.empty() && keys.size() != 1) {
      return Fail(absl::InvalidArgumentError("gather --npy writes one key's array: give one key"));
    }
    if ((gather_raw || !raw_path.empty()) && (keys.size() != 1 || !npy_path.empty())) {
      return Fail(absl::InvalidArgumentError(
          "gather --raw and --output-file write one key's bytes: give one key, and no --npy"));
    }
    auto values = c.GatherKeys(keys);
    if (!values.ok()) return Fail(values.status());
    std::vector<std::pair<std::string, ValuePtr>> pairs;
    for (size_t i = 0; i < keys.size(); ++i) {
      // A published name may stand for a data key: shown as the user's key.
      pairs.emplace_back(keys[i].substr(0, keys[i].find('\x1f')), (*values)[i]);
    }
    if (!npy_path.empty()) return WriteNpyResult(pairs[0].first, *pairs[0].second, npy_path, *out);
    if (gather_raw || !raw_path.empty()) {
      return WriteRawResult(pairs[0].first, *pairs[0].second, raw_path);
    }
    out->Values(pairs);
    return kExitOk;
  }
  if (logs->parsed()) {
    auto log = c.GetLog(key);
    if (!log.ok()) return Fail(log.status());
    out->Log(*log);
    return kExitOk;
  }
  if (retire->parsed()) {
    auto reply = c.RetireWorkers(retire_names);
    if (!reply.ok()) return Fail(reply.status());
    std::vector<std::string> names(reply->retiring().begin(), reply->retiring().end());
    // Until none of them is connected (the scheduler's --retire-timeout bounds the handover).
    while (!retire_no_wait) {
      auto status = c.Status();
      if (!status.ok()) return Fail(status.status());
      bool left = true;
      for (const v1::WorkerInfo& w : status->workers()) {
        left = left && std::find(names.begin(), names.end(), w.name()) == names.end();
      }
      if (left) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling, not a race
    }
    out->Retired(names);
    return kExitOk;
  }
  if (shutdown->parsed()) {
    absl::Status done = c.ShutdownCluster();
    if (!done.ok()) return Fail(done);
    out->Done("shutdown");
    return kExitOk;
  }

  // The rest take a job id.
  auto id = ParseJob(job_text);
  if (!id.ok()) return Fail(id.status());
  if (wait->parsed()) {
    auto watched = c.Watch(*id);
    if (!watched.ok()) return Fail(watched.status());
    return ReportJob(c, *watched, *out, 0, std::chrono::steady_clock::now());
  }
  if (tasks->parsed() || job->parsed()) {
    auto info = c.GetJob(*id, /*include_tasks=*/tasks->parsed());
    if (!info.ok()) return Fail(info.status());
    if (tasks->parsed()) {
      FilterTasks(*state_filter, *info);
      out->Tasks(*info);
    } else {
      out->JobInfo(*info);
    }
    return kExitOk;
  }
  if (cancel->parsed() || release->parsed()) {
    auto watched = c.Watch(*id);
    if (!watched.ok()) return Fail(watched.status());
    absl::Status sent = cancel->parsed() ? c.Cancel(*id) : c.Release(*id);
    if (!sent.ok()) return Fail(sent);
    auto state = c.Wait(*id);
    if (!state.ok()) return Fail(state.status());
    out->JobState(*id, *state);
    return kExitOk;
  }
  return kExitBadInput;
}
