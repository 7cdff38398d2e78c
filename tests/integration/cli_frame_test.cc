// `brisk frame` against real daemons: pipelines over a relative glob printed as CSV (compared
// byte for byte with pandas' to_csv of the same pipeline), JSON records and text, and the errors
// a user meets, after which the cluster still serves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/cluster.h"
#include "tests/support/pandas_check.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

// Runs `brisk` from `dir`, where the relative paths of the pipeline are.
class InDirectory {
 public:
  explicit InDirectory(const std::string& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~InDirectory() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

class CliFrame : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start(2);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    std::filesystem::create_directories(cluster_->dir() + "/logs");
    cluster_->WriteFile("logs/a.csv",
                        "host,status,latency,path\n"
                        "web1,500,0.25,/\n"
                        "web2,200,0.5,\"/a,b\"\n"
                        "web1,503,,/x\n"
                        "web3,404,0.125,/y\n"
                        "web1,500,1.5,/\n");
    cluster_->WriteFile("logs/b.csv",
                        "host,status,latency,path\n"
                        "web2,500,2,/\n"
                        ",500,3,/z\n"
                        "web1,502,4.75,/x\n"
                        "web2,500,1,/\n");
    cluster_->WriteFile("hosts.csv", "host,dc\nweb1,east\nweb2,west\n");
  }
  // pandas' CSV of `code`'s frame `r`, `df` being logs/*.csv concatenated.
  std::string PandasCsv(const std::string& code) {
    const std::string error = RunPandas(
        cluster_->dir(),
        absl::StrCat("import glob\n"
                     "df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('logs/*.csv'))],"
                     " ignore_index=True)\n",
                     code, "\nr.to_csv('expected.csv', index=False)\n"));
    EXPECT_EQ(error, "");
    std::ifstream in(cluster_->dir() + "/expected.csv");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  CliResult Brisk(std::vector<std::string> args) {
    InDirectory here(cluster_->dir());
    return cluster_->RunCli(args);
  }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(CliFrame, GroupBySortAndJoinPrintCsvAsPandasWritesIt) {
  CliResult got = Brisk({"-o", "csv", "frame", "read", "logs/*.csv", "groupby", "host", "agg",
                         "count(), mean(latency), max(status) as worst", "sort", "-count,host"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  EXPECT_EQ(got.out,
            PandasCsv("r = df.groupby('host').agg(count=('host', 'size'),"
                      " mean_latency=('latency', 'mean'), worst=('status', 'max')).reset_index()\n"
                      "r = r.sort_values(['count', 'host'], ascending=[False, True],"
                      " kind='stable')"));

  // The same groups split over 3 partitions by hash, then sorted.
  got = Brisk({"-o", "csv", "frame", "--split-out", "3", "read", "logs/*.csv", "groupby", "host",
               "agg", "count(), mean(latency), max(status) as worst", "sort", "host"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  EXPECT_EQ(got.out,
            PandasCsv("r = df.groupby('host').agg(count=('host', 'size'),"
                      " mean_latency=('latency', 'mean'), worst=('status', 'max')).reset_index()"));

  got = Brisk({"-o", "csv", "frame", "read", "logs/*.csv", "join", "hosts.csv", "on", "host", "how",
               "left", "sort", "latency"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  EXPECT_EQ(got.out, PandasCsv("r = df.merge(pd.read_csv('hosts.csv'), on='host', how='left')\n"
                               "r = r.sort_values('latency', kind='stable')"));
}

TEST_F(CliFrame, ShuffleJoinSortAndDescribe) {
  // The right side a glob of two files: joined by hash shuffle (rows compared sorted).
  std::filesystem::create_directories(cluster_->dir() + "/dcs");
  cluster_->WriteFile("dcs/1.csv", "host,dc\nweb1,east\nweb4,north\n");
  cluster_->WriteFile("dcs/2.csv", "host,dc\nweb2,west\nweb1,south\n");
  const std::string dcs =
      "h = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('dcs/*.csv'))],"
      " ignore_index=True)\n";
  const std::string want = PandasCsv(dcs +
                                     "r = df.merge(h, on='host', how='left')"
                                     ".sort_values(['latency', 'dc'], kind='stable')");
  for (std::vector<std::string> force :
       {std::vector<std::string>{}, {"shuffle", "3"}, {"broadcast"}}) {
    std::vector<std::string> args = {"-o",        "csv", "frame", "read", "logs/*.csv", "join",
                                     "dcs/*.csv", "on",  "host",  "how",  "left"};
    args.insert(args.end(), force.begin(), force.end());
    for (const char* word : {"sort", "latency,dc"}) args.push_back(word);
    CliResult got = Brisk(args);
    ASSERT_EQ(got.exit_code, 0) << got.ToString();
    EXPECT_EQ(got.out, want) << (force.empty() ? "auto" : force[0]);
  }
  // A sort of two partitions (range-partitioned), then head: the first rows of the global order.
  CliResult got =
      Brisk({"-o", "csv", "frame", "read", "logs/*.csv", "sort", "-latency,host", "head", "3"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  EXPECT_EQ(got.out, PandasCsv("r = df.sort_values(['latency', 'host'], ascending=[False, True],"
                               " kind='stable').head(3)"));
  got = Brisk({"-o", "csv", "frame", "read", "logs/*.csv", "describe"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  cluster_->WriteFile("described.csv", got.out);
  const std::string error =
      RunPandas(cluster_->dir(),
                "import glob\n"
                "df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('logs/*.csv'))],"
                " ignore_index=True)\n"
                "want = df.describe().reset_index().rename(columns={'index': 'statistic'})\n"
                "got = pd.read_csv('described.csv')\n"
                "pd.testing.assert_frame_equal(got, want, rtol=1e-12)\n");
  EXPECT_EQ(error, "");
  got = Brisk({"frame", "read", "logs/*.csv", "join", "hosts.csv", "on", "host", "shuffle", "0"});
  EXPECT_EQ(got.exit_code, 2) << got.ToString();
  EXPECT_THAT(got.err, HasSubstr("need at least 1 partition"));
}

TEST_F(CliFrame, TheReadmePipeline) {
  CliResult got = Brisk({"-o", "csv", "frame", "read", "logs/*.csv", "filter", "status >= 500",
                         "assign", "ms=latency * 1000", "groupby", "host", "agg",
                         "count(), mean(ms)", "sort", "-count", "head", "2"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  EXPECT_EQ(got.out,
            PandasCsv("d = df[df.status >= 500].copy()\n"
                      "d['ms'] = d.latency * 1000\n"
                      "r = d.groupby('host').agg(count=('host', 'size'),"
                      " mean_ms=('ms', 'mean')).reset_index()\n"
                      "r = r.sort_values('count', ascending=False, kind='stable').head(2)"));
}

TEST_F(CliFrame, JsonRecordsAndText) {
  CliResult got = Brisk({"-o", "json", "frame", "read", "logs/*.csv", "value_counts", "status"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  EXPECT_EQ(got.out,
            "[{\"status\":500,\"count\":5},{\"status\":200,\"count\":1},{\"status\":404,"
            "\"count\":1},{\"status\":502,\"count\":1},{\"status\":503,\"count\":1}]\n");
  got = Brisk({"frame", "read", "logs/*.csv", "groupby", "host", "agg", "sum(latency)"});
  ASSERT_EQ(got.exit_code, 0) << got.ToString();
  // Numbers right-aligned, floats with their points aligned as NumPy prints them.
  EXPECT_EQ(got.out,
            "host  sum_latency\n"
            "web1        6.5\n"
            "web2        3.5\n"
            "web3        0.125\n");
}

TEST_F(CliFrame, ErrorsNameTheVerbOrColumnAndTheClusterServesOn) {
  CliResult got = Brisk({"frame", "read", "logs/*.csv", "groupby", "host", "agg", "median(x)"});
  EXPECT_EQ(got.exit_code, 2) << got.ToString();
  EXPECT_THAT(got.err, HasSubstr("unknown function \"median\""));
  got = Brisk({"frame", "read", "nothing/*.csv"});
  EXPECT_EQ(got.exit_code, 2) << got.ToString();
  EXPECT_THAT(got.err, HasSubstr("no file matches \"nothing/*.csv\""));
  got = Brisk({"frame", "read", "logs/*.csv", "sort", "-count", "frobnicate"});
  EXPECT_EQ(got.exit_code, 2) << got.ToString();
  EXPECT_THAT(got.err, HasSubstr("unknown verb \"frobnicate\""));
  // A column the files lack is found by the workers: the job fails naming it.
  got = Brisk({"frame", "read", "logs/*.csv", "groupby", "host", "agg", "sum(bytes)"});
  EXPECT_EQ(got.exit_code, 1) << got.ToString();
  EXPECT_THAT(got.err, HasSubstr("sum(bytes): "));
  EXPECT_THAT(got.err, HasSubstr("\"bytes\""));
  got = Brisk({"frame", "read", "logs/*.csv", "filter", "status >= 5oo"});
  EXPECT_EQ(got.exit_code, 2) << got.ToString();
  EXPECT_THAT(got.err, HasSubstr("unexpected \"oo\" at column 12"));
  got = Brisk({"frame", "read", "logs/*.csv", "filter", "bytes > 1"});
  EXPECT_EQ(got.exit_code, 1) << got.ToString();
  EXPECT_THAT(got.err, HasSubstr("\"bytes\""));
  got = Brisk({"-o", "csv", "status"});
  EXPECT_EQ(got.exit_code, 2) << got.ToString();
  got = Brisk({"-o", "csv", "frame", "read", "logs/a.csv", "select", "host"});
  EXPECT_EQ(got.exit_code, 0) << got.ToString();
}

}  // namespace
}  // namespace brisk::testing
