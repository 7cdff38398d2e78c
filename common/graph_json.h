// Graph files: protobuf's JSON mapping of brisk.v1.Graph, read with protobuf's json_util, with
// plain JSON values as args ("hi", 3, 2.5, true, [...]) rewritten into that form first, and the
// readable forms of typed literals (arrays, tables; see common/value_json.h) converted into the
// same messages in one pre-pass. YAML job files are the same document written in YAML.
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
//
// An arg (or a list's item) that is a plain JSON value is a literal: a string is {"str": ...}, a
// number with no "." or exponent {"int": ...} (an error beyond int64), any other number
// {"float": ...}, true/false {"bool": ...}, an array {"list": {"items": [...]}}. An object is an
// arg in protobuf's form ({"ref": "KEY"} refers to a key).
absl::StatusOr<v1::Graph> ParseGraphJson(absl::string_view json);

// The same from a YAML document (see common/yaml_json.h for how its scalars are typed).
absl::StatusOr<v1::Graph> ParseGraphYaml(absl::string_view yaml);

// Whether a graph file at `path` is YAML: its name ends in .yaml or .yml.
bool IsYamlPath(const std::string& path);

// Reads and parses a graph file (YAML when IsYamlPath); "-" reads standard input, as JSON.
absl::StatusOr<v1::Graph> ReadGraphFile(const std::string& path);

}  // namespace brisk
