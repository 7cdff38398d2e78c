// Columns of text fields, as a CSV or JSON-lines reader collects them, turned into a typed table:
// each column's type is given or inferred from its values as pandas infers it (int64 when every
// value is an integer, else float64 when every value is a number, else bool when every value is
// True/False, else string). Missing values (pandas' default null tokens: "", "NA", "NaN", "null",
// "N/A", ...) are nulls. An integer column with nulls stays int64 with nulls (pandas makes it
// float64); a column with rows but no value is float64, all null; a column of no rows is string.
// Text is kept as well-formed UTF-8: ill-formed bytes become U+FFFD (utf8_repair.h).
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

// True for the texts pandas reads as a missing value by default.
bool IsNullToken(absl::string_view field);
// A field's value as each inferred dtype reads it (a leading '+' allowed; the whole field must
// parse; a float beyond double's range is inf or 0, as pandas reads it).
bool ParseIntField(absl::string_view field, int64_t* out);
bool ParseFloatField(absl::string_view field, double* out);
bool ParseBoolField(absl::string_view field, bool* out);

class TextColumns {
 public:
  explicit TextColumns(std::vector<std::string> names);

  size_t num_columns() const { return columns_.size(); }
  uint64_t num_rows() const { return rows_; }
  const std::string& name(size_t column) const { return columns_[column].name; }
  // A new column, null in the rows already added; returns its index.
  size_t AddColumn(std::string name);

  // Row by row: each column at most once per row; EndRow makes the others null.
  void Add(size_t column, absl::string_view field);
  void AddNull(size_t column);
  // The column holds text whatever its values look like (a JSON string value).
  void MarkString(size_t column) { columns_[column].forced_string = true; }
  void EndRow();

  // The table. `given` maps column names to the dtype they must have (int64, float64, bool or
  // string); InvalidArgument naming the column, the row and the text that does not parse as it.
  absl::StatusOr<v1::Value> Finish(const absl::flat_hash_map<std::string, DType>& given = {}) &&;

 private:
  struct Column {
    std::string name;
    std::string text;            // every row's text, back to back
    std::vector<uint32_t> ends;  // row i is text[ends[i-1], ends[i])
    std::vector<uint8_t> valid;  // 1: the row has a value
    uint64_t filled = 0;         // rows added so far
    bool forced_string = false;
  };
  void Fill(Column& c);
  std::vector<Column> columns_;
  uint64_t rows_ = 0;
  std::string error_;
};

}  // namespace brisk
