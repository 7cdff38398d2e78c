// CSV text to table values and back. Parsing is libcsv's (RFC 4180: quoted fields with embedded
// delimiters, quotes and newlines, CRLF or LF line ends), except that text without quotes takes a
// one-pass fast path deciding every field as libcsv and TextColumns would (csv_quote_free.h);
// fields are typed by TextColumns (given or inferred dtypes, pandas' null tokens, ill-formed UTF-8
// repaired to U+FFFD). Blank lines are skipped, a UTF-8 byte order mark at the start is dropped, a
// record with fewer fields than the header is filled with nulls and one with more is an error
// naming the record.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

struct CsvOptions {
  char delimiter = ',';
  // The first record names the columns (an empty name becomes "Unnamed: I", a repeated one
  // "NAME.1", "NAME.2" ..., as pandas names them). Without a header, `names` are the columns.
  bool header = true;
  std::vector<std::string> names;
  // Columns whose dtype is given rather than inferred (int64, float64, bool or string).
  absl::flat_hash_map<std::string, DType> dtypes;
};

// The column names of a header record, made unique as pandas makes them.
std::vector<std::string> UniqueColumnNames(std::vector<std::string> names);

// The first record of `text` (its fields); empty when `text` has none.
absl::StatusOr<std::vector<std::string>> FirstCsvRecord(absl::string_view text, char delimiter);

// `text` parsed as one table. With `options.header`, its first record is the header unless
// `names_given` is set, in which case options.names are the columns and every record is data
// (a byte range of a file after its first).
// Text with no quotes is read by the one-pass reader of csv_quote_free.h, the rest by libcsv.
absl::StatusOr<v1::Value> CsvToTable(absl::string_view text, const CsvOptions& options,
                                     bool names_given = false);
// CsvToTable by libcsv whatever the text (what the one-pass reader must agree with).
absl::StatusOr<v1::Value> ParseCsvTable(absl::string_view text, const CsvOptions& options,
                                        bool names_given = false);

// The records of a CSV file whose first byte lies in [start, end) (end past the file: its end),
// records starting after a line end: a table of the file's header's columns. The boundaries are
// line ends, so a file whose quoted fields hold newlines must be read whole (start 0, end past
// it). Errors name the path.
absl::StatusOr<v1::Value> ReadCsvRange(const std::string& path, uint64_t start, uint64_t end,
                                       const CsvOptions& options);

// A table as CSV: a header row (with `header`), then one line per row; fields holding the
// delimiter, a quote or a line end are quoted, quotes doubled; nulls are empty fields, bools
// True/False, floats in their shortest round-trip form with ".0" on integral values (as Python
// prints them).
std::string TableToCsv(const TableView& table, bool header = true, char delimiter = ',');
// One float as TableToCsv writes it ("0.1", "1.0", "1e-05", "inf", "nan").
std::string FloatText(double x);

}  // namespace brisk
