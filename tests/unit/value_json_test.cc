#include "common/value_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <limits>
#include <string>

namespace brisk {
namespace {

using v1::Value;

Value I(int64_t i) {
  Value v;
  v.set_int_(i);
  return v;
}
Value F(double f) {
  Value v;
  v.set_float_(f);
  return v;
}
Value S(std::string s) {
  Value v;
  v.set_str(std::move(s));
  return v;
}
Value Bytes(std::string s) {
  Value v;
  v.set_bytes(std::move(s));
  return v;
}
Value Bool(bool b) {
  Value v;
  v.set_bool_(b);
  return v;
}
Value L(std::initializer_list<Value> items) {
  Value v;
  v.mutable_list();
  for (const Value& item : items) *v.mutable_list()->add_items() = item;
  return v;
}
Value M(std::initializer_list<std::pair<std::string, Value>> entries) {
  Value v;
  v.mutable_map();
  for (const auto& [k, item] : entries) (*v.mutable_map()->mutable_entries())[k] = item;
  return v;
}

std::string Json(const Value& v) { return JsonText(ValueToJson(v)); }

TEST(ValueToJson, MapsScalarsOntoJson) {
  EXPECT_EQ(Json(Value()), "null");
  EXPECT_EQ(Json(Bool(true)), "true");
  EXPECT_EQ(Json(Bool(false)), "false");
  EXPECT_EQ(Json(I(42)), "42");
  EXPECT_EQ(Json(I(-7)), "-7");
  EXPECT_EQ(Json(F(2.5)), "2.5");
  EXPECT_EQ(Json(S("hi \"there\"")), R"("hi \"there\"")");
  EXPECT_EQ(ValueToJson(I(42)).kind_case(), google::protobuf::Value::kNumberValue);
  EXPECT_EQ(ValueToJson(Value()).kind_case(), google::protobuf::Value::kNullValue);
}

TEST(ValueToJson, NestsListsAsArrays) {
  EXPECT_EQ(Json(L({I(1), L({F(0.5), S("x"), L({})}), Value()})), R"([1,[0.5,"x",[]],null])");
  EXPECT_EQ(Json(L({})), "[]");
}

TEST(ValueToJson, MapsBecomeObjects) {
  EXPECT_EQ(Json(M({{"k", L({I(1), I(2)})}})), R"({"k":[1,2]})");
  EXPECT_EQ(Json(M({})), "{}");
  google::protobuf::Value json = ValueToJson(M({{"a", I(1)}, {"b", S("x")}}));
  ASSERT_EQ(json.kind_case(), google::protobuf::Value::kStructValue);
  EXPECT_EQ(json.struct_value().fields().at("a").number_value(), 1);
  EXPECT_EQ(json.struct_value().fields().at("b").string_value(), "x");
}

TEST(ValueToJson, Utf8BytesBecomeAString) {
  EXPECT_EQ(Json(Bytes("plain")), R"("plain")");
  EXPECT_EQ(Json(Bytes("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80")),
            "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  EXPECT_EQ(Json(Bytes("")), R"("")");
}

TEST(ValueToJson, OtherBytesBecomeBase64) {
  EXPECT_EQ(Json(Bytes(std::string("\xff\x00", 2))), R"({"base64":"/wA="})");
  EXPECT_EQ(Json(Bytes("abc\xC3")), R"({"base64":"YWJjww=="})");  // truncated sequence
  // Not UTF-8 either: an overlong encoding, a surrogate half, a code point above U+10FFFF.
  EXPECT_EQ(Json(Bytes("\xC0\x80")), R"({"base64":"wIA="})");
  EXPECT_EQ(Json(Bytes("\xED\xA0\x80")), R"({"base64":"7aCA"})");
  EXPECT_EQ(Json(Bytes("\xF4\x90\x80\x80")), R"({"base64":"9JCAgA=="})");
}

TEST(ValueToJson, NonFiniteFloatsPrintAsProtobufStrings) {
  EXPECT_EQ(Json(F(std::numeric_limits<double>::quiet_NaN())), R"("NaN")");
  EXPECT_EQ(Json(L({F(-std::numeric_limits<double>::infinity())})), R"(["-Infinity"])");
}

TEST(ValueText, IsShortAndReadable) {
  EXPECT_EQ(ValueText(Value()), "null");
  EXPECT_EQ(ValueText(Bool(true)), "true");
  EXPECT_EQ(ValueText(I(-12)), "-12");
  EXPECT_EQ(ValueText(F(2.5)), "2.5");
  EXPECT_EQ(ValueText(F(0.1)), "0.1");
  EXPECT_EQ(ValueText(S("plain text")), "plain text");
  EXPECT_EQ(ValueText(Bytes("utf8 \xC3\xA9")), "utf8 \xC3\xA9");
  EXPECT_EQ(ValueText(Bytes(std::string("\xff\x00\x01", 3))), "<3 bytes>");
  EXPECT_EQ(ValueText(Bytes("\xC0\x80")), "<2 bytes>");
  EXPECT_EQ(ValueText(L({I(1), L({S("a"), Value()}), L({})})), "[1, [a, null], []]");
  EXPECT_EQ(ValueText(M({{"k", I(1)}})), R"({"k":1})");
}

}  // namespace
}  // namespace brisk
