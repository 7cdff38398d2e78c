// brisk::ml on an embedded cluster with small data whose answer is known independently:
// k-means on well separated blobs and against NumPy's Lloyd iterations, linear regression
// against planted weights and NumPy's lstsq, logistic regression's accuracy, reproducible
// train/test splits, and a grid search that picks what fitting each fold directly says is best.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/ml.h"
#include "brisk/npy.h"
#include "tests/integration/cluster.h"
#include "tests/support/numpy_script.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

class ArrayMl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Client::StartLocal();
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = c->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
  }
  void SetUp() override {
    auto dir = MakeTempDir("array-ml");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  static std::vector<double> Doubles(const v1::Value& v) {
    absl::StatusOr<ArrayView> view = ArrayView::Of(v);
    std::vector<double> out;
    if (!view.ok()) return out;
    for (uint64_t i = 0; i < view->size(); ++i) out.push_back(view->AsDouble(i));
    return out;
  }
  std::vector<double> Load(const std::string& name) const {
    absl::StatusOr<v1::Value> v = ReadNpy(Path(name));
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? Doubles(*v) : std::vector<double>{};
  }
  static std::vector<double> Computed(const Array& a) {
    absl::StatusOr<v1::Value> v = a.Compute(*client_);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? Doubles(*v) : std::vector<double>{};
  }
  static Array Local(const std::vector<double>& values, Shape shape, Shape chunk) {
    return Array::FromValue(*MakeArray<double>(std::move(shape), values), std::move(chunk));
  }

  static Client* client_;
  std::string dir_;
};

Client* ArrayMl::client_ = nullptr;

TEST_F(ArrayMl, KMeansFindsWellSeparatedBlobs) {
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(5)
centres = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]])
which = rs.randint(0, 3, 301)
pts = centres[which] + 0.5 * rs.standard_normal((301, 2))
for i, (a, b) in enumerate([(0, 100), (100, 101), (101, 301)]):  # a part of one row
    np.save("part-%d.npy" % i, pts[a:b])
np.save("which.npy", which)
)py"),
            "");
  const std::vector<double> which = Load("which.npy");
  const Array x = Array::FromNpyDir(dir_);
  ml::KMeansOptions options;
  options.k = 3;
  absl::StatusOr<ml::KMeansResult> km = ml::KMeans(*client_, x, options);
  ASSERT_TRUE(km.ok()) << km.status();
  const double planted[3][2] = {{0, 0}, {10, 10}, {-10, 10}};
  // Every planted centre has a found one within 0.2, and the labels group the points as the
  // blobs do.
  std::vector<int> found_for(3, -1);
  for (int p = 0; p < 3; ++p) {
    for (int c = 0; c < 3; ++c) {
      if (std::hypot(km->centres[c * 2] - planted[p][0], km->centres[c * 2 + 1] - planted[p][1]) <
          0.2) {
        found_for[p] = c;
      }
    }
    EXPECT_GE(found_for[p], 0) << "no centre near blob " << p;
  }
  const std::vector<double> labels = Computed(km->labels);
  ASSERT_EQ(labels.size(), 301u);
  for (size_t i = 0; i < labels.size(); ++i) {
    EXPECT_EQ(labels[i], found_for[static_cast<int>(which[i])]) << i;
  }
  EXPECT_TRUE(km->converged);
  // The inertia is the sum of squared distances to the found centres.
  absl::StatusOr<v1::Value> pts = x.Compute(*client_);
  ASSERT_TRUE(pts.ok());
  const std::vector<double> p = Doubles(*pts);
  double inertia = 0;
  for (size_t i = 0; i < 301; ++i) {
    const auto c = static_cast<size_t>(labels[i]);
    inertia += std::pow(p[i * 2] - km->centres[c * 2], 2) +
               std::pow(p[i * 2 + 1] - km->centres[c * 2 + 1], 2);
  }
  EXPECT_NEAR(km->inertia, inertia, 1e-9 * inertia);
}

TEST_F(ArrayMl, KMeansFirstKMatchesNumpysLloydIterations) {
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(6)
X = rs.standard_normal((90, 3)); X[:30] += 4; X[30:60] -= 4
np.save("x.npy", X)
c = X[:4].copy()
def nearest(c):
    d2 = ((X[:, None, :] - c[None, :, :]) ** 2).sum(2)
    return d2.argmin(1), d2.min(1).sum()
for _ in range(6):
    lab, _ = nearest(c)
    for j in range(4):
        if (lab == j).any():
            c[j] = X[lab == j].mean(0)   # an empty cluster keeps its centre
np.save("centres.npy", c)
np.save("inertia.npy", np.array([nearest(c)[1]]))
np.save("labels.npy", nearest(c)[0])
)py"),
            "");
  ml::KMeansOptions options;
  options.k = 4;
  options.init = "first-k";
  options.max_iter = 6;
  options.tol = 0;
  // Odd chunks: 7 rows a block, the last of 6; the first block holds the 4 first rows.
  const Array x = Array::FromNpy(Path("x.npy"), {7, 0});
  absl::StatusOr<ml::KMeansResult> km = ml::KMeans(*client_, x, options);
  ASSERT_TRUE(km.ok()) << km.status();
  EXPECT_EQ(km->iterations, 6);
  const std::vector<double> centres = Load("centres.npy");
  ASSERT_EQ(km->centres.size(), centres.size());
  for (size_t i = 0; i < centres.size(); ++i) EXPECT_NEAR(km->centres[i], centres[i], 1e-9);
  EXPECT_NEAR(km->inertia, Load("inertia.npy")[0], 1e-9 * km->inertia);
  EXPECT_EQ(Computed(km->labels), Load("labels.npy"));
  // Given centres: the same as first-k's.
  ml::KMeansOptions given = options;
  const std::vector<double> xs = Load("x.npy");
  given.init_centres = std::vector<double>(xs.begin(), xs.begin() + 12);
  absl::StatusOr<ml::KMeansResult> again = ml::KMeans(*client_, x, given);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->centres, km->centres);
}

TEST_F(ArrayMl, KMeansRefusesWhatIsNoMatrixOfRows) {
  EXPECT_THAT(
      ml::KMeans(*client_, Local(std::vector<double>(24, 1.0), {2, 3, 4}, {})).status().message(),
      HasSubstr("2-D"));
  EXPECT_THAT(
      ml::KMeans(*client_, Local(std::vector<double>(24, 1.0), {6, 4}, {3, 2})).status().message(),
      HasSubstr("chunked along rows only"));
  ml::KMeansOptions many;
  many.k = 10;
  EXPECT_THAT(ml::KMeans(*client_, Local(std::vector<double>(24, 1.0), {6, 4}, {}), many)
                  .status()
                  .message(),
              HasSubstr("fewer than k"));
  ml::KMeansOptions init;
  init.k = 2;
  init.init = "random";
  EXPECT_THAT(ml::KMeans(*client_, Local(std::vector<double>(24, 1.0), {6, 4}, {}), init)
                  .status()
                  .message(),
              HasSubstr("init must be"));
}

TEST_F(ArrayMl, LinearRegressionRecoversPlantedWeightsAsNumpysLstsq) {
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(7)
X = rs.standard_normal((203, 3))
y = X @ np.array([1.5, -2.0, 0.25]) + 2.5 + 0.01 * rs.standard_normal(203)
np.save("x.npy", X); np.save("y.npy", y)
A = np.hstack([X, np.ones((203, 1))])
np.save("w.npy", np.linalg.lstsq(A, y, rcond=None)[0])
np.save("w0.npy", np.linalg.lstsq(X, y, rcond=None)[0])
np.save("xy.npy", np.hstack([X[:, :1], y[:, None], X[:, 1:]]))  # y in the middle
)py"),
            "");
  const std::vector<double> w = Load("w.npy");
  const Array x = Array::FromNpy(Path("x.npy"), {37, 0});
  const Array y = Array::FromNpy(Path("y.npy"), {37});
  absl::StatusOr<ml::LinearModel> m = ml::LinearRegression(*client_, x, y);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE(m->singular);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(m->coef[j], w[j], 1e-9);
  EXPECT_NEAR(m->intercept, w[3], 1e-9);
  EXPECT_NEAR(m->coef[0], 1.5, 0.01);  // and the planted ones
  EXPECT_NEAR(m->intercept, 2.5, 0.01);
  EXPECT_GT(m->r2, 0.999);
  // Predictions: X w + b.
  const std::vector<double> pred = Computed(m->Predict(x)), xs = Load("x.npy");
  ASSERT_EQ(pred.size(), 203u);
  for (size_t i = 0; i < pred.size(); i += 50) {
    EXPECT_NEAR(pred[i], xs[i * 3] * w[0] + xs[i * 3 + 1] * w[1] + xs[i * 3 + 2] * w[2] + w[3],
                1e-9);
  }
  // Without an intercept, from one array whose middle column is y.
  ml::LinearRegressionOptions no_intercept;
  no_intercept.fit_intercept = false;
  absl::StatusOr<ml::LinearModel> xy =
      ml::LinearRegressionXy(*client_, Array::FromNpy(Path("xy.npy"), {50, 0}), 1, no_intercept);
  ASSERT_TRUE(xy.ok()) << xy.status();
  const std::vector<double> w0 = Load("w0.npy");
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(xy->coef[j], w0[j], 1e-9);
}

TEST_F(ArrayMl, LinearRegressionXyIsTheSameFromFilesOfEveryLayoutAndFromValues) {
  // Read and fused with the normal equations (C-order float64: slab by slab; other layouts and
  // dtypes: read whole), or from values (array.normal_equations): NumPy's lstsq each time.
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(12)
X = rs.standard_normal((90, 3)).astype(np.float32).astype(np.float64)
y = X @ np.array([0.5, 2.0, -1.0]) - 1.0 + 0.1 * rs.standard_normal(90).astype(np.float32)
xy = np.hstack([X[:, :2], y[:, None], X[:, 2:]]).astype(np.float32).astype(np.float64)
np.save("c.npy", xy)
np.save("fortran.npy", np.asfortranarray(xy))
np.save("f4.npy", xy.astype(np.float32))
np.save("big.npy", xy.astype(">f8"))
A = np.hstack([np.delete(xy, 2, axis=1), np.ones((90, 1))])
np.save("w.npy", np.linalg.lstsq(A, xy[:, 2], rcond=None)[0])
)py"),
            "");
  const std::vector<double> w = Load("w.npy");
  std::vector<Array> inputs;
  for (const char* f : {"c.npy", "fortran.npy", "f4.npy", "big.npy"}) {
    inputs.push_back(Array::FromNpy(Path(f), {25, 0}));
  }
  inputs.push_back(Array::FromNpy(Path("c.npy")));  // one block
  inputs.push_back(Local(Load("c.npy"), {90, 4}, {40, 0}));
  for (const Array& xy : inputs) {
    absl::StatusOr<ml::LinearModel> m = ml::LinearRegressionXy(*client_, xy, 2);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_EQ(m->coef.size(), 3u);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(m->coef[j], w[j], 1e-6) << xy.name() << " " << j;
    EXPECT_NEAR(m->intercept, w[3], 1e-6) << xy.name();
    EXPECT_EQ(m->rows, 90u);
  }
  absl::StatusOr<ml::LinearModel> bad =
      ml::LinearRegressionXy(*client_, Array::FromNpy(Path("c.npy"), {25, 0}), 4);
  EXPECT_THAT(bad.status().message(), HasSubstr("target column 4"));
}

TEST_F(ArrayMl, LinearRegressionSaysWhenXtXIsSingular) {
  // Two equal columns: no unique solution; the minimum-norm one splits the weight.
  std::vector<double> x, y;
  for (int i = 0; i < 20; ++i) {
    x.push_back(i);
    x.push_back(i);
    y.push_back(4.0 * i);
  }
  ml::LinearRegressionOptions options;
  options.fit_intercept = false;
  absl::StatusOr<ml::LinearModel> m =
      ml::LinearRegression(*client_, Local(x, {20, 2}, {6, 0}), Local(y, {20}, {6}), options);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->singular);
  EXPECT_THAT(m->note, HasSubstr("singular"));
  EXPECT_NEAR(m->coef[0], 2.0, 1e-6);
  EXPECT_NEAR(m->coef[1], 2.0, 1e-6);
  EXPECT_NEAR(m->rss, 0.0, 1e-6);
}

TEST_F(ArrayMl, LinearRegressionRefusesMisalignedRows) {
  absl::StatusOr<ml::LinearModel> m =
      ml::LinearRegression(*client_, Local(std::vector<double>(20, 1), {10, 2}, {5, 0}),
                           Local(std::vector<double>(10, 1), {10}, {4}));
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("row chunks"));
}

TEST_F(ArrayMl, LogisticRegressionClassifiesSeparableishData) {
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(8)
X = rs.standard_normal((400, 2))
y = (X @ np.array([2.0, -1.0]) + 0.3 + 0.3 * rs.standard_normal(400) > 0).astype(np.int64)
np.save("x.npy", X); np.save("y.npy", y)
)py"),
            "");
  const Array x = Array::FromNpy(Path("x.npy"), {64, 0});
  const Array y = Array::FromNpy(Path("y.npy"), {64});
  absl::StatusOr<ml::LogisticModel> m = ml::LogisticRegression(*client_, x, y);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->converged);
  const std::vector<double> labels = Load("y.npy");
  const std::vector<double> pred = Computed(m->Predict(x));
  const std::vector<double> proba = Computed(m->PredictProba(x));
  ASSERT_EQ(pred.size(), 400u);
  ASSERT_EQ(proba.size(), 400u);
  int right = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    right += pred[i] == labels[i];
    EXPECT_EQ(pred[i], proba[i] > 0.5 ? 1 : 0);
  }
  EXPECT_GE(right, 360) << "accuracy " << right / 400.0;
  EXPECT_GT(m->coef[0], 0);
  EXPECT_LT(m->coef[1], 0);
}

TEST_F(ArrayMl, TrainTestSplitPartitionsEachBlockReproducibly) {
  std::vector<double> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(i);
  std::vector<double> x2;
  for (double v : ids) {
    x2.push_back(v);
    x2.push_back(-v);
  }
  const Array x = Local(x2, {50, 2}, {12, 0});  // blocks of 12, 12, 12, 12, 2
  const Array y = Local(ids, {50}, {12});
  ml::TrainTestSplitResult s = ml::TrainTestSplit(x, y, 0.25, 11);
  ASSERT_TRUE(s.x_train.ok()) << s.x_train.status();
  // ceil(0.25 * 12) = 3 and ceil(0.25 * 2) = 1 test rows per block.
  EXPECT_EQ(s.x_test.chunks()[0], (std::vector<uint64_t>{3, 3, 3, 3, 1}));
  EXPECT_EQ(s.y_train.chunks()[0], (std::vector<uint64_t>{9, 9, 9, 9, 1}));
  const std::vector<double> xtr = Computed(s.x_train), xte = Computed(s.x_test);
  const std::vector<double> ytr = Computed(s.y_train), yte = Computed(s.y_test);
  ASSERT_EQ(ytr.size(), 37u);
  ASSERT_EQ(yte.size(), 13u);
  std::set<double> all(ytr.begin(), ytr.end());
  all.insert(yte.begin(), yte.end());
  EXPECT_EQ(all.size(), 50u);  // disjoint, and every row in one part
  for (size_t i = 0; i < ytr.size(); ++i) EXPECT_EQ(xtr[2 * i], ytr[i]);  // X and y agree
  for (size_t i = 0; i < yte.size(); ++i) EXPECT_EQ(xte[2 * i + 1], -yte[i]);
  EXPECT_TRUE(std::is_sorted(ytr.begin(), ytr.end()));  // rows keep their order
  EXPECT_EQ(Computed(ml::TrainTestSplit(x, y, 0.25, 11).y_test), yte);
  EXPECT_NE(Computed(ml::TrainTestSplit(x, y, 0.25, 12).y_test), yte);
  EXPECT_FALSE(ml::TrainTestSplit(x, y, 1.5).x_train.ok());
  EXPECT_FALSE(ml::TrainTestSplit(x, Local(ids, {50}, {10})).y_test.ok());
}

TEST_F(ArrayMl, GridSearchPicksTheSettingThatDirectFitsSayIsBest) {
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(9)
X = rs.standard_normal((120, 3))
y = (X @ np.array([1.0, -1.0, 0.5]) + 0.8 * rs.standard_normal(120) > 0).astype(np.float64)
np.save("x.npy", X); np.save("y.npy", y)
)py"),
            "");
  const std::vector<double> xs = Load("x.npy"), ys = Load("y.npy");
  const Array x = Array::FromNpy(Path("x.npy"), {25, 0});
  const Array y = Array::FromNpy(Path("y.npy"), {25});
  ml::ParamGrid grid = {{"C", {1e-4, 0.05, 10.0}}, {"fit_intercept", {0, 1}}};
  ml::LogisticRegressionOptions base;
  base.tol = 1e-10;
  absl::StatusOr<ml::GridSearchResult> g = ml::GridSearchLogistic(*client_, x, y, grid, 3, base);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->params.size(), 6u);
  // Each setting fitted directly on each fold's rows (KFold(3): 40 rows a fold) with the
  // distributed LogisticRegression, scored here.
  std::vector<double> direct;
  for (const auto& p : g->params) {
    double total = 0;
    for (int f = 0; f < 3; ++f) {
      std::vector<double> trx, try_, tex, tey;
      for (int i = 0; i < 120; ++i) {
        const bool held = i >= f * 40 && i < (f + 1) * 40;
        for (int j = 0; j < 3; ++j) (held ? tex : trx).push_back(xs[i * 3 + j]);
        (held ? tey : try_).push_back(ys[i]);
      }
      ml::LogisticRegressionOptions o = base;
      o.C = p.at("C");
      o.fit_intercept = p.at("fit_intercept") != 0;
      absl::StatusOr<ml::LogisticModel> m = ml::LogisticRegression(
          *client_, Local(trx, {80, 3}, {30, 0}), Local(try_, {80}, {30}), o);
      ASSERT_TRUE(m.ok()) << m.status();
      const std::vector<double> pred = Computed(m->Predict(Local(tex, {40, 3}, {})));
      int right = 0;
      for (int i = 0; i < 40; ++i) right += pred[i] == tey[i];
      EXPECT_DOUBLE_EQ(g->fold_scores[direct.size()][f], right / 40.0);
      total += right / 40.0;
    }
    direct.push_back(total / 3);
  }
  for (size_t s = 0; s < direct.size(); ++s) EXPECT_DOUBLE_EQ(g->mean_scores[s], direct[s]);
  const size_t best = std::max_element(direct.begin(), direct.end()) - direct.begin();
  EXPECT_EQ(g->best_index, best);
  EXPECT_EQ(g->best_params, g->params[best]);
  EXPECT_DOUBLE_EQ(g->best_score, direct[best]);
  // The tiny C underfits: the search must not pick it.
  EXPECT_NE(g->best_params.at("C"), 1e-4);
  EXPECT_THAT(ml::GridSearchLogistic(*client_, x, y, {{"alpha", {1}}}).status().message(),
              HasSubstr("unknown parameter \"alpha\""));
  EXPECT_THAT(ml::GridSearchLogistic(*client_, x, y, {{"max_iter", {1e30}}}).status().message(),
              HasSubstr("no value of \"max_iter\""));
  EXPECT_THAT(ml::GridSearchLogistic(*client_, x, y, {{"C", {0}}}).status().message(),
              HasSubstr("no value of \"C\""));
}

}  // namespace
}  // namespace brisk::testing
