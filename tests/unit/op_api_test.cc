// The op API (brisk/op.h): typed accessors, declared signatures, and OpRegistry::Call, which
// turns thrown exceptions and results of the wrong kind into errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "brisk/op.h"
#include "brisk/value.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class NoContext : public OpContext {
 public:
  bool Stopped() const override { return false; }
  bool SleepFor(absl::Duration) override { return true; }
};

v1::Value Int(int64_t i) {
  v1::Value v;
  v.set_int_(i);
  return v;
}
v1::Value Str(const std::string& s) {
  v1::Value v;
  v.set_str(s);
  return v;
}
v1::Value Float(double f) {
  v1::Value v;
  v.set_float_(f);
  return v;
}

// OpArgs over `values` (which must outlive it), as the worker builds them.
OpArgs ArgsOf(const std::vector<v1::Value>& values,
              const std::vector<std::pair<std::string, const v1::Value*>>& kwargs = {}) {
  OpArgs args;
  for (const v1::Value& v : values) {
    args.args.push_back(&v);
    args.arg_is_ref.push_back(false);
  }
  for (const auto& [name, v] : kwargs) args.kwargs[name] = v;
  args.op = "tile";
  return args;
}

TEST(OpArgs, TypedAccessorsReturnTheValues) {
  const std::vector<v1::Value> values = {Int(3), Float(2.5), Str("text"), Int(7)};
  const v1::Value flag = [] {
    v1::Value v;
    v.set_bool_(true);
    return v;
  }();
  OpArgs args = ArgsOf(values, {{"flag", &flag}});
  EXPECT_EQ(*args.Int(0), 3);
  EXPECT_EQ(*args.Float(1), 2.5);
  EXPECT_EQ(*args.Float(3), 7.0) << "an int is a float";
  EXPECT_EQ(*args.Str(2), "text");
  EXPECT_EQ(*args.Bool("flag", false), true);
  EXPECT_EQ(*args.Int("missing", 42), 42) << "the fallback of an absent keyword";
  EXPECT_EQ(*args.Str("missing", "x"), "x");
}

TEST(OpArgs, AWrongKindIsAnErrorNamingTheOpAndTheArgument) {
  const std::vector<v1::Value> values = {Str("wide")};
  OpArgs args = ArgsOf(values);
  EXPECT_EQ(args.Int(0).status().message(), "op \"tile\": argument 0 must be int, got str");
  OpSignature signature;
  signature.args = {{"width", Kind::kInt}};
  args.signature = &signature;
  EXPECT_EQ(args.Int(0).status().message(),
            "op \"tile\": argument 0 (\"width\") must be int, got str");
  EXPECT_EQ(args.Int(1).status().message(),
            "op \"tile\": argument 1 is missing (1 argument given)");
  EXPECT_EQ(args.Array(0).status().message(),
            "op \"tile\": argument 0 (\"width\") must be ndarray, got str");
  const v1::Value n = Int(1);
  args.kwargs["scale"] = &n;
  EXPECT_EQ(args.Str("scale", "").status().message(),
            "op \"tile\": keyword argument \"scale\" must be str or bytes, got int");
  EXPECT_EQ(args.Table("absent").status().message(),
            "op \"tile\": keyword argument \"absent\" is missing");
}

TEST(OpArgs, ArrayAndTableViewsReadTheReceivedBuffersInPlace) {
  absl::StatusOr<v1::Value> array = MakeArray<int32_t>({2, 2}, std::vector<int32_t>{1, 2, 3, 4});
  ASSERT_TRUE(array.ok()) << array.status();
  TableBuilder builder;
  builder.Add<int64_t>("n", std::vector<int64_t>{5, 6});
  absl::StatusOr<v1::Value> table = std::move(builder).Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  const std::vector<v1::Value> values = {*array, *table};
  OpArgs args = ArgsOf(values);
  absl::StatusOr<ArrayView> view = args.Array(0);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->bytes().data(), values[0].ndarray().data().data()) << "no copy";
  EXPECT_THAT(view->shape(), ElementsAre(2, 2));
  absl::StatusOr<TableView> t = args.Table(1);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 2u);

  v1::Value bad = *array;
  bad.mutable_ndarray()->set_data("abc");
  const std::vector<v1::Value> malformed = {bad};
  EXPECT_THAT(ArgsOf(malformed).Array(0).status().message(),
              HasSubstr("op \"tile\": argument 0: "));
}

TEST(OpSignatureCheck, RefusesMisfitsNamingTheArgument) {
  OpSignature s;
  s.args = {{"x", Kind::kNdarray, v1::DTYPE_FLOAT64}, {"n", Kind::kInt}};
  s.args[1].optional = true;
  s.kwargs = {{"scale", Kind::kFloat}};
  absl::StatusOr<v1::Value> f32 = MakeArray<float>({1}, std::vector<float>{1});
  absl::StatusOr<v1::Value> f64 = MakeArray<double>({1}, std::vector<double>{1});
  const std::vector<v1::Value> good = {*f64, Int(2)};
  EXPECT_TRUE(CheckArgs("scale", s, ArgsOf(good)).ok());
  const std::vector<v1::Value> one = {*f64};
  EXPECT_TRUE(CheckArgs("scale", s, ArgsOf(one)).ok()) << "n is optional";
  const std::vector<v1::Value> none;
  EXPECT_EQ(CheckArgs("scale", s, ArgsOf(none)).message(),
            "op \"scale\": takes 1 to 2 arguments (x, n), got 0");
  const std::vector<v1::Value> three = {*f64, Int(2), Int(3)};
  EXPECT_EQ(CheckArgs("scale", s, ArgsOf(three)).message(),
            "op \"scale\": takes 1 to 2 arguments (x, n), got 3");
  const std::vector<v1::Value> wrong_dtype = {*f32};
  EXPECT_EQ(CheckArgs("scale", s, ArgsOf(wrong_dtype)).message(),
            "op \"scale\": argument 0 (\"x\") must be a float64 ndarray, got float32");
  const std::vector<v1::Value> wrong_kind = {Str("x")};
  EXPECT_EQ(CheckArgs("scale", s, ArgsOf(wrong_kind)).message(),
            "op \"scale\": argument 0 (\"x\") must be ndarray, got str");
  const v1::Value text = Str("big");
  EXPECT_EQ(CheckArgs("scale", s, ArgsOf(one, {{"scale", &text}})).message(),
            "op \"scale\": keyword argument \"scale\" must be float, got str");
  const v1::Value two = Int(2);
  EXPECT_TRUE(CheckArgs("scale", s, ArgsOf(one, {{"scale", &two}})).ok()) << "an int is a float";
  EXPECT_EQ(CheckArgs("scale", s, ArgsOf(one, {{"sacle", &two}})).message(),
            "op \"scale\": unknown keyword argument \"sacle\" (it takes scale)");
}

TEST(OpRegistryCall, ChecksArgumentsBeforeTheOpRuns) {
  OpRegistry registry;
  int calls = 0;
  OpSignature s;
  s.args = {{"width", Kind::kInt}};
  registry.Register("tile", s, [&](OpContext&, const OpArgs& args) -> absl::StatusOr<v1::Value> {
    ++calls;
    return Int(*args.Int(0) * 2);
  });
  NoContext context;
  const std::vector<v1::Value> wrong = {Str("wide")};
  OpArgs bad = ArgsOf(wrong);
  EXPECT_EQ(registry.Call("tile", context, bad).status().message(),
            "op \"tile\": argument 0 (\"width\") must be int, got str");
  EXPECT_EQ(calls, 0);
  const std::vector<v1::Value> right = {Int(21)};
  OpArgs good = ArgsOf(right);
  absl::StatusOr<v1::Value> result = registry.Call("tile", context, good);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->int_(), 42);
  EXPECT_EQ(registry.Call("nope", context, good).status().code(), absl::StatusCode::kNotFound);
}

TEST(OpRegistryCall, TurnsExceptionsAndWrongResultsIntoErrors) {
  OpRegistry registry;
  registry.Register("boom", [](OpContext&, const OpArgs&) -> absl::StatusOr<v1::Value> {
    throw std::runtime_error("out of cheese");
  });
  registry.Register("boom_int",
                    [](OpContext&, const OpArgs&) -> absl::StatusOr<v1::Value> { throw 7; });
  OpSignature array_result;
  array_result.result = Kind::kNdarray;
  array_result.result_dtype = v1::DTYPE_UINT8;
  registry.Register(
      "liar", array_result,
      [](OpContext&, const OpArgs&) -> absl::StatusOr<v1::Value> { return Str("no"); });
  registry.Register("wrong_dtype", array_result,
                    [](OpContext&, const OpArgs&) -> absl::StatusOr<v1::Value> {
                      return MakeArray<int32_t>({1}, std::vector<int32_t>{1});
                    });
  NoContext context;
  const std::vector<v1::Value> none;
  OpArgs args = ArgsOf(none);
  EXPECT_EQ(registry.Call("boom", context, args).status().message(),
            "op \"boom\" threw: out of cheese");
  EXPECT_EQ(registry.Call("boom_int", context, args).status().message(),
            "op \"boom_int\" threw an exception");
  EXPECT_EQ(registry.Call("liar", context, args).status().message(),
            "op \"liar\" returned str, declared ndarray");
  EXPECT_EQ(registry.Call("wrong_dtype", context, args).status().message(),
            "op \"wrong_dtype\" returned int32 ndarray, declared uint8");
}

TEST(OpRegistryAdd, RefusesAnOpRegisteredTwice) {
  auto noop = [](OpContext&, const OpArgs&) -> absl::StatusOr<v1::Value> { return v1::Value(); };
  OpRegistry base, more, clash;
  base.Register("a", noop);
  more.Register("b", noop);
  clash.Register("a", noop);
  clash.Register("c", noop);
  EXPECT_TRUE(base.Add(more).ok());
  EXPECT_EQ(base.Add(clash).message(), "op \"a\" is already registered");
  EXPECT_THAT(base.Names(), ElementsAre("a", "b")) << "nothing of a refused registry is added";
}

}  // namespace
}  // namespace brisk
