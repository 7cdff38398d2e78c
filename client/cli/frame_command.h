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

// A parsed pipeline: the Frame, and the directory of a final `write DIR`, if any.
struct FramePlan {
  Frame frame;
  std::optional<std::string> write_dir;
};

// Adds `frame` to `app`: every word from its first verb on is left in the command's remaining()
// for the pipeline; `blocksize` is --blocksize (CsvReadOptions::blocksize).
CLI::App* AddFrameCommand(CLI::App& app, uint64_t& blocksize);
// The pipeline of `words` (`read GLOB ...`); InvalidArgument naming the verb or word that is
// wrong. Globs are expanded here, relative to the current directory.
absl::StatusOr<FramePlan> ParseFramePipeline(const std::vector<std::string>& words,
                                             uint64_t blocksize);
// Computes the plan and prints the result in `format` ("text", "csv" or "json"); returns the
// exit status.
int FrameCommand(Client& client, const FramePlan& plan, const std::string& format);

}  // namespace brisk
