// brisk::ml::TrainTestSplit (per-block "array.split_rows" tasks) and GridSearchLogistic (one
// "array.cv_logistic" task per setting and fold, over the persisted blocks).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "brisk/ml.h"
#include "client/array_data.h"
#include "client/ml/ml_passes.h"
#include "worker/array/ml_kernels.h"

namespace brisk::ml {
namespace {

// One part of a split of `a`'s rows.
Array SplitPart(const Array& a, double test_size, uint64_t seed, bool test) {
  const std::string name =
      ArrayName(test ? "split-test" : "split-train",
                {a.name(), absl::StrFormat("%.17g", test_size), absl::StrCat(seed)});
  Chunks chunks = a.chunks();
  Shape shape = a.shape();
  shape[0] = 0;
  std::vector<v1::Task> tasks;
  for (size_t b = 0; b < a.chunks()[0].size(); ++b) {
    const uint64_t rows = a.chunks()[0][b];
    const uint64_t m = ml_kernels::SplitTestRows(rows, test_size);
    chunks[0][b] = test ? m : rows - m;
    shape[0] += chunks[0][b];
    Shape block(a.ndim(), 0);
    block[0] = b;
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("array.split_rows");
    *task.add_args() = RefArg(a.BlockKey(block));
    auto& kw = *task.mutable_kwargs();
    kw["seed"] = IntArg(static_cast<int64_t>(seed));
    kw["block"] = IntArg(static_cast<int64_t>(b));
    kw["test_size"] = FloatArg(test_size);
    kw["test"] = BoolArg(test);
    tasks.push_back(std::move(task));
  }
  std::vector<std::shared_ptr<const ArrayLayer>> deps;
  if (a.data()->layer) deps.push_back(a.data()->layer);
  return MakeArray(a.dtype(), std::move(shape), std::move(chunks), name, std::move(tasks),
                   std::move(deps));
}

}  // namespace

TrainTestSplitResult TrainTestSplit(const Array& x, const Array& y, double test_size,
                                    uint64_t seed) {
  absl::Status bad;
  if (!x.ok() || !y.ok()) {
    bad = !x.ok() ? x.status() : y.status();
  } else if (x.ndim() == 0) {
    bad = absl::InvalidArgumentError("TrainTestSplit: X must have at least one dimension");
  } else if (absl::Status s = CheckRows(y, "TrainTestSplit: y", true); !s.ok()) {
    bad = s;
  } else if (absl::Status same = CheckSameRows(x, y, "TrainTestSplit"); !same.ok()) {
    bad = same;
  } else if (!(test_size >= 0 && test_size <= 1)) {
    bad = absl::InvalidArgumentError(
        absl::StrCat("TrainTestSplit: test_size must be within [0, 1], got ", test_size));
  } else {
    for (size_t d = 1; d < x.ndim(); ++d) {
      if (x.NumBlocks()[d] != 1) {
        bad = absl::InvalidArgumentError(
            "TrainTestSplit: X must be chunked along axis 0 only: Rechunk it");
      }
    }
  }
  if (!bad.ok()) return {ErrorArray(bad), ErrorArray(bad), ErrorArray(bad), ErrorArray(bad)};
  return {SplitPart(x, test_size, seed, false), SplitPart(x, test_size, seed, true),
          SplitPart(y, test_size, seed, false), SplitPart(y, test_size, seed, true)};
}

absl::StatusOr<GridSearchResult> GridSearchLogistic(Client& client, const Array& x_in,
                                                    const Array& y_in, const ParamGrid& grid,
                                                    int folds,
                                                    const LogisticRegressionOptions& base) {
  if (absl::Status s = CheckRows(x_in, "GridSearchLogistic: X"); !s.ok()) return s;
  if (absl::Status s = CheckRows(y_in, "GridSearchLogistic: y", true); !s.ok()) return s;
  if (absl::Status s = CheckSameRows(x_in, y_in, "GridSearchLogistic"); !s.ok()) return s;
  if (folds < 2 || static_cast<uint64_t>(folds) > x_in.shape()[0]) {
    return absl::InvalidArgumentError(
        absl::StrCat("GridSearchLogistic: folds must be within 2 and ", "the number of rows (",
                     x_in.shape()[0], "), got ", folds));
  }
  for (const auto& [name, values] : grid) {
    if (name != "C" && name != "max_iter" && name != "tol" && name != "fit_intercept") {
      return absl::InvalidArgumentError(
          absl::StrCat("GridSearchLogistic: unknown parameter \"", name,
                       "\" (the grid takes C, max_iter, tol and fit_intercept)"));
    }
    for (double v : values) {
      const bool ok = name == "C"          ? v > 0
                      : name == "max_iter" ? v >= 1 && v <= 1e6 && v == std::floor(v)
                      : name == "tol"      ? v >= 0
                                           : v == 0 || v == 1;
      if (!ok) {
        return absl::InvalidArgumentError(absl::StrCat(
            "GridSearchLogistic: ", v, " is no value of \"", name,
            "\" (C > 0, max_iter a whole number from 1 to 1e6, tol >= 0, fit_intercept 0 or 1)"));
      }
    }
    if (values.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("GridSearchLogistic: parameter \"", name, "\" has no values"));
    }
  }
  // Every combination, the last parameter varying fastest (scikit-learn's ParameterGrid order).
  GridSearchResult result;
  result.params.emplace_back();
  for (const auto& [name, values] : grid) {
    std::vector<std::map<std::string, double>> next;
    for (const auto& partial : result.params) {
      for (double v : values) {
        auto p = partial;
        p[name] = v;
        next.push_back(std::move(p));
      }
    }
    result.params = std::move(next);
  }
  absl::StatusOr<Array> x = Persisted(client, x_in);
  if (!x.ok()) return x.status();
  absl::StatusOr<Array> y = Persisted(client, y_in);
  if (!y.ok()) return y.status();
  const uint64_t blocks = x->chunks()[0].size();
  v1::Graph graph;
  for (size_t s = 0; s < result.params.size(); ++s) {
    const auto& p = result.params[s];
    auto get = [&](const char* name, double fallback) {
      auto it = p.find(name);
      return it == p.end() ? fallback : it->second;
    };
    const double c = get("C", base.C);
    if (!(c > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("GridSearchLogistic: C must be positive, got ", c));
    }
    for (int f = 0; f < folds; ++f) {
      v1::Task* t = graph.add_tasks();
      t->set_key(ArrayName(
          "cv-logistic", {x->name(), y->name(), std::to_string(s), std::to_string(f),
                          std::to_string(folds), absl::StrJoin(p, ",", absl::PairFormatter("="))}));
      t->set_op("array.cv_logistic");
      for (uint64_t b = 0; b < blocks; ++b) *t->add_args() = RefArg(x->BlockKey({b, 0}));
      for (uint64_t b = 0; b < blocks; ++b) *t->add_args() = RefArg(y->BlockKey({b}));
      auto& kw = *t->mutable_kwargs();
      kw["blocks"] = IntArg(static_cast<int64_t>(blocks));
      kw["fold"] = IntArg(f);
      kw["folds"] = IntArg(folds);
      kw["C"] = FloatArg(c);
      kw["max_iter"] = IntArg(static_cast<int64_t>(get("max_iter", base.max_iter)));
      kw["tol"] = FloatArg(get("tol", base.tol));
      kw["intercept"] = BoolArg(get("fit_intercept", base.fit_intercept ? 1 : 0) != 0);
      graph.add_outputs(t->key());
    }
  }
  absl::StatusOr<Job> job = client.Submit(graph);
  if (!job.ok()) return job.status();
  absl::StatusOr<std::vector<ValuePtr>> scores = client.Gather(job->outputs);
  client.Release(job->id).IgnoreError();
  if (!scores.ok()) return scores.status();
  for (size_t s = 0; s < result.params.size(); ++s) {
    std::vector<double> fold_scores;
    double sum = 0;
    for (int f = 0; f < folds; ++f) {
      const v1::Value& v = *(*scores)[s * static_cast<size_t>(folds) + static_cast<size_t>(f)];
      fold_scores.push_back(v.float_());
      sum += v.float_();
    }
    result.fold_scores.push_back(std::move(fold_scores));
    result.mean_scores.push_back(sum / folds);
    if (s == 0 || result.mean_scores[s] > result.best_score) {
      result.best_index = s;
      result.best_score = result.mean_scores[s];
    }
  }
  result.best_params = result.params[result.best_index];
  return result;
}

}  // namespace brisk::ml
