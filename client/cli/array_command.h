// `brisk array`: the common jobs on .npy data from the shell — statistics, k-means and linear
// regression over a .npy file or a directory of part files (brisk::Array, brisk/ml.h).
#pragma once

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "brisk/client.h"

namespace brisk {

struct ArrayCommandOptions {
  std::string path;         // a .npy file or a directory of them
  uint64_t chunk_rows = 0;  // a file's rows per block (0: about 8 Mi elements per block)
  // stats
  int axis = -1;  // --axis 0: per column
  // kmeans
  int k = 8;
  int iterations = 300;
  double tol = 1e-4;
  std::string init = "k-means||";
  uint64_t seed = 0;
  // linreg
  int target_column = -1;
  bool no_intercept = false;
};

// Adds `array` and its subcommands (stats, kmeans, linreg) to `app`; returns `array`.
CLI::App* AddArrayCommand(CLI::App& app, ArrayCommandOptions& options);
// Runs the parsed subcommand of `array` and prints its result as text or JSON; returns the exit
// status.
int ArrayCommand(Client& client, const CLI::App& array, const ArrayCommandOptions& options,
                 const std::string& format);

}  // namespace brisk
