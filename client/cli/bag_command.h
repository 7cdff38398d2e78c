// `brisk bag`: the common jobs over lines of many text files from the shell, on brisk::Bag —
// word counts, distinct values and grep-like matching and extraction, printed as a table (text),
// CSV or JSON.
#pragma once

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "brisk/client.h"

namespace brisk {

struct BagCommandOptions {
  std::string glob;        // files (relative paths and globs resolved in this process's directory)
  std::string pattern;     // grep
  std::string json_field;  // records: this field of JSON lines instead of lines of text
  uint64_t blocksize = uint64_t{32} << 20;  // files larger are read in parts of about this size
  int top = 0;                              // at most this many rows (0: all)
  // words
  bool case_sensitive = false;
  std::string delimiter;  // "" = runs of whitespace
  // distinct
  bool words = false;
  bool lower = false;
  // distinct, grep
  bool count = false;
  // grep
  bool invert = false;
  bool ignore_case = false;
  bool extract = false;
  int group = -1;
};

// Adds `bag` and its subcommands (words, distinct, grep) to `app`; returns `bag`.
CLI::App* AddBagCommand(CLI::App& app, BagCommandOptions& options);
// Runs the parsed subcommand of `bag` and prints its result as a table ("text"), CSV ("csv") or
// JSON ("json": a list of objects, one per row); returns the exit status.
int BagCommand(Client& client, const CLI::App& bag, const BagCommandOptions& options,
               const std::string& format);

}  // namespace brisk
