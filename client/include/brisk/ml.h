// brisk::ml: model fitting on brisk::Array, as dask-ml has it: k-means (k-means|| init, Lloyd
// iterations), linear regression by normal equations, logistic regression by Newton's method
// (IRLS), train/test splits and grid search with k-fold cross-validation.
//
//   auto client = *brisk::Client::StartLocal();
//   brisk::Array points = brisk::Array::FromNpyDir("data/points");
//   absl::StatusOr<brisk::ml::KMeansResult> km = brisk::ml::KMeans(*client, points, {.k = 8});
//
// Every fit takes rows: X is 2-D (samples x features) chunked along axis 0 only (one block
// along axis 1), y is 1-D with X's row chunks. Each pass over the data is one task per block
// (a kernel computing that block's partial statistics: per-centre sums, X^T X, gradients ...),
// then a tree sum of the partial vectors, then a small dense step on this client. The data is
// persisted on the workers (Array::Persist) for the passes, so files are read once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "brisk/array.h"
#include "brisk/client.h"

namespace brisk::ml {

// ---- k-means.
struct KMeansOptions {
  int k = 8;
  int max_iter = 300;
  // Converged when the centres moved (sum of squared shifts) by at most tol times the mean
  // variance of the features, as scikit-learn's and dask-ml's tol; 0: always max_iter
  // iterations (no variance pass).
  double tol = 1e-4;
  // "k-means||" (dask-ml's: a random first centre, `init_rounds` rounds sampling about
  // oversampling_factor * k points each with probability proportional to their squared distance
  // to the candidates, then weighted k-means++ on the candidates here), or "first-k" (the first
  // k rows).
  std::string init = "k-means||";
  // Given initial centres, k rows of the features' count (row-major); overrides `init`.
  std::vector<double> init_centres;
  double oversampling_factor = 2;
  int init_rounds = 5;
  uint64_t seed = 0;
  // Partial vectors summed per task in the tree sum.
  int split_every = 8;
};

struct KMeansResult {
  int k = 0;
  uint64_t features = 0;
  std::vector<double> centres;  // k x features, row-major
  Array labels;                 // int64, one per row, chunked as X's rows (on X's persisted blocks)
  double inertia = 0;           // sum of squared distances to the nearest final centre
  int iterations = 0;           // Lloyd iterations run
  bool converged = false;       // stopped by tol before max_iter
  uint64_t rows = 0;
  // The nearest centre of each row of X.
  Array Predict(const Array& x) const;
};

absl::StatusOr<KMeansResult> KMeans(Client& client, const Array& x,
                                    const KMeansOptions& options = {});

// ---- Linear regression (least squares).
struct LinearRegressionOptions {
  bool fit_intercept = true;
  int split_every = 8;
};

struct LinearModel {
  std::vector<double> coef;
  double intercept = 0;
  bool fit_intercept = true;
  // X^T X was singular (or nearly): the weights are the minimum-norm least-squares solution
  // rather than the LDLT solve's, and `note` says so.
  bool singular = false;
  std::string note;
  uint64_t rows = 0;
  double rss = 0;  // residual sum of squares on the training rows
  double r2 = 0;   // coefficient of determination (with an intercept; else 1 - rss / y^T y)
  // float64 predictions, one per row of X.
  Array Predict(const Array& x) const;
};

// Normal equations: per block X^T X and X^T y (BLAS dsyrk, dgemv), a tree sum, an LDLT solve.
absl::StatusOr<LinearModel> LinearRegression(Client& client, const Array& x, const Array& y,
                                             const LinearRegressionOptions& options = {});
// The same on one array of rows whose column `target_column` (negative from the end) is y and
// the other columns the features, in order.
absl::StatusOr<LinearModel> LinearRegressionXy(Client& client, const Array& xy,
                                               int target_column = -1,
                                               const LinearRegressionOptions& options = {});

// ---- Logistic regression (two classes: y > 0.5 is class 1).
struct LogisticRegressionOptions {
  // Inverse of the L2 penalty's strength, as scikit-learn's C: minimizes
  // C * sum(log-loss) + |coef|^2 / 2 (the intercept is not penalized).
  double C = 1.0;
  bool fit_intercept = true;
  int max_iter = 100;
  // Converged when no weight changes by more than tol in a Newton step.
  double tol = 1e-6;
  int split_every = 8;
};

struct LogisticModel {
  std::vector<double> coef;
  double intercept = 0;
  bool fit_intercept = true;
  int iterations = 0;
  bool converged = false;
  double loss = 0;  // the training log-loss at the weights before the last step
  // Class labels (int64 0 or 1) and P(class 1) (float64), one per row of X.
  Array Predict(const Array& x) const;
  Array PredictProba(const Array& x) const;
};

// Newton's method (IRLS): each iteration one task per block computing the block's gradient and
// Hessian of the log-loss (BLAS), a tree sum, an LDLT solve here.
absl::StatusOr<LogisticModel> LogisticRegression(Client& client, const Array& x, const Array& y,
                                                 const LogisticRegressionOptions& options = {});

// ---- Model selection.
struct TrainTestSplitResult {
  Array x_train, x_test, y_train, y_test;
};
// Splits the rows block by block, as dask-ml does: ceil(test_size * rows) rows of each block go
// to the test part, chosen by Philox draws keyed by (seed, block, row), so the same seed and
// chunks give the same split; rows keep their order. X may have any rank (rows along axis 0),
// y is 1-D with X's row chunks. Errors are carried by the Arrays.
TrainTestSplitResult TrainTestSplit(const Array& x, const Array& y, double test_size = 0.25,
                                    uint64_t seed = 0);

// A grid of settings of LogisticRegressionOptions: names "C", "max_iter", "tol" and
// "fit_intercept" (0 or 1), each with the values to try; every combination is one setting.
using ParamGrid = std::map<std::string, std::vector<double>>;

struct GridSearchResult {
  std::vector<std::map<std::string, double>> params;  // every setting, in grid order
  std::vector<double> mean_scores;                    // mean accuracy over the folds
  std::vector<std::vector<double>> fold_scores;       // per setting, per fold
  size_t best_index = 0;                              // the first of the highest mean score
  std::map<std::string, double> best_params;
  double best_score = 0;
};

// Grid search with k-fold cross-validation (scikit-learn's KFold: consecutive folds, no
// shuffling) of logistic regression, scored by accuracy. Every (setting, fold) fit is one task
// over X's and y's persisted blocks, all in one job, so the fits run in parallel on the
// workers; the data of a fit must fit in one worker's memory.
absl::StatusOr<GridSearchResult> GridSearchLogistic(Client& client, const Array& x, const Array& y,
                                                    const ParamGrid& grid, int folds = 5,
                                                    const LogisticRegressionOptions& base = {});

}  // namespace brisk::ml
