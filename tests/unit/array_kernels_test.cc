// The array kernels called through an OpRegistry: "array.eval" programs (leaves, broadcasting,
// regions of input blocks, every instruction's errors), the Philox generators against
// Random123 called directly, and "array.reduce" / "array.reduce_combine" partials.
#include <Random123/philox.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "brisk/op.h"
#include "brisk/value.h"
#include "tests/support/value_literals.h"
#include "worker/array/array_ops.h"
#include "worker/array/array_program.h"

namespace brisk {
namespace {

using test_values::Bool;
using test_values::F;
using test_values::I;
using test_values::L;
using test_values::S;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class NoContext : public OpContext {
 public:
  bool Stopped() const override { return false; }
  bool SleepFor(absl::Duration) override { return true; }
};

class ArrayKernels : public ::testing::Test {
 protected:
  ArrayKernels() { RegisterArrayOps(registry_); }
  // Calls `op` with positional `args` and keyword `kwargs`.
  absl::StatusOr<v1::Value> Call(const std::string& op, const std::vector<v1::Value>& args,
                                 const std::map<std::string, v1::Value>& kwargs) {
    OpArgs a;
    for (const v1::Value& v : args) {
      a.args.push_back(&v);
      a.arg_is_ref.push_back(false);
    }
    for (const auto& [k, v] : kwargs) a.kwargs[k] = &v;
    NoContext ctx;
    return registry_.Call(op, ctx, a);
  }
  template <typename T>
  static std::vector<T> Values(const absl::StatusOr<v1::Value>& v) {
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return {};
    absl::StatusOr<ArrayView> view = ArrayView::Of(*v);
    EXPECT_TRUE(view.ok()) << view.status();
    absl::StatusOr<absl::Span<const T>> s = view->values<T>();
    EXPECT_TRUE(s.ok()) << s.status();
    return std::vector<T>(s->begin(), s->end());
  }
  OpRegistry registry_;
};

v1::Value Ints(std::initializer_list<int64_t> v) {
  v1::Value out;
  out.mutable_list();
  for (int64_t x : v) *out.mutable_list()->add_items() = I(x);
  return out;
}

TEST_F(ArrayKernels, EvalBroadcastsLeavesAndReadsRegionsOfBlocks) {
  // Block a: 3x4 of 0..11; b: 3x1 of 100, 200, 300. out = a[1:3, 1:3] * 2 + b[1:3, :] over a
  // 2x2 block.
  std::vector<double> av(12);
  for (int i = 0; i < 12; ++i) av[i] = i;
  const v1::Value a = *MakeArray<double>({3, 4}, av);
  const v1::Value b = *MakeArray<double>({3, 1}, std::vector<double>{100, 200, 300});
  const v1::Value program =
      L({L({S("input"), I(0), Ints({1, 1}), Ints({2, 2})}), L({S("const"), I(2), S("float64")}),
         L({S("mul"), I(0), I(1)}), L({S("input"), I(1), Ints({1, 0}), Ints({2, 1})}),
         L({S("add"), I(2), I(3)})});
  absl::StatusOr<v1::Value> got = Call("array.eval", {program, a, b}, {{"shape", Ints({2, 2})}});
  EXPECT_THAT(Values<double>(got),
              ElementsAre(5 * 2 + 200, 6 * 2 + 200, 9 * 2 + 300, 10 * 2 + 300));
  // A 1-D leaf against a 2-D block (rank broadcasting), a comparison and where.
  const v1::Value row = *MakeArray<int32_t>({3}, std::vector<int32_t>{1, -2, 3});
  const v1::Value where =
      L({L({S("input"), I(0)}), L({S("const"), I(0), S("int32")}), L({S("gt"), I(0), I(1)}),
         L({S("neg"), I(0)}), L({S("where"), I(2), I(0), I(3)})});
  got = Call("array.eval", {where, row}, {{"shape", Ints({2, 3})}});
  EXPECT_THAT(Values<int32_t>(got), ElementsAre(1, 2, 3, 1, 2, 3));
  // Casts, and a block of more elements than one piece.
  const v1::Value big = L({L({S("arange"), I(0), I(1), S("int64"), I(0), I(3000)}),
                           L({S("cast"), I(0), S("float32")}), L({S("sqrt"), I(1)})});
  got = Call("array.eval", {big}, {{"shape", Ints({3000})}});
  std::vector<float> want(3000);
  for (int i = 0; i < 3000; ++i) want[i] = std::sqrt(static_cast<float>(i));
  EXPECT_THAT(Values<float>(got), ElementsAreArray(want));
}

// Word p of stream s: the 64-bit half p % 2 of Philox4x32-10 of counter (p / 2, s), key seed.
uint64_t PhiloxWord(uint64_t seed, uint32_t stream, uint64_t p) {
  r123::Philox4x32 rng;
  const auto r =
      rng({{static_cast<uint32_t>(p / 2), static_cast<uint32_t>(p / 2 >> 32), stream, 0}},
          {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}});
  return p % 2 == 0 ? r.v[0] | (uint64_t{r.v[1]} << 32) : r.v[2] | (uint64_t{r.v[3]} << 32);
}

TEST_F(ArrayKernels, RandomLeavesAreRandom123PhiloxOfTheElementsPosition) {
  // Region rows 1..2, cols 2..4 of a 4x5 array, seed 9, uniform in [2, 6).
  const v1::Value program =
      L({L({S("uniform"), I(9), F(2), F(6), Ints({4, 5}), Ints({1, 2}), Ints({2, 3})})});
  absl::StatusOr<v1::Value> got = Call("array.eval", {program}, {{"shape", Ints({2, 3})}});
  std::vector<double> want;
  for (uint64_t r = 1; r < 3; ++r) {
    for (uint64_t c = 2; c < 5; ++c) {
      const uint64_t p = r * 5 + c;
      want.push_back(2 + 4 * (static_cast<double>(PhiloxWord(9, 1, p) >> 11) / 9007199254740992.0));
    }
  }
  EXPECT_THAT(Values<double>(got), ElementsAreArray(want));
  // Integers: the high word of word * range, plus low.
  const v1::Value ints =
      L({L({S("integers"), I(9), I(-3), I(4), S("int8"), Ints({6}), Ints({0}), Ints({6})})});
  got = Call("array.eval", {ints}, {{"shape", Ints({6})}});
  std::vector<int8_t> want_ints;
  for (uint64_t p = 0; p < 6; ++p) {
    want_ints.push_back(static_cast<int8_t>(
        -3 +
        static_cast<int64_t>((static_cast<unsigned __int128>(PhiloxWord(9, 3, p)) * 7) >> 64)));
  }
  EXPECT_THAT(Values<int8_t>(got), ElementsAreArray(want_ints));
  // Normals, from an odd position: Box-Muller of the words of positions 2k and 2k + 1 (cosine at
  // 2k, sine at 2k + 1), times stddev 2 plus mean 1.
  const v1::Value normals =
      L({L({S("normal"), I(4), F(1), F(2), Ints({20}), Ints({3}), Ints({7})})});
  got = Call("array.eval", {normals}, {{"shape", Ints({7})}});
  std::vector<double> want_normals;
  for (uint64_t p = 3; p < 10; ++p) {
    const uint64_t k = p & ~uint64_t{1};
    const double u1 = static_cast<double>((PhiloxWord(4, 2, k) >> 11) + 1) / 9007199254740992.0;
    const double u2 = static_cast<double>(PhiloxWord(4, 2, k + 1) >> 11) / 9007199254740992.0;
    const double z = std::sqrt(-2 * std::log(u1)) *
                     (p % 2 == 0 ? std::cos(2 * M_PI * u2) : std::sin(2 * M_PI * u2));
    want_normals.push_back(1 + 2 * z);
  }
  EXPECT_THAT(Values<double>(got), ElementsAreArray(want_normals));
}

TEST_F(ArrayKernels, BadProgramsNameTheOpAndTheInstruction) {
  const v1::Value x = *MakeArray<double>({2}, std::vector<double>{1, 2});
  const v1::Value i = *MakeArray<int64_t>({2}, std::vector<int64_t>{1, 2});
  auto error = [&](const v1::Value& program, std::vector<v1::Value> blocks = {}) {
    blocks.insert(blocks.begin(), program);
    absl::StatusOr<v1::Value> got = Call("array.eval", blocks, {{"shape", Ints({2})}});
    EXPECT_FALSE(got.ok());
    return std::string(got.status().message());
  };
  EXPECT_THAT(error(L({})), HasSubstr("array.eval: the program must be a non-empty list"));
  EXPECT_THAT(error(L({L({S("frobnicate")})})),
              HasSubstr("program instruction 0: unknown instruction \"frobnicate\""));
  EXPECT_THAT(error(L({L({S("input"), I(0)}), L({S("add"), I(0), I(1)})}), {x}),
              HasSubstr("instruction 1: argument 2 must name an earlier instruction"));
  const v1::Value mixed_add =
      L({L({S("input"), I(0)}), L({S("input"), I(1)}), L({S("add"), I(0), I(1)})});
  EXPECT_THAT(error(mixed_add, {x, i}), HasSubstr("instruction 2: add of float64 and int64"));
  EXPECT_THAT(error(L({L({S("input"), I(2)})}), {x}),
              HasSubstr("input names block argument 2 of 1"));
  EXPECT_THAT(error(L({L({S("input"), I(0)}), L({S("exp"), I(0)})}), {i}),
              HasSubstr("instruction 1: exp needs a float operand, got int64"));
  EXPECT_THAT(error(L({L({S("input"), I(0)}), L({S("div"), I(0), I(0)})}), {i}),
              HasSubstr("div needs float operands"));
  EXPECT_THAT(error(L({L({S("const"), S("x"), S("float64")})})),
              HasSubstr("const takes a number and a dtype"));
  const v1::Value three = *MakeArray<double>({3}, std::vector<double>{1, 2, 3});
  EXPECT_THAT(error(L({L({S("input"), I(0)})}), {three}),
              HasSubstr("a leaf of 3 elements along axis 0 does not broadcast to the block's 2"));
  EXPECT_THAT(error(L({L({S("input"), I(0), Ints({1}), Ints({2})})}), {x}),
              HasSubstr("the region passes its source's end"));
  // Errors met while evaluating.
  const v1::Value neg = *MakeArray<int64_t>({2}, std::vector<int64_t>{2, -1});
  EXPECT_THAT(error(L({L({S("input"), I(0)}), L({S("pow"), I(0), I(0)})}), {neg}),
              HasSubstr("integers to negative integer powers are not allowed"));
  // A missing shape.
  absl::StatusOr<v1::Value> got = Call("array.eval", {L({L({S("const"), I(1), S("int8")})})}, {});
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("\"shape\""));
}

TEST_F(ArrayKernels, PartialsCombineToTheWholeResult) {
  // var with ddof 1 of 0..9 cut into blocks of 3 and 7, combined: two-pass variance 9.1666...
  std::vector<double> all(10);
  for (int i = 0; i < 10; ++i) all[i] = i * i * 0.5;
  double mean = 0, m2 = 0;
  for (double v : all) mean += v / 10;
  for (double v : all) m2 += (v - mean) * (v - mean);
  const v1::Value a = *MakeArray<double>({3}, absl::Span<const double>(all.data(), 3));
  const v1::Value b = *MakeArray<double>({7}, absl::Span<const double>(all.data() + 3, 7));
  const v1::Value in = L({L({S("input"), I(0)})});
  std::map<std::string, v1::Value> kw = {{"kind", S("var")}, {"ddof", I(1)}, {"axes", Ints({0})}};
  kw["shape"] = Ints({3});
  absl::StatusOr<v1::Value> pa = Call("array.reduce", {in, a}, kw);
  kw["shape"] = Ints({7});
  absl::StatusOr<v1::Value> pb = Call("array.reduce", {in, b}, kw);
  ASSERT_TRUE(pa.ok()) << pa.status();
  ASSERT_TRUE(pb.ok()) << pb.status();
  absl::StatusOr<v1::Value> var = Call("array.reduce_combine", {*pa, *pb},
                                       {{"kind", S("var")},
                                        {"ddof", I(1)},
                                        {"final", Bool(true)},
                                        {"out_shape", Ints({})},
                                        {"dtype", S("float64")}});
  ASSERT_THAT(Values<double>(var), ElementsAre(::testing::DoubleNear(m2 / 9, 1e-12)));
  // argmax with the maximum in both blocks: the first position wins whatever the order.
  const v1::Value x = *MakeArray<int16_t>({2}, std::vector<int16_t>{5, 9});
  const v1::Value y = *MakeArray<int16_t>({2}, std::vector<int16_t>{9, 1});
  std::map<std::string, v1::Value> akw = {{"kind", S("argmax")},
                                          {"axes", Ints({0})},
                                          {"shape", Ints({2})},
                                          {"flat", Bool(true)},
                                          {"array_shape", Ints({4})}};
  akw["offset"] = Ints({0});
  absl::StatusOr<v1::Value> px = Call("array.reduce", {in, x}, akw);
  akw["offset"] = Ints({2});
  absl::StatusOr<v1::Value> py = Call("array.reduce", {in, y}, akw);
  ASSERT_TRUE(px.ok() && py.ok());
  const std::map<std::string, v1::Value> fin = {
      {"kind", S("argmax")}, {"final", Bool(true)}, {"out_shape", Ints({})}, {"dtype", S("int64")}};
  EXPECT_THAT(Values<int64_t>(Call("array.reduce_combine", {*py, *px}, fin)), ElementsAre(1));
  EXPECT_THAT(Values<int64_t>(Call("array.reduce_combine", {*px, *py}, fin)), ElementsAre(1));
  // Partials of another reduction are refused, naming the argument.
  absl::StatusOr<v1::Value> mixed = Call("array.reduce_combine", {*px, *pa}, fin);
  EXPECT_THAT(std::string(mixed.status().message()), HasSubstr("argument 1"));
  // A min over nothing fails, as NumPy's does.
  const v1::Value empty = *MakeArray<double>({0}, std::vector<double>{});
  absl::StatusOr<v1::Value> min = Call("array.reduce", {in, empty},
                                       {{"kind", S("min")},
                                        {"axes", Ints({0})},
                                        {"shape", Ints({0})},
                                        {"final", Bool(true)},
                                        {"out_shape", Ints({})},
                                        {"dtype", S("float64")}});
  EXPECT_THAT(std::string(min.status().message()),
              HasSubstr("array.reduce: zero-size array to reduction operation min which has no "
                        "identity"));
  absl::StatusOr<v1::Value> unknown = Call("array.reduce_combine", {*px}, {{"kind", S("median")}});
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("unknown reduction \"median\""));
}

TEST(ForEachRun, CoversTheRangeInRunsAlongTheLastAxis) {
  std::vector<std::vector<uint64_t>> runs;
  ForEachRun(std::vector<uint64_t>{3, 4}, 2, 7,
             [&](absl::Span<const uint64_t> index, uint64_t at, uint64_t len) {
               runs.push_back({index[0], index[1], at, len});
             });
  EXPECT_THAT(
      runs, ElementsAre(ElementsAre(0, 2, 2, 2), ElementsAre(1, 0, 4, 4), ElementsAre(2, 0, 8, 1)));
  runs.clear();
  ForEachRun(std::vector<uint64_t>{}, 0, 1,
             [&](absl::Span<const uint64_t>, uint64_t at, uint64_t len) {
               runs.push_back({at, len});
             });
  EXPECT_THAT(runs, ElementsAre(ElementsAre(0, 1)));
}

}  // namespace
}  // namespace brisk
