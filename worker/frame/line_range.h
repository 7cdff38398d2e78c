// The lines of a file that start in a byte range: what one partition of a text file (CSV, JSON
// lines) is read from, so that ranges cut anywhere still give each line to exactly one of them.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace brisk {

struct LineRange {
  std::string text;    // the bytes of the lines
  uint64_t begin = 0;  // the offset in the file of text's first byte
  bool whole = false;  // the range covered the whole file (start 0, end at or past its end)
};

// The bytes from the first line start at or after `start` (the file's start when start is 0) to
// the first line start at or after `end` (the file's end when end is at or past it). NotFound
// when the file cannot be opened, InvalidArgument when it is not a regular file, DataLoss when
// it shrinks while read; each names the path.
absl::StatusOr<LineRange> ReadLineRange(const std::string& path, uint64_t start, uint64_t end);

// The first `max_bytes` bytes of the file (all of it when it is shorter); errors as above.
absl::StatusOr<std::string> ReadFilePrefix(const std::string& path, uint64_t max_bytes);

}  // namespace brisk
