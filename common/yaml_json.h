// YAML documents as JSON values, for job files written in YAML: a plain scalar is typed by YAML
// 1.2's core schema (null, true/false, an integer, a float, else a string); a quoted one, or one
// tagged !!str, is always a string.
#pragma once

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace brisk {

// Parses one YAML document. Errors (malformed YAML, a value JSON cannot hold such as .inf, an
// integer beyond int64) are InvalidArgument naming the line and column.
absl::StatusOr<nlohmann::json> YamlToJson(absl::string_view yaml);

}  // namespace brisk
