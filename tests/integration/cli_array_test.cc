// `brisk array stats|kmeans|linreg` against real daemons (a scheduler and two workers), as text
// and JSON, with NumPy computing the expected values from the same files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "brisk/npy.h"
#include "brisk/value.h"
#include "tests/integration/cluster.h"
#include "tests/integration/test_json.h"
#include "tests/support/numpy_script.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

class CliArray : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start(2);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    ASSERT_EQ(RunNumpy(cluster_->dir(), R"py(
rs = np.random.RandomState(10)
os.makedirs("points")
centres = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
pts = centres[rs.randint(0, 3, 240)] + rs.standard_normal((240, 2))
for i in range(3):
    np.save("points/part-%02d.npy" % i, pts[i * 80:(i + 1) * 80])
np.save("all.npy", pts)
np.save("stats.npy", np.array([pts.sum(), pts.mean(), pts.std(), pts.min(), pts.max()]))
np.save("colstats.npy", np.stack([pts.sum(0), pts.mean(0), pts.std(0), pts.min(0), pts.max(0)]))
os.makedirs("reg")
X = rs.standard_normal((150, 2))
y = X @ np.array([3.0, -1.0]) + 0.5 + 0.001 * rs.standard_normal(150)
np.save("reg/part-00.npy", np.hstack([X, y[:, None]])[:70])
np.save("reg/part-01.npy", np.hstack([X, y[:, None]])[70:])
np.save("w.npy", np.linalg.lstsq(np.hstack([X, np.ones((150, 1))]), y, rcond=None)[0])
)py"),
              "");
  }
  std::string Path(const std::string& name) const { return cluster_->dir() + "/" + name; }
  std::vector<double> Load(const std::string& name) const {
    absl::StatusOr<v1::Value> v = ReadNpy(Path(name));
    EXPECT_TRUE(v.ok()) << v.status();
    std::vector<double> out;
    if (!v.ok()) return out;
    absl::StatusOr<ArrayView> view = ArrayView::Of(*v);
    for (uint64_t i = 0; i < view->size(); ++i) out.push_back(view->AsDouble(i));
    return out;
  }
  static double At(const JsonValue& list, int i) {
    return list.list_value().values(i).number_value();
  }
  CliResult Cli(const std::vector<std::string>& args) { return cluster_->RunCli(args); }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(CliArray, StatsOfADirectoryAndOfAFilePerColumnMatchNumpy) {
  CliResult text = Cli({"array", "stats", Path("points")});
  ASSERT_EQ(text.exit_code, 0) << text.ToString();
  EXPECT_THAT(text.out, HasSubstr("shape       (240, 2)\n"));
  EXPECT_THAT(text.out, HasSubstr("dtype       float64\n"));
  EXPECT_THAT(text.out, HasSubstr("blocks      3\n"));

  CliResult json = Cli({"-o", "json", "array", "stats", Path("points")});
  ASSERT_EQ(json.exit_code, 0) << json.ToString();
  const JsonValue out = ParseJson(json.out);
  const std::vector<double> s = Load("stats.npy");
  const char* names[] = {"sum", "mean", "std", "min", "max"};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(Number(out, names[i]), s[i], 1e-9 * (1 + std::abs(s[i])));

  // One file cut into blocks of 50 rows, per column.
  CliResult cols =
      Cli({"-o", "json", "array", "stats", Path("all.npy"), "--axis", "0", "--chunk-rows", "50"});
  ASSERT_EQ(cols.exit_code, 0) << cols.ToString();
  const JsonValue c = ParseJson(cols.out);
  EXPECT_EQ(Number(c, "blocks"), 5);
  const std::vector<double> cs = Load("colstats.npy");  // 5 statistics x 2 columns
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(At(Field(c, names[i]), j), cs[i * 2 + j], 1e-9 * (1 + std::abs(cs[i * 2 + j])))
          << names[i] << " " << j;
    }
  }
}

TEST_F(CliArray, KMeansFindsTheBlobs) {
  CliResult r = Cli({"-o", "json", "array", "kmeans", Path("points"), "-k", "3", "--iter", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  const JsonValue out = ParseJson(r.out);
  EXPECT_EQ(Number(out, "rows"), 240);
  EXPECT_EQ(Number(out, "k"), 3);
  const JsonValue& centres = Field(out, "centres");
  ASSERT_EQ(centres.list_value().values_size(), 3);
  const double planted[3][2] = {{0, 0}, {20, 0}, {0, 20}};
  for (const auto& p : planted) {
    double nearest = INFINITY;
    for (const JsonValue& c : centres.list_value().values()) {
      nearest = std::min(nearest, std::hypot(At(c, 0) - p[0], At(c, 1) - p[1]));
    }
    EXPECT_LT(nearest, 0.5) << p[0] << "," << p[1];
  }
  CliResult text = Cli({"array", "kmeans", Path("points"), "-k", "3"});
  ASSERT_EQ(text.exit_code, 0) << text.ToString();
  EXPECT_THAT(text.out, HasSubstr("inertia"));
  EXPECT_THAT(text.out, HasSubstr("centres     ["));
}

TEST_F(CliArray, LinregFitsTheLastColumnOnTheOthers) {
  CliResult r = Cli({"-o", "json", "array", "linreg", Path("reg"), "--target-column", "-1"});
  ASSERT_EQ(r.exit_code, 0) << r.ToString();
  const JsonValue out = ParseJson(r.out);
  const std::vector<double> w = Load("w.npy");
  EXPECT_NEAR(At(Field(out, "coef"), 0), w[0], 1e-9);
  EXPECT_NEAR(At(Field(out, "coef"), 1), w[1], 1e-9);
  EXPECT_NEAR(Number(out, "intercept"), w[2], 1e-9);
  EXPECT_EQ(Number(out, "rows"), 150);
  EXPECT_GT(Number(out, "r2"), 0.9999);
}

TEST_F(CliArray, BadInputExitsWithTwoAndSaysWhy) {
  CliResult missing = Cli({"array", "stats", Path("nothing.npy")});
  EXPECT_EQ(missing.exit_code, 2) << missing.ToString();
  EXPECT_THAT(missing.err, HasSubstr(Path("nothing.npy")));
  CliResult k = Cli({"array", "kmeans", Path("points"), "-k", "1000"});
  EXPECT_EQ(k.exit_code, 2) << k.ToString();
  EXPECT_THAT(k.err, HasSubstr("fewer than k"));
  CliResult target = Cli({"array", "linreg", Path("reg"), "--target-column", "5"});
  EXPECT_EQ(target.exit_code, 2) << target.ToString();
  EXPECT_THAT(target.err, HasSubstr("target column 5"));
  CliResult usage = Cli({"array"});
  EXPECT_EQ(usage.exit_code, 2) << usage.ToString();
}

}  // namespace
}  // namespace brisk::testing
