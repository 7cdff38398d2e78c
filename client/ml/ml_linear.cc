// brisk::ml::LinearRegression and LogisticRegression: per-block normal equations or
// gradients and Hessians ("array.normal_equations", "array.logistic_grad_hess"), a tree sum,
// and the dense solve here (worker/array/ml_kernels.h).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "brisk/ml.h"
#include "client/array_data.h"
#include "client/ml/ml_passes.h"
#include "worker/array/ml_kernels.h"

namespace brisk::ml {
namespace {

std::vector<double> Weights(const std::vector<double>& coef, double intercept, bool fit) {
  std::vector<double> w = coef;
  if (fit) w.push_back(intercept);
  return w;
}

Array LinearPredict(const Array& x, const std::vector<double>& coef, double intercept,
                    bool fit_intercept, const std::string& kind, DType dtype,
                    absl::string_view what) {
  if (absl::Status s = CheckRows(x, absl::StrCat(what, ": X")); !s.ok()) return ErrorArray(s);
  if (x.shape()[1] != coef.size()) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat(what, ": X has ", x.shape()[1], " features, the model has ", coef.size())));
  }
  const std::vector<double> w = Weights(coef, intercept, fit_intercept);
  BlockTask task{"array.linear_predict",
                 {},
                 {{"w", DoublesArg(w, {w.size()})},
                  {"intercept", BoolArg(fit_intercept)},
                  {"kind", StrArg(kind)}}};
  return RowwiseArray(x, task, dtype, absl::StrCat("predict-", kind));
}

absl::StatusOr<LinearModel> SolveLinear(const std::vector<double>& stats, uint64_t features,
                                        bool fit_intercept) {
  const uint64_t p = features + (fit_intercept ? 1 : 0);
  if (stats.size() != p * p + p + 2) return absl::InternalError("normal equations of another size");
  const absl::Span<const double> all(stats);
  const absl::Span<const double> xtx = all.subspan(0, p * p), xty = all.subspan(p * p, p);
  const double n = stats[p * p + p], yty = stats[p * p + p + 1];
  LinearModel model;
  model.fit_intercept = fit_intercept;
  model.rows = static_cast<uint64_t>(n);
  if (n == 0) return absl::InvalidArgumentError("LinearRegression: X has no rows");
  ml_kernels::LinearSolution sol = ml_kernels::SolveNormalEquations(xtx, xty, p);
  model.singular = sol.singular;
  if (sol.singular) {
    model.note =
        "X^T X is singular (features linearly dependent, or fewer rows than features): the "
        "weights are the minimum-norm least-squares solution";
  }
  // rss = y'y - 2 w'X'y + w'X'X w
  double wxy = 0, wxxw = 0;
  for (uint64_t i = 0; i < p; ++i) {
    wxy += sol.w[i] * xty[i];
    for (uint64_t j = 0; j < p; ++j) wxxw += sol.w[i] * xtx[i * p + j] * sol.w[j];
  }
  model.rss = std::max(0.0, yty - 2 * wxy + wxxw);
  double tss = yty;
  if (fit_intercept) {
    const double mean = xty[features] / n;  // the ones column's X^T y is the sum of y
    tss = yty - n * mean * mean;
  }
  model.r2 = tss > 0 ? 1 - model.rss / tss : (model.rss == 0 ? 1.0 : 0.0);
  model.coef.assign(sol.w.begin(), sol.w.begin() + static_cast<ptrdiff_t>(features));
  if (fit_intercept) model.intercept = sol.w[features];
  return model;
}

}  // namespace

Array LinearModel::Predict(const Array& x) const {
  return LinearPredict(x, coef, intercept, fit_intercept, "linear", v1::DTYPE_FLOAT64,
                       "LinearModel::Predict");
}

Array LogisticModel::Predict(const Array& x) const {
  return LinearPredict(x, coef, intercept, fit_intercept, "class", v1::DTYPE_INT64,
                       "LogisticModel::Predict");
}

Array LogisticModel::PredictProba(const Array& x) const {
  return LinearPredict(x, coef, intercept, fit_intercept, "proba", v1::DTYPE_FLOAT64,
                       "LogisticModel::PredictProba");
}

absl::StatusOr<LinearModel> LinearRegression(Client& client, const Array& x, const Array& y,
                                             const LinearRegressionOptions& options) {
  if (absl::Status s = CheckRows(x, "LinearRegression: X"); !s.ok()) return s;
  if (absl::Status s = CheckRows(y, "LinearRegression: y", /*vector=*/true); !s.ok()) return s;
  if (absl::Status s = CheckSameRows(x, y, "LinearRegression"); !s.ok()) return s;
  BlockTask task{"array.normal_equations", {}, {{"intercept", BoolArg(options.fit_intercept)}}};
  absl::StatusOr<v1::Value> total =
      SumPass(client, {x, y}, task, "array.sum_partials", options.split_every, "normal-equations");
  if (!total.ok()) return total.status();
  absl::StatusOr<std::vector<double>> stats = Doubles(*total);
  if (!stats.ok()) return stats.status();
  return SolveLinear(*stats, x.shape()[1], options.fit_intercept);
}

absl::StatusOr<LinearModel> LinearRegressionXy(Client& client, const Array& xy, int target_column,
                                               const LinearRegressionOptions& options) {
  if (absl::Status s = CheckRows(xy, "LinearRegression: Xy"); !s.ok()) return s;
  const auto cols = static_cast<int64_t>(xy.shape()[1]);
  const int64_t t = target_column < 0 ? target_column + cols : target_column;
  if (t < 0 || t >= cols) {
    return absl::InvalidArgumentError(absl::StrCat("LinearRegression: target column ",
                                                   target_column, " is outside the ", cols,
                                                   " columns of Xy"));
  }
  absl::StatusOr<v1::Value> total;
  if (IsNpyRead(xy)) {
    // Read straight from the files: each block's read fused with its normal equations, so no
    // block is held in memory (array.npy_normal_equations reads it slab by slab).
    const std::string name = ArrayName(
        "npy-normal-equations", {xy.name(), std::to_string(t), options.fit_intercept ? "1" : "0"});
    v1::Graph graph;
    std::vector<std::string> keys;
    for (const v1::Task& read : xy.data()->layer->tasks) {
      v1::Task* task = graph.add_tasks();
      *task = read;
      task->set_op("array.npy_normal_equations");
      task->set_key(absl::StrCat(name, "-", keys.size()));
      (*task->mutable_kwargs())["target_column"] = IntArg(t);
      (*task->mutable_kwargs())["intercept"] = BoolArg(options.fit_intercept);
      keys.push_back(task->key());
    }
    total =
        SumTasks(client, std::move(graph), keys, "array.sum_partials", options.split_every, name);
  } else {
    BlockTask task{"array.normal_equations",
                   {},
                   {{"intercept", BoolArg(options.fit_intercept)}, {"target_column", IntArg(t)}}};
    total =
        SumPass(client, {xy}, task, "array.sum_partials", options.split_every, "normal-equations");
  }
  if (!total.ok()) return total.status();
  absl::StatusOr<std::vector<double>> stats = Doubles(*total);
  if (!stats.ok()) return stats.status();
  return SolveLinear(*stats, static_cast<uint64_t>(cols - 1), options.fit_intercept);
}

absl::StatusOr<LogisticModel> LogisticRegression(Client& client, const Array& x_in,
                                                 const Array& y_in,
                                                 const LogisticRegressionOptions& options) {
  if (absl::Status s = CheckRows(x_in, "LogisticRegression: X"); !s.ok()) return s;
  if (absl::Status s = CheckRows(y_in, "LogisticRegression: y", true); !s.ok()) return s;
  if (absl::Status s = CheckSameRows(x_in, y_in, "LogisticRegression"); !s.ok()) return s;
  if (!(options.C > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("LogisticRegression: C must be positive, got ", options.C));
  }
  absl::StatusOr<Array> x = Persisted(client, x_in);
  if (!x.ok()) return x.status();
  absl::StatusOr<Array> y = Persisted(client, y_in);
  if (!y.ok()) return y.status();
  const uint64_t f = x->shape()[1];
  const uint64_t p = f + (options.fit_intercept ? 1 : 0);
  std::vector<double> w(p, 0.0);
  LogisticModel model;
  model.fit_intercept = options.fit_intercept;
  for (int it = 0; it < options.max_iter; ++it) {
    BlockTask task{"array.logistic_grad_hess",
                   {},
                   {{"w", DoublesArg(w, {p})}, {"intercept", BoolArg(options.fit_intercept)}}};
    absl::StatusOr<v1::Value> total =
        SumPass(client, {*x, *y}, task, "array.sum_partials", options.split_every, "logistic");
    if (!total.ok()) return total.status();
    absl::StatusOr<std::vector<double>> gh = Doubles(*total);
    if (!gh.ok()) return gh.status();
    if (gh->size() != p + p * p + 1) return absl::InternalError("gradient of another size");
    const absl::Span<const double> all(*gh);
    double step = 0;
    w = ml_kernels::NewtonStep(w, all.subspan(0, p), all.subspan(p, p * p), options.C,
                               options.fit_intercept, &step);
    model.loss = gh->back();
    model.iterations = it + 1;
    if (step <= options.tol) {
      model.converged = true;
      break;
    }
  }
  model.coef.assign(w.begin(), w.begin() + static_cast<ptrdiff_t>(f));
  if (options.fit_intercept) model.intercept = w[f];
  return model;
}

}  // namespace brisk::ml
