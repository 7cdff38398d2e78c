// Reading the `brisk` command line's JSON output (`-o json`) in tests. The output is parsed into a
// google.protobuf.Value; the accessors check the kind they expect with non-fatal test failures, so
// one wrong field does not hide the checks after it.
//
//   const JsonValue out = ParseJson(r.out);
//   EXPECT_EQ(String(out, "state"), "finished");
//   EXPECT_DOUBLE_EQ(Number(Field(out, "results"), "c"), 6.5);
#pragma once

#include <google/protobuf/struct.pb.h>

#include <string>

namespace brisk::testing {

using JsonValue = google::protobuf::Value;

// Parses one line of JSON output into a google.protobuf.Value (object, array, ...); a test failure
// when it is not JSON.
JsonValue ParseJson(const std::string& text);

// Field `name` of a JSON object; a test failure (and null) when absent.
const JsonValue& Field(const JsonValue& object, const std::string& name);

// Whether the JSON object has a field `name`.
bool HasField(const JsonValue& object, const std::string& name);

// A number field; checks that it is a JSON number (not a string).
double Number(const JsonValue& object, const std::string& name);

// A string field; checks that it is a JSON string.
std::string String(const JsonValue& object, const std::string& name);

}  // namespace brisk::testing
