// JSON lines (one JSON object per line) to a table value: the columns are the objects' keys in
// the order first seen (a key absent from a record is null there); numbers, bools, strings and
// nulls are typed as TextColumns types CSV fields, except that a column holding any JSON string is
// a string column; a nested array or object is kept as its JSON text. Blank lines are skipped.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

// InvalidArgument naming the line (counted from `first_line`) that is not a JSON object.
absl::StatusOr<v1::Value> JsonLinesToTable(absl::string_view text, uint64_t first_line = 1);

// The lines of a file whose first byte lies in [start, end), as JsonLinesToTable reads them.
absl::StatusOr<v1::Value> ReadJsonLinesRange(const std::string& path, uint64_t start, uint64_t end);

}  // namespace brisk
