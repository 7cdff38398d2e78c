// Compares a table value with what pandas computed from the same files: a test writes its inputs,
// runs a Python script with Debian's python3-pandas that leaves `expected.json` (see
// PandasFrameToJson), and checks a table against it column by column. pandas is the reference.
#pragma once

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "brisk/value.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/numpy_script.h"

namespace brisk::testing {

// Python defining `dump(df, path)`: writes {"columns": [...], "dtypes": [...], "data": {col:
// [values, None for a missing one]}} for a DataFrame.
inline constexpr char kPandasDump[] = R"(
import json, math
import pandas as pd
def _cell(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if hasattr(v, 'item'):
        v = v.item()
    return v
def dump(df, path):
    out = {"columns": [str(c) for c in df.columns], "dtypes": [str(t) for t in df.dtypes],
           "data": {str(c): [_cell(v) for v in df[c].tolist()] for c in df.columns}}
    with open(path, "w") as f:
        json.dump(out, f)
)";

// Writes `code` (after kPandasDump) to DIR/script.py and runs it in DIR; the error output on
// failure, empty on success.
inline std::string RunPandas(const std::string& dir, const std::string& code) {
  return RunPython(dir, kPandasDump, code);
}

inline nlohmann::json ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// Expects `table` to hold pandas' frame: the same column names in order, the same number of rows,
// nulls where pandas has a missing value, and equal values (numbers exactly, or within
// `rel_tol` relative when it is non-zero; text byte for byte). A pandas float64 column may be an
// int64 column with nulls here (pandas has no integer column with missing values); a pandas
// object column may hold numbers when it came from concatenating an empty frame, or ints mixed
// with text, which are text here.
inline void ExpectTableMatches(const TableView& table, const nlohmann::json& expected,
                               double rel_tol = 0) {
  ASSERT_TRUE(expected.is_object()) << "pandas wrote no expected.json";
  const auto& names = expected["columns"];
  ASSERT_EQ(table.num_columns(), names.size());
  for (size_t c = 0; c < names.size(); ++c) {
    const ColumnView& col = table.column(c);
    const std::string name = names[c].get<std::string>();
    EXPECT_EQ(col.name(), name);
    const std::string pdtype = expected["dtypes"][c].get<std::string>();
    const auto& values = expected["data"][name];
    ASSERT_EQ(col.size(), values.size()) << "column " << name;
    if (pdtype == "int64") {
      EXPECT_EQ(col.dtype(), v1::DTYPE_INT64) << name;
    }
    if (pdtype == "bool") {
      EXPECT_EQ(col.dtype(), v1::DTYPE_BOOL) << name;
    }
    if (pdtype == "float64") {
      EXPECT_TRUE(col.dtype() == v1::DTYPE_FLOAT64 ||
                  (col.dtype() == v1::DTYPE_INT64 && col.has_nulls()))
          << name << " is " << DTypeName(col.dtype());
    }
    for (size_t i = 0; i < values.size(); ++i) {
      const auto& v = values[i];
      SCOPED_TRACE(absl::StrCat("column ", name, " row ", i));
      if (v.is_null()) {
        EXPECT_TRUE(col.IsNull(i));
        continue;
      }
      ASSERT_FALSE(col.IsNull(i)) << "expected " << v.dump();
      if (pdtype == "object" && v.is_number_integer() && col.dtype() == v1::DTYPE_STRING) {
        // pandas keeps the ints of a column mixed with text; a table column has one dtype.
        EXPECT_EQ(std::string(col.String(i)), absl::StrCat(v.get<int64_t>()));
      } else if (v.is_string()) {
        ASSERT_EQ(col.dtype(), v1::DTYPE_STRING);
        EXPECT_EQ(std::string(col.String(i)), v.get<std::string>());
      } else if (v.is_boolean()) {
        ASSERT_EQ(col.dtype(), v1::DTYPE_BOOL);
        EXPECT_EQ(col.values<bool>().value()[i], v.get<bool>());
      } else if (v.is_number_integer() && col.dtype() == v1::DTYPE_INT64) {
        EXPECT_EQ(col.values<int64_t>().value()[i], v.get<int64_t>());
      } else {
        ASSERT_TRUE(v.is_number()) << v.dump();
        ASSERT_NE(col.dtype(), v1::DTYPE_STRING);
        const double want = v.get<double>(), got = col.AsDouble(i);
        if (rel_tol == 0) {
          EXPECT_EQ(got, want);
        } else {
          EXPECT_NEAR(got, want, rel_tol * std::max(1.0, std::abs(want)));
        }
      }
    }
  }
}

}  // namespace brisk::testing
