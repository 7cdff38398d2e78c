// `brisk frame`: a pipeline of verbs over CSV or JSON-lines files, run on the cluster as a
// brisk::Frame and printed as an aligned table, CSV (-o csv) or JSON records (-o json):
//
//   brisk -o csv frame read 'logs/*.csv' groupby host agg 'count(), mean(latency)' sort -count
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "brisk/client.h"
#include "brisk/frame.h"

namespace brisk {

// `brisk frame`'s options, given before the first verb.
struct FrameCommandOptions {
  uint64_t blocksize = CsvReadOptions{}.blocksize;  // --blocksize
  int split_out = 1;                                // --split-out (AggregateOptions::split_out)
};

// A parsed pipeline: the Frame, and the directory of a final `write DIR`, if any.
struct FramePlan {
  Frame frame;
  std::optional<std::string> write_dir;
};

// Adds `frame` to `app`: every word from its first verb on is left in the command's remaining()
// for the pipeline; its options go to `options`.
CLI::App* AddFrameCommand(CLI::App& app, FrameCommandOptions& options);
// The pipeline of `words` (`read GLOB ...`); InvalidArgument naming the verb or word that is
// wrong. Globs are expanded here, relative to the current directory.
absl::StatusOr<FramePlan> ParseFramePipeline(const std::vector<std::string>& words,
                                             const FrameCommandOptions& options);
// Computes the plan and prints the result in `format` ("text", "csv" or "json"); returns the
// exit status.
int FrameCommand(Client& client, const FramePlan& plan, const std::string& format);

}  // namespace brisk
