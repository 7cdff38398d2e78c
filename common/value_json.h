// Values as plain JSON, for the command line and graph files: numbers as numbers, lists as
// arrays, UTF-8 bytes as text, and typed values (arrays, tables) in a readable form that reads
// back to the same value:
//
//   {"ndarray": {"dtype": "float64", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}}
//   {"ndarray": {"dtype": "int64", "shape": [20000], "base64": "<the little-endian buffer>"}}
//   {"table": {"num_rows": 3, "columns": [{"name": "x", "dtype": "int64", "data": [1, null, 3]},
//                                         {"name": "s", "dtype": "string", "data": ["a", null,
//                                                                                   "c"]}]}}
//
// The README's "Typed values" section is the user's description of these forms.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <string>

#include "absl/status/statusor.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

// The most elements an array prints as a "data" list; a larger one prints as "base64".
inline constexpr uint64_t kJsonListLimit = 10000;

// Null, bool, int, float, str and list map onto JSON directly; bytes that are valid UTF-8 become
// a string, other bytes {"base64": "..."}; a map becomes an object. A float that is NaN or
// infinite becomes "NaN", "Infinity" or "-Infinity", as protobuf writes them, in arrays and tables
// too. An array prints its elements as a flat "data" list in C order when it has at most
// kJsonListLimit and every one is exact as a JSON number (integers within ±(2^53 - 1));
// otherwise its raw buffer as "base64". A table lists every column; a null row is null, an
// integer beyond ±(2^53 - 1) a decimal string. The list forms keep every value but the sign of a
// zero (protobuf reads -0 as 0) and a NaN's payload. An array or table whose buffers are
// malformed prints as {"ndarray": {"invalid": "why"}} (or "table").
google::protobuf::Value ValueToJson(const v1::Value& value);

// The array in the object under "ndarray": "dtype" (NumPy's name, or the enum's "DTYPE_FLOAT64"),
// "shape" (default: what "data" gives), and either "data" (a flat list in C order, lists nested
// by the shape as NumPy's tolist() gives, or a single number for a 0-d array; integers exact:
// numbers within ±(2^53 - 1), or decimal strings; bools true/false or 0/1; floats numbers or "NaN",
// "Infinity", "-Infinity") or "base64" (the little-endian buffer; "data" as a string is read the
// same way, as protobuf's own form of the message). InvalidArgument naming the field or element
// that is wrong, e.g. "data[1][2]: 1.5 is not an integer (int32)".
absl::StatusOr<v1::NDArray> NDArrayFromJson(const google::protobuf::Value& json);

// The table in the object under "table": "columns", each {"name", "dtype", "data": [...]} (null
// for a missing row; strings for a "string" column), and optionally "num_rows" (needed only for
// a table without columns). InvalidArgument naming the column and the row that is wrong.
absl::StatusOr<v1::Table> TableFromJson(const google::protobuf::Value& json);

// Compact JSON text of a google.protobuf.Value (Struct, list, ...), printed by protobuf.
std::string JsonText(const google::protobuf::Value& json);

}  // namespace brisk
