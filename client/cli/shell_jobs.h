// `brisk run` and `brisk map`: shell commands as tasks, one or an array of them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "brisk/client.h"
#include "client/cli/output.h"

namespace brisk {

struct ShellTaskOptions {
  std::vector<std::string> command;  // argv
  std::map<std::string, double> resources;
  double timeout_s = 0;
  std::string name;
  std::string cwd;  // the directory the commands run in, absolute (see CommandDirectory)
  // How many more times a failed command is run. `map`: an item whose command failed (exited
  // non-zero, was killed or timed out) is run again by the scheduler, on any worker. `run`: the
  // command is run again while it exits non-zero (a non-zero exit is `run`'s result, not a task
  // failure), as GNU parallel's --retries.
  int retries = 0;
};

// The directory commands run in: `flag` (--cwd) made absolute against the directory `brisk` was
// invoked from, or that directory itself when `flag` is empty.
absl::StatusOr<std::string> CommandDirectory(const std::string& flag);

// `brisk submit`: a shell task of the job file without a "cwd" kwarg runs in `dir`, and a relative
// "cwd" is taken relative to `dir` (the directory `brisk submit` was invoked from).
void SetShellDirectories(v1::Graph& graph, const std::string& dir);

// Runs one command on the cluster: its stdout to stdout, its stderr to stderr; returns the
// command's own exit status (124 when it timed out, 128+N when killed by signal N).
int RunCommand(Client& client, const ShellTaskOptions& options, Output& out);

struct MapOptions {
  ShellTaskOptions task;
  std::vector<std::string> items;
  int max_fails = -1;      // cancel the rest once more than this many failed (-1: never)
  std::string output_dir;  // one file per item (<index>.out) instead of stdout
};

// "1-1000" or "1-1000:STEP" -> the numbers as strings.
absl::StatusOr<std::vector<std::string>> ParseArray(const std::string& spec);
// The lines of a file (- for stdin), without their line ends.
absl::StatusOr<std::vector<std::string>> ReadLines(const std::string& path);

// Runs the command once per item ({} in the arguments and $BRISK_ITEM are the item,
// $BRISK_TASK_ID its index); prints outputs in item order; returns 0 only if all succeeded.
int MapCommand(Client& client, const MapOptions& options, Output& out);

}  // namespace brisk
