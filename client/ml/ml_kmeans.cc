// brisk::ml::KMeans: k-means|| or given initial centres, then Lloyd iterations, each one pass of
// "array.kmeans_partial" tasks over the persisted blocks and a tree sum.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "brisk/ml.h"
#include "client/array_data.h"
#include "client/ml/ml_passes.h"
#include "worker/array/ml_kernels.h"

namespace brisk::ml {
namespace {

// The first `k` rows of x (fewer when x has fewer).
absl::StatusOr<std::vector<double>> FirstRows(Client& client, const Array& x, uint64_t k) {
  std::vector<double> out;
  const uint64_t d = x.shape()[1];
  for (uint64_t b = 0; b < x.chunks()[0].size() && out.size() < k * d; ++b) {
    const uint64_t rows = x.chunks()[0][b];
    const uint64_t want = std::min(rows, k - out.size() / d);
    if (want == 0) continue;
    v1::Graph graph;
    v1::Graph g = x.ToGraph();
    for (const v1::Task& t : g.tasks()) *graph.add_tasks() = t;
    v1::Task* t = graph.add_tasks();
    t->set_key(ArrayName("kmeans-first", {x.name(), std::to_string(b), std::to_string(want)}));
    t->set_op("array.take_rows");
    *t->add_args() = RefArg(x.BlockKey({b, 0}));
    *t->add_args() = IntArg(0);
    *t->add_args() = IntArg(static_cast<int64_t>(want));
    graph.add_outputs(t->key());
    absl::StatusOr<Job> job = client.Submit(graph);
    if (!job.ok()) return job.status();
    absl::StatusOr<ValuePtr> v = client.Result(job->outputs[0]);
    client.Release(job->id).IgnoreError();
    if (!v.ok()) return v.status();
    absl::StatusOr<ArrayView> view = ArrayView::Of(**v);
    if (!view.ok()) return view.status();
    for (uint64_t i = 0; i < view->size(); ++i) out.push_back(view->AsDouble(i));
  }
  return out;
}

struct Partial {
  std::vector<double> sums, counts;
  double inertia = 0;
};

absl::StatusOr<Partial> PartialPass(Client& client, const Array& x,
                                    const std::vector<double>& centres, uint64_t k,
                                    int split_every) {
  const uint64_t d = x.shape()[1];
  BlockTask task{"array.kmeans_partial", {DoublesArg(centres, {k, d})}, {}};
  absl::StatusOr<v1::Value> total =
      SumPass(client, {x}, task, "array.sum_partials", split_every, "kmeans-partial");
  if (!total.ok()) return total.status();
  absl::StatusOr<std::vector<double>> v = Doubles(*total);
  if (!v.ok()) return v.status();
  if (v->size() != k * d + k + 1) return absl::InternalError("k-means partial of another size");
  Partial p;
  p.sums.assign(v->begin(), v->begin() + static_cast<ptrdiff_t>(k * d));
  p.counts.assign(v->begin() + static_cast<ptrdiff_t>(k * d),
                  v->begin() + static_cast<ptrdiff_t>(k * d + k));
  p.inertia = v->back();
  return p;
}

// k-means|| (Bahmani et al., as dask-ml's init_scalable): candidates sampled in rounds with
// probability proportional to their squared distance, weighted by the points nearest them, then
// reduced to k by weighted k-means++ and Lloyd iterations here.
absl::StatusOr<std::vector<double>> ScalableInit(Client& client, const Array& x, uint64_t k,
                                                 const KMeansOptions& options) {
  const uint64_t n = x.shape()[0], d = x.shape()[1];
  // The first candidate: a row drawn uniformly.
  const auto first = static_cast<uint64_t>(ml_kernels::UniformDraw(options.seed, ~uint64_t{0}, 0) *
                                           static_cast<double>(n));
  uint64_t block = 0, row = first;
  while (row >= x.chunks()[0][block]) row -= x.chunks()[0][block++];
  v1::Graph graph;
  *graph.mutable_tasks() = x.ToGraph().tasks();
  v1::Task* t = graph.add_tasks();
  t->set_key(ArrayName("kmeans-seed", {x.name(), std::to_string(first)}));
  t->set_op("array.take_rows");
  *t->add_args() = RefArg(x.BlockKey({block, 0}));
  *t->add_args() = IntArg(static_cast<int64_t>(row));
  *t->add_args() = IntArg(1);
  graph.add_outputs(t->key());
  absl::StatusOr<Job> job = client.Submit(graph);
  if (!job.ok()) return job.status();
  absl::StatusOr<ValuePtr> seed_row = client.Result(job->outputs[0]);
  client.Release(job->id).IgnoreError();
  if (!seed_row.ok()) return seed_row.status();
  absl::StatusOr<std::vector<double>> candidates = Doubles(**seed_row);
  if (!candidates.ok()) return candidates.status();

  const double factor = options.oversampling_factor * static_cast<double>(k);
  for (int round = 0; round < options.init_rounds; ++round) {
    const uint64_t m = candidates->size() / d;
    absl::StatusOr<Partial> cost = PartialPass(client, x, *candidates, m, options.split_every);
    if (!cost.ok()) return cost.status();
    if (!(cost->inertia > 0)) break;  // every point is a candidate already
    BlockTask sample{"array.kmeans_sample",
                     {DoublesArg(*candidates, {m, d})},
                     {{"factor", FloatArg(factor)},
                      {"cost", FloatArg(cost->inertia)},
                      {"seed", IntArg(static_cast<int64_t>(options.seed))}}};
    // A stream per round and block: the draws differ between them.
    v1::Graph g;
    *g.mutable_tasks() = x.ToGraph().tasks();
    const std::string name =
        ArrayName("kmeans-sample", {x.name(), std::to_string(round), std::to_string(options.seed),
                                    cost->inertia == 0 ? "0" : std::to_string(cost->inertia)});
    for (uint64_t b = 0; b < x.chunks()[0].size(); ++b) {
      v1::Task* s = g.add_tasks();
      s->set_key(BlockKeyOf(name, {b}));
      s->set_op(sample.op);
      *s->add_args() = RefArg(x.BlockKey({b, 0}));
      *s->add_args() = sample.extra_args[0];
      for (const auto& [key, v] : sample.kwargs) (*s->mutable_kwargs())[key] = v;
      (*s->mutable_kwargs())["stream"] =
          IntArg(static_cast<int64_t>(static_cast<uint64_t>(round) * x.chunks()[0].size() + b));
      g.add_outputs(s->key());
    }
    absl::StatusOr<Job> sj = client.Submit(g);
    if (!sj.ok()) return sj.status();
    absl::StatusOr<std::vector<ValuePtr>> picked = client.Gather(sj->outputs);
    client.Release(sj->id).IgnoreError();
    if (!picked.ok()) return picked.status();
    for (const ValuePtr& p : *picked) {
      absl::StatusOr<std::vector<double>> rows = Doubles(*p);
      if (!rows.ok()) return rows.status();
      candidates->insert(candidates->end(), rows->begin(), rows->end());
    }
  }
  const uint64_t m = candidates->size() / d;
  // Weights: how many points are nearest each candidate.
  absl::StatusOr<Partial> weights = PartialPass(client, x, *candidates, m, options.split_every);
  if (!weights.ok()) return weights.status();
  const ml_kernels::Rows rows{candidates->data(), m, d, d};
  return ml_kernels::WeightedKMeansLocal(rows, weights->counts, k, options.seed, 30);
}

// The mean variance of the features (for tol).
absl::StatusOr<double> MeanVariance(Client& client, const Array& x, int split_every) {
  BlockTask task{"array.column_stats", {}, {}};
  absl::StatusOr<v1::Value> total =
      SumPass(client, {x}, task, "array.column_stats_combine", split_every, "column-stats");
  if (!total.ok()) return total.status();
  absl::StatusOr<std::vector<double>> s = Doubles(*total);
  if (!s.ok()) return s.status();
  const uint64_t f = (s->size() - 1) / 4;
  const double n = (*s)[0];
  double sum = 0;
  for (uint64_t j = 0; j < f; ++j) sum += n > 0 ? (*s)[1 + f + j] / n : 0.0;
  return f > 0 ? sum / static_cast<double>(f) : 0.0;
}

}  // namespace

Array KMeansResult::Predict(const Array& x) const {
  if (absl::Status s = CheckRows(x, "KMeans::Predict: X"); !s.ok()) return ErrorArray(s);
  if (x.shape()[1] != features) {
    return ErrorArray(absl::InvalidArgumentError(absl::StrCat(
        "KMeans::Predict: X has ", x.shape()[1], " features, the centres have ", features)));
  }
  BlockTask task{
      "array.kmeans_labels", {DoublesArg(centres, {static_cast<uint64_t>(k), features})}, {}};
  return RowwiseArray(x, task, v1::DTYPE_INT64, "kmeans-labels");
}

absl::StatusOr<KMeansResult> KMeans(Client& client, const Array& x_in,
                                    const KMeansOptions& options) {
  if (absl::Status s = CheckRows(x_in, "KMeans: X"); !s.ok()) return s;
  if (options.k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("KMeans: k must be at least 1, got ", options.k));
  }
  const auto k = static_cast<uint64_t>(options.k);
  const uint64_t n = x_in.shape()[0], d = x_in.shape()[1];
  if (d == 0) return absl::InvalidArgumentError("KMeans: X has no features (columns)");
  if (n < k) {
    return absl::InvalidArgumentError(
        absl::StrCat("KMeans: X has ", n, " rows, fewer than k = ", k));
  }
  if (!options.init_centres.empty() && options.init_centres.size() != k * d) {
    return absl::InvalidArgumentError(absl::StrCat("KMeans: init_centres holds ",
                                                   options.init_centres.size(),
                                                   " numbers, k x features is ", k * d));
  }
  if (options.init_centres.empty() && options.init != "k-means||" && options.init != "first-k") {
    return absl::InvalidArgumentError(absl::StrCat(
        "KMeans: init must be \"k-means||\" or \"first-k\", got \"", options.init, "\""));
  }
  absl::StatusOr<Array> x = Persisted(client, x_in);
  if (!x.ok()) return x.status();

  KMeansResult result;
  result.k = options.k;
  result.features = d;
  result.rows = n;
  if (!options.init_centres.empty()) {
    result.centres = options.init_centres;
  } else if (options.init == "first-k") {
    absl::StatusOr<std::vector<double>> first = FirstRows(client, *x, k);
    if (!first.ok()) return first.status();
    result.centres = std::move(*first);
  } else {
    absl::StatusOr<std::vector<double>> init = ScalableInit(client, *x, k, options);
    if (!init.ok()) return init.status();
    result.centres = std::move(*init);
  }
  double threshold = 0;
  if (options.tol > 0) {
    absl::StatusOr<double> var = MeanVariance(client, *x, options.split_every);
    if (!var.ok()) return var.status();
    threshold = options.tol * *var;
  }
  for (int it = 0; it < options.max_iter; ++it) {
    absl::StatusOr<Partial> p = PartialPass(client, *x, result.centres, k, options.split_every);
    if (!p.ok()) return p.status();
    double shift = 0;
    for (uint64_t c = 0; c < k; ++c) {
      if (p->counts[c] <= 0) continue;  // an empty cluster keeps its centre
      for (uint64_t j = 0; j < d; ++j) {
        const double next = p->sums[c * d + j] / p->counts[c];
        shift += (next - result.centres[c * d + j]) * (next - result.centres[c * d + j]);
        result.centres[c * d + j] = next;
      }
    }
    result.iterations = it + 1;
    if (options.tol > 0 && shift <= threshold) {
      result.converged = true;
      break;
    }
  }
  absl::StatusOr<Partial> last = PartialPass(client, *x, result.centres, k, options.split_every);
  if (!last.ok()) return last.status();
  result.inertia = last->inertia;
  result.labels = result.Predict(*x);
  return result;
}

}  // namespace brisk::ml
