#include "worker/array/ml_kernels.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "Eigen/Dense"
#include "Random123/philox.h"

namespace brisk::ml_kernels {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedRows = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;
using StridedVector = Eigen::Map<const Eigen::VectorXd, 0, Eigen::InnerStride<>>;

// Rows per dgemm of the distance kernels: the slab's distances stay in cache.
constexpr uint64_t kSlab = 4096;

StridedRows View(const Rows& x) {
  return StridedRows(x.data, static_cast<Eigen::Index>(x.rows), static_cast<Eigen::Index>(x.cols),
                     Eigen::OuterStride<>(static_cast<Eigen::Index>(x.stride)));
}

Rows Slab(const Rows& x, uint64_t begin, uint64_t count) {
  return Rows{x.data + begin * x.stride, count, x.cols, x.stride};
}

// Squared distances of a slab of rows to every centre (rows x k, row-major), and the nearest.
void Distances(const Rows& slab, absl::Span<const double> centres, uint64_t k,
               const Eigen::VectorXd& c2, RowMajor& d2) {
  d2.resize(static_cast<Eigen::Index>(slab.rows), static_cast<Eigen::Index>(k));
  if (slab.rows == 0) return;
  if (slab.cols == 0) {
    d2.setZero();
    return;
  }
  // d2 = -2 x c^T
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(slab.rows),
              static_cast<int>(k), static_cast<int>(slab.cols), -2.0, slab.data,
              static_cast<int>(slab.stride), centres.data(), static_cast<int>(slab.cols), 0.0,
              d2.data(), static_cast<int>(k));
  const Eigen::VectorXd x2 = View(slab).rowwise().squaredNorm();
  d2.colwise() += x2;
  d2.rowwise() += c2.transpose();
}

Eigen::VectorXd CentreNorms(absl::Span<const double> centres, uint64_t k, uint64_t d) {
  Eigen::Map<const RowMajor> c(centres.data(), static_cast<Eigen::Index>(k),
                               static_cast<Eigen::Index>(d));
  return c.rowwise().squaredNorm();
}

double Softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }
double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// z = x.w (+ intercept) per row.
Eigen::VectorXd Linear(const Rows& x, absl::Span<const double> w, bool intercept) {
  Eigen::VectorXd z = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(x.rows));
  if (x.rows > 0 && x.cols > 0) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(x.rows), static_cast<int>(x.cols),
                1.0, x.data, static_cast<int>(x.stride), w.data(), 1, 0.0, z.data(), 1);
  }
  if (intercept) z.array() += w[x.cols];
  return z;
}

}  // namespace

std::vector<double> KMeansPartial(const Rows& x, absl::Span<const double> centres, uint64_t k) {
  const uint64_t d = x.cols;
  std::vector<double> out(k * d + k + 1, 0.0);
  double* sums = out.data();
  double* counts = out.data() + k * d;
  double inertia = 0;
  const Eigen::VectorXd c2 = CentreNorms(centres, k, d);
  // The fast path, fused after the dgemm: per row the nearest centre of -2 x.c + |c|^2 (|x|^2 is
  // the same for every centre), then |x|^2 for the inertia and the row added to its centre's sum,
  // in one sweep over the row (under perf on the kmeans bench, about a third of the time of
  // Eigen's broadcasts and row visitor).
  std::vector<double> g(std::min(kSlab, x.rows) * k);
  for (uint64_t begin = 0; begin < x.rows; begin += kSlab) {
    const Rows slab = Slab(x, begin, std::min(kSlab, x.rows - begin));
    if (d > 0) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(slab.rows),
                  static_cast<int>(k), static_cast<int>(d), -2.0, slab.data,
                  static_cast<int>(slab.stride), centres.data(), static_cast<int>(d), 0.0, g.data(),
                  static_cast<int>(k));
    } else {
      std::fill(g.begin(), g.end(), 0.0);
    }
    for (uint64_t r = 0; r < slab.rows; ++r) {
      const double* gr = g.data() + r * k;
      uint64_t best = 0;
      double m = gr[0] + c2[0];
      for (uint64_t j = 1; j < k; ++j) {
        const double v = gr[j] + c2[static_cast<Eigen::Index>(j)];
        if (v < m) {
          m = v;
          best = j;
        }
      }
      const double* row = slab.data + r * slab.stride;
      double* sum = sums + best * d;
      double x2 = 0;
      for (uint64_t f = 0; f < d; ++f) {
        x2 += row[f] * row[f];
        sum[f] += row[f];
      }
      inertia += std::max(x2 + m, 0.0);
      counts[best] += 1;
    }
  }
  out[k * d + k] = inertia;
  return out;
}

std::vector<int64_t> KMeansLabels(const Rows& x, absl::Span<const double> centres, uint64_t k) {
  std::vector<int64_t> labels(x.rows);
  const Eigen::VectorXd c2 = CentreNorms(centres, k, x.cols);
  RowMajor d2;
  for (uint64_t begin = 0; begin < x.rows; begin += kSlab) {
    const Rows slab = Slab(x, begin, std::min(kSlab, x.rows - begin));
    Distances(slab, centres, k, c2, d2);
    for (uint64_t r = 0; r < slab.rows; ++r) {
      Eigen::Index best = 0;
      d2.row(static_cast<Eigen::Index>(r)).minCoeff(&best);
      labels[begin + r] = best;
    }
  }
  return labels;
}

std::vector<double> KMeansMinDistances(const Rows& x, absl::Span<const double> centres,
                                       uint64_t k) {
  std::vector<double> out(x.rows);
  const Eigen::VectorXd c2 = CentreNorms(centres, k, x.cols);
  RowMajor d2;
  for (uint64_t begin = 0; begin < x.rows; begin += kSlab) {
    const Rows slab = Slab(x, begin, std::min(kSlab, x.rows - begin));
    Distances(slab, centres, k, c2, d2);
    for (uint64_t r = 0; r < slab.rows; ++r) {
      out[begin + r] = std::max(d2.row(static_cast<Eigen::Index>(r)).minCoeff(), 0.0);
    }
  }
  return out;
}

std::vector<double> NormalEquations(const Rows& x, const double* y, uint64_t y_stride,
                                    bool intercept) {
  const uint64_t f = x.cols;
  const uint64_t p = f + (intercept ? 1 : 0);
  std::vector<double> out(p * p + p + 2, 0.0);
  double* xtx = out.data();
  double* xty = out.data() + p * p;
  out[p * p + p] = static_cast<double>(x.rows);
  if (x.rows == 0) return out;
  const int n = static_cast<int>(x.rows), ld = static_cast<int>(x.stride);
  if (f > 0) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(f), n, 1.0, x.data, ld, 0.0,
                xtx, static_cast<int>(p));
    cblas_dgemv(CblasRowMajor, CblasTrans, n, static_cast<int>(f), 1.0, x.data, ld, y,
                static_cast<int>(y_stride), 0.0, xty, 1);
  }
  const StridedVector yv(y, static_cast<Eigen::Index>(x.rows),
                         Eigen::InnerStride<>(static_cast<Eigen::Index>(y_stride)));
  if (intercept) {
    const Eigen::VectorXd colsum = View(x).colwise().sum().transpose();
    for (uint64_t j = 0; j < f; ++j) xtx[j * p + f] = colsum[static_cast<Eigen::Index>(j)];
    xtx[f * p + f] = static_cast<double>(x.rows);
    xty[f] = yv.sum();
  }
  for (uint64_t i = 0; i < p; ++i) {
    for (uint64_t j = 0; j < i; ++j) xtx[i * p + j] = xtx[j * p + i];  // the lower triangle
  }
  out[p * p + p + 1] = yv.squaredNorm();
  return out;
}

GramAccumulator::GramAccumulator(uint64_t cols)
    : cols_(cols), gram_(cols * cols, 0.0), sums_(cols, 0.0) {}

void GramAccumulator::Add(const Rows& rows) {
  if (rows.rows == 0 || cols_ == 0) return;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(cols_),
              static_cast<int>(rows.rows), 1.0, rows.data, static_cast<int>(rows.stride), 1.0,
              gram_.data(), static_cast<int>(cols_));
  const Eigen::VectorXd s = View(rows).colwise().sum().transpose();
  for (uint64_t j = 0; j < cols_; ++j) sums_[j] += s[static_cast<Eigen::Index>(j)];
  n_ += static_cast<double>(rows.rows);
}

std::vector<double> GramAccumulator::NormalEquations(uint64_t target, bool intercept) const {
  std::vector<uint64_t> features;
  for (uint64_t j = 0; j < cols_; ++j) {
    if (j != target) features.push_back(j);
  }
  const uint64_t f = features.size();
  const uint64_t p = f + (intercept ? 1 : 0);
  auto g = [&](uint64_t a, uint64_t b) {
    return a <= b ? gram_[a * cols_ + b] : gram_[b * cols_ + a];
  };
  std::vector<double> out(p * p + p + 2, 0.0);
  for (uint64_t a = 0; a < f; ++a) {
    for (uint64_t b = 0; b < f; ++b) out[a * p + b] = g(features[a], features[b]);
    out[p * p + a] = g(features[a], target);
  }
  if (intercept) {
    for (uint64_t a = 0; a < f; ++a) {
      out[a * p + f] = out[f * p + a] = sums_[features[a]];
    }
    out[f * p + f] = n_;
    out[p * p + f] = sums_[target];
  }
  out[p * p + p] = n_;
  out[p * p + p + 1] = g(target, target);
  return out;
}

std::vector<double> LogisticGradHess(const Rows& x, const double* y, uint64_t y_stride,
                                     absl::Span<const double> w, bool intercept) {
  const uint64_t f = x.cols;
  const uint64_t p = f + (intercept ? 1 : 0);
  std::vector<double> out(p + p * p + 1, 0.0);
  if (x.rows == 0) return out;
  double* grad = out.data();
  double* hess = out.data() + p;
  const Eigen::VectorXd z = Linear(x, w, intercept);
  const StridedVector yv(y, static_cast<Eigen::Index>(x.rows),
                         Eigen::InnerStride<>(static_cast<Eigen::Index>(y_stride)));
  Eigen::VectorXd r(z.size()), weight(z.size());
  double loss = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    const double s = Sigmoid(z[i]);
    const double label = yv[i] > 0.5 ? 1.0 : 0.0;
    r[i] = s - label;
    weight[i] = s * (1 - s);
    loss += Softplus(z[i]) - label * z[i];
  }
  const int n = static_cast<int>(x.rows);
  if (f > 0) {
    cblas_dgemv(CblasRowMajor, CblasTrans, n, static_cast<int>(f), 1.0, x.data,
                static_cast<int>(x.stride), r.data(), 1, 0.0, grad, 1);
    // X^T W X = (sqrt(W) X)^T (sqrt(W) X)
    RowMajor scaled = weight.array().sqrt().matrix().asDiagonal() * View(x);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(f), n, 1.0, scaled.data(),
                static_cast<int>(f), 0.0, hess, static_cast<int>(p));
  }
  if (intercept) {
    grad[f] = r.sum();
    const Eigen::VectorXd xw = View(x).transpose() * weight;
    for (uint64_t j = 0; j < f; ++j) hess[j * p + f] = xw[static_cast<Eigen::Index>(j)];
    hess[f * p + f] = weight.sum();
  }
  for (uint64_t i = 0; i < p; ++i) {
    for (uint64_t j = 0; j < i; ++j) hess[i * p + j] = hess[j * p + i];
  }
  out[p + p * p] = loss;
  return out;
}

std::vector<double> LogisticProba(const Rows& x, absl::Span<const double> w, bool intercept) {
  const Eigen::VectorXd z = Linear(x, w, intercept);
  std::vector<double> out(x.rows);
  for (uint64_t i = 0; i < x.rows; ++i) out[i] = Sigmoid(z[static_cast<Eigen::Index>(i)]);
  return out;
}

LinearSolution SolveNormalEquations(absl::Span<const double> xtx, absl::Span<const double> xty,
                                    uint64_t p) {
  const auto n = static_cast<Eigen::Index>(p);
  const Eigen::Map<const RowMajor> a(xtx.data(), n, n);
  const Eigen::Map<const Eigen::VectorXd> b(xty.data(), n);
  LinearSolution out;
  Eigen::VectorXd w;
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(a);
  // Singular (or nearly): a pivot of D tiny against the largest.
  const Eigen::VectorXd pivots = ldlt.vectorD().cwiseAbs();
  const bool regular = p > 0 && ldlt.info() == Eigen::Success && ldlt.isPositive() &&
                       pivots.minCoeff() > 1e-12 * pivots.maxCoeff();
  if (regular) {
    w = ldlt.solve(b);
  } else {
    w = a.completeOrthogonalDecomposition().solve(b);  // the minimum-norm least-squares solution
    out.singular = true;
  }
  out.w.assign(w.data(), w.data() + w.size());
  return out;
}

std::vector<double> NewtonStep(absl::Span<const double> w, absl::Span<const double> grad,
                               absl::Span<const double> hess, double c, bool intercept,
                               double* step) {
  const auto p = static_cast<Eigen::Index>(w.size());
  const Eigen::Map<const Eigen::VectorXd> wv(w.data(), p);
  Eigen::VectorXd g = c * Eigen::Map<const Eigen::VectorXd>(grad.data(), p);
  Eigen::MatrixXd h = c * Eigen::Map<const RowMajor>(hess.data(), p, p);
  const Eigen::Index penalized = intercept ? p - 1 : p;
  g.head(penalized) += wv.head(penalized);
  h.diagonal().head(penalized).array() += 1.0;
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(h);
  Eigen::VectorXd delta = ldlt.solve(g);
  if (ldlt.info() != Eigen::Success || !delta.allFinite()) {
    delta = h.completeOrthogonalDecomposition().solve(g);
  }
  if (step != nullptr) *step = p > 0 ? delta.cwiseAbs().maxCoeff() : 0.0;
  const Eigen::VectorXd next = wv - delta;
  return std::vector<double>(next.data(), next.data() + p);
}

std::vector<double> ColumnStats(const Rows& x) {
  const uint64_t f = x.cols;
  std::vector<double> out(1 + 4 * f, 0.0);
  out[0] = static_cast<double>(x.rows);
  const double inf = std::numeric_limits<double>::infinity();
  if (x.rows == 0) {
    for (uint64_t j = 0; j < f; ++j) {
      out[1 + 2 * f + j] = inf;
      out[1 + 3 * f + j] = -inf;
    }
    return out;
  }
  const StridedRows v = View(x);
  const Eigen::RowVectorXd mean = v.colwise().mean();
  const Eigen::RowVectorXd m2 = (v.rowwise() - mean).colwise().squaredNorm();
  const Eigen::RowVectorXd lo = v.colwise().minCoeff();
  const Eigen::RowVectorXd hi = v.colwise().maxCoeff();
  for (uint64_t j = 0; j < f; ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    out[1 + j] = mean[jj];
    out[1 + f + j] = m2[jj];
    out[1 + 2 * f + j] = lo[jj];
    out[1 + 3 * f + j] = hi[jj];
  }
  return out;
}

std::vector<double> CombineColumnStats(absl::Span<const double> a, absl::Span<const double> b) {
  const uint64_t f = (a.size() - 1) / 4;
  std::vector<double> out(a.size());
  const double na = a[0], nb = b[0], n = na + nb;
  out[0] = n;
  for (uint64_t j = 0; j < f; ++j) {
    const double ma = a[1 + j], mb = b[1 + j];
    const double delta = mb - ma;
    out[1 + j] = n > 0 ? ma + delta * nb / n : 0.0;
    out[1 + f + j] = a[1 + f + j] + b[1 + f + j] + (n > 0 ? delta * delta * na * nb / n : 0.0);
    out[1 + 2 * f + j] = std::min(a[1 + 2 * f + j], b[1 + 2 * f + j]);
    out[1 + 3 * f + j] = std::max(a[1 + 3 * f + j], b[1 + 3 * f + j]);
  }
  return out;
}

std::vector<double> FitLogisticLocal(const Rows& x, const double* y, uint64_t y_stride, double c,
                                     bool intercept, int max_iter, double tol, int* iterations) {
  const uint64_t p = x.cols + (intercept ? 1 : 0);
  std::vector<double> w(p, 0.0);
  int it = 0;
  while (it < max_iter) {
    ++it;
    const std::vector<double> gh = LogisticGradHess(x, y, y_stride, w, intercept);
    double step = 0;
    w = NewtonStep(w, absl::MakeConstSpan(gh).subspan(0, p),
                   absl::MakeConstSpan(gh).subspan(p, p * p), c, intercept, &step);
    if (step <= tol) break;
  }
  if (iterations != nullptr) *iterations = it;
  return w;
}

std::vector<double> WeightedKMeansLocal(const Rows& x, absl::Span<const double> weights, uint64_t k,
                                        uint64_t seed, int iterations) {
  const uint64_t d = x.cols;
  std::vector<double> centres(k * d, 0.0);
  if (x.rows == 0) return centres;
  std::mt19937_64 rng(seed);
  auto pick = [&](const std::vector<double>& p) -> uint64_t {
    double total = 0;
    for (double v : p) total += v;
    if (!(total > 0)) return std::uniform_int_distribution<uint64_t>(0, x.rows - 1)(rng);
    std::discrete_distribution<uint64_t> dist(p.begin(), p.end());
    return dist(rng);
  };
  // k-means++: the first centre by weight, each next one by weight times squared distance.
  std::vector<double> p(weights.begin(), weights.end());
  std::copy_n(x.data + pick(p) * x.stride, d, centres.begin());
  for (uint64_t c = 1; c < k; ++c) {
    const std::vector<double> d2 =
        KMeansMinDistances(x, absl::MakeConstSpan(centres).subspan(0, c * d), c);
    for (uint64_t i = 0; i < x.rows; ++i) p[i] = weights[i] * d2[i];
    std::copy_n(x.data + pick(p) * x.stride, d, centres.begin() + static_cast<ptrdiff_t>(c * d));
  }
  // Weighted Lloyd iterations.
  for (int it = 0; it < iterations; ++it) {
    const std::vector<int64_t> labels = KMeansLabels(x, centres, k);
    std::vector<double> sums(k * d, 0.0), total(k, 0.0);
    for (uint64_t i = 0; i < x.rows; ++i) {
      const auto l = static_cast<uint64_t>(labels[i]);
      total[l] += weights[i];
      for (uint64_t j = 0; j < d; ++j) sums[l * d + j] += weights[i] * x.data[i * x.stride + j];
    }
    for (uint64_t c = 0; c < k; ++c) {
      if (total[c] <= 0) continue;  // an empty cluster keeps its centre
      for (uint64_t j = 0; j < d; ++j) centres[c * d + j] = sums[c * d + j] / total[c];
    }
  }
  return centres;
}

uint64_t SplitTestRows(uint64_t n, double test_size) {
  const double t = std::ceil(test_size * static_cast<double>(n));
  if (!(t > 0)) return 0;
  return std::min(n, static_cast<uint64_t>(t));
}

double UniformDraw(uint64_t seed, uint64_t stream, uint64_t counter) {
  r123::Philox4x64 philox;
  const r123::Philox4x64::ctr_type ctr = {{counter, 0, 0, 0}};
  const r123::Philox4x64::key_type key = {{seed, stream}};
  return static_cast<double>(philox(ctr, key)[0] >> 11) * 0x1.0p-53;
}

std::vector<bool> SplitTestMask(uint64_t n, double test_size, uint64_t seed, uint64_t block) {
  const uint64_t m = SplitTestRows(n, test_size);
  std::vector<std::pair<double, uint64_t>> draws(n);
  for (uint64_t i = 0; i < n; ++i) draws[i] = {UniformDraw(seed, block, i), i};
  std::vector<bool> test(n, false);
  if (m == 0) return test;
  std::nth_element(draws.begin(), draws.begin() + static_cast<ptrdiff_t>(m - 1), draws.end());
  for (uint64_t i = 0; i < m; ++i) test[draws[i].second] = true;
  return test;
}

void FoldRange(uint64_t n, uint64_t folds, uint64_t f, uint64_t* begin, uint64_t* end) {
  const uint64_t base = n / folds, extra = n % folds;
  *begin = f * base + std::min(f, extra);
  *end = *begin + base + (f < extra ? 1 : 0);
}

}  // namespace brisk::ml_kernels
