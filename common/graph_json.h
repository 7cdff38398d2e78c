// Graph files: protobuf's JSON mapping of brisk.v1.Graph, read with protobuf's json_util, with
// the readable forms of typed literals (arrays, tables; see common/value_json.h) converted into
// the same messages in one pre-pass.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/graph.pb.h"

namespace brisk {

// Parses a graph file's text. Unknown fields are errors; the message names the field. An arg
// {"ndarray": {...}} or {"table": {...}} (also inside a "list" arg's items) may be in the
// readable form; an error in one names the task's key and the argument. Only a text holding
// "ndarray" or "table" takes the pre-pass; in such a text an "int" arg given as a number must be
// within ±(2^53 - 1) (larger ones as strings), as the pre-pass reads numbers as doubles.
absl::StatusOr<v1::Graph> ParseGraphJson(absl::string_view json);

// Reads and parses a graph file; "-" reads standard input.
absl::StatusOr<v1::Graph> ReadGraphFile(const std::string& path);

}  // namespace brisk
