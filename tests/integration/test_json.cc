#include "tests/integration/test_json.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace brisk::testing {

JsonValue ParseJson(const std::string& text) {
  JsonValue value;
  auto status = google::protobuf::util::JsonStringToMessage(text, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\nin: " << text;
  return value;
}

const JsonValue& Field(const JsonValue& object, const std::string& name) {
  static const JsonValue* const kNull = new JsonValue();
  EXPECT_EQ(object.kind_case(), JsonValue::kStructValue) << object.DebugString();
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(name);
  EXPECT_NE(it, fields.end()) << "no \"" << name << "\" in " << object.DebugString();
  return it == fields.end() ? *kNull : it->second;
}

bool HasField(const JsonValue& object, const std::string& name) {
  return object.struct_value().fields().contains(name);
}

double Number(const JsonValue& object, const std::string& name) {
  const JsonValue& v = Field(object, name);
  EXPECT_EQ(v.kind_case(), JsonValue::kNumberValue) << name << ": " << v.DebugString();
  return v.number_value();
}

std::string String(const JsonValue& object, const std::string& name) {
  const JsonValue& v = Field(object, name);
  EXPECT_EQ(v.kind_case(), JsonValue::kStringValue) << name << ": " << v.DebugString();
  return v.string_value();
}

}  // namespace brisk::testing
