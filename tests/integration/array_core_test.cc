// brisk::Array's creation, element-wise operations and reductions on an embedded cluster of two
// workers, against NumPy's results on the same inputs (tests/support/numpy_check.h): odd
// chunkings (chunks of 1, uneven last chunks, differently chunked operands), empty and 0-d arrays,
// broadcasting, every dtype, NaNs; plus fusion (tasks per block) and the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "common/graph_json.h"
#include "tests/support/numpy_check.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

const std::vector<DType> kAllDTypes = {v1::DTYPE_BOOL,    v1::DTYPE_INT8,   v1::DTYPE_INT16,
                                       v1::DTYPE_INT32,   v1::DTYPE_INT64,  v1::DTYPE_UINT8,
                                       v1::DTYPE_UINT16,  v1::DTYPE_UINT32, v1::DTYPE_UINT64,
                                       v1::DTYPE_FLOAT32, v1::DTYPE_FLOAT64};

class ArrayCore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Client::StartLocal({.workers = 2, .threads_per_worker = 1, .plugins = {}});
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = c->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
  }
  static absl::StatusOr<v1::Value> Get(const Array& a) { return a.Compute(*client_); }
  // Computes `a` and makes it the NumPy input `name`.
  static void Input(NumpyCheck& np, const std::string& name, const Array& a) {
    absl::StatusOr<v1::Value> v = Get(a);
    ASSERT_TRUE(v.ok()) << name << ": " << v.status();
    np.Input(name, *v);
  }
  // A 4x3 array of `dtype` in 3x2 chunks, values 0..99 (bools: above 50).
  static Array Typed(DType dtype, uint64_t seed) {
    Array i = Array::RandomIntegers(seed, {4, 3}, {3, 2}, 0, 100);
    return dtype == v1::DTYPE_BOOL ? (i > 50) : i.Cast(dtype);
  }
  static Client* client_;
};
Client* ArrayCore::client_ = nullptr;

TEST_F(ArrayCore, CreationMatchesNumpy) {
  NumpyCheck np;
  np.Expect("np.zeros((5, 3))", Get(Array::Zeros({5, 3}, {2, 2})));
  np.Expect("np.ones((4,), np.int32)", Get(Array::Ones({4}, {3}, v1::DTYPE_INT32)));
  np.Expect("np.full((3, 0), 2.5)", Get(Array::Full({3, 0}, {2, 1}, 2.5)));
  np.Expect("np.full((), 7, np.uint8)", Get(Array::Full({}, {}, 7, v1::DTYPE_UINT8)));
  np.Expect("np.full((2, 3), -1.5, np.float32)",
            Get(Array::Full({2, 3}, {1, 1}, -1.5, v1::DTYPE_FLOAT32)));
  np.Expect("np.full((3,), 1, bool)", Get(Array::Full({3}, {2}, 1, v1::DTYPE_BOOL)));
  np.Expect("np.arange(0, 10, 1.0)", Get(Array::Arange(0, 10, 1, 3)));
  np.Expect("np.arange(1.5, -3, -0.5)", Get(Array::Arange(1.5, -3, -0.5, 4)));
  np.Expect("np.arange(5, 5, 1.0)", Get(Array::Arange(5, 5, 1, 2)));
  np.Expect("np.arange(-7, 20, 3, np.int64)", Get(Array::Arange(-7, 20, 3, 1, v1::DTYPE_INT64)));
  np.Expect("np.arange(0, 1, 0.1)", Get(Array::Arange(0, 1, 0.1, 4)));
  np.Expect("np.linspace(0, 1, 11)", Get(Array::Linspace(0, 1, 11, 4)));
  np.Expect("np.linspace(-2, 3, 7, endpoint=False)", Get(Array::Linspace(-2, 3, 7, 3, false)));
  np.Expect("np.linspace(2, 3, 1)", Get(Array::Linspace(2, 3, 1, 1)));
  np.Expect("np.linspace(2, 3, 0)", Get(Array::Linspace(2, 3, 0, 1)));
  np.Check();
}

TEST_F(ArrayCore, RandomArraysDoNotDependOnTheChunking) {
  const std::vector<std::pair<Array, Array>> pairs = {
      {Array::RandomUniform(7, {9, 7}, {2, 3}, -1, 3),
       Array::RandomUniform(7, {9, 7}, {4, 7}, -1, 3)},
      {Array::RandomNormal(7, {9, 7}, {1, 1}), Array::RandomNormal(7, {9, 7}, {9, 2})},
      {Array::RandomIntegers(7, {9, 7}, {5, 5}, -3, 1000, v1::DTYPE_INT16),
       Array::RandomIntegers(7, {9, 7}, {3, 1}, -3, 1000, v1::DTYPE_INT16)}};
  for (const auto& [a, b] : pairs) {
    absl::StatusOr<v1::Value> x = Get(a), y = Get(b);
    ASSERT_TRUE(x.ok()) << x.status();
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_EQ(x->ndarray().data(), y->ndarray().data());
    EXPECT_EQ(x->ndarray().dtype(), y->ndarray().dtype());
  }
  // Another seed gives other values.
  absl::StatusOr<v1::Value> s1 = Get(Array::RandomUniform(1, {50}, {7}));
  absl::StatusOr<v1::Value> s2 = Get(Array::RandomUniform(2, {50}, {7}));
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_NE(s1->ndarray().data(), s2->ndarray().data());
}

TEST_F(ArrayCore, RandomArraysHaveTheirDistributions) {
  NumpyCheck np;
  Input(np, "u", Array::RandomUniform(3, {200, 500}, {64, 128}, 2, 5));
  Input(np, "n", Array::RandomNormal(3, {200, 500}, {64, 128}, 1, 2));
  Input(np, "i", Array::RandomIntegers(3, {200, 500}, {64, 128}, -5, 5, v1::DTYPE_INT8));
  const Array t(true);
  // 100000 draws: the sample statistics are within a few standard errors (deterministic seeds).
  np.Expect(
      "bool(u.min() >= 2 and u.max() < 5 and abs(u.mean() - 3.5) < 0.02 and "
      "abs(u.var() - 0.75) < 0.01)",
      Get(t));
  np.Expect(
      "bool(abs(n.mean() - 1) < 0.03 and abs(n.std() - 2) < 0.03 and "
      "abs(((n - 1) / 2 > 1.96).mean() - 0.025) < 0.003)",
      Get(t));
  np.Expect(
      "bool(i.dtype == np.int8 and i.min() == -5 and i.max() == 4 and "
      "np.all(np.abs(np.bincount(i.ravel() + 5) / i.size - 0.1) < 0.005))",
      Get(t));
  np.Check();
}

TEST_F(ArrayCore, ElementwiseMatchesNumpy) {
  NumpyCheck np;
  const Array x = Array::RandomUniform(1, {7, 5}, {3, 2});
  const Array y = Array::RandomUniform(2, {5}, {4});        // a rank less
  const Array z = Array::RandomUniform(3, {7, 1}, {2, 1});  // a size-1 axis
  const Array w = Array::RandomNormal(4, {7, 5}, {7, 5});   // other chunks
  const Array q = Array::RandomUniform(5, {1, 5}, {1, 3});
  Input(np, "x", x);
  Input(np, "y", y);
  Input(np, "z", z);
  Input(np, "w", w);
  Input(np, "q", q);
  np.Expect("x + y", Get(x + y));
  np.Expect("x - z", Get(x - z));
  np.Expect("x * w", Get(x * w));
  np.Expect("z + q", Get(z + q));
  np.Expect("x / 3", Get(x / 3));
  np.Expect("2 - x", Get(2 - x));
  np.Expect("0.5 / x", Get(0.5 / x));
  np.Expect("x ** 2.0", Get(x ^ 2.0));
  np.Expect("x ** 3", Get(x ^ 3));
  np.Expect("x ** 0.5", Get(x ^ 0.5));
  np.Expect("np.power(x, w)", Get(Pow(x, w)));
  np.Expect("x < y", Get(x < y));
  np.Expect("x <= 0.5", Get(x <= 0.5));
  np.Expect("x > z", Get(x > z));
  np.Expect("x >= w", Get(x >= w));
  np.Expect("x == x", Get(x == x));
  np.Expect("x != w", Get(x != w));
  np.Expect("(x > 0.5) & (w < 0.5)", Get((x > 0.5) & (w < 0.5)));
  np.Expect("(x > 0.5) | (z < 0.5)", Get((x > 0.5) | (z < 0.5)));
  np.Expect("-x", Get(-x));
  np.Expect("~(x > 0.5)", Get(!(x > 0.5)));
  np.Expect("np.where(x > 0.5, x, -w)", Get(Where(x > 0.5, x, -w)));
  np.Expect("np.where(z > 0.5, 1, y)", Get(Where(z > 0.5, 1, y)));
  np.Expect("np.maximum(x, z)", Get(Maximum(x, z)));
  np.Expect("np.minimum(x, y)", Get(Minimum(x, y)));
  np.Expect("np.exp(w)", Get(Exp(w)));
  np.Expect("np.log(x)", Get(Log(x)));
  np.Expect("np.sqrt(x)", Get(Sqrt(x)));
  np.Expect("np.abs(w)", Get(Abs(w)));
  np.Expect("np.sin(w)", Get(Sin(w)));
  np.Expect("np.cos(w)", Get(Cos(w)));
  np.Expect("np.tanh(w)", Get(Tanh(w)));
  np.Expect("np.floor(w * 10)", Get(Floor(w * 10)));
  np.Expect("np.ceil(w * 10)", Get(Ceil(w * 10)));
  np.Expect("(w * 10).astype(np.int32)", Get((w * 10).Cast(v1::DTYPE_INT32)));
  np.Expect("x.astype(np.float32)", Get(x.Cast(v1::DTYPE_FLOAT32)));
  np.Expect("(w > 0).astype(np.uint8)", Get((w > 0).Cast(v1::DTYPE_UINT8)));
  // NaNs: log of negatives, propagated by max and min, found by isnan, unequal to themselves.
  const Array l = Log(w);
  np.Expect("np.log(w)", Get(l));
  np.Expect("np.isnan(np.log(w))", Get(IsNan(l)));
  np.Expect("np.maximum(np.log(w), x)", Get(Maximum(l, x)));
  np.Expect("np.minimum(x, np.log(w))", Get(Minimum(x, l)));
  np.Expect("np.log(w) == np.log(w)", Get(l == l));
  np.Expect("np.log(w) != np.log(w)", Get(l != l));
  // A longer chain over differently chunked operands, fused into one task per block.
  np.Expect("np.where((x * w + z) > 0, np.sqrt(np.abs(x - y)) * 2, np.exp(-w) / (1 + q))",
            Get(Where((x * w + z) > 0, Sqrt(Abs(x - y)) * 2, Exp(-w) / (1 + q))));
  // Chunks of one element, empty arrays and 0-d arrays.
  np.Expect("np.arange(10.0) * 2 + 1", Get(Array::Arange(0, 10, 1, 1) * 2 + 1));
  np.Expect("np.zeros((0, 3)) + np.ones(3)",
            Get(Array::Zeros({0, 3}, {1, 2}) + Array::Ones({3}, {2})));
  np.Expect("np.zeros((4, 0)) * 2 < 1", Get(Array::Zeros({4, 0}, {3, 1}) * 2 < 1));
  np.Expect("np.float64(2.0) * 3", Get(Array(2.0) * Array(3)));
  np.Expect("np.int64(7) // 1 - 10", Get(Array(7) - Array(10)));
  np.Expect("x + np.full((), 1.5)", Get(x + Array::Full({}, {}, 1.5)));
  np.Expect("np.full((), 1.5) - x", Get(Array::Full({}, {}, 1.5) - x));
  np.Expect("x.sum() * x", Get(x.Sum() * x));
  np.Expect("np.exp(np.float64(1.0))", Get(Exp(1.0)));
  np.Check();
}

TEST_F(ArrayCore, TypePromotionMatchesNumpy) {
  NumpyCheck np;
  for (DType a : kAllDTypes) Input(np, std::string(DTypeName(a)), Typed(a, 10));
  for (DType b : kAllDTypes) Input(np, absl::StrCat(DTypeName(b), "_b"), Typed(b, 11));
  for (DType a : kAllDTypes) {
    const std::string an(DTypeName(a));
    const Array x = Typed(a, 10);
    for (DType b : kAllDTypes) {
      const std::string bn = absl::StrCat(DTypeName(b), "_b");
      const Array y = Typed(b, 11);
      np.Expect(absl::StrCat(an, " + ", bn), Get(x + y));
      np.Expect(absl::StrCat(an, " < ", bn), Get(x < y));
      if (a != v1::DTYPE_BOOL || b != v1::DTYPE_BOOL) {
        np.Expect(absl::StrCat(an, " * ", bn), Get(x * y));
      }
      np.Expect(absl::StrCat("np.maximum(", an, ", ", bn, ")"), Get(Maximum(x, y)));
    }
    // Python scalars: NumPy 1.24's value-based casting.
    np.Expect(an + " + 1", Get(x + 1));
    np.Expect(an + " + 300", Get(x + 300));
    np.Expect(an + " - 70000", Get(x - 70000));
    np.Expect(an + " * -1", Get(x * -1));
    np.Expect(an + " + 1.5", Get(x + 1.5));
    np.Expect(an + " * 1e300", Get(x * 1e300));
    np.Expect(an + " + True", Get(x + true));
    np.Expect("2 * " + an, Get(2 * x));
    np.Expect(an + " / 3", Get(x / 3));
    np.Expect(an + " / " + an, Get(x / x));
    np.Expect(absl::StrCat("np.where(", an, " > 20, ", an, ", 0)"), Get(Where(x > 20, x, 0)));
    if (a != v1::DTYPE_BOOL) {
      np.Expect(an + " ** 2", Get(x ^ 2));
      np.Expect("np.abs(" + an + ")", Get(Abs(x)));
      np.Expect("-" + an, Get(-x));
    }
    // Math functions: float64, or float32 for bool and 8- and 16-bit integers (NumPy: float16).
    const bool small = a == v1::DTYPE_BOOL || ItemSize(a) <= 2;
    const std::string as_float =
        small && a != v1::DTYPE_FLOAT32 ? absl::StrCat(an, ".astype(np.float32)") : an;
    np.Expect(absl::StrCat("np.sqrt(", as_float, ")"), Get(Sqrt(x)), 1e-6);
    np.Expect(absl::StrCat("np.floor(", as_float, ")"), Get(Floor(x)));
    np.Expect(absl::StrCat("np.isnan(", an, ")"), Get(IsNan(x)));
    if (a != v1::DTYPE_FLOAT32 && a != v1::DTYPE_FLOAT64) {
      np.Expect(absl::StrCat(an, " & ", an, "_b"), Get(x & Typed(a, 11)));
      np.Expect(absl::StrCat(an, " | ", an, "_b"), Get(x | Typed(a, 11)));
    }
  }
  np.Expect("float32 + 1e300", Get(Typed(v1::DTYPE_FLOAT32, 10) + 1e300));
  np.Expect("uint8 * uint8_b", Get(Typed(v1::DTYPE_UINT8, 10) * Typed(v1::DTYPE_UINT8, 11)));
  np.Expect("bool + bool_b", Get(Typed(v1::DTYPE_BOOL, 10) + Typed(v1::DTYPE_BOOL, 11)));
  np.Check();
}

TEST_F(ArrayCore, ReductionsMatchNumpy) {
  NumpyCheck np;
  const Array x = Array::RandomNormal(21, {7, 5}, {3, 2});
  const Array v = Array::RandomIntegers(22, {4, 5, 6}, {3, 2, 4}, -50, 50, v1::DTYPE_INT32);
  Input(np, "x", x);
  Input(np, "v", v);
  const ReduceOptions keep{.keepdims = true, .split_every = 8, .ddof = 0};
  const ReduceOptions two{.keepdims = false, .split_every = 2, .ddof = 0};
  const ReduceOptions ddof{.keepdims = false, .split_every = 3, .ddof = 1};
  struct K {
    std::string name;
    Array (Array::*fn)(std::vector<int>, ReduceOptions) const;
  };
  const std::vector<K> kinds = {
      {"sum", &Array::Sum}, {"prod", &Array::Prod}, {"mean", &Array::Mean},
      {"min", &Array::Min}, {"max", &Array::Max},   {"var", &Array::Var},
      {"std", &Array::Std}, {"any", &Array::Any},   {"all", &Array::All}};
  for (const K& k : kinds) {
    for (const std::string& arr : {std::string("x"), std::string("v")}) {
      const Array& a = arr == "x" ? x : v;
      const Array b = arr == "x" ? x > 0 : v;  // any/all of bools and ints
      const Array& in = k.name == "any" || k.name == "all" ? b : a;
      const std::string in_np =
          (k.name == "any" || k.name == "all") && arr == "x" ? "(x > 0)" : arr;
      const std::string f = absl::StrCat("np.", k.name, "(", in_np);
      np.Expect(f + ")", Get((in.*k.fn)({}, {})));
      np.Expect(f + ", axis=0)", Get((in.*k.fn)({0}, {})));
      np.Expect(f + ", axis=-1)", Get((in.*k.fn)({-1}, two)));
      np.Expect(f + ", axis=(0, 1), keepdims=True)", Get((in.*k.fn)({0, 1}, keep)));
      np.Expect(f + ", axis=1, keepdims=True)", Get((in.*k.fn)({1}, keep)));
      if (arr == "v") np.Expect(f + ", axis=(0, 2))", Get((in.*k.fn)({0, 2}, two)));
      if (k.name == "var" || k.name == "std") {
        np.Expect(f + ", axis=0, ddof=1)", Get((in.*k.fn)({0}, ddof)));
        np.Expect(f + ", ddof=1)", Get((in.*k.fn)({}, ddof)));
      }
    }
  }
  for (const std::string& arr : {std::string("x"), std::string("v")}) {
    const Array& a = arr == "x" ? x : v;
    np.Expect("np.argmin(" + arr + ")", Get(a.Argmin()));
    np.Expect("np.argmax(" + arr + ")", Get(a.Argmax(std::nullopt, two)));
    np.Expect("np.argmin(" + arr + ", axis=0)", Get(a.Argmin(0)));
    np.Expect("np.argmax(" + arr + ", axis=1)", Get(a.Argmax(1, two)));
    np.Expect("np.argmax(" + arr + ", axis=-1, keepdims=True)", Get(a.Argmax(-1, keep)));
  }
  // Ties: the first position wins, across blocks too.
  const Array t = Array::RandomIntegers(23, {6, 7}, {2, 3}, 0, 3, v1::DTYPE_INT64);
  Input(np, "t", t);
  np.Expect("np.argmax(t)", Get(t.Argmax()));
  np.Expect("np.argmin(t, axis=0)", Get(t.Argmin(0, two)));
  np.Expect("np.argmax(t, axis=1)", Get(t.Argmax(1)));
  // Result dtypes of every input dtype.
  for (DType d : kAllDTypes) {
    const std::string n(DTypeName(d));
    Input(np, n, Typed(d, 30));
    const Array a = Typed(d, 30);
    const double tol = d == v1::DTYPE_FLOAT32 ? 1e-6 : 1e-12;
    np.Expect("np.sum(" + n + ", axis=0)", Get(a.Sum({0})), tol);
    np.Expect("np.sum(" + n + ")", Get(a.Sum()), tol);
    np.Expect("np.mean(" + n + ", axis=1)", Get(a.Mean({1})), tol);
    np.Expect("np.max(" + n + ", axis=0)", Get(a.Max({0})));
    np.Expect("np.min(" + n + ")", Get(a.Min()));
    np.Expect("np.argmax(" + n + ")", Get(a.Argmax()));
    np.Expect("np.var(" + n + ")", Get(a.Var()), tol * 10);
    np.Expect("np.any(" + n + ", axis=1)", Get(a.Any({1})));
  }
  // NaNs propagate through sum, mean, min and max; argmax finds the first.
  const Array nan = Where(x > 1, Array(std::nan("")), x);
  Input(np, "nan", nan);
  np.Expect("np.sum(nan)", Get(nan.Sum()));
  np.Expect("np.sum(nan, axis=0)", Get(nan.Sum({0})));
  np.Expect("np.mean(nan, axis=1)", Get(nan.Mean({1})));
  np.Expect("np.min(nan, axis=0)", Get(nan.Min({0})));
  np.Expect("np.max(nan)", Get(nan.Max()));
  np.Expect("np.argmax(nan)", Get(nan.Argmax()));
  np.Expect("np.argmin(nan, axis=0)", Get(nan.Argmin(0)));
  // Empty and 0-d arrays.
  const Array e = Array::Zeros({0, 4}, {1, 3});
  np.Expect("np.zeros((0, 4)).sum()", Get(e.Sum()));
  np.Expect("np.zeros((0, 4)).sum(axis=0)", Get(e.Sum({0})));
  np.Expect("np.zeros((0, 4)).sum(axis=1)", Get(e.Sum({1})));
  np.Expect("np.zeros((0, 4)).prod()", Get(e.Prod()));
  np.Expect("np.zeros((0, 4)).mean()", Get(e.Mean()));
  np.Expect("np.zeros((0, 4)).max(axis=1)", Get(e.Max({1})));
  np.Expect("np.zeros((0, 4)).any()", Get(e.Any()));
  np.Expect("np.zeros((0, 4)).all()", Get(e.All()));
  np.Expect("np.float64(3.5).sum()", Get(Array(3.5).Sum()));
  np.Expect("np.float64(3.5).max()", Get(Array::Full({}, {}, 3.5).Max()));
  np.Expect("np.argmax(np.float64(3.5))", Get(Array::Full({}, {}, 3.5).Argmax()));
  // A reduction over a fused expression over creation functions.
  np.Expect("((2 * x + 1) ** 2).sum()", Get(((2.0 * x + 1.0) ^ 2.0).Sum()));
  np.Expect("np.arange(100.0).reshape(1, 100).sum(axis=1)",
            Get((Array::Zeros({1, 1}, {1, 1}) + Array::Arange(0, 100, 1, 7)).Sum({1})));
  np.Check();
}

TEST_F(ArrayCore, StoredOperandsChunkedDifferentlyAreSplitAlongEveryBoundary) {
  // Persisted arrays are read block by block (not inlined): a block of the result reads the part
  // of each operand's block it covers.
  absl::StatusOr<Array> a = Array::RandomUniform(31, {7, 5}, {3, 2}).Persist(*client_);
  absl::StatusOr<Array> b = Array::RandomNormal(32, {7, 5}, {4, 3}).Persist(*client_);
  absl::StatusOr<Array> c = Array::RandomUniform(33, {7, 1}, {5, 1}).Persist(*client_);
  absl::StatusOr<Array> r = Array::RandomUniform(34, {5}, {1}).Persist(*client_);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && r.ok());
  NumpyCheck np;
  Input(np, "a", *a);
  Input(np, "b", *b);
  Input(np, "c", *c);
  Input(np, "r", *r);
  const Array sum = *a + *b;
  // Rows split at 3, 4, 6 (and 7); columns at 2, 3, 4 (and 5).
  EXPECT_EQ(sum.chunks(), (Chunks{{3, 1, 2, 1}, {2, 1, 1, 1}}));
  EXPECT_EQ(sum.ToGraph().tasks_size(), 16);
  np.Expect("a + b", Get(sum));
  np.Expect("a * b - c", Get(*a * *b - *c));
  np.Expect("np.where(c > 0.5, b, r)", Get(Where(*c > 0.5, *b, *r)));
  np.Expect("(a + b * r).sum(axis=0)", Get((*a + *b * *r).Sum({0})));
  np.Expect("np.argmax(b - c, axis=0)",
            Get((*b - *c).Argmax(0, {.keepdims = false, .split_every = 2, .ddof = 0})));
  np.Expect("(c + r).var(axis=1, ddof=1)",
            Get((*c + *r).Var({1}, {.keepdims = false, .split_every = 2, .ddof = 1})));
  np.Check();
}

// Counts the tasks of each op in a graph, and the refs among their arguments.
std::map<std::string, int> OpCounts(const v1::Graph& g, int* refs) {
  std::map<std::string, int> out;
  *refs = 0;
  for (const v1::Task& t : g.tasks()) {
    ++out[t.op()];
    for (const v1::Arg& a : t.args()) *refs += a.kind_case() == v1::Arg::kRef;
  }
  return out;
}

TEST_F(ArrayCore, ChainsOfElementwiseOperationsRunAsOneTaskPerBlock) {
  const Array x = Array::RandomUniform(1, {8, 8}, {2, 2});  // 16 blocks
  const Array y = Array::RandomUniform(2, {8, 8}, {4, 4});  // 4 blocks, boundaries line up
  int refs = 0;
  const Array chain = Exp(((2.0 * x + 1.0) ^ 2.0) - y) / (1.0 + Abs(y));
  EXPECT_THAT(OpCounts(chain.ToGraph(), &refs),
              ::testing::ElementsAre(::testing::Pair("array.eval", 16)));
  EXPECT_EQ(refs, 0);  // the random data is made inside the tasks
  // The reduction's first level evaluates the chain itself: 16 + 2 + 1 tasks with fan-in 8.
  const Array total = chain.Sum();
  std::map<std::string, int> counts = OpCounts(total.ToGraph(), &refs);
  EXPECT_EQ(counts["array.reduce"], 16);
  EXPECT_EQ(counts["array.reduce_combine"], 3);
  EXPECT_EQ(counts.size(), 2u);
  // A persisted input is read by reference, once per block, and not recomputed.
  absl::StatusOr<Array> held = x.Persist(*client_);
  ASSERT_TRUE(held.ok()) << held.status();
  const Array over = (*held * 2 + 1) * *held;
  counts = OpCounts(over.ToGraph(), &refs);
  EXPECT_EQ(counts["array.eval"], 16);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(refs, 16);
  absl::StatusOr<v1::Value> a = Get(over), b = Get((x * 2 + 1) * x);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ndarray().data(), b->ndarray().data());
  // The same expression built twice has the same name (and keys).
  EXPECT_EQ(((2.0 * x + 1.0) ^ 2.0).name(), ((2.0 * x + 1.0) ^ 2.0).name());
  EXPECT_NE((x + 1).name(), (x + 2).name());
  EXPECT_NE(Array::Full({3}, {3}, 1.0000001).name(), Array::Full({3}, {3}, 1.0000002).name());
  EXPECT_NE(Array::RandomUniform(1, {3}, {3}, 0, 0.1234567).name(),
            Array::RandomUniform(1, {3}, {3}, 0, 0.1234568).name());
  EXPECT_NE(Array::RandomUniform(1, {4}, {2}).name(), Array::RandomUniform(1, {4}, {4}).name());
}

TEST_F(ArrayCore, MistakesNameTheOperationAndTheArgument) {
  const Array x = Array::RandomUniform(1, {7, 5}, {3, 2});
  auto error = [](const Array& a) { return std::string(a.status().message()); };
  EXPECT_THAT(error(x + Array::Zeros({3}, {3})),
              HasSubstr("add: operands of shapes (7, 5) and (3) do not broadcast"));
  EXPECT_THAT(error(Where(x > 0, x, Array::Zeros({7, 2}, {7, 2}))), HasSubstr("where: operands"));
  EXPECT_THAT(error(x.Sum({2})),
              HasSubstr("sum: axis 2 is out of range for a 2-dimensional array"));
  EXPECT_THAT(error(x.Mean({-3})), HasSubstr("mean: axis -3 is out of range"));
  EXPECT_THAT(error(x.Max({0, -2})), HasSubstr("max: axis -2 is repeated"));
  EXPECT_THAT(error(x.Argmax(5)), HasSubstr("argmax: axis 5 is out of range"));
  EXPECT_THAT(error(x.Sum({}, {.keepdims = false, .split_every = 1, .ddof = 0})),
              HasSubstr("split_every must be at least 2"));
  EXPECT_THAT(error((x > 0) - (x > 1)), HasSubstr("sub: subtracting bool arrays"));
  EXPECT_THAT(error(-(x > 0)), HasSubstr("neg: negating a bool array"));
  EXPECT_THAT(error(x & x), HasSubstr("and: needs bool or integer operands"));
  EXPECT_THAT(error(Array::RandomIntegers(1, {3}, {3}, 5, 5)),
              HasSubstr("low (5) must be below high (5)"));
  EXPECT_THAT(error(Array::RandomIntegers(1, {3}, {3}, 0, 300, v1::DTYPE_UINT8)),
              HasSubstr("does not fit uint8"));
  EXPECT_THAT(error(Array::Arange(0, 1, 0, 1)), HasSubstr("step must not be 0"));
  EXPECT_THAT(error(Array::Arange(0, 1e300, 1, 1)), HasSubstr("more than an array can hold"));
  EXPECT_THAT(error(Array::Zeros({3, 3}, {1})), HasSubstr("zeros"));
  EXPECT_THAT(error(x.Cast(v1::DTYPE_STRING)), HasSubstr("cast: string is not a numeric dtype"));
  // An error carries through everything built on it, and Compute returns it.
  const Array bad = (x + Array::Zeros({3}, {3})) * 2;
  EXPECT_THAT(error(bad.Sum()), HasSubstr("add: operands"));
  absl::StatusOr<v1::Value> got = Get(bad.Sum());
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("add: operands"));
  // Reductions NumPy refuses over nothing, known from the shape.
  EXPECT_THAT(error(Array::Zeros({0, 3}, {1, 1}).Min()),
              HasSubstr("min: zero-size array to reduction operation min which has no identity"));
  EXPECT_THAT(error(Array::Zeros({2, 0}, {1, 1}).Argmax(1)),
              HasSubstr("argmax: attempt to get argmax of an empty sequence"));
  EXPECT_TRUE(Array::Zeros({2, 0}, {1, 1}).Max({0}).ok());  // a max of each of no columns
  // Errors met on the workers fail the computation with the op's message.
  got = Get(Array::RandomIntegers(1, {5}, {2}, -3, 3) ^ Array::RandomIntegers(2, {5}, {2}, -3, 3));
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("negative integer powers"));
}

TEST_F(ArrayCore, TheReadmesGraphFileRunsArrayPrograms) {
  absl::StatusOr<v1::Graph> graph =
      ReadGraphFile(std::string(BRISK_SOURCE_DIR) + "/examples/graphs/array_program.json");
  ASSERT_TRUE(graph.ok()) << graph.status();
  graph->add_outputs("total");
  graph->add_outputs("mean");
  absl::StatusOr<Job> job = client_->Submit(*graph);
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<std::vector<ValuePtr>> got = client_->Gather(job->outputs);
  ASSERT_TRUE(got.ok()) << got.status();
  // The same sum through brisk::Array (the same seed, shape and positions).
  const Array u = Array::RandomUniform(7, {4, 3}, {2, 3});
  absl::StatusOr<v1::Value> want = Get(((2.0 * u + 1.0) * (2.0 * u + 1.0)).Sum());
  ASSERT_TRUE(want.ok()) << want.status();
  EXPECT_DOUBLE_EQ(ArrayView::Of(*(*got)[0])->AsDouble(0), ArrayView::Of(*want)->AsDouble(0));
  EXPECT_EQ(ArrayView::Of(*(*got)[1])->AsDouble(0), 4.5);
  client_->Release(job->id).IgnoreError();
}

}  // namespace
}  // namespace brisk
