// A cell's value as bytes that are equal exactly when the values are: an int, a float holding the
// same integer and a bool (True is 1) give the same bytes (as they compare equal in pandas), -0.0
// the same as 0.0.
// The hash keys of nunique's sets and of joins.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "brisk/value.h"

namespace brisk {

// Appends row r of `column` (not null) to `out`.
void AppendCanonicalValue(const ColumnView& column, uint64_t r, std::string& out);

// Row r's key over `columns` into `key` (replaced): each value canonical and length-prefixed, so
// that no two keys run together, a null a value of its own (pandas matches null keys in joins).
// `scratch` is reused between calls.
void RowKey(const std::vector<ColumnView>& columns, uint64_t r, std::string& key,
            std::string& scratch);

}  // namespace brisk
