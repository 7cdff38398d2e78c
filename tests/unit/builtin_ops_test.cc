#include "worker/builtin_ops.h"

#include <gmock/gmock.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "brisk/value.h"
#include "common/builtin_op_names.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1::Value;

class FakeContext : public OpContext {
 public:
  bool Stopped() const override { return stopped; }
  bool SleepFor(absl::Duration duration) override {
    slept.push_back(duration);
    return !stopped;
  }
  bool stopped = false;
  std::vector<absl::Duration> slept;
};

Value Null() { return Value(); }
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
Value B(bool b) {
  Value v;
  v.set_bool_(b);
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

// Deterministic encoding (map entries sorted), for comparing values.
std::string Encode(const Value& v) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  v.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::vector<int64_t> Ints(const Value& list) {
  std::vector<int64_t> out;
  for (const Value& item : list.list().items()) out.push_back(item.int_());
  return out;
}

class BuiltinOps : public ::testing::Test {
 protected:
  BuiltinOps() { RegisterBuiltinOps(registry_); }

  absl::StatusOr<Value> Run(absl::string_view op, std::vector<Value> args,
                            std::vector<std::pair<std::string, Value>> kwargs = {}) {
    const OpFn* fn = registry_.Find(op);
    if (fn == nullptr) return absl::NotFoundError(absl::StrCat("no op ", op));
    OpArgs in;
    for (const Value& arg : args) in.args.push_back(&arg);
    for (const auto& [name, value] : kwargs) in.kwargs[name] = &value;
    return (*fn)(ctx_, in);
  }
  // The error message of a call that must fail.
  std::string Err(absl::string_view op, std::vector<Value> args) {
    auto result = Run(op, std::move(args));
    EXPECT_FALSE(result.ok()) << op << " returned " << (result.ok() ? result->DebugString() : "");
    return result.ok() ? "" : std::string(result.status().message());
  }

  OpRegistry registry_;
  FakeContext ctx_;
};

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(OpRegistry, FindReturnsRegisteredOpAndNullForUnknown) {
  OpRegistry registry;
  registry.Register("one", [](OpContext&, const OpArgs&) { return I(1); });
  registry.Register("two", [](OpContext&, const OpArgs&) { return I(2); });
  registry.Register("one", [](OpContext&, const OpArgs&) { return I(11); });  // replaces
  FakeContext ctx;
  ASSERT_NE(registry.Find("one"), nullptr);
  EXPECT_EQ((*registry.Find("one"))(ctx, OpArgs{})->int_(), 11);
  EXPECT_EQ(registry.Find("three"), nullptr);
  EXPECT_THAT(registry.Names(), ElementsAre("one", "two"));
}

TEST_F(BuiltinOps, RegisteredNamesEqualSortedBuiltinOpNames) {
  std::vector<std::string> expected(BuiltinOpNames().begin(), BuiltinOpNames().end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(registry_.Names(), expected);
}

TEST_F(BuiltinOps, NoopReturnsNullForAnyArgs) {
  EXPECT_EQ(Run("noop", {})->kind_case(), Value::KIND_NOT_SET);
  EXPECT_EQ(Run("noop", {I(1), S("x"), Null()}, {{"k", I(2)}})->kind_case(), Value::KIND_NOT_SET);
}

TEST_F(BuiltinOps, IdentityReturnsItsArgument) {
  Value nested = L({I(1), M({{"a", S("b")}})});
  EXPECT_EQ(Encode(*Run("identity", {nested})), Encode(nested));
  EXPECT_EQ(Run("identity", {Null()})->kind_case(), Value::KIND_NOT_SET);
  EXPECT_EQ(Err("identity", {}), "identity: takes 1 argument, got 0");
}

TEST_F(BuiltinOps, IncKeepsIntAndFloat) {
  EXPECT_EQ(Run("inc", {I(41)})->int_(), 42);
  EXPECT_EQ(Run("inc", {I(-1)})->int_(), 0);
  auto f = Run("inc", {F(1.5)});
  ASSERT_EQ(f->kind_case(), Value::kFloat);
  EXPECT_DOUBLE_EQ(f->float_(), 2.5);
}

TEST_F(BuiltinOps, IncRejectsNonNumbersWrongCountsAndOverflow) {
  EXPECT_EQ(Err("inc", {S("x")}), "inc: argument 0 must be a number, got str");
  EXPECT_EQ(Err("inc", {B(true)}), "inc: argument 0 must be a number, got bool");
  EXPECT_EQ(Err("inc", {Null()}), "inc: argument 0 must be a number, got null");
  EXPECT_EQ(Err("inc", {I(1), I(2), I(3)}), "inc: takes 1 argument, got 3");
  EXPECT_EQ(Err("inc", {}), "inc: takes 1 argument, got 0");
  EXPECT_THAT(Err("inc", {I(kMax)}), HasSubstr("overflow"));
}

TEST_F(BuiltinOps, OpsRejectKeywordArguments) {
  auto result = Run("inc", {I(1)}, {{"by", I(2)}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "inc: takes no keyword arguments, got \"by\"");
}

TEST_F(BuiltinOps, AddOfIntsStaysInt) {
  auto sum = Run("add", {I(1), I(2), I(3)});
  ASSERT_EQ(sum->kind_case(), Value::kInt);
  EXPECT_EQ(sum->int_(), 6);
  EXPECT_EQ(Run("add", {I(-5)})->int_(), -5);
}

TEST_F(BuiltinOps, AddOfNothingIsIntZero) {
  auto sum = Run("add", {});
  ASSERT_EQ(sum->kind_case(), Value::kInt);
  EXPECT_EQ(sum->int_(), 0);
}

TEST_F(BuiltinOps, AddWithAFloatIsFloat) {
  auto sum = Run("add", {I(1), F(2.5), I(3)});
  ASSERT_EQ(sum->kind_case(), Value::kFloat);
  EXPECT_DOUBLE_EQ(sum->float_(), 6.5);
}

TEST_F(BuiltinOps, AddIntOverflowIsAnError) {
  auto result = Run("add", {I(kMax), I(1)});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "add: integer overflow");
  EXPECT_EQ(Run("add", {I(kMax), I(-1), I(1)})->int_(), kMax);  // only the running sum matters
}

TEST_F(BuiltinOps, AddOverflowingIntsWithAFloatIsFloat) {
  auto sum = Run("add", {I(kMax), I(kMax), F(0.0)});
  ASSERT_EQ(sum->kind_case(), Value::kFloat);
  EXPECT_DOUBLE_EQ(sum->float_(), 2.0 * static_cast<double>(kMax));
}

TEST_F(BuiltinOps, AddNamesTheNonNumberArgument) {
  EXPECT_EQ(Err("add", {I(1), I(2), S("3")}), "add: argument 2 must be a number, got str");
  EXPECT_EQ(Err("add", {I(1), L({})}), "add: argument 1 must be a number, got list");
}

TEST_F(BuiltinOps, MulMultipliesWithIntAndFloatRules) {
  auto empty = Run("mul", {});
  ASSERT_EQ(empty->kind_case(), Value::kInt);
  EXPECT_EQ(empty->int_(), 1);
  EXPECT_EQ(Run("mul", {I(2), I(3), I(-4)})->int_(), -24);
  auto f = Run("mul", {I(2), F(1.25)});
  ASSERT_EQ(f->kind_case(), Value::kFloat);
  EXPECT_DOUBLE_EQ(f->float_(), 2.5);
  EXPECT_EQ(Err("mul", {I(kMin), I(-1)}), "mul: integer overflow");
  EXPECT_EQ(Err("mul", {Bytes("x")}), "mul: argument 0 must be a number, got bytes");
}

TEST_F(BuiltinOps, SumAddsAListsNumbers) {
  EXPECT_EQ(Run("sum", {L({I(1), I(2), I(3)})})->int_(), 6);
  EXPECT_EQ(Run("sum", {L({})})->int_(), 0);
  auto f = Run("sum", {L({F(0.5), I(1)})});
  ASSERT_EQ(f->kind_case(), Value::kFloat);
  EXPECT_DOUBLE_EQ(f->float_(), 1.5);
}

TEST_F(BuiltinOps, SumRejectsNonListsBadItemsAndOverflow) {
  EXPECT_EQ(Err("sum", {I(3)}), "sum: argument 0 must be a list, got int");
  EXPECT_EQ(Err("sum", {L({I(1), Null()})}), "sum: list item 1 must be a number, got null");
  EXPECT_EQ(Err("sum", {L({I(kMin), I(-1)})}), "sum: integer overflow");
  EXPECT_EQ(Err("sum", {}), "sum: takes 1 argument, got 0");
}

TEST_F(BuiltinOps, RangeOfNCountsFromZero) {
  EXPECT_THAT(Ints(*Run("range", {I(5)})), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_TRUE(Ints(*Run("range", {I(0)})).empty());
  EXPECT_TRUE(Ints(*Run("range", {I(-3)})).empty());
  EXPECT_EQ(Run("range", {I(0)})->kind_case(), Value::kList);
}

TEST_F(BuiltinOps, RangeWithStartStopStepIsLikePython) {
  EXPECT_THAT(Ints(*Run("range", {I(2), I(5)})), ElementsAre(2, 3, 4));
  EXPECT_THAT(Ints(*Run("range", {I(0), I(10), I(3)})), ElementsAre(0, 3, 6, 9));
  EXPECT_THAT(Ints(*Run("range", {I(5), I(0), I(-2)})), ElementsAre(5, 3, 1));
  EXPECT_TRUE(Ints(*Run("range", {I(5), I(0)})).empty());
  EXPECT_THAT(Ints(*Run("range", {I(kMax - 2), I(kMax)})), ElementsAre(kMax - 2, kMax - 1));
  EXPECT_THAT(Ints(*Run("range", {I(kMin), I(kMax), I(kMax)})), ElementsAre(kMin, -1, kMax - 1));
}

TEST_F(BuiltinOps, RangeRejectsZeroStepHugeRangesAndBadArgs) {
  EXPECT_EQ(Err("range", {I(0), I(5), I(0)}), "range: argument 2 (step) must not be zero");
  EXPECT_THAT(Err("range", {I(100'000'001)}), HasSubstr("too large"));
  EXPECT_THAT(Err("range", {I(kMin), I(kMax)}), HasSubstr("too large"));
  EXPECT_EQ(Err("range", {F(3.0)}), "range: argument 0 must be an int, got float");
  EXPECT_EQ(Err("range", {I(0), S("9")}), "range: argument 1 must be an int, got str");
  EXPECT_EQ(Err("range", {}), "range: takes 1 to 3 arguments, got 0");
  EXPECT_EQ(Err("range", {I(1), I(2), I(3), I(4)}), "range: takes 1 to 3 arguments, got 4");
}

TEST_F(BuiltinOps, LenCountsListsStringsBytesAndMaps) {
  EXPECT_EQ(Run("len", {L({I(1), I(2)})})->int_(), 2);
  EXPECT_EQ(Run("len", {S("héllo")})->int_(), 6);  // bytes of UTF-8
  EXPECT_EQ(Run("len", {Bytes(std::string(3, '\0'))})->int_(), 3);
  EXPECT_EQ(Run("len", {M({{"a", I(1)}, {"b", I(2)}})})->int_(), 2);
  EXPECT_EQ(Err("len", {I(1)}),
            "len: argument 0 must be a list, str, bytes, map, ndarray or table, got int");
  EXPECT_EQ(Err("len", {Null()}),
            "len: argument 0 must be a list, str, bytes, map, ndarray or table, got null");
}

TEST_F(BuiltinOps, LenOfAnArrayIsItsFirstAxisAndOfATableItsRows) {
  EXPECT_EQ(Run("len", {*Run("full", {L({I(3), I(4)}), I(0)})})->int_(), 3);
  EXPECT_EQ(Run("len", {*Run("full", {L({I(0)}), I(0)})})->int_(), 0);
  EXPECT_EQ(Err("len", {*Run("full", {L({}), I(0)})}),
            "len: argument 0 is a 0-d ndarray, with no length");
  std::vector<int32_t> xs = {1, 2, 3, 4, 5};
  EXPECT_EQ(Run("len", {*std::move(TableBuilder().Add<int32_t>("x", xs)).Finish()})->int_(), 5);
  EXPECT_EQ(Run("len", {*TableBuilder().Finish()})->int_(), 0);
}

TEST_F(BuiltinOps, FullMakesAFloat64ArrayByDefault) {
  absl::StatusOr<Value> a = Run("full", {L({I(2), I(3)}), F(1.5)});
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<ArrayView> view = ArrayView::Of(*a);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->dtype(), v1::DTYPE_FLOAT64);
  EXPECT_THAT(view->shape(), ElementsAre(2u, 3u));
  EXPECT_THAT(*view->values<double>(), ElementsAre(1.5, 1.5, 1.5, 1.5, 1.5, 1.5));
  // An int fill, a 0-d array, an empty one.
  EXPECT_THAT(*ArrayView::Of(*Run("full", {L({I(2)}), I(7)}))->values<double>(),
              ElementsAre(7.0, 7.0));
  // (Views of values that outlive them.)
  const Value scalar_value = *Run("full", {L({}), F(-2)});
  absl::StatusOr<ArrayView> scalar = ArrayView::Of(scalar_value);
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->size(), 1u);
  EXPECT_EQ(scalar->AsDouble(0), -2.0);
  const Value empty_value = *Run("full", {L({I(5), I(0)}), F(1)});
  absl::StatusOr<ArrayView> empty = ArrayView::Of(empty_value);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_TRUE(empty->bytes().empty());
  // -0.0 is not zero bits: it is written.
  EXPECT_TRUE(
      std::signbit((*ArrayView::Of(*Run("full", {L({I(1)}), F(-0.0)}))->values<double>())[0]));
}

TEST_F(BuiltinOps, FullMakesEveryDType) {
  for (const char* name : {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                           "uint64", "float32", "float64", "float", "int"}) {
    absl::StatusOr<Value> a = Run("full", {L({I(4)}), I(1), S(name)});
    ASSERT_TRUE(a.ok()) << name << ": " << a.status();
    absl::StatusOr<ArrayView> view = ArrayView::Of(*a);
    ASSERT_TRUE(view.ok()) << name << ": " << view.status();
    EXPECT_EQ(view->dtype(), *ParseDType(name)) << name;
    EXPECT_EQ(view->bytes().size(), 4 * ItemSize(view->dtype())) << name;
    for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(view->AsDouble(i), 1.0) << name;
  }
  EXPECT_THAT(*ArrayView::Of(*Run("full", {L({I(2)}), B(true), S("bool")}))->values<bool>(),
              ElementsAre(true, true));
  EXPECT_THAT(*ArrayView::Of(*Run("full", {L({I(1)}), I(-128), S("int8")}))->values<int8_t>(),
              ElementsAre(-128));
  EXPECT_THAT(*ArrayView::Of(*Run("full", {L({I(1)}), I(kMax), S("uint64")}))->values<uint64_t>(),
              ElementsAre(static_cast<uint64_t>(kMax)));
  EXPECT_THAT(*ArrayView::Of(*Run("full", {L({I(1)}), F(0.25), S("float32")}))->values<float>(),
              ElementsAre(0.25f));
}

TEST_F(BuiltinOps, FullRefusesFillsThatDoNotFitItsDType) {
  EXPECT_EQ(Err("full", {L({I(1)}), I(128), S("int8")}),
            "full: argument 1 (128) does not fit in int8");
  EXPECT_EQ(Err("full", {L({I(1)}), I(-1), S("uint32")}),
            "full: argument 1 (-1) does not fit in uint32");
  EXPECT_EQ(Err("full", {L({I(1)}), I(2), S("bool")}), "full: argument 1 (2) does not fit in bool");
  EXPECT_EQ(Err("full", {L({I(1)}), F(2.5), S("int64")}),
            "full: argument 1 must be an int or a bool for dtype int64, got float 2.5");
  EXPECT_EQ(Err("full", {L({I(1)}), S("x")}),
            "full: argument 1 must be an int, a float or a bool, got str");
}

TEST_F(BuiltinOps, FullRefusesBadShapesAndDTypes) {
  EXPECT_EQ(Err("full", {I(3), F(0)}), "full: argument 0 must be a list, got int");
  EXPECT_EQ(Err("full", {L({I(2), F(2)}), F(0)}), "full: shape item 1 must be an int, got float");
  EXPECT_EQ(Err("full", {L({I(-2)}), F(0)}), "full: shape item 0 must not be negative, got -2");
  EXPECT_THAT(Err("full", {L({I(2)}), F(0), S("complex64")}),
              HasSubstr("full: unknown dtype \"complex64\""));
  EXPECT_THAT(Err("full", {L({I(2)}), F(0), S("string")}), HasSubstr("cannot hold dtype string"));
  EXPECT_EQ(Err("full", {L({I(2)}), F(0), I(8)}), "full: argument 2 must be a dtype str, got int");
  EXPECT_EQ(Err("full", {L({I(2)})}), "full: takes 2 or 3 arguments, got 1");
}

TEST_F(BuiltinOps, FullRefusesHugeArrays) {
  // 64 GiB is the limit, as for bytes; a shape whose size overflows is refused, not wrapped.
  EXPECT_EQ(Err("full", {L({I(int64_t{1} << 33), I(2)}), F(0)}),
            "full: 137438953472 bytes is too large (limit 68719476736)");
  EXPECT_THAT(Err("full", {L({I(int64_t{1} << 32), I(int64_t{1} << 32)}), F(0), S("int8")}),
              HasSubstr("more than 2^64 elements"));
  EXPECT_THAT(Err("full", {L({I(int64_t{1} << 61)}), F(0)}), HasSubstr("more than 2^64 bytes"));
}

TEST_F(BuiltinOps, ConcatFlattensListsOfLists) {
  EXPECT_THAT(Ints(*Run("concat", {L({L({I(1), I(2)}), L({}), L({I(3)})})})), ElementsAre(1, 2, 3));
  EXPECT_TRUE(Ints(*Run("concat", {L({})})).empty());
}

TEST_F(BuiltinOps, ConcatJoinsStrsAndBytes) {
  auto str = Run("concat", {L({S("ab"), S(""), S("c")})});
  ASSERT_EQ(str->kind_case(), Value::kStr);
  EXPECT_EQ(str->str(), "abc");
  auto bytes = Run("concat", {L({Bytes("\x01"), Bytes(std::string("\0", 1))})});
  ASSERT_EQ(bytes->kind_case(), Value::kBytes);
  EXPECT_EQ(bytes->bytes(), std::string("\x01\0", 2));
}

TEST_F(BuiltinOps, ConcatAcceptsSeveralPositionalArguments) {
  EXPECT_EQ(Run("concat", {S("a"), S("b"), S("c")})->str(), "abc");
  EXPECT_THAT(Ints(*Run("concat", {L({I(1)}), L({I(2), I(3)})})), ElementsAre(1, 2, 3));
  EXPECT_EQ(Run("concat", {S("solo")})->str(), "solo");
}

TEST_F(BuiltinOps, ConcatRejectsMixedAndUnjoinableKinds) {
  EXPECT_EQ(Err("concat", {L({S("a"), Bytes("b")})}),
            "concat: list item 1 is bytes, but list item 0 is str; cannot mix kinds");
  EXPECT_EQ(Err("concat", {S("a"), L({})}),
            "concat: argument 1 is list, but argument 0 is str; cannot mix kinds");
  EXPECT_EQ(Err("concat", {L({I(1), I(2)})}),
            "concat: list item 0 must be a list, str or bytes, got int");
  EXPECT_EQ(Err("concat", {Null(), Null()}),
            "concat: argument 0 must be a list, str or bytes, got null");
}

TEST_F(BuiltinOps, GetitemIndexesListsFromBothEnds) {
  Value list = L({I(10), I(20), I(30)});
  EXPECT_EQ(Run("getitem", {list, I(0)})->int_(), 10);
  EXPECT_EQ(Run("getitem", {list, I(2)})->int_(), 30);
  EXPECT_EQ(Run("getitem", {list, I(-1)})->int_(), 30);
  EXPECT_EQ(Run("getitem", {list, I(-3)})->int_(), 10);
}

TEST_F(BuiltinOps, GetitemOutOfRangeNamesIndexAndLength) {
  Value list = L({I(10), I(20), I(30)});
  EXPECT_EQ(Err("getitem", {list, I(3)}), "getitem: index 3 out of range for length 3");
  EXPECT_EQ(Err("getitem", {list, I(-4)}), "getitem: index -4 out of range for length 3");
  EXPECT_EQ(Err("getitem", {list, I(kMin)}),
            absl::StrCat("getitem: index ", kMin, " out of range for length 3"));
  EXPECT_EQ(Err("getitem", {L({}), I(0)}), "getitem: index 0 out of range for length 0");
}

TEST_F(BuiltinOps, GetitemLooksUpMapKeys) {
  Value map = M({{"a", I(1)}, {"b", S("x")}});
  EXPECT_EQ(Run("getitem", {map, S("b")})->str(), "x");
  EXPECT_EQ(Err("getitem", {map, S("c")}), "getitem: key \"c\" is not in the map");
  EXPECT_EQ(Err("getitem", {map, I(0)}), "getitem: argument 1 must be a str key, got int");
}

TEST_F(BuiltinOps, GetitemOfStrOrBytesIsTheByteAsInt) {
  EXPECT_EQ(Run("getitem", {S("abc"), I(1)})->int_(), 'b');
  EXPECT_EQ(Run("getitem", {Bytes("\xff\x01"), I(0)})->int_(), 255);
  EXPECT_EQ(Run("getitem", {Bytes("\xff\x01"), I(-1)})->int_(), 1);
  EXPECT_EQ(Err("getitem", {S("abc"), I(3)}), "getitem: index 3 out of range for length 3");
}

TEST_F(BuiltinOps, GetitemRejectsBadKindsAndCounts) {
  EXPECT_EQ(Err("getitem", {I(5), I(0)}),
            "getitem: argument 0 must be a list, map, str or bytes, got int");
  EXPECT_EQ(Err("getitem", {L({I(1)}), F(0.0)}), "getitem: argument 1 must be an int, got float");
  EXPECT_EQ(Err("getitem", {L({I(1)})}), "getitem: takes 2 arguments, got 1");
}

TEST_F(BuiltinOps, PartitionPlacementIsStable) {
  // Expected from splitmix64(x) % 4 for x = 0..7 (splitmix64(0) = 0xe220a8397b1dcdaf, so 0 -> 3).
  auto parts = Run("partition", {L({I(0), I(1), I(2), I(3), I(4), I(5), I(6), I(7)}), I(4)});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->list().items_size(), 4);
  EXPECT_THAT(Ints(parts->list().items(0)), ElementsAre(6));
  EXPECT_THAT(Ints(parts->list().items(1)), ElementsAre(1, 3));
  EXPECT_THAT(Ints(parts->list().items(2)), ElementsAre(2, 4, 5));
  EXPECT_THAT(Ints(parts->list().items(3)), ElementsAre(0, 7));
  // -1 -> 0, 42 -> 1, 1000 -> 0 with n = 4.
  parts = Run("partition", {L({I(-1), I(42), I(1000)}), I(4)});
  EXPECT_THAT(Ints(parts->list().items(0)), ElementsAre(-1, 1000));
  EXPECT_THAT(Ints(parts->list().items(1)), ElementsAre(42));
}

TEST_F(BuiltinOps, PartitionOfNonIntsHashesTheirEncoding) {
  // FNV-1a 64 of the encodings 22 01 'a', 22 01 'b', 22 05 "hello", modulo 4: 3, 2, 0.
  auto parts = Run("partition", {L({S("a"), S("b"), S("hello")}), I(4)});
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->list().items(0).list().items(0).str(), "hello");
  EXPECT_EQ(parts->list().items(1).list().items_size(), 0);
  EXPECT_EQ(parts->list().items(2).list().items(0).str(), "b");
  EXPECT_EQ(parts->list().items(3).list().items(0).str(), "a");
}

TEST_F(BuiltinOps, PartitionKeepsEveryItemOnceInOrder) {
  Value items = L({});
  for (int i = 0; i < 200; ++i) *items.mutable_list()->add_items() = I(i);
  *items.mutable_list()->add_items() = M({{"k", L({F(1.5), Null()})}, {"j", B(false)}});
  auto parts = Run("partition", {items, I(7)});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->list().items_size(), 7);
  std::vector<std::string> seen;
  for (const Value& part : parts->list().items()) {
    std::vector<int64_t> ints;
    for (const Value& item : part.list().items()) {
      seen.push_back(Encode(item));
      if (item.kind_case() == Value::kInt) ints.push_back(item.int_());
    }
    EXPECT_TRUE(std::is_sorted(ints.begin(), ints.end()));  // input order kept
  }
  std::vector<std::string> expected;
  for (const Value& item : items.list().items()) expected.push_back(Encode(item));
  std::sort(seen.begin(), seen.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(Encode(*Run("partition", {items, I(7)})), Encode(*parts));
}

TEST_F(BuiltinOps, PartitionPutsEqualItemsTogether) {
  Value map = M({{"a", I(1)}, {"b", I(2)}, {"c", I(3)}});
  auto parts = Run("partition", {L({I(5), map, I(5), map, I(5)}), I(3)});
  ASSERT_TRUE(parts.ok()) << parts.status();
  std::vector<int> sizes;
  for (const Value& part : parts->list().items()) sizes.push_back(part.list().items_size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_TRUE(sizes == std::vector<int>({0, 2, 3}) || sizes == std::vector<int>({0, 0, 5}));
}

TEST_F(BuiltinOps, PartitionRejectsBadCounts) {
  EXPECT_EQ(Err("partition", {L({I(1)}), I(0)}),
            "partition: argument 1 must be between 1 and 1000000, got 0");
  EXPECT_THAT(Err("partition", {L({I(1)}), I(-2)}), HasSubstr("argument 1"));
  EXPECT_THAT(Err("partition", {L({I(1)}), I(kMax)}), HasSubstr("argument 1"));
  EXPECT_EQ(Err("partition", {I(1), I(2)}), "partition: argument 0 must be a list, got int");
  EXPECT_EQ(Err("partition", {L({}), S("2")}), "partition: argument 1 must be an int, got str");
  EXPECT_EQ(Err("partition", {L({})}), "partition: takes 2 arguments, got 1");
}

TEST_F(BuiltinOps, SleepWaitsThenReturnsTheValue) {
  auto result = Run("sleep", {F(0.25), S("done")});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->str(), "done");
  auto null = Run("sleep", {I(2)});
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(null->kind_case(), Value::KIND_NOT_SET);
  EXPECT_THAT(ctx_.slept, ElementsAre(absl::Milliseconds(250), absl::Seconds(2)));
}

TEST_F(BuiltinOps, SleepIsCancelledWhenStopped) {
  ctx_.stopped = true;
  auto result = Run("sleep", {I(10), I(1)});
  EXPECT_EQ(result.status(), absl::CancelledError("sleep: stopped"));
}

TEST_F(BuiltinOps, SleepRejectsNegativeAndNonNumbers) {
  EXPECT_EQ(Err("sleep", {F(-1)}), "sleep: argument 0 must not be negative, got -1");
  EXPECT_THAT(Err("sleep", {F(std::numeric_limits<double>::quiet_NaN())}), HasSubstr("argument 0"));
  EXPECT_EQ(Err("sleep", {S("1")}), "sleep: argument 0 must be a number, got str");
  EXPECT_EQ(Err("sleep", {}), "sleep: takes 1 or 2 arguments, got 0");
  EXPECT_TRUE(ctx_.slept.empty());
}

TEST_F(BuiltinOps, FailReturnsExactlyTheMessage) {
  EXPECT_EQ(Run("fail", {S("boom: disk full")}).status(), absl::UnknownError("boom: disk full"));
  EXPECT_EQ(Run("fail", {}).status(), absl::UnknownError("fail"));
  EXPECT_EQ(Err("fail", {I(3)}), "fail: argument 0 must be a str, got int");
  EXPECT_EQ(Err("fail", {S("a"), S("b")}), "fail: takes 0 or 1 arguments, got 2");
}

TEST_F(BuiltinOps, BytesMakesZeroBytes) {
  auto result = Run("bytes", {I(5)});
  ASSERT_EQ(result->kind_case(), Value::kBytes);
  EXPECT_EQ(result->bytes(), std::string(5, '\0'));
  auto empty = Run("bytes", {I(0)});
  ASSERT_EQ(empty->kind_case(), Value::kBytes);
  EXPECT_TRUE(empty->bytes().empty());
}

TEST_F(BuiltinOps, BytesRejectsNegativeAndHugeSizes) {
  EXPECT_EQ(Err("bytes", {I(-1)}), "bytes: argument 0 must not be negative, got -1");
  EXPECT_THAT(Err("bytes", {I((int64_t{64} << 30) + 1)}), HasSubstr("too large"));
  EXPECT_EQ(Err("bytes", {F(1.0)}), "bytes: argument 0 must be an int, got float");
}

TEST_F(BuiltinOps, NbytesMeasuresBytesStrsAndEncodings) {
  EXPECT_EQ(Run("nbytes", {Bytes(std::string(1000, 'x'))})->int_(), 1000);
  EXPECT_EQ(Run("nbytes", {S("abc")})->int_(), 3);
  Value list = L({I(1), S("two")});
  EXPECT_EQ(Run("nbytes", {list})->int_(), static_cast<int64_t>(list.ByteSizeLong()));
  EXPECT_EQ(Run("nbytes", {Null()})->int_(), 0);
  // An array's buffer, a table's body.
  EXPECT_EQ(Run("nbytes", {*Run("full", {L({I(10), I(5)}), F(1)})})->int_(), 400);
  EXPECT_EQ(Run("nbytes", {*Run("full", {L({I(0)}), F(1)})})->int_(), 0);
  std::vector<int64_t> xs = {1, 2, 3};
  Value table = *std::move(TableBuilder().Add<int64_t>("x", xs)).Finish();
  EXPECT_EQ(Run("nbytes", {table})->int_(), 24);
  EXPECT_EQ(Err("nbytes", {}), "nbytes: takes 1 argument, got 0");
}

TEST_F(BuiltinOps, NoOpCrashesOnNullMissingOrWrongArguments) {
  const std::vector<std::vector<Value>> inputs = {{},
                                                  {Null()},
                                                  {Null(), Null()},
                                                  {B(true), M({})},
                                                  {L({Null()}), I(-1), F(-2)},
                                                  {Bytes("\xff"), S("")}};
  for (const std::string& op : registry_.Names()) {
    for (const auto& args : inputs) {
      if (absl::StartsWith(op, "array.") || absl::StartsWith(op, "frame.") ||
          absl::StartsWith(op, "bag.")) {
        // Array, frame and bag kernels declare signatures: through Call, as a worker runs them.
        OpArgs in;
        for (const Value& v : args) {
          in.args.push_back(&v);
          in.arg_is_ref.push_back(false);
        }
        auto result = registry_.Call(op, ctx_, in);
        if (!result.ok()) {  // named by its signature check or by the kernel itself
          EXPECT_TRUE(absl::StartsWith(result.status().message(), "op \"" + op + "\": ") ||
                      absl::StartsWith(result.status().message(), op + ": "))
              << result.status();
        }
        continue;
      }
      auto result = Run(op, args);
      if (!result.ok() && op != "fail" && !absl::StartsWith(op, "array.")) {
        EXPECT_TRUE(absl::StartsWith(result.status().message(), op + ": ")) << result.status();
      }
    }
    OpArgs with_null_pointer;
    with_null_pointer.args.push_back(nullptr);
    (void)(*registry_.Find(op))(ctx_, with_null_pointer);
  }
}

}  // namespace
}  // namespace brisk
