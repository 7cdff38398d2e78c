// Values as short human-readable text, for `brisk gather` and `brisk submit` in text mode:
// scalars as they are, arrays as NumPy prints them, tables as aligned columns.
#pragma once

#include <string>

#include "brisk/v1/value.pb.h"

namespace brisk {

// Strings and UTF-8 bytes as they are, lists as [a, b], other bytes as "<N bytes>", maps as
// JSON. An array is a header line ("array float64 (2, 3)") and then its elements as NumPy's
// print() shows them: nested brackets by shape, columns aligned, at most 75 characters a line,
// and only the first and last 3 along each axis ("...") when it has more than 1000 elements.
// A table is a header line ("table: 3 rows; x int64, s string"), a row of column names and a row
// per table row, numbers right-aligned, nulls as "null"; only the first and last 5 rows when it
// has more than 20.
std::string ValueText(const v1::Value& value);

// A table as ValueText prints it, but every row and no header line (`brisk frame`'s output).
std::string TableRowsText(const v1::Value& table);

}  // namespace brisk
