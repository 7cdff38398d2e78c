// Graph files: the canonical JSON mapping of brisk.v1.Graph, read with protobuf's json_util.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/graph.pb.h"

namespace brisk {

// Parses a graph file's text. Unknown fields are errors; the message names the field.
absl::StatusOr<v1::Graph> ParseGraphJson(absl::string_view json);

// Reads and parses a graph file; "-" reads standard input.
absl::StatusOr<v1::Graph> ReadGraphFile(const std::string& path);

}  // namespace brisk
