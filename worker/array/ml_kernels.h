// The numerical kernels of model fitting (client/include/brisk/ml.h) over one block of rows:
// k-means statistics, normal equations, logistic gradients and Hessians (OpenBLAS), and the small
// dense solves the client does between passes (Eigen). Plain functions over row-major float64
// buffers, no Brisk values; the ops in array_ml_ops.cc wrap them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace brisk::ml_kernels {

// A row-major matrix of `rows` x `cols` doubles whose rows are `stride` apart (stride >= cols).
struct Rows {
  const double* data = nullptr;
  uint64_t rows = 0;
  uint64_t cols = 0;
  uint64_t stride = 0;
};

// For k centres (k x d, row-major): per centre the sum of the points nearest it (k*d) and their
// count (k), then the inertia (the sum of squared distances to the nearest centre), in one vector
// of k*d + k + 1. Distances as |x|^2 - 2 x.c + |c|^2 with dgemm, by slabs of rows.
std::vector<double> KMeansPartial(const Rows& x, absl::Span<const double> centres, uint64_t k);
// The index of the nearest centre of each row.
std::vector<int64_t> KMeansLabels(const Rows& x, absl::Span<const double> centres, uint64_t k);
// The squared distance of each row to its nearest centre.
std::vector<double> KMeansMinDistances(const Rows& x, absl::Span<const double> centres, uint64_t k);

// Normal equations of least squares over features `x` and targets y (y[i * y_stride]), with a
// column of ones last when `intercept`: p = cols (+1), and the vector X^T X (p*p, row-major,
// full), X^T y (p), n, y^T y (dsyrk and dgemv).
std::vector<double> NormalEquations(const Rows& x, const double* y, uint64_t y_stride,
                                    bool intercept);

// The normal equations of rows whose column `target` is y and whose other columns are the
// features, accumulated slab by slab: the Gram matrix of all the columns (one dsyrk per slab,
// y included, so no second pass for X^T y) and their sums.
class GramAccumulator {
 public:
  explicit GramAccumulator(uint64_t cols);
  void Add(const Rows& rows);
  // The vector NormalEquations returns, for features = every column but `target`, in order.
  std::vector<double> NormalEquations(uint64_t target, bool intercept) const;

 private:
  uint64_t cols_;
  double n_ = 0;
  std::vector<double> gram_;  // cols x cols, upper triangle
  std::vector<double> sums_;
};

// Logistic loss of labels y (0 or 1) at weights w (p = cols (+1 for the intercept, last)):
// gradient (p), Hessian (p*p) and loss (the sum of -log likelihoods), in one vector.
std::vector<double> LogisticGradHess(const Rows& x, const double* y, uint64_t y_stride,
                                     absl::Span<const double> w, bool intercept);
// sigmoid(x.w (+ intercept)) per row.
std::vector<double> LogisticProba(const Rows& x, absl::Span<const double> w, bool intercept);

// Solves the normal equations (X^T X) w = X^T y by LDLT; when X^T X is singular (or nearly:
// a pivot below 1e-12 of the largest) falls back to the minimum-norm least-squares solution and
// sets `singular`.
struct LinearSolution {
  std::vector<double> w;
  bool singular = false;
};
LinearSolution SolveNormalEquations(absl::Span<const double> xtx, absl::Span<const double> xty,
                                    uint64_t p);

// One Newton step of L2-penalized logistic regression: minimizes C * loss + |w'|^2 / 2, where w'
// is w without the intercept (not penalized, the last entry when `intercept`). Returns the new
// weights; `step` gets the largest absolute change.
std::vector<double> NewtonStep(absl::Span<const double> w, absl::Span<const double> grad,
                               absl::Span<const double> hess, double c, bool intercept,
                               double* step);

// Column statistics of a block: count, then per column the mean, the sum of squared deviations
// from it (M2), the min and the max: 1 + 4 * cols values. Combine with CombineColumnStats
// (Chan's pairwise update), so that the variance stays accurate.
std::vector<double> ColumnStats(const Rows& x);
std::vector<double> CombineColumnStats(absl::Span<const double> a, absl::Span<const double> b);

// Fits L2-penalized logistic regression by Newton iterations on rows held in memory (a
// cross-validation fold). Returns the weights; `iterations` gets the count.
std::vector<double> FitLogisticLocal(const Rows& x, const double* y, uint64_t y_stride, double c,
                                     bool intercept, int max_iter, double tol, int* iterations);

// Weighted k-means++ seeding then Lloyd iterations on a few points held in memory (the
// candidates of k-means||): k centres, row-major.
std::vector<double> WeightedKMeansLocal(const Rows& x, absl::Span<const double> weights, uint64_t k,
                                        uint64_t seed, int iterations);

// The rows of a block of n that go to the test part of a split: ceil(test_size * n), within
// [0, n].
uint64_t SplitTestRows(uint64_t n, double test_size);
// Which rows of block `block` (n rows) are in the test part of a split with `seed`: the
// SplitTestRows(n, test_size) rows of the smallest Philox draws keyed by (seed, block, row).
std::vector<bool> SplitTestMask(uint64_t n, double test_size, uint64_t seed, uint64_t block);
// A uniform draw in [0, 1) keyed by (seed, stream, counter) (Random123's Philox4x64).
double UniformDraw(uint64_t seed, uint64_t stream, uint64_t counter);
// sklearn's KFold without shuffling: fold f of `folds` over n rows is [begin, end).
void FoldRange(uint64_t n, uint64_t folds, uint64_t f, uint64_t* begin, uint64_t* end);

}  // namespace brisk::ml_kernels
