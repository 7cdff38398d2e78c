// The ops of model fitting (client/include/brisk/ml.h): per-block statistics of k-means, linear
// and logistic regression, their tree sums, predictions, train/test splits and cross-validation
// fits, over 2-D blocks of rows (a 1-D block is one column). Kernels in ml_kernels.cc.
#include <cblas.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/npy.h"
#include "common/dtype_switch.h"
#include "worker/array/array_ops.h"
#include "worker/array/blas_threads.h"
#include "worker/array/ml_kernels.h"
#include "worker/array/npy_block_reader.h"

namespace brisk {
namespace {

using ml_kernels::Rows;
using Result = absl::StatusOr<v1::Value>;

// A block's rows as float64: a view of a float64 block, or a converted copy of another dtype.
struct DoubleRows {
  std::vector<double> owned;
  Rows rows;
};

absl::StatusOr<DoubleRows> AsRows(const OpArgs& args, const ArrayView& view,
                                  absl::string_view what) {
  DoubleRows out;
  if (view.ndim() != 1 && view.ndim() != 2) {
    return args.Error(
        absl::StrCat(what, " must be a 1-D or 2-D array, got ", view.ndim(), " dimensions"));
  }
  if (view.dtype() == v1::DTYPE_STRING) {
    return args.Error(absl::StrCat(what, " must be numeric, got ", DTypeName(view.dtype())));
  }
  const uint64_t rows = view.shape()[0];
  const uint64_t cols = view.ndim() == 2 ? view.shape()[1] : 1;
  if (view.dtype() == v1::DTYPE_FLOAT64) {
    out.rows = Rows{reinterpret_cast<const double*>(view.bytes().data()), rows, cols, cols};
    return out;
  }
  out.owned.resize(view.size());
  for (uint64_t i = 0; i < view.size(); ++i) out.owned[i] = view.AsDouble(i);
  out.rows = Rows{out.owned.data(), rows, cols, cols};
  return out;
}

absl::StatusOr<DoubleRows> RowsArg(const OpArgs& args, size_t i) {
  absl::StatusOr<ArrayView> view = args.Array(i);
  if (!view.ok()) return view.status();
  return AsRows(args, *view, args.Describe(i));
}

// Any numeric array, flattened.
absl::StatusOr<std::vector<double>> DoublesArg(const OpArgs& args, size_t i) {
  absl::StatusOr<ArrayView> view = args.Array(i);
  if (!view.ok()) return view.status();
  if (view->dtype() == v1::DTYPE_STRING) {
    return args.Error(absl::StrCat(args.Describe(i), " must be numeric"));
  }
  std::vector<double> out(view->size());
  for (uint64_t j = 0; j < view->size(); ++j) out[j] = view->AsDouble(j);
  return out;
}

template <typename T>
v1::Value Vector(const std::vector<T>& values, std::vector<uint64_t> shape = {}) {
  if (shape.empty()) shape = {values.size()};
  ArrayBuilder<T> out(std::move(shape));
  if (!values.empty()) std::memcpy(out.values().data(), values.data(), values.size() * sizeof(T));
  return std::move(out).Finish();
}

// Centres (k x d, d the block's columns) from argument i.
absl::StatusOr<std::vector<double>> CentresArg(const OpArgs& args, size_t i, uint64_t d,
                                               uint64_t* k) {
  absl::StatusOr<ArrayView> view = args.Array(i);
  if (!view.ok()) return view.status();
  if (view->ndim() != 2 || view->shape()[1] != d || view->shape()[0] == 0) {
    return args.Error(absl::StrCat(args.Describe(i), " must be a k x ", d,
                                   " array of centres (one per row), got shape [",
                                   absl::StrJoin(view->shape(), ", "), "]"));
  }
  *k = view->shape()[0];
  absl::StatusOr<std::vector<double>> c = DoublesArg(args, i);
  return c;
}

Result KMeansPartial(OpContext&, const OpArgs& args) {
  absl::StatusOr<DoubleRows> x = RowsArg(args, 0);
  if (!x.ok()) return x.status();
  uint64_t k = 0;
  absl::StatusOr<std::vector<double>> c = CentresArg(args, 1, x->rows.cols, &k);
  if (!c.ok()) return c.status();
  return Vector(ml_kernels::KMeansPartial(x->rows, *c, k));
}

Result KMeansLabels(OpContext&, const OpArgs& args) {
  absl::StatusOr<DoubleRows> x = RowsArg(args, 0);
  if (!x.ok()) return x.status();
  uint64_t k = 0;
  absl::StatusOr<std::vector<double>> c = CentresArg(args, 1, x->rows.cols, &k);
  if (!c.ok()) return c.status();
  return Vector(ml_kernels::KMeansLabels(x->rows, *c, k));
}

// k-means|| sampling: each row is kept with probability min(1, factor * d2 / cost), d2 its
// squared distance to the nearest centre, by a Philox draw keyed by (seed, block, row).
Result KMeansSample(OpContext&, const OpArgs& args) {
  absl::StatusOr<DoubleRows> x = RowsArg(args, 0);
  if (!x.ok()) return x.status();
  uint64_t k = 0;
  absl::StatusOr<std::vector<double>> c = CentresArg(args, 1, x->rows.cols, &k);
  if (!c.ok()) return c.status();
  absl::StatusOr<double> factor = args.Float("factor", 2.0 * static_cast<double>(k));
  absl::StatusOr<double> cost = args.Float("cost", 1.0);
  absl::StatusOr<int64_t> seed = args.Int("seed", 0);
  absl::StatusOr<int64_t> stream = args.Int("stream", 0);
  if (!factor.ok() || !cost.ok() || !seed.ok() || !stream.ok()) {
    return !factor.ok() ? factor.status()
           : !cost.ok() ? cost.status()
           : !seed.ok() ? seed.status()
                        : stream.status();
  }
  const std::vector<double> d2 = ml_kernels::KMeansMinDistances(x->rows, *c, k);
  const uint64_t d = x->rows.cols;
  std::vector<double> picked;
  for (uint64_t i = 0; i < x->rows.rows; ++i) {
    const double p = *cost > 0 ? *factor * d2[i] / *cost : 1.0;
    if (ml_kernels::UniformDraw(static_cast<uint64_t>(*seed), static_cast<uint64_t>(*stream), i) <
        p) {
      const double* row = x->rows.data + i * x->rows.stride;
      picked.insert(picked.end(), row, row + d);
    }
  }
  return Vector(picked, {picked.size() / std::max<uint64_t>(d, 1), d});
}

// The element-wise sum of float64 arrays of one shape (the tree sum of per-block statistics).
Result SumPartials(OpContext&, const OpArgs& args) {
  if (args.size() == 0) return args.Error("takes at least one array");
  absl::StatusOr<ArrayView> first = args.Array(0);
  if (!first.ok()) return first.status();
  std::vector<uint64_t> shape(first->shape().begin(), first->shape().end());
  std::vector<double> total(first->size(), 0.0);
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<ArrayView> a = args.Array(i);
    if (!a.ok()) return a.status();
    absl::StatusOr<absl::Span<const double>> v = a->values<double>();
    if (!v.ok() || a->size() != total.size()) {
      return args.Error(absl::StrCat(args.Describe(i), " must be float64 of ", total.size(),
                                     " elements like argument 0"));
    }
    if (!total.empty())
      cblas_daxpy(static_cast<int>(total.size()), 1.0, v->data(), 1, total.data(), 1);
  }
  return Vector(total, shape);
}

Result ColumnStats(OpContext&, const OpArgs& args) {
  absl::StatusOr<DoubleRows> x = RowsArg(args, 0);
  if (!x.ok()) return x.status();
  return Vector(ml_kernels::ColumnStats(x->rows));
}

Result CombineColumnStats(OpContext&, const OpArgs& args) {
  if (args.size() == 0) return args.Error("takes at least one array");
  absl::StatusOr<std::vector<double>> total = DoublesArg(args, 0);
  if (!total.ok()) return total.status();
  if (total->empty() || (total->size() - 1) % 4 != 0) {
    return args.Error("argument 0 is not a column-statistics vector");
  }
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<std::vector<double>> next = DoublesArg(args, i);
    if (!next.ok()) return next.status();
    if (next->size() != total->size()) {
      return args.Error(absl::StrCat(args.Describe(i), " has ", next->size(),
                                     " statistics, argument 0 has ", total->size()));
    }
    *total = ml_kernels::CombineColumnStats(*total, *next);
  }
  return Vector(*total);
}

// Features and targets of a regression: X and y given apart (y 1-D of X's rows), or one block
// whose column `target_column` is y.
struct Regression {
  DoubleRows x, y;
  Rows feature_rows;
  const double* target = nullptr;
  uint64_t target_stride = 1;
};

absl::StatusOr<Regression> RegressionArgs(const OpArgs& args) {
  Regression r;
  absl::StatusOr<DoubleRows> x = RowsArg(args, 0);
  if (!x.ok()) return x.status();
  r.x = std::move(*x);
  const Rows& xr = r.x.rows;
  if (args.size() > 1) {
    absl::StatusOr<DoubleRows> y = RowsArg(args, 1);
    if (!y.ok()) return y.status();
    r.y = std::move(*y);
    if (r.y.rows.rows != xr.rows || r.y.rows.cols != 1) {
      return args.Error(absl::StrCat("argument 1 (\"y\") must be one value per row of X (", xr.rows,
                                     "), got ", r.y.rows.rows, " x ", r.y.rows.cols));
    }
    r.feature_rows = xr;
    r.target = r.y.rows.data;
    return r;
  }
  absl::StatusOr<int64_t> target = args.Int("target_column", -1);
  if (!target.ok()) return target.status();
  const auto cols = static_cast<int64_t>(xr.cols);
  const int64_t t = *target < 0 ? *target + cols : *target;
  if (t < 0 || t >= cols) {
    return args.Error(
        absl::StrCat("target_column ", *target, " is outside the block's ", cols, " columns"));
  }
  r.target = xr.data + t;  // the features: every other column (array.normal_equations)
  r.target_stride = xr.stride;
  return r;
}

Result NormalEquations(OpContext&, const OpArgs& args) {
  absl::StatusOr<Regression> r = RegressionArgs(args);
  if (!r.ok()) return r.status();
  absl::StatusOr<bool> intercept = args.Bool("intercept", false);
  if (!intercept.ok()) return intercept.status();
  if (args.size() == 1) {  // y is a column of X: one Gram matrix of every column
    const Rows& all = r->x.rows;
    ml_kernels::GramAccumulator gram(all.cols);
    gram.Add(all);
    return Vector(gram.NormalEquations(static_cast<uint64_t>(r->target - all.data), *intercept));
  }
  return Vector(
      ml_kernels::NormalEquations(r->feature_rows, r->target, r->target_stride, *intercept));
}

// array.read_npy and array.normal_equations with a target column, fused: the block's rows are
// read slab by slab into one reused buffer and summed into one Gram matrix (no block held).
Result NpyNormalEquations(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> path = args.Str(0);
  absl::StatusOr<std::vector<uint64_t>> offset = ArrayShapeKwarg(args, "offset", /*optional=*/true);
  absl::StatusOr<std::vector<uint64_t>> shape = ArrayShapeKwarg(args, "shape", /*optional=*/true);
  absl::StatusOr<int64_t> target = args.Int("target_column", -1);
  absl::StatusOr<bool> intercept = args.Bool("intercept", false);
  for (const absl::Status& s :
       {path.status(), offset.status(), shape.status(), target.status(), intercept.status()}) {
    if (!s.ok()) return s;
  }
  std::optional<ml_kernels::GramAccumulator> gram;
  uint64_t cols = 0;
  absl::StatusOr<bool> fast = ForEachRowSlab(args.op, std::string(*path), *offset, *shape,
                                             uint64_t{1} << 20, [&](const Rows& rows) {
                                               if (!gram) {
                                                 cols = rows.cols;
                                                 gram.emplace(cols);
                                               }
                                               gram->Add(rows);
                                             });
  if (!fast.ok()) return fast.status();
  v1::Value block;
  absl::StatusOr<DoubleRows> rows;
  if (!*fast) {
    absl::StatusOr<v1::Value> read = ReadNpyBlock(args.op, std::string(*path), *offset, *shape);
    if (!read.ok()) return read.status();
    block = std::move(*read);
    absl::StatusOr<ArrayView> view = ArrayView::Of(block);
    if (!view.ok()) return view.status();
    rows = AsRows(args, *view, absl::StrCat("the block of ", *path));
    if (!rows.ok()) return rows.status();
    cols = rows->rows.cols;
    gram.emplace(cols);
    gram->Add(rows->rows);
  } else if (!gram) {  // no rows: the columns from the header
    absl::StatusOr<NpyHeader> header = ReadNpyHeader(std::string(*path));
    if (!header.ok()) return header.status();
    cols = header->shape[1];
    gram.emplace(cols);
  }
  const auto c = static_cast<int64_t>(cols);
  const int64_t t = *target < 0 ? *target + c : *target;
  if (t < 0 || t >= c) {
    return args.Error(
        absl::StrCat("target_column ", *target, " is outside the block's ", c, " columns"));
  }
  return Vector(gram->NormalEquations(static_cast<uint64_t>(t), *intercept));
}

absl::StatusOr<std::vector<double>> WeightsArg(const OpArgs& args, uint64_t features,
                                               bool intercept) {
  const v1::Value* w = args.Kwarg("w");
  if (w == nullptr) return args.Error("needs keyword argument \"w\" (the weights)");
  absl::StatusOr<ArrayView> view = args.Array("w");
  if (!view.ok()) return view.status();
  const uint64_t p = features + (intercept ? 1 : 0);
  if (view->size() != p || view->dtype() == v1::DTYPE_STRING) {
    return args.Error(
        absl::StrCat("keyword argument \"w\" must hold ", p, " numbers (one per feature",
                     intercept ? ", then the intercept" : "", "), got ", view->size()));
  }
  std::vector<double> out(p);
  for (uint64_t i = 0; i < p; ++i) out[i] = view->AsDouble(i);
  return out;
}

Result LogisticGradHess(OpContext&, const OpArgs& args) {
  if (args.size() != 2) return args.Error("takes X and y");
  absl::StatusOr<Regression> r = RegressionArgs(args);
  if (!r.ok()) return r.status();
  absl::StatusOr<bool> intercept = args.Bool("intercept", true);
  if (!intercept.ok()) return intercept.status();
  absl::StatusOr<std::vector<double>> w = WeightsArg(args, r->feature_rows.cols, *intercept);
  if (!w.ok()) return w.status();
  return Vector(
      ml_kernels::LogisticGradHess(r->feature_rows, r->target, r->target_stride, *w, *intercept));
}

// Predictions of a linear model: "linear" x.w (+b), "proba" sigmoid of it, "class" 0 or 1 (int64).
Result Predict(OpContext&, const OpArgs& args) {
  absl::StatusOr<DoubleRows> x = RowsArg(args, 0);
  if (!x.ok()) return x.status();
  absl::StatusOr<bool> intercept = args.Bool("intercept", true);
  absl::StatusOr<absl::string_view> kind = args.Str("kind", "linear");
  if (!intercept.ok() || !kind.ok()) return !intercept.ok() ? intercept.status() : kind.status();
  absl::StatusOr<std::vector<double>> w = WeightsArg(args, x->rows.cols, *intercept);
  if (!w.ok()) return w.status();
  if (*kind == "linear") {
    std::vector<double> out(x->rows.rows, 0.0);
    if (!out.empty() && x->rows.cols > 0) {
      cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(x->rows.rows),
                  static_cast<int>(x->rows.cols), 1.0, x->rows.data,
                  static_cast<int>(x->rows.stride), w->data(), 1, 0.0, out.data(), 1);
    }
    if (*intercept) {
      for (double& v : out) v += w->back();
    }
    return Vector(out);
  }
  const std::vector<double> p = ml_kernels::LogisticProba(x->rows, *w, *intercept);
  if (*kind == "proba") return Vector(p);
  if (*kind == "class") {
    std::vector<int64_t> labels(p.size());
    for (size_t i = 0; i < p.size(); ++i) labels[i] = p[i] > 0.5 ? 1 : 0;
    return Vector(labels);
  }
  return args.Error(absl::StrCat("keyword argument \"kind\" must be linear, proba or class, got \"",
                                 *kind, "\""));
}

// Rows of a block (any dtype and rank) in the train or the test part of a split.
Result SplitRows(OpContext&, const OpArgs& args) {
  absl::StatusOr<ArrayView> x = args.Array(0);
  if (!x.ok()) return x.status();
  if (x->ndim() == 0) return args.Error("argument 0 must have at least one dimension");
  absl::StatusOr<int64_t> seed = args.Int("seed", 0);
  absl::StatusOr<int64_t> block = args.Int("block", 0);
  absl::StatusOr<double> test_size = args.Float("test_size", 0.25);
  absl::StatusOr<bool> test = args.Bool("test", false);
  if (!seed.ok() || !block.ok() || !test_size.ok() || !test.ok()) {
    return !seed.ok()        ? seed.status()
           : !block.ok()     ? block.status()
           : !test_size.ok() ? test_size.status()
                             : test.status();
  }
  if (!(*test_size >= 0 && *test_size <= 1)) {
    return args.Error(absl::StrCat("test_size must be within [0, 1], got ", *test_size));
  }
  const uint64_t n = x->shape()[0];
  const std::vector<bool> mask = ml_kernels::SplitTestMask(
      n, *test_size, static_cast<uint64_t>(*seed), static_cast<uint64_t>(*block));
  const uint64_t row_bytes = n == 0 ? 0 : x->bytes().size() / n;
  std::string data;
  uint64_t kept = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (mask[i] != *test) continue;
    data.append(x->bytes().data() + i * row_bytes, row_bytes);
    ++kept;
  }
  v1::Value value;
  v1::NDArray* array = value.mutable_ndarray();
  array->set_dtype(x->dtype());
  array->add_shape(kept);
  for (size_t d = 1; d < x->ndim(); ++d) array->add_shape(x->shape()[d]);
  array->set_data(std::move(data));
  return value;
}

// Rows [start, start + count) of a block (any dtype and rank).
Result TakeRows(OpContext&, const OpArgs& args) {
  absl::StatusOr<ArrayView> x = args.Array(0);
  absl::StatusOr<int64_t> start = args.Int(1);
  absl::StatusOr<int64_t> count = args.Int(2);
  if (!x.ok() || !start.ok() || !count.ok()) {
    return !x.ok() ? x.status() : !start.ok() ? start.status() : count.status();
  }
  if (x->ndim() == 0) return args.Error("argument 0 must have at least one dimension");
  const uint64_t n = x->shape()[0];
  if (*start < 0 || *count < 0 || static_cast<uint64_t>(*start + *count) > n) {
    return args.Error(absl::StrCat("rows ", *start, " to ", *start + *count, " of a block of ", n));
  }
  const uint64_t row_bytes = n == 0 ? 0 : x->bytes().size() / n;
  v1::Value value;
  v1::NDArray* array = value.mutable_ndarray();
  array->set_dtype(x->dtype());
  array->add_shape(static_cast<uint64_t>(*count));
  for (size_t d = 1; d < x->ndim(); ++d) array->add_shape(x->shape()[d]);
  array->set_data(std::string(x->bytes().substr(static_cast<uint64_t>(*start) * row_bytes,
                                                static_cast<uint64_t>(*count) * row_bytes)));
  return value;
}

// One cross-validation fit of logistic regression: arguments X blocks then y blocks (`blocks` of
// each); fits on every fold but `fold` of `folds` (sklearn's KFold, no shuffling) and returns the
// accuracy on that fold.
Result CvLogistic(OpContext& ctx, const OpArgs& args) {
  absl::StatusOr<int64_t> blocks = args.Int("blocks", -1);
  absl::StatusOr<int64_t> fold = args.Int("fold", 0);
  absl::StatusOr<int64_t> folds = args.Int("folds", 5);
  absl::StatusOr<double> c = args.Float("C", 1.0);
  absl::StatusOr<int64_t> max_iter = args.Int("max_iter", 100);
  absl::StatusOr<double> tol = args.Float("tol", 1e-6);
  absl::StatusOr<bool> intercept = args.Bool("intercept", true);
  for (const absl::Status& s : {blocks.status(), fold.status(), folds.status(), c.status(),
                                max_iter.status(), tol.status(), intercept.status()}) {
    if (!s.ok()) return s;
  }
  if (*blocks < 1 || args.size() != static_cast<size_t>(2 * *blocks)) {
    return args.Error(absl::StrCat("takes `blocks` X blocks then as many y blocks; blocks = ",
                                   *blocks, " and ", args.size(), " arguments"));
  }
  if (*folds < 2 || *fold < 0 || *fold >= *folds) {
    return args.Error(
        absl::StrCat("fold ", *fold, " of ", *folds, ": needs 0 <= fold < folds, ", "folds >= 2"));
  }
  std::vector<double> x, y;
  uint64_t cols = 0;
  for (int64_t b = 0; b < *blocks; ++b) {
    absl::StatusOr<DoubleRows> xb = RowsArg(args, static_cast<size_t>(b));
    if (!xb.ok()) return xb.status();
    absl::StatusOr<std::vector<double>> yb = DoublesArg(args, static_cast<size_t>(*blocks + b));
    if (!yb.ok()) return yb.status();
    if (b == 0) cols = xb->rows.cols;
    if (xb->rows.cols != cols || yb->size() != xb->rows.rows) {
      return args.Error(absl::StrCat("block ", b, " of X has ", xb->rows.rows, " x ", xb->rows.cols,
                                     ", its y ", yb->size(), " values"));
    }
    x.insert(x.end(), xb->rows.data, xb->rows.data + xb->rows.rows * cols);
    y.insert(y.end(), yb->begin(), yb->end());
  }
  const uint64_t n = y.size();
  uint64_t begin = 0, end = 0;
  ml_kernels::FoldRange(n, static_cast<uint64_t>(*folds), static_cast<uint64_t>(*fold), &begin,
                        &end);
  std::vector<double> train_x, train_y;
  train_x.reserve((n - (end - begin)) * cols);
  for (uint64_t i = 0; i < n; ++i) {
    if (i >= begin && i < end) continue;
    train_x.insert(train_x.end(), x.begin() + static_cast<ptrdiff_t>(i * cols),
                   x.begin() + static_cast<ptrdiff_t>((i + 1) * cols));
    train_y.push_back(y[i]);
  }
  if (ctx.Stopped()) return absl::CancelledError("stopped");
  const Rows train{train_x.data(), train_y.size(), cols, cols};
  const std::vector<double> w = ml_kernels::FitLogisticLocal(
      train, train_y.data(), 1, *c, *intercept, static_cast<int>(*max_iter), *tol, nullptr);
  const Rows held{x.data() + begin * cols, end - begin, cols, cols};
  const std::vector<double> p = ml_kernels::LogisticProba(held, w, *intercept);
  uint64_t right = 0;
  for (uint64_t i = 0; i < p.size(); ++i) {
    right += (p[i] > 0.5) == (y[begin + i] > 0.5) ? 1 : 0;
  }
  v1::Value out;
  out.set_float_(p.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(p.size()));
  return out;
}

OpSignature Sig(std::vector<Param> params, std::vector<Param> kwargs, Kind result,
                bool more_args = false) {
  OpSignature sig;
  sig.args = std::move(params);
  sig.kwargs = std::move(kwargs);
  sig.more_args = more_args;
  sig.result = result;
  return sig;
}

}  // namespace

void RegisterArrayMlOps(OpRegistry& registry) {
  UseOneBlasThread();
  const Param x{"X", Kind::kNdarray};
  const Param centres{"centres", Kind::kNdarray};
  const Kind nd = Kind::kNdarray;
  registry.Register("array.kmeans_partial", Sig({x, centres}, {}, nd), KMeansPartial);
  registry.Register("array.kmeans_labels", Sig({x, centres}, {}, nd), KMeansLabels);
  registry.Register("array.kmeans_sample",
                    Sig({x, centres},
                        {{"factor", Kind::kFloat},
                         {"cost", Kind::kFloat},
                         {"seed", Kind::kInt},
                         {"stream", Kind::kInt}},
                        nd),
                    KMeansSample);
  registry.Register("array.sum_partials", Sig({}, {}, nd, true), SumPartials);
  registry.Register("array.column_stats", Sig({x}, {}, nd), ColumnStats);
  registry.Register("array.column_stats_combine", Sig({}, {}, nd, true), CombineColumnStats);
  Param y{"y", Kind::kNdarray};
  y.optional = true;
  registry.Register("array.normal_equations",
                    Sig({x, y}, {{"target_column", Kind::kInt}, {"intercept", Kind::kBool}}, nd),
                    NormalEquations);
  registry.Register("array.npy_normal_equations",
                    Sig({{"path", Kind::kText}},
                        {{"offset", Kind::kList},
                         {"shape", Kind::kList},
                         {"target_column", Kind::kInt},
                         {"intercept", Kind::kBool}},
                        nd),
                    NpyNormalEquations);
  registry.Register("array.logistic_grad_hess",
                    Sig({x, {"y", Kind::kNdarray}}, {{"w", nd}, {"intercept", Kind::kBool}}, nd),
                    LogisticGradHess);
  registry.Register("array.linear_predict",
                    Sig({x}, {{"w", nd}, {"intercept", Kind::kBool}, {"kind", Kind::kStr}}, nd),
                    Predict);
  registry.Register("array.split_rows",
                    Sig({x},
                        {{"seed", Kind::kInt},
                         {"block", Kind::kInt},
                         {"test_size", Kind::kFloat},
                         {"test", Kind::kBool}},
                        nd),
                    SplitRows);
  registry.Register("array.take_rows",
                    Sig({x, {"start", Kind::kInt}, {"count", Kind::kInt}}, {}, nd), TakeRows);
  registry.Register("array.cv_logistic",
                    Sig({},
                        {{"blocks", Kind::kInt},
                         {"fold", Kind::kInt},
                         {"folds", Kind::kInt},
                         {"C", Kind::kFloat},
                         {"max_iter", Kind::kInt},
                         {"tol", Kind::kFloat},
                         {"intercept", Kind::kBool}},
                        Kind::kFloat, true),
                    CvLogistic);
}

}  // namespace brisk
