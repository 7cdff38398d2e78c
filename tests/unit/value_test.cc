#include "brisk/value.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1::Value;

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

const std::vector<DType> kFixedWidth = {v1::DTYPE_BOOL,    v1::DTYPE_INT8,   v1::DTYPE_INT16,
                                        v1::DTYPE_INT32,   v1::DTYPE_INT64,  v1::DTYPE_UINT8,
                                        v1::DTYPE_UINT16,  v1::DTYPE_UINT32, v1::DTYPE_UINT64,
                                        v1::DTYPE_FLOAT32, v1::DTYPE_FLOAT64};

Value Array(DType dtype, std::vector<uint64_t> shape, std::string data) {
  Value v;
  v.mutable_ndarray()->set_dtype(dtype);
  for (uint64_t d : shape) v.mutable_ndarray()->add_shape(d);
  v.mutable_ndarray()->set_data(std::move(data));
  return v;
}

std::string Int32s(std::vector<int32_t> xs) {
  return std::string(reinterpret_cast<const char*>(xs.data()), xs.size() * 4);
}

TEST(DType, EveryDTypeHasANameAndASize) {
  const std::vector<std::pair<DType, size_t>> sizes = {
      {v1::DTYPE_BOOL, 1},   {v1::DTYPE_INT8, 1},    {v1::DTYPE_INT16, 2},   {v1::DTYPE_INT32, 4},
      {v1::DTYPE_INT64, 8},  {v1::DTYPE_UINT8, 1},   {v1::DTYPE_UINT16, 2},  {v1::DTYPE_UINT32, 4},
      {v1::DTYPE_UINT64, 8}, {v1::DTYPE_FLOAT32, 4}, {v1::DTYPE_FLOAT64, 8}, {v1::DTYPE_STRING, 0}};
  for (const auto& [dtype, size] : sizes) {
    EXPECT_EQ(ItemSize(dtype), size) << DTypeName(dtype);
    absl::StatusOr<DType> parsed = ParseDType(DTypeName(dtype));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, dtype);
  }
  EXPECT_EQ(ItemSize(v1::DTYPE_UNSPECIFIED), 0u);
  EXPECT_EQ(DTypeName(v1::DTYPE_FLOAT64), "float64");
  EXPECT_EQ(DTypeName(v1::DTYPE_STRING), "string");
}

TEST(DType, ParsesAliasesAndRefusesUnknownNames) {
  EXPECT_EQ(*ParseDType("float"), v1::DTYPE_FLOAT64);
  EXPECT_EQ(*ParseDType("int"), v1::DTYPE_INT64);
  EXPECT_EQ(*ParseDType("str"), v1::DTYPE_STRING);
  absl::StatusOr<DType> bad = ParseDType("complex128");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("\"complex128\""));
  EXPECT_FALSE(ParseDType("").ok());
  EXPECT_FALSE(ParseDType("unspecified").ok());
}

TEST(KindName, NamesEveryKind) {
  Value v;
  EXPECT_EQ(KindName(v), "null");
  v.set_bool_(true);
  EXPECT_EQ(KindName(v), "bool");
  v.set_int_(1);
  EXPECT_EQ(KindName(v), "int");
  v.set_float_(1);
  EXPECT_EQ(KindName(v), "float");
  v.set_str("s");
  EXPECT_EQ(KindName(v), "str");
  v.set_bytes("b");
  EXPECT_EQ(KindName(v), "bytes");
  v.mutable_list();
  EXPECT_EQ(KindName(v), "list");
  v.mutable_map();
  EXPECT_EQ(KindName(v), "map");
  v.mutable_ndarray();
  EXPECT_EQ(KindName(v), "ndarray");
  v.mutable_table();
  EXPECT_EQ(KindName(v), "table");
}

template <typename T>
void ExpectRoundTrip(std::initializer_list<T> list) {
  absl::Span<const T> xs(list.begin(), list.size());
  absl::StatusOr<Value> v = MakeArray<T>({2, xs.size() / 2}, xs);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(CheckValue(*v).ok()) << CheckValue(*v);
  absl::StatusOr<ArrayView> view = ArrayView::Of(*v);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->dtype(), DTypeOf<T>());
  EXPECT_THAT(view->shape(), ElementsAre(2u, xs.size() / 2));
  EXPECT_EQ(view->ndim(), 2u);
  EXPECT_EQ(view->size(), xs.size());
  EXPECT_EQ(view->bytes().size(), xs.size() * sizeof(T));
  absl::StatusOr<absl::Span<const T>> values = view->template values<T>();
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ((*values)[i], xs[i]) << DTypeName(DTypeOf<T>()) << " " << i;
    EXPECT_EQ(view->AsDouble(i), static_cast<double>(xs[i])) << DTypeName(DTypeOf<T>()) << " " << i;
  }
}

TEST(ArrayView, ReadsEveryDType) {
  ExpectRoundTrip<bool>({true, false, false, true});
  ExpectRoundTrip<int8_t>({-128, 0, 1, 127});
  ExpectRoundTrip<int16_t>({-32768, -1, 2, 32767});
  ExpectRoundTrip<int32_t>({std::numeric_limits<int32_t>::min(), -1, 0, 7, 8, 2147483647});
  ExpectRoundTrip<int64_t>({std::numeric_limits<int64_t>::min(), -5, 0, (int64_t{1} << 40)});
  ExpectRoundTrip<uint8_t>({0, 1, 200, 255});
  ExpectRoundTrip<uint16_t>({0, 1, 40000, 65535});
  ExpectRoundTrip<uint32_t>({0, 1, 4000000000u, 5});
  ExpectRoundTrip<uint64_t>({0, 1, uint64_t{1} << 63, 9});
  ExpectRoundTrip<float>({-1.5f, 0, 3.25f, 1e30f});
  ExpectRoundTrip<double>({-1.5, 0, 3.25, 1e300, -0.0, 6.0});
}

TEST(ArrayView, RefusesReadingAsAnotherType) {
  absl::StatusOr<Value> v = MakeArray<double>({3}, std::vector<double>{1, 2, 3});
  ASSERT_TRUE(v.ok());
  absl::StatusOr<absl::Span<const int32_t>> wrong = ArrayView::Of(*v)->values<int32_t>();
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "float64 array read as int32");
}

TEST(ArrayView, ZeroDimensionalArrayHoldsOneElement) {
  double x = 2.5;
  Value v = Array(v1::DTYPE_FLOAT64, {}, std::string(reinterpret_cast<const char*>(&x), 8));
  absl::StatusOr<ArrayView> view = ArrayView::Of(v);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->ndim(), 0u);
  EXPECT_EQ(view->size(), 1u);
  EXPECT_EQ(view->AsDouble(0), 2.5);
  EXPECT_FALSE(CheckValue(Array(v1::DTYPE_FLOAT64, {}, "")).ok());
}

TEST(ArrayView, EmptyArraysHoldNoBytes) {
  for (DType dtype : kFixedWidth) {
    for (const std::vector<uint64_t>& shape :
         std::vector<std::vector<uint64_t>>{{0}, {3, 0, 2}, {0, kMax64}, {kMax64, kMax64, 0}}) {
      Value v = Array(dtype, shape, "");
      absl::StatusOr<ArrayView> view = ArrayView::Of(v);
      ASSERT_TRUE(view.ok()) << DTypeName(dtype) << ": " << view.status();
      EXPECT_EQ(view->size(), 0u);
      EXPECT_TRUE(view->bytes().empty());
      EXPECT_FALSE(CheckValue(Array(dtype, shape, "x")).ok()) << DTypeName(dtype);
    }
  }
  absl::StatusOr<Value> made = MakeArray<int64_t>({4, 0}, {});
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(ArrayView::Of(*made)->size(), 0u);
}

TEST(ArrayView, AWrongByteCountIsAnError) {
  for (DType dtype : kFixedWidth) {
    const size_t item = ItemSize(dtype);
    for (size_t bytes : {size_t{0}, 6 * item - 1, 6 * item + 1, 7 * item}) {
      absl::StatusOr<ArrayView> view = ArrayView::Of(Array(dtype, {2, 3}, std::string(bytes, 0)));
      ASSERT_FALSE(view.ok()) << DTypeName(dtype) << " " << bytes;
      EXPECT_EQ(view.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(
          view.status().message(),
          absl::StrCat("ndarray holds ", bytes, " bytes, its dtype and shape need ", 6 * item));
    }
  }
}

TEST(ArrayView, AShapeWhoseSizeOverflowsIsAnError) {
  // 2^32 * 2^32 wraps to 0 in 64 bits; 2^61 elements of 8 bytes wrap to 0 bytes.
  absl::Status wraps =
      CheckValue(Array(v1::DTYPE_INT8, {uint64_t{1} << 32, uint64_t{1} << 32}, ""));
  EXPECT_THAT(wraps.message(), HasSubstr("more than 2^64 elements"));
  absl::Status bytes_wrap = CheckValue(Array(v1::DTYPE_FLOAT64, {uint64_t{1} << 61}, ""));
  EXPECT_THAT(bytes_wrap.message(), HasSubstr("more than 2^64 bytes"));
  EXPECT_FALSE(NumElements({kMax64, 2}).ok());
  EXPECT_EQ(*NumElements({}), 1u);
  EXPECT_EQ(*NumElements({kMax64}), kMax64);
  EXPECT_EQ(*ArrayByteCount(v1::DTYPE_INT32, {5, 7}), 140u);
  EXPECT_FALSE(MakeArray<int8_t>({uint64_t{1} << 32, uint64_t{1} << 32}, {}).ok());
}

TEST(ArrayView, RefusesStringUnspecifiedAndUnknownDTypes) {
  EXPECT_THAT(CheckValue(Array(v1::DTYPE_STRING, {0}, "")).message(),
              HasSubstr("cannot hold dtype string"));
  EXPECT_THAT(CheckValue(Array(v1::DTYPE_UNSPECIFIED, {0}, "")).message(),
              HasSubstr("not a known dtype"));
  EXPECT_THAT(CheckValue(Array(static_cast<DType>(99), {1}, "x")).message(), HasSubstr("dtype 99"));
}

TEST(ArrayView, BoolBytesOtherThanZeroOrOneAreAnError) {
  EXPECT_TRUE(CheckValue(Array(v1::DTYPE_BOOL, {3}, std::string("\0\1\0", 3))).ok());
  absl::Status s = CheckValue(Array(v1::DTYPE_BOOL, {3}, std::string("\0\1\2", 3)));
  EXPECT_THAT(s.message(), HasSubstr("bool element 2 is 2"));
}

TEST(ArrayView, RefusesOtherKinds) {
  Value s;
  s.set_str("x");
  absl::StatusOr<ArrayView> view = ArrayView::Of(s);
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().message(), "expected ndarray, got str");
  EXPECT_EQ(TableView::Of(Value()).status().message(), "expected table, got null");
}

TEST(ArrayBuilder, MovesItsBufferIntoTheValue) {
  ArrayBuilder<double> builder({10, 100});
  absl::Span<double> xs = builder.values();
  ASSERT_EQ(xs.size(), 1000u);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(i) / 2;
  const double* filled = xs.data();
  Value v = std::move(builder).Finish();
  EXPECT_EQ(reinterpret_cast<const double*>(v.ndarray().data().data()), filled);
  absl::StatusOr<ArrayView> view = ArrayView::Of(v);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->AsDouble(999), 499.5);
}

TEST(MakeArray, RefusesAShapeThatDoesNotMatchTheValues) {
  absl::StatusOr<Value> v = MakeArray<int32_t>({2, 2}, std::vector<int32_t>{1, 2, 3});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "shape holds 4 elements, 3 given");
}

TEST(CheckValue, LooksInsideListsAndMaps) {
  Value list;
  list.mutable_list()->add_items()->set_int_(1);
  *list.mutable_list()->add_items() = Array(v1::DTYPE_INT32, {2}, "1234567");
  EXPECT_THAT(CheckValue(list).message(), HasSubstr("item 1: ndarray holds 7 bytes"));
  Value map;
  (*map.mutable_map()->mutable_entries())["k"] = list;
  EXPECT_THAT(CheckValue(map).message(), HasSubstr("entry \"k\": item 1:"));
  Value fine;
  fine.set_bytes("anything");
  EXPECT_TRUE(CheckValue(fine).ok());
  EXPECT_TRUE(CheckValue(Value()).ok());
}

// A table with one int64 column "x" of `rows` rows whose buffers are set by the test.
Value RawTable(uint64_t rows, DType dtype, std::string body) {
  Value v;
  v.mutable_table()->set_num_rows(rows);
  v1::Column* c = v.mutable_table()->add_columns();
  c->set_name("x");
  c->set_dtype(dtype);
  v.mutable_table()->set_body(std::move(body));
  return v;
}
v1::Column* Col(Value& v) { return v.mutable_table()->mutable_columns(0); }
void SetSlice(v1::BufferSlice* slice, uint64_t offset, uint64_t length) {
  slice->set_offset(offset);
  slice->set_length(length);
}

TEST(TableBuilder, BuildsEveryColumnTypeInAlignedSlices) {
  std::vector<int8_t> i8 = {1, -2, 3};
  std::vector<int16_t> i16 = {1, -2, 3};
  std::vector<int32_t> i32 = {1, -2, 3};
  std::vector<int64_t> i64 = {1, -2, 3};
  std::vector<uint8_t> u8 = {1, 2, 3};
  std::vector<uint16_t> u16 = {1, 2, 3};
  std::vector<uint32_t> u32 = {1, 2, 3};
  std::vector<uint64_t> u64 = {1, 2, 3};
  std::vector<float> f32 = {1, -2, 3};
  std::vector<double> f64 = {1, -2, 3.5};
  bool b[] = {true, false, true};
  TableBuilder builder;
  builder.Add<bool>("b", b)
      .Add<int8_t>("i8", i8)
      .Add<int16_t>("i16", i16)
      .Add<int32_t>("i32", i32)
      .Add<int64_t>("i64", i64)
      .Add<uint8_t>("u8", u8)
      .Add<uint16_t>("u16", u16)
      .Add<uint32_t>("u32", u32)
      .Add<uint64_t>("u64", u64)
      .Add<float>("f32", f32)
      .Add<double>("f64", f64, {true, false, true})
      .AddStrings("s", {"alpha", std::nullopt, ""});
  absl::StatusOr<Value> v = std::move(builder).Finish();
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(CheckValue(*v).ok()) << CheckValue(*v);
  for (const v1::Column& c : v->table().columns()) {
    for (const v1::BufferSlice* s : {&c.data(), &c.offsets(), &c.validity()}) {
      EXPECT_EQ(s->offset() % 8, 0u) << c.name();
    }
  }
  absl::StatusOr<TableView> t = TableView::Of(*v);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 3u);
  ASSERT_EQ(t->num_columns(), 12u);
  // Columns 1 .. 10: the numbers; column 0: bools; column 11: strings.
  for (size_t i = 1; i + 1 < t->num_columns(); ++i) {
    const ColumnView& c = t->column(i);
    EXPECT_EQ(c.size(), 3u);
    EXPECT_EQ(c.data().size(), 3 * ItemSize(c.dtype())) << c.name();
    EXPECT_EQ(c.AsDouble(0), 1) << c.name();
    EXPECT_EQ(c.AsDouble(2), 3 + (c.name() == "f64" ? 0.5 : 0)) << c.name();
  }
  EXPECT_THAT(*t->column(0).values<bool>(), ElementsAre(true, false, true));
  EXPECT_EQ(t->column(0).AsDouble(0), 1);
  EXPECT_EQ(t->column(0).AsDouble(1), 0);
  EXPECT_EQ(*(*t->column("i16")->values<int16_t>()).begin(), 1);
  EXPECT_THAT(*t->column("u64")->values<uint64_t>(), ElementsAre(1u, 2u, 3u));
  EXPECT_EQ(t->column("i16")->values<int32_t>().status().message(),
            "column \"i16\" of int16 read as int32");

  absl::StatusOr<ColumnView> f = t->column("f64");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->has_nulls());
  EXPECT_FALSE(f->IsNull(0));
  EXPECT_TRUE(f->IsNull(1));
  EXPECT_EQ(f->null_count(), 1u);
  EXPECT_FALSE(t->column("i64")->has_nulls());
  EXPECT_EQ(t->column("i64")->null_count(), 0u);

  absl::StatusOr<ColumnView> s = t->column("s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->dtype(), v1::DTYPE_STRING);
  EXPECT_EQ(s->String(0), "alpha");
  EXPECT_TRUE(s->IsNull(1));
  EXPECT_EQ(s->String(1), "");
  EXPECT_FALSE(s->IsNull(2));
  EXPECT_EQ(s->String(2), "");
  EXPECT_EQ(s->null_count(), 1u);

  absl::StatusOr<ColumnView> missing = t->column("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no column \"nope\" (the table has b, i8,"));
}

TEST(TableBuilder, AllValidColumnsStoreNoValidity) {
  std::vector<int32_t> xs = {1, 2};
  absl::StatusOr<Value> v =
      std::move(TableBuilder().Add<int32_t>("x", xs, {true, true}).AddStrings("s", {"a", "b"}))
          .Finish();
  ASSERT_TRUE(v.ok()) << v.status();
  for (const v1::Column& c : v->table().columns()) EXPECT_EQ(c.validity().length(), 0u);
}

TEST(TableBuilder, NullCountOverManyRows) {
  std::vector<int64_t> xs(21, 7);
  std::vector<bool> valid(21, true);
  for (int i : {0, 7, 8, 20}) valid[i] = false;
  absl::StatusOr<Value> v = std::move(TableBuilder().Add<int64_t>("x", xs, valid)).Finish();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->table().columns(0).validity().length(), 3u);
  absl::StatusOr<TableView> t = TableView::Of(*v);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->column(0).null_count(), 4u);
  for (int i = 0; i < 21; ++i) EXPECT_EQ(t->column(0).IsNull(i), !valid[i]) << i;
}

TEST(TableBuilder, ZeroRowsAndZeroColumns) {
  absl::StatusOr<Value> none = TableBuilder().Finish();
  ASSERT_TRUE(none.ok()) << none.status();
  absl::StatusOr<TableView> t = TableView::Of(*none);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 0u);
  EXPECT_EQ(t->num_columns(), 0u);

  absl::StatusOr<Value> empty =
      std::move(TableBuilder().Add<double>("x", {}).AddStrings("s", {})).Finish();
  ASSERT_TRUE(empty.ok()) << empty.status();
  t = TableView::Of(*empty);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 0u);
  ASSERT_EQ(t->num_columns(), 2u);
  EXPECT_TRUE(t->column(0).data().empty());
  EXPECT_EQ(t->column(1).offsets().size(), 4u);

  // Rows without columns are a table too.
  Value rows_only;
  rows_only.mutable_table()->set_num_rows(5);
  EXPECT_TRUE(CheckValue(rows_only).ok());
}

TEST(TableBuilder, RefusesMismatchedColumns) {
  std::vector<int32_t> two = {1, 2}, three = {1, 2, 3};
  EXPECT_THAT(std::move(TableBuilder().Add<int32_t>("a", two).Add<int32_t>("b", three))
                  .Finish()
                  .status()
                  .message(),
              HasSubstr("column \"b\" has 3 rows, column \"a\" has 2"));
  EXPECT_THAT(std::move(TableBuilder().Add<int32_t>("a", two).AddStrings("a", {"x", "y"}))
                  .Finish()
                  .status()
                  .message(),
              HasSubstr("two columns are named \"a\""));
  EXPECT_THAT(std::move(TableBuilder().Add<int32_t>("a", two, {true})).Finish().status().message(),
              HasSubstr("2 rows and 1 validity entries"));
  EXPECT_THAT(std::move(TableBuilder().Add<int32_t>("", two)).Finish().status().message(),
              HasSubstr("no name"));
}

TEST(TableView, FixedWidthDataOfTheWrongLengthIsAnError) {
  for (DType dtype : kFixedWidth) {
    const uint64_t item = ItemSize(dtype);
    for (uint64_t length : {uint64_t{0}, 3 * item - 1, 3 * item + 1}) {
      Value v = RawTable(3, dtype, std::string(64, '\0'));
      SetSlice(Col(v)->mutable_data(), 0, length);
      absl::Status s = CheckValue(v);
      EXPECT_THAT(s.message(),
                  HasSubstr(absl::StrCat("column \"x\": data holds ", length, " bytes, 3 rows of ",
                                         DTypeName(dtype), " need ", 3 * item)));
    }
  }
}

TEST(TableView, RowCountsWhoseSizeOverflowsAreAnError) {
  Value v = RawTable(uint64_t{1} << 61, v1::DTYPE_INT64, "");
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("more than 2^64"));
  Value s = RawTable(kMax64, v1::DTYPE_STRING, "");
  EXPECT_THAT(CheckValue(s).message(), HasSubstr("more than 2^64"));
  Value s2 = RawTable(uint64_t{1} << 62, v1::DTYPE_STRING, "");
  EXPECT_THAT(CheckValue(s2).message(), HasSubstr("more than 2^64"));
}

TEST(TableView, SlicesOutsideTheBodyAreAnError) {
  Value v = RawTable(2, v1::DTYPE_INT64, std::string(16, '\0'));
  SetSlice(Col(v)->mutable_data(), 8, 16);
  EXPECT_THAT(CheckValue(v).message(),
              HasSubstr("data bytes [8, +16) lie outside the table's body of 16 bytes"));
  // offset + length wraps around 2^64 to a small number.
  SetSlice(Col(v)->mutable_data(), kMax64 - 7, 16);
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("lie outside"));
  SetSlice(Col(v)->mutable_data(), 24, 0);
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("lie outside"));
  SetSlice(Col(v)->mutable_data(), 0, 16);
  EXPECT_TRUE(CheckValue(v).ok()) << CheckValue(v);
  SetSlice(Col(v)->mutable_validity(), 16, 1);
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("validity bytes [16, +1) lie outside"));
}

TEST(TableView, SlicesMustStartAtMultiplesOfEight) {
  Value v = RawTable(1, v1::DTYPE_INT32, std::string(16, '\0'));
  SetSlice(Col(v)->mutable_data(), 4, 4);
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("data starts at offset 4, not a multiple of 8"));
  SetSlice(Col(v)->mutable_data(), 8, 4);
  EXPECT_TRUE(CheckValue(v).ok()) << CheckValue(v);
}

TEST(TableView, ValidityOfTheWrongLengthIsAnError) {
  Value v = RawTable(9, v1::DTYPE_UINT8, std::string(32, '\0'));
  SetSlice(Col(v)->mutable_data(), 0, 9);
  SetSlice(Col(v)->mutable_validity(), 16, 1);
  EXPECT_THAT(CheckValue(v).message(),
              HasSubstr("validity holds 1 bytes, 9 rows need 2 (or none)"));
  SetSlice(Col(v)->mutable_validity(), 16, 3);
  EXPECT_FALSE(CheckValue(v).ok());
  SetSlice(Col(v)->mutable_validity(), 16, 2);
  EXPECT_TRUE(CheckValue(v).ok()) << CheckValue(v);
  absl::StatusOr<TableView> t = TableView::Of(v);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->column(0).null_count(), 9u);
}

TEST(TableView, FixedWidthColumnsHaveNoOffsets) {
  Value v = RawTable(1, v1::DTYPE_INT64, std::string(16, '\0'));
  SetSlice(Col(v)->mutable_data(), 0, 8);
  SetSlice(Col(v)->mutable_offsets(), 8, 8);
  EXPECT_THAT(CheckValue(v).message(),
              HasSubstr("only string columns have offsets, this int64 one has 8 bytes"));
}

TEST(TableView, BoolColumnBytesMustBeZeroOrOne) {
  Value v = RawTable(2, v1::DTYPE_BOOL, std::string("\1\7", 2));
  SetSlice(Col(v)->mutable_data(), 0, 2);
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("column \"x\": bool element 1 is 7"));
}

// A one-column string table of `rows` rows: offsets at 0, characters at 16.
Value StringTable(uint64_t rows, std::vector<int32_t> offsets, std::string chars) {
  std::string body = Int32s(offsets);
  body.resize(16, '\0');
  body += chars;
  Value v = RawTable(rows, v1::DTYPE_STRING, body);
  SetSlice(Col(v)->mutable_offsets(), 0, offsets.size() * 4);
  SetSlice(Col(v)->mutable_data(), 16, chars.size());
  return v;
}

TEST(TableView, StringOffsetsAreChecked) {
  Value good = StringTable(3, {0, 2, 2, 5}, "abcde");
  ASSERT_TRUE(CheckValue(good).ok()) << CheckValue(good);
  absl::StatusOr<TableView> t = TableView::Of(good);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->column(0).String(0), "ab");
  EXPECT_EQ(t->column(0).String(1), "");
  EXPECT_EQ(t->column(0).String(2), "cde");

  EXPECT_THAT(CheckValue(StringTable(3, {0, 2, 5}, "abcde")).message(),
              HasSubstr("offsets hold 12 bytes, 3 rows of string need 16"));
  EXPECT_THAT(CheckValue(StringTable(2, {1, 2, 5}, "abcde")).message(),
              HasSubstr("the first offset is 1, not 0"));
  EXPECT_THAT(CheckValue(StringTable(2, {0, 3, 2}, "abc")).message(),
              HasSubstr("offset 2 (2) is less than the one before it (3)"));
  EXPECT_THAT(CheckValue(StringTable(2, {0, -1, 2}, "abc")).message(),
              HasSubstr("offset 1 (-1) is less than"));
  EXPECT_THAT(CheckValue(StringTable(2, {0, 1, 2}, "abc")).message(),
              HasSubstr("the last offset is 2, the data holds 3 bytes"));
  EXPECT_THAT(CheckValue(StringTable(2, {0, 1, 9}, "abc")).message(),
              HasSubstr("the last offset is 9, the data holds 3 bytes"));
  EXPECT_THAT(
      CheckValue(StringTable(2, {0, 1, std::numeric_limits<int32_t>::max()}, "abc")).message(),
      HasSubstr("the last offset is 2147483647"));
  // Zero rows: one offset, 0.
  EXPECT_TRUE(CheckValue(StringTable(0, {0}, "")).ok());
  EXPECT_FALSE(CheckValue(StringTable(0, {}, "")).ok());
}

TEST(TableView, ColumnNamesAreNonEmptyAndUnique) {
  Value v = RawTable(0, v1::DTYPE_INT64, "");
  *v.mutable_table()->add_columns() = v.table().columns(0);
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("two columns are named \"x\""));
  v.mutable_table()->mutable_columns(1)->set_name("");
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("column 1 has no name"));
  v.mutable_table()->mutable_columns(1)->set_name("y");
  EXPECT_TRUE(CheckValue(v).ok()) << CheckValue(v);
}

TEST(TableView, ColumnDTypesMustBeKnown) {
  Value v = RawTable(0, v1::DTYPE_UNSPECIFIED, "");
  EXPECT_THAT(CheckValue(v).message(), HasSubstr("column \"x\": dtype 0 is not a known dtype"));
  Col(v)->set_dtype(static_cast<DType>(42));
  EXPECT_FALSE(CheckValue(v).ok());
}

}  // namespace
}  // namespace brisk
