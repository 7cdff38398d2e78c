#include "common/value_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "brisk/value.h"
#include "tests/support/value_literals.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;
using v1::Value;

using namespace test_values;  // NOLINT: I, F, S, Bytes, Bool, L, M

template <typename T>
Value Array(std::vector<uint64_t> shape, std::vector<T> values) {
  absl::StatusOr<Value> v = MakeArray<T>(std::move(shape), absl::Span<const T>(values));
  EXPECT_TRUE(v.ok()) << v.status();
  return *v;
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

// The expected texts below are what NumPy 1.24's print() shows for the same arrays.
TEST(ArrayText, PrintsLikeNumPy) {
  EXPECT_EQ(ValueText(Array<double>({2, 3}, {0, 0.25, 0.5, 0.75, 1, 1.25})),
            "array float64 (2, 3)\n"
            "[[0.   0.25 0.5 ]\n"
            " [0.75 1.   1.25]]");
  std::vector<int32_t> counting(24);
  for (int i = 0; i < 24; ++i) counting[i] = i;
  EXPECT_EQ(ValueText(Array<int32_t>({2, 3, 4}, counting)),
            "array int32 (2, 3, 4)\n"
            "[[[ 0  1  2  3]\n"
            "  [ 4  5  6  7]\n"
            "  [ 8  9 10 11]]\n"
            "\n"
            " [[12 13 14 15]\n"
            "  [16 17 18 19]\n"
            "  [20 21 22 23]]]");
  EXPECT_EQ(ValueText(Array<double>({}, {3.5})), "array float64 ()\n3.5");
  EXPECT_EQ(ValueText(Array<int64_t>({0, 3}, {})), "array int64 (0, 3)\n[]");
  std::unique_ptr<bool[]> flags(new bool[2]{true, false});
  EXPECT_EQ(ValueText(*MakeArray<bool>({2}, absl::Span<const bool>(flags.get(), 2))),
            "array bool (2,)\n[ True False]");
  EXPECT_EQ(ValueText(Array<float>({3}, {0.1f, 2, -3.5f})), "array float32 (3,)\n[ 0.1  2.  -3.5]");
}

TEST(ArrayText, SwitchesToScientificNotationAsNumPyDoes) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(ValueText(Array<double>({4}, {1e-5, 2, std::nan(""), -inf})),
            "array float64 (4,)\n[1.e-05 2.e+00    nan   -inf]");
  EXPECT_EQ(ValueText(Array<double>({2}, {1.5e10, 1})), "array float64 (2,)\n[1.5e+10 1.0e+00]");
  EXPECT_EQ(ValueText(Array<double>({1}, {1.0 / 3})), "array float64 (1,)\n[0.33333333]");
}

TEST(ArrayText, WrapsLongRowsAt75Columns) {
  std::vector<int64_t> values(30);
  for (int i = 0; i < 30; ++i) values[i] = 1000 + i;
  const std::string text = ValueText(Array<int64_t>({30}, values));
  EXPECT_EQ(text,
            "array int64 (30,)\n"
            "[1000 1001 1002 1003 1004 1005 1006 1007 1008 1009 1010 1011 1012 1013\n"
            " 1014 1015 1016 1017 1018 1019 1020 1021 1022 1023 1024 1025 1026 1027\n"
            " 1028 1029]");
}

TEST(ArrayText, SummarisesArraysOfMoreThan1000Elements) {
  std::vector<int64_t> values(2000);
  for (int i = 0; i < 2000; ++i) values[i] = i;
  EXPECT_EQ(ValueText(Array<int64_t>({2000}, values)),
            "array int64 (2000,)\n[   0    1    2 ... 1997 1998 1999]");
  EXPECT_EQ(ValueText(Array<int64_t>({400, 5}, values)),
            "array int64 (400, 5)\n"
            "[[   0    1    2    3    4]\n"
            " [   5    6    7    8    9]\n"
            " [  10   11   12   13   14]\n"
            " ...\n"
            " [1985 1986 1987 1988 1989]\n"
            " [1990 1991 1992 1993 1994]\n"
            " [1995 1996 1997 1998 1999]]");
  // Exactly 1000 elements are all shown.
  EXPECT_THAT(ValueText(Array<int64_t>({1000}, std::vector<int64_t>(1000, 1))),
              ::testing::Not(HasSubstr("...")));
}

TEST(TableText, AlignsColumnsUnderAHeader) {
  TableBuilder builder;
  builder.Add<int64_t>("x", std::vector<int64_t>{1, 0, 300}, {true, false, true});
  builder.AddStrings("name", {std::string("a \"q\"\n"), std::nullopt, std::string("h\xC3\xA9llo")});
  builder.Add<double>("d", std::vector<double>{1.5, std::nan(""), 3});
  absl::StatusOr<Value> table = std::move(builder).Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(ValueText(*table),
            "table: 3 rows; x int64, name string, d float64\n"
            "   x  name       d\n"
            "   1  a \"q\"\\n  1.5\n"
            "null  null     nan\n"
            " 300  h\xC3\xA9llo    3.");
}

TEST(TableText, ShowsTheFirstAndLastRowsOfALongTable) {
  std::vector<int32_t> values(25);
  for (int i = 0; i < 25; ++i) values[i] = i;
  TableBuilder builder;
  builder.Add<int32_t>("i", values);
  absl::StatusOr<Value> table = std::move(builder).Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(ValueText(*table),
            "table: 25 rows; i int32\n"
            "  i\n  0\n  1\n  2\n  3\n  4\n...\n 20\n 21\n 22\n 23\n 24");
  TableBuilder none;
  absl::StatusOr<Value> empty = std::move(none).Finish();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(ValueText(*empty), "table: 0 rows, no columns");
}

TEST(ValueText, MalformedTypedValuesSayWhy) {
  Value bad;
  bad.mutable_ndarray()->set_dtype(v1::DTYPE_INT32);
  bad.mutable_ndarray()->add_shape(3);
  EXPECT_THAT(ValueText(bad), HasSubstr("<invalid ndarray: "));
}

}  // namespace
}  // namespace brisk
