// The model-fitting kernels (worker/array/ml_kernels.h) against direct computations: k-means
// statistics, normal equations, logistic gradients and Hessians, column statistics and their
// combination, the solves, splits and folds.
#include "worker/array/ml_kernels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace brisk::ml_kernels {
namespace {

std::vector<double> RandomMatrix(uint64_t rows, uint64_t cols, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> out(rows * cols);
  for (double& v : out) v = normal(rng);
  return out;
}

TEST(MlKernels, KMeansPartialMatchesBruteForceAcrossSlabs) {
  // More rows than one slab (4096), so the slabbing is exercised; a stride wider than the row.
  const uint64_t n = 5000, d = 3, stride = 4, k = 4;
  const std::vector<double> x = RandomMatrix(n, stride, 1);
  const std::vector<double> c = RandomMatrix(k, d, 2);
  const std::vector<double> got = KMeansPartial(Rows{x.data(), n, d, stride}, c, k);
  std::vector<double> sums(k * d, 0), counts(k, 0);
  double inertia = 0;
  std::vector<int64_t> labels(n);
  for (uint64_t i = 0; i < n; ++i) {
    double best = INFINITY;
    uint64_t arg = 0;
    for (uint64_t j = 0; j < k; ++j) {
      double d2 = 0;
      for (uint64_t f = 0; f < d; ++f) {
        d2 += (x[i * stride + f] - c[j * d + f]) * (x[i * stride + f] - c[j * d + f]);
      }
      if (d2 < best) {
        best = d2;
        arg = j;
      }
    }
    labels[i] = static_cast<int64_t>(arg);
    inertia += best;
    counts[arg] += 1;
    for (uint64_t f = 0; f < d; ++f) sums[arg * d + f] += x[i * stride + f];
  }
  ASSERT_EQ(got.size(), k * d + k + 1);
  for (uint64_t i = 0; i < k * d; ++i) EXPECT_NEAR(got[i], sums[i], 1e-9) << i;
  for (uint64_t j = 0; j < k; ++j) EXPECT_EQ(got[k * d + j], counts[j]) << j;
  EXPECT_NEAR(got.back(), inertia, 1e-9 * inertia);
  EXPECT_EQ(KMeansLabels(Rows{x.data(), n, d, stride}, c, k), labels);
}

TEST(MlKernels, KMeansPartialOfNoRowsIsZeros) {
  const std::vector<double> c = {1, 2};
  EXPECT_THAT(KMeansPartial(Rows{nullptr, 0, 1, 1}, c, 2), ::testing::Each(0.0));
}

TEST(MlKernels, NormalEquationsMatchDirectSumsWithAndWithoutIntercept) {
  const uint64_t n = 50, f = 3, stride = 5;  // the target in column 4, a column skipped
  const std::vector<double> xy = RandomMatrix(n, stride, 3);
  for (bool intercept : {false, true}) {
    const uint64_t p = f + (intercept ? 1 : 0);
    const std::vector<double> got =
        NormalEquations(Rows{xy.data(), n, f, stride}, xy.data() + 4, stride, intercept);
    ASSERT_EQ(got.size(), p * p + p + 2);
    auto feature = [&](uint64_t i, uint64_t j) { return j < f ? xy[i * stride + j] : 1.0; };
    for (uint64_t a = 0; a < p; ++a) {
      double xty = 0;
      for (uint64_t i = 0; i < n; ++i) xty += feature(i, a) * xy[i * stride + 4];
      EXPECT_NEAR(got[p * p + a], xty, 1e-9);
      for (uint64_t b = 0; b < p; ++b) {
        double s = 0;
        for (uint64_t i = 0; i < n; ++i) s += feature(i, a) * feature(i, b);
        EXPECT_NEAR(got[a * p + b], s, 1e-9) << a << "," << b;
      }
    }
    double yty = 0;
    for (uint64_t i = 0; i < n; ++i) yty += xy[i * stride + 4] * xy[i * stride + 4];
    EXPECT_EQ(got[p * p + p], n);
    EXPECT_NEAR(got[p * p + p + 1], yty, 1e-9);
  }
}

TEST(MlKernels, GramAccumulatedBySlabsEqualsTheNormalEquations) {
  // y in column 1 of 4; the features are columns 0, 2 and 3.
  const uint64_t n = 70, c = 4;
  const std::vector<double> xy = RandomMatrix(n, c, 9);
  std::vector<double> x;
  for (uint64_t i = 0; i < n; ++i) {
    for (uint64_t j : {0, 2, 3}) x.push_back(xy[i * c + j]);
  }
  for (bool intercept : {false, true}) {
    GramAccumulator gram(c);
    gram.Add(Rows{xy.data(), 0, c, c});
    gram.Add(Rows{xy.data(), 33, c, c});
    gram.Add(Rows{xy.data() + 33 * c, 1, c, c});
    gram.Add(Rows{xy.data() + 34 * c, n - 34, c, c});
    const std::vector<double> got = gram.NormalEquations(1, intercept);
    const std::vector<double> want =
        NormalEquations(Rows{x.data(), n, 3, 3}, xy.data() + 1, c, intercept);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-9) << i;
  }
}

TEST(MlKernels, SolveRecoversWeightsAndFallsBackWhenSingular) {
  // X^T X of a full-rank X: the exact solution.
  const std::vector<double> xtx = {4, 1, 1, 3}, w = {1, -2};
  const std::vector<double> xty = {4 * 1 + 1 * -2, 1 * 1 + 3 * -2};
  LinearSolution s = SolveNormalEquations(xtx, xty, 2);
  EXPECT_FALSE(s.singular);
  EXPECT_NEAR(s.w[0], 1, 1e-12);
  EXPECT_NEAR(s.w[1], -2, 1e-12);
  // Two equal columns: X^T X singular; the minimum-norm solution splits the weight evenly.
  const std::vector<double> sing = {2, 2, 2, 2}, b = {4, 4};
  s = SolveNormalEquations(sing, b, 2);
  EXPECT_TRUE(s.singular);
  EXPECT_NEAR(s.w[0], 1, 1e-9);
  EXPECT_NEAR(s.w[1], 1, 1e-9);
}

TEST(MlKernels, LogisticGradientAndHessianMatchFiniteDifferences) {
  const uint64_t n = 40, f = 2;
  const std::vector<double> x = RandomMatrix(n, f, 4);
  std::vector<double> y(n);
  for (uint64_t i = 0; i < n; ++i) y[i] = x[i * f] + 0.3 * x[i * f + 1] > 0 ? 1 : 0;
  const std::vector<double> w = {0.5, -0.25, 0.1};
  const Rows rows{x.data(), n, f, f};
  const std::vector<double> gh = LogisticGradHess(rows, y.data(), 1, w, true);
  ASSERT_EQ(gh.size(), 3u + 9u + 1u);
  auto loss = [&](const std::vector<double>& v) {
    double l = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const double z = v[0] * x[i * f] + v[1] * x[i * f + 1] + v[2];
      const double p = 1 / (1 + std::exp(-z));
      l -= y[i] * std::log(p) + (1 - y[i]) * std::log(1 - p);
    }
    return l;
  };
  EXPECT_NEAR(gh.back(), loss(w), 1e-9);
  const double h = 1e-5;
  for (int a = 0; a < 3; ++a) {
    std::vector<double> up = w, down = w;
    up[a] += h;
    down[a] -= h;
    EXPECT_NEAR(gh[a], (loss(up) - loss(down)) / (2 * h), 1e-5) << a;
    const std::vector<double> gu = LogisticGradHess(rows, y.data(), 1, up, true);
    const std::vector<double> gd = LogisticGradHess(rows, y.data(), 1, down, true);
    for (int b = 0; b < 3; ++b) {
      EXPECT_NEAR(gh[3 + b * 3 + a], (gu[b] - gd[b]) / (2 * h), 1e-5) << a << "," << b;
    }
  }
}

TEST(MlKernels, CombinedColumnStatsEqualTheWholeColumns) {
  const uint64_t n = 30, f = 2;
  const std::vector<double> x = RandomMatrix(n, f, 5);
  const std::vector<double> whole = ColumnStats(Rows{x.data(), n, f, f});
  std::vector<double> combined = ColumnStats(Rows{x.data(), 0, f, f});  // an empty block first
  combined = CombineColumnStats(combined, ColumnStats(Rows{x.data(), 7, f, f}));
  combined = CombineColumnStats(combined, ColumnStats(Rows{x.data() + 7 * f, 1, f, f}));
  combined = CombineColumnStats(combined, ColumnStats(Rows{x.data() + 8 * f, 22, f, f}));
  ASSERT_EQ(combined.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(combined[i], whole[i], 1e-12) << i;
  for (uint64_t j = 0; j < f; ++j) {
    double mean = 0, lo = INFINITY, hi = -INFINITY;
    for (uint64_t i = 0; i < n; ++i) {
      mean += x[i * f + j] / n;
      lo = std::min(lo, x[i * f + j]);
      hi = std::max(hi, x[i * f + j]);
    }
    double m2 = 0;
    for (uint64_t i = 0; i < n; ++i) m2 += (x[i * f + j] - mean) * (x[i * f + j] - mean);
    EXPECT_NEAR(whole[1 + j], mean, 1e-12);
    EXPECT_NEAR(whole[1 + f + j], m2, 1e-10);
    EXPECT_EQ(whole[1 + 2 * f + j], lo);
    EXPECT_EQ(whole[1 + 3 * f + j], hi);
  }
}

TEST(MlKernels, SplitTakesCeilOfTestSizeRowsReproducibly) {
  EXPECT_EQ(SplitTestRows(10, 0.25), 3u);
  EXPECT_EQ(SplitTestRows(0, 0.25), 0u);
  EXPECT_EQ(SplitTestRows(1, 0.0), 0u);
  EXPECT_EQ(SplitTestRows(7, 1.0), 7u);
  const std::vector<bool> a = SplitTestMask(100, 0.3, 7, 2);
  EXPECT_EQ(std::count(a.begin(), a.end(), true), 30);
  EXPECT_EQ(SplitTestMask(100, 0.3, 7, 2), a);
  EXPECT_NE(SplitTestMask(100, 0.3, 7, 3), a);  // another block draws other rows
  EXPECT_NE(SplitTestMask(100, 0.3, 8, 2), a);  // and another seed
}

TEST(MlKernels, FoldsAreScikitLearnsKFold) {
  // KFold(3) over 10 rows: sizes 4, 3, 3 (the first n % k folds one larger), consecutive.
  uint64_t b = 0, e = 0;
  FoldRange(10, 3, 0, &b, &e);
  EXPECT_EQ(b, 0u);
  EXPECT_EQ(e, 4u);
  FoldRange(10, 3, 1, &b, &e);
  EXPECT_EQ(b, 4u);
  EXPECT_EQ(e, 7u);
  FoldRange(10, 3, 2, &b, &e);
  EXPECT_EQ(b, 7u);
  EXPECT_EQ(e, 10u);
}

TEST(MlKernels, LocalLogisticFitSeparatesSeparableishData) {
  const uint64_t n = 200, f = 2;
  const std::vector<double> x = RandomMatrix(n, f, 6);
  std::vector<double> y(n);
  for (uint64_t i = 0; i < n; ++i) y[i] = 2 * x[i * f] - x[i * f + 1] + 0.5 > 0 ? 1 : 0;
  int iterations = 0;
  const Rows rows{x.data(), n, f, f};
  const std::vector<double> w =
      FitLogisticLocal(rows, y.data(), 1, 10.0, true, 50, 1e-8, &iterations);
  EXPECT_LT(iterations, 50);
  const std::vector<double> p = LogisticProba(rows, w, true);
  int right = 0;
  for (uint64_t i = 0; i < n; ++i) right += (p[i] > 0.5) == (y[i] > 0.5);
  EXPECT_GE(right, 190);
  // The weights point the way of the planted direction (2, -1).
  EXPECT_GT(w[0], 0);
  EXPECT_LT(w[1], 0);
  EXPECT_NEAR(w[0] / w[1], -2.0, 0.6);
}

TEST(MlKernels, WeightedKMeansFindsWeightedCentres) {
  // Two tight groups; the weights make a far point irrelevant.
  const std::vector<double> x = {0, 0, 0.1, 0, 10, 10, 10.1, 10, 100, 100};
  const std::vector<double> w = {1, 1, 1, 1, 1e-9};
  std::vector<double> c = WeightedKMeansLocal(Rows{x.data(), 5, 2, 2}, w, 2, 3, 10);
  if (c[0] > c[2]) {
    std::swap(c[0], c[2]);
    std::swap(c[1], c[3]);
  }
  EXPECT_NEAR(c[0], 0.05, 1e-6);
  EXPECT_NEAR(c[2], 10.05 + (100 - 10.05) * 1e-9 / 2, 1e-6);
}

}  // namespace
}  // namespace brisk::ml_kernels
