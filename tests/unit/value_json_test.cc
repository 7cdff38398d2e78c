#include "common/value_json.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "brisk/value.h"
#include "tests/support/value_literals.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;
using v1::Value;

using namespace test_values;  // NOLINT: I, F, S, Bytes, Bool, L, M

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
  // UTF-8, but not text to print: NUL bytes, an escape, DEL. Tab, LF and CR are text.
  EXPECT_EQ(Json(Bytes(std::string(4, '\0'))), R"({"base64":"AAAAAA=="})");
  EXPECT_EQ(Json(Bytes("\x1b[31mred")), R"({"base64":"G1szMW1yZWQ="})");
  EXPECT_EQ(Json(Bytes("a\x7f")), R"({"base64":"YX8="})");
  EXPECT_EQ(Json(Bytes("a\tb\r\n")), R"("a\tb\r\n")");
}

TEST(ValueToJson, NonFiniteFloatsPrintAsProtobufStrings) {
  EXPECT_EQ(Json(F(std::numeric_limits<double>::quiet_NaN())), R"("NaN")");
  EXPECT_EQ(Json(L({F(-std::numeric_limits<double>::infinity())})), R"(["-Infinity"])");
}

// ---- Typed values.

google::protobuf::Value ParseJson(const std::string& text) {
  google::protobuf::Value json;
  auto status = google::protobuf::util::JsonStringToMessage(text, &json);
  EXPECT_TRUE(status.ok()) << status.ToString() << ": " << text;
  return json;
}

// The array read back from the JSON text ValueToJson prints for `value`.
absl::StatusOr<v1::NDArray> ArrayRoundTrip(const Value& value) {
  google::protobuf::Value json = ParseJson(Json(value));
  return NDArrayFromJson(json.struct_value().fields().at("ndarray"));
}

absl::StatusOr<v1::NDArray> ArrayFromText(const std::string& text) {
  return NDArrayFromJson(ParseJson(text));
}

absl::StatusOr<v1::Table> TableFromText(const std::string& text) {
  return TableFromJson(ParseJson(text));
}

template <typename T>
Value Array(std::vector<uint64_t> shape, std::vector<T> values) {
  absl::StatusOr<Value> v = MakeArray<T>(std::move(shape), absl::Span<const T>(values));
  EXPECT_TRUE(v.ok()) << v.status();
  return *v;
}

Value BoolArray(std::vector<uint64_t> shape, std::initializer_list<bool> values) {
  std::unique_ptr<bool[]> buffer(new bool[values.size()]);
  std::copy(values.begin(), values.end(), buffer.get());
  absl::StatusOr<Value> v =
      MakeArray<bool>(std::move(shape), absl::Span<const bool>(buffer.get(), values.size()));
  EXPECT_TRUE(v.ok()) << v.status();
  return *v;
}

void ExpectArrayRoundTrip(const Value& value) {
  absl::StatusOr<v1::NDArray> back = ArrayRoundTrip(value);
  ASSERT_TRUE(back.ok()) << back.status() << " reading " << Json(value);
  EXPECT_EQ(back->SerializeAsString(), value.ndarray().SerializeAsString()) << Json(value);
}

TEST(ArrayJson, PrintsTheListForm) {
  EXPECT_EQ(Json(Array<double>({2, 3}, {1, 2, 3, 4, 5, 6.5})),
            R"({"ndarray":{"data":[1,2,3,4,5,6.5],"dtype":"float64","shape":[2,3]}})");
  EXPECT_EQ(Json(BoolArray({2}, {true, false})),
            R"({"ndarray":{"data":[true,false],"dtype":"bool","shape":[2]}})");
  EXPECT_EQ(Json(Array<double>({}, {2.5})),
            R"({"ndarray":{"data":[2.5],"dtype":"float64","shape":[]}})");
  EXPECT_EQ(Json(Array<int32_t>({0}, {})),
            R"({"ndarray":{"data":[],"dtype":"int32","shape":[0]}})");
  // float32 elements print as their shortest text, not as the double they widen to.
  EXPECT_EQ(Json(Array<float>({2}, {0.1f, 3.4028235e38f})),
            R"({"ndarray":{"data":[0.1,3.4028235e+38],"dtype":"float32","shape":[2]}})");
}

TEST(ArrayJson, NonFiniteFloatsAreProtobufsStrings) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Json(Array<double>({3}, {std::nan(""), inf, -inf})),
            R"({"ndarray":{"data":["NaN","Infinity","-Infinity"],"dtype":"float64","shape":[3]}})");
  ExpectArrayRoundTrip(Array<float>({3}, {std::numeric_limits<float>::quiet_NaN(),
                                          std::numeric_limits<float>::infinity(), -1.5f}));
}

TEST(ArrayJson, NegativeZeroReadsBackAsZero) {
  // Printed as -0, which protobuf's JSON reader (like Python's json) reads as the integer 0.
  const Value zero = Array<double>({1}, {-0.0});
  EXPECT_EQ(Json(zero), R"({"ndarray":{"data":[-0],"dtype":"float64","shape":[1]}})");
  absl::StatusOr<v1::NDArray> back = ArrayRoundTrip(zero);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->data(), std::string(8, '\0'));
}

TEST(ArrayJson, IntegersBeyond2To53AndLargeArraysPrintAsBase64) {
  const Value big = Array<int64_t>({2}, {1, (int64_t{1} << 53) + 1});
  EXPECT_EQ(Json(big),
            R"({"ndarray":{"base64":"AQAAAAAAAAABAAAAAAAgAA==","dtype":"int64","shape":[2]}})");
  ExpectArrayRoundTrip(big);
  // 2^53 - 1 is the largest that prints as a number: 2^53 + 1 would read back as 2^53.
  EXPECT_THAT(Json(Array<uint64_t>({1}, {(uint64_t{1} << 53) - 1})),
              HasSubstr("[9007199254740991]"));
  EXPECT_THAT(Json(Array<int64_t>({1}, {-(int64_t{1} << 53)})), HasSubstr("\"base64\""));
  std::vector<int16_t> many(kJsonListLimit + 1, 7);
  const Value large = Array<int16_t>({kJsonListLimit + 1}, many);
  EXPECT_THAT(Json(large), HasSubstr("\"base64\""));
  ExpectArrayRoundTrip(large);
  std::vector<int16_t> limit(kJsonListLimit, 7);
  EXPECT_THAT(Json(Array<int16_t>({kJsonListLimit}, limit)), HasSubstr("\"data\""));
}

TEST(ArrayJson, EveryDTypeRoundTrips) {
  ExpectArrayRoundTrip(BoolArray({2, 2}, {true, false, false, true}));
  ExpectArrayRoundTrip(Array<int8_t>({3}, {INT8_MIN, 0, INT8_MAX}));
  ExpectArrayRoundTrip(Array<int16_t>({3}, {INT16_MIN, 0, INT16_MAX}));
  ExpectArrayRoundTrip(Array<int32_t>({3}, {INT32_MIN, 0, INT32_MAX}));
  ExpectArrayRoundTrip(Array<int64_t>({3}, {INT64_MIN, 0, INT64_MAX}));
  ExpectArrayRoundTrip(Array<int64_t>({2}, {-(int64_t{1} << 53) + 1, (int64_t{1} << 53) - 1}));
  ExpectArrayRoundTrip(Array<uint8_t>({2}, {0, UINT8_MAX}));
  ExpectArrayRoundTrip(Array<uint16_t>({2}, {0, UINT16_MAX}));
  ExpectArrayRoundTrip(Array<uint32_t>({2}, {0, UINT32_MAX}));
  ExpectArrayRoundTrip(Array<uint64_t>({2}, {0, UINT64_MAX}));
  ExpectArrayRoundTrip(Array<double>({2, 1, 2}, {0.1, -1e-300, 1e300, 5e-324}));
  ExpectArrayRoundTrip(Array<double>({0, 3}, {}));
  ExpectArrayRoundTrip(Array<double>({3, 0}, {}));
  ExpectArrayRoundTrip(Array<float>({}, {1.17549435e-38f}));
  // Any float32 bit pattern (finite) comes back as the same bits through its shortest text.
  std::mt19937 random(12345);
  std::vector<float> floats;
  while (floats.size() < 2000) {
    const uint32_t bits = random();
    float f;
    std::memcpy(&f, &bits, 4);
    if (std::isfinite(f)) floats.push_back(f);
  }
  ExpectArrayRoundTrip(Array<float>({2000}, floats));
  std::vector<double> doubles;
  while (doubles.size() < 2000) {
    const uint64_t bits = (uint64_t{random()} << 32) | random();
    double d;
    std::memcpy(&d, &bits, 8);
    if (std::isfinite(d)) doubles.push_back(d);
  }
  ExpectArrayRoundTrip(Array<double>({2000}, doubles));
}

TEST(ArrayJson, MalformedArrayPrintsWhy) {
  Value bad;
  bad.mutable_ndarray()->set_dtype(v1::DTYPE_INT32);
  bad.mutable_ndarray()->add_shape(3);
  bad.mutable_ndarray()->set_data("12");
  EXPECT_THAT(Json(bad), HasSubstr(R"({"ndarray":{"invalid":")"));
}

TEST(ArrayFromJson, ReadsNestedDataAndInfersTheShape) {
  auto a = ArrayFromText(R"({"dtype": "int32", "data": [[1, 2, 3], [4, 5, 6]]})");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->SerializeAsString(),
            Array<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6}).ndarray().SerializeAsString());
  // Flat data with a shape, nested data with the same shape, and a scalar for 0-d.
  auto flat = ArrayFromText(R"({"dtype": "int32", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]})");
  ASSERT_TRUE(flat.ok()) << flat.status();
  EXPECT_EQ(flat->SerializeAsString(), a->SerializeAsString());
  auto nested =
      ArrayFromText(R"({"dtype": "int32", "shape": [2, 3], "data": [[1, 2, 3], [4, 5, 6]]})");
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_EQ(nested->SerializeAsString(), a->SerializeAsString());
  auto scalar = ArrayFromText(R"({"dtype": "float64", "data": 2.5})");
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_EQ(scalar->SerializeAsString(), Array<double>({}, {2.5}).ndarray().SerializeAsString());
  auto empty = ArrayFromText(R"({"dtype": "float64", "data": [[], []]})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->shape_size(), 2);
  EXPECT_EQ(empty->shape(1), 0u);
}

TEST(ArrayFromJson, ReadsProtobufsOwnFormAndDecimalStrings) {
  // What protobuf prints for an NDArray: enum name, uint64 shape as strings, data as base64.
  auto a = ArrayFromText(
      R"({"dtype": "DTYPE_INT64", "shape": ["2"], "data": "AQAAAAAAAAACAAAAAAAAAA=="})");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->SerializeAsString(), Array<int64_t>({2}, {1, 2}).ndarray().SerializeAsString());
  auto s = ArrayFromText(R"({"dtype": "uint64", "data": ["18446744073709551615", 1]})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->SerializeAsString(),
            Array<uint64_t>({2}, {UINT64_MAX, 1}).ndarray().SerializeAsString());
  auto b = ArrayFromText(R"({"dtype": "bool", "data": [true, 0, 1, false]})");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->data(), std::string("\1\0\1\0", 4));
  auto base64 = ArrayFromText(R"({"dtype": "int16", "base64": "AQACAA=="})");
  ASSERT_TRUE(base64.ok()) << base64.status();
  EXPECT_EQ(base64->SerializeAsString(), Array<int16_t>({2}, {1, 2}).ndarray().SerializeAsString());
}

TEST(ArrayFromJson, ErrorsNameTheFieldAndTheElement) {
  struct Case {
    const char* json;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {R"([1])", "expected an object"},
           {R"({"dtype": "int32", "data": [1], "extra": 1})", "unknown field \"extra\""},
           {R"({"data": [1]})", "\"dtype\" is missing"},
           {R"({"dtype": "int33", "data": [1]})", "int33"},
           {R"({"dtype": "string", "data": ["a"]})", "for table columns"},
           {R"({"dtype": "int32"})", "exactly one of"},
           {R"({"dtype": "int32", "data": [1], "base64": "AAAA"})", "exactly one of"},
           {R"({"dtype": "int32", "data": [1, 2.5]})", "data[1]: 2.5 is not an integer (int32)"},
           {R"({"dtype": "int8", "data": [[1], [128]]})", "data[1][0]: 128 is out of int8's range"},
           {R"({"dtype": "uint8", "data": [-1]})", "data[0]: -1 is out of uint8's range"},
           {R"({"dtype": "int64", "data": [9007199254740993]})", "beyond ±(2^53 - 1)"},
           {R"({"dtype": "int64", "data": [9007199254740992]})", "beyond ±(2^53 - 1)"},
           {R"({"dtype": "int64", "data": ["12x"]})", "\"12x\" is not an integer"},
           {R"({"dtype": "uint64", "data": ["-1"]})", "\"-1\" is not an integer"},
           {R"({"dtype": "int32", "data": [null]})", "data[0]: null is not an integer"},
           {R"({"dtype": "bool", "data": [2]})", "data[0]: 2 is not true, false, 0 or 1"},
           {R"({"dtype": "float64", "data": ["nan"]})", "\"nan\" is not a number"},
           {R"({"dtype": "float32", "data": [1e39]})", "out of float32's range"},
           {R"({"dtype": "int32", "data": [[1, 2], [3]]})", "data[1]: a list of 1 where 2"},
           {R"({"dtype": "int32", "data": [[1, 2], 3]})", "data[1]: 3 where a list of 2"},
           {R"({"dtype": "int32", "data": [1, [2]]})", "data[1]: a list where a number"},
           {R"({"dtype": "int32", "shape": [2, 2], "data": [1, 2, 3]})",
            "3 elements where shape (2, 2) holds 4"},
           {R"({"dtype": "int32", "shape": [4], "data": [[1, 2], [3, 4]]})",
            "nested as (2, 2) where shape (4,) holds 4"},
           {R"({"dtype": "int32", "shape": [-1], "data": []})", "shape[0]: -1 is not"},
           {R"({"dtype": "int32", "shape": [3], "base64": "AAAA"})",
            "3 bytes where shape (3,) of int32 needs 12"},
           {R"({"dtype": "int32", "base64": "AAAAAAAA"})", "not a whole number"},
           {R"({"dtype": "int32", "base64": "!!"})", "not valid base64"},
       }) {
    auto a = ArrayFromText(c.json);
    ASSERT_FALSE(a.ok()) << c.json;
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(a.status().message(), HasSubstr(c.message)) << c.json;
  }
}

Value SampleTable() {
  TableBuilder builder;
  builder.Add<int64_t>("x", std::vector<int64_t>{1, 0, -(int64_t{1} << 60)}, {true, false, true});
  builder.AddStrings("s", {std::string("a \"quoted\"\n"), std::nullopt,
                           std::string("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80")});
  builder.Add<double>("f", std::vector<double>{1.5, std::nan(""), -1e-300});
  std::unique_ptr<bool[]> flags(new bool[3]{true, false, true});
  builder.Add<bool>("b", absl::Span<const bool>(flags.get(), 3), {true, true, false});
  builder.Add<uint8_t>("u", std::vector<uint8_t>{0, 255, 7});
  builder.Add<float>("g", std::vector<float>{0.1f, 2, 3});
  absl::StatusOr<Value> table = std::move(builder).Finish();
  EXPECT_TRUE(table.ok()) << table.status();
  return *table;
}

TEST(TableJson, PrintsColumnsWithNulls) {
  TableBuilder builder;
  builder.Add<int64_t>("x", std::vector<int64_t>{1, 0, 3}, {true, false, true});
  builder.AddStrings("s", {std::string("a"), std::nullopt, std::string("c")});
  absl::StatusOr<Value> table = std::move(builder).Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(Json(*table), R"({"table":{"columns":[{"data":[1,null,3],"dtype":"int64","name":"x"},)"
                          R"({"data":["a",null,"c"],"dtype":"string","name":"s"}],"num_rows":3}})");
}

TEST(TableJson, RoundTripsEveryColumnType) {
  const Value table = SampleTable();
  const std::string text = Json(table);
  // A big integer is a decimal string, NaN protobuf's "NaN", text as it is (escaped as JSON).
  EXPECT_THAT(text, HasSubstr(R"("-1152921504606846976")"));
  EXPECT_THAT(text, HasSubstr(R"("NaN")"));
  EXPECT_THAT(text, HasSubstr(R"("a \"quoted\"\n")"));
  google::protobuf::Value json = ParseJson(text);
  absl::StatusOr<v1::Table> back = TableFromJson(json.struct_value().fields().at("table"));
  ASSERT_TRUE(back.ok()) << back.status();
  // Null rows' values are unspecified: compare through the views.
  Value back_value;
  *back_value.mutable_table() = *back;
  EXPECT_EQ(Json(back_value), text);
  absl::StatusOr<TableView> view = TableView::Of(back_value);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->num_rows(), 3u);
  EXPECT_EQ(view->column(1).String(2), "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_TRUE(view->column(0).IsNull(1));
  EXPECT_FALSE(view->column(4).has_nulls());
  EXPECT_EQ((*view->column(5).values<float>())[0], 0.1f);
}

TEST(TableJson, EmptyTablesKeepTheirRowCount) {
  auto none = TableFromText(R"({"num_rows": 4, "columns": []})");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->num_rows(), 4u);
  Value v;
  *v.mutable_table() = *none;
  EXPECT_EQ(Json(v), R"({"table":{"columns":[],"num_rows":4}})");
  auto zero = TableFromText(R"({"columns": [{"name": "x", "dtype": "float32", "data": []}]})");
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->num_rows(), 0u);
}

TEST(TableFromJson, ErrorsNameTheColumnAndTheRow) {
  struct Case {
    const char* json;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"rows": []})", "unknown field \"rows\""},
           {R"({})", "columns: expected a list"},
           {R"({"columns": [{"name": "x", "dtype": "int8", "data": [1, 300]}]})",
            "columns[0] (\"x\"): data[1]: 300 is out of int8's range"},
           {R"({"columns": [{"name": "s", "dtype": "string", "data": ["a", 1]}]})",
            "columns[0] (\"s\"): data[1]: 1 is not a string"},
           {R"({"columns": [{"name": "x", "dtype": "int8", "data": [1]},
                            {"name": "y", "dtype": "int8", "data": [1, 2]}]})",
            "columns[1] (\"y\"): 2 rows where num_rows is 1"},
           {R"({"num_rows": 2, "columns": [{"name": "x", "dtype": "int8", "data": [1]}]})",
            "1 rows where num_rows is 2"},
           {R"({"columns": [{"dtype": "int8", "data": [1]}]})", "\"name\" is missing"},
           {R"({"columns": [{"name": "x", "dtype": "int8"}]})", "\"data\" is missing"},
           {R"({"columns": [{"name": "x", "dtype": "cplx", "data": []}]})", "cplx"},
           {R"({"columns": [{"name": "x", "dtype": "int8", "data": [], "width": 1}]})",
            "unknown field \"width\""},
           {R"({"columns": [{"name": "x", "dtype": "int8", "data": []},
                            {"name": "x", "dtype": "int8", "data": []}]})",
            "x"},
       }) {
    auto t = TableFromText(c.json);
    ASSERT_FALSE(t.ok()) << c.json;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(t.status().message(), HasSubstr(c.message)) << c.json;
  }
}

}  // namespace
}  // namespace brisk
