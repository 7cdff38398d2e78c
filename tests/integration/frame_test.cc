// brisk::Frame on an embedded cluster of two workers, against pandas over the same files
// (tests/support/pandas_check.h): files cut by byte range, grouped aggregates through trees of
// several fan-ins, joins with a broadcast frame, sorts, value counts, persisting, CSV output and
// the errors a user meets.
#include "brisk/frame.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/client.h"
#include "tests/support/pandas_check.h"

namespace brisk {
namespace {

using testing::ExpectTableMatches;
using ::testing::HasSubstr;
using testing::ReadJsonFile;
using testing::RunPandas;

class FrameTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Client::StartLocal({.workers = 2, .threads_per_worker = 1, .plugins = {}});
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = c->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
  }
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "frame-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // Three files of a log: a quoted comma, missing values, `ms` integer in one file and float
    // in another, a header-only file.
    Write("logs/a.csv",
          "host,status,ms,path\n"
          "web1,200,10,/\n"
          "web2,500,20,\"/a,b\"\n"
          "web1,500,,/x\n"
          "web3,404,7,/y\n"
          "web1,200,12,/\n");
    Write("logs/b.csv", "host,status,ms,path\n");
    Write("logs/c.csv",
          "host,status,ms,path\n"
          "web2,500,2.5,/\n"
          ",200,3,/z\n"
          "web1,503,40.25,/x\n"
          "web2,200,1,/\n");
    Write("hosts.csv", "host,dc\nweb1,east\nweb2,west\nweb4,north\n");
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  void Write(const std::string& name, const std::string& bytes) {
    std::filesystem::create_directories(std::filesystem::path(dir_ + "/" + name).parent_path());
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
  }
  // pandas' frame `r` from `code`, which may use `df` (logs/*.csv concatenated in order).
  nlohmann::json Pandas(const std::string& code) {
    const std::string error = RunPandas(
        dir_, absl::StrCat("import glob\n"
                           "df = pd.concat([pd.read_csv(f, float_precision='round_trip') for f in "
                           "sorted(glob.glob('logs/*.csv'))], ignore_index=True)\n",
                           code, "\ndump(r, 'expected.json')\n"));
    EXPECT_EQ(error, "");
    return ReadJsonFile(dir_ + "/expected.json");
  }
  void ExpectMatches(const Frame& frame, const std::string& pandas, double rel_tol = 1e-12) {
    ASSERT_TRUE(frame.ok()) << frame.status();
    absl::StatusOr<v1::Value> got = frame.Compute(*client_);
    ASSERT_TRUE(got.ok()) << got.status();
    absl::StatusOr<TableView> view = TableView::Of(*got);
    ASSERT_TRUE(view.ok()) << view.status();
    ExpectTableMatches(*view, Pandas(pandas), rel_tol);
  }
  Frame Logs(uint64_t blocksize = 0) {
    CsvReadOptions options;
    options.blocksize = blocksize;
    return Frame::ReadCsv(dir_ + "/logs/*.csv", options);
  }
  static Client* client_;
  std::string dir_;
};
Client* FrameTest::client_ = nullptr;

TEST_F(FrameTest, ReadsAGlobWholeOrInByteRanges) {
  EXPECT_EQ(Logs().num_partitions(), 3u);
  // 16-byte ranges: several per file, each starting at a record.
  const Frame ranged = Logs(16);
  EXPECT_GT(ranged.num_partitions(), 6u);
  ExpectMatches(Logs(), "r = df");
  ExpectMatches(ranged, "r = df");
}

TEST_F(FrameTest, FusedVerbsAsPandas) {
  const Frame slow = Logs(16)
                         .Filter("status >= 500 and notnull(ms)")
                         .Assign("us", "ms * 1000")
                         .Rename({{"path", "url"}})
                         .Drop({"ms"});
  // One frame.apply per partition, whatever the length of the chain.
  const v1::Graph graph = slow.ToGraph();
  int applies = 0;
  for (const v1::Task& t : graph.tasks()) applies += t.op() == "frame.apply";
  EXPECT_EQ(applies, static_cast<int>(slow.num_partitions()));
  EXPECT_EQ(graph.tasks_size(), 2 * static_cast<int>(slow.num_partitions()));
  ExpectMatches(slow,
                "r = df[(df.status >= 500) & df.ms.notnull()].copy()\n"
                "r['us'] = r.ms * 1000\n"
                "r = r.rename(columns={'path': 'url'}).drop(columns=['ms'])");
  ExpectMatches(Logs(16).Select({"host", "ms"}).Head(4), "r = df[['host', 'ms']].head(4)");
  ExpectMatches(Logs(16).Filter("startswith(path, '/x')").GroupBy({"host"}).Agg({"count()"}),
                "r = df[df.path.str.startswith('/x')].groupby('host').size()"
                ".reset_index(name='count')");
}

TEST_F(FrameTest, GroupByAggregatesAsPandasWhateverTheTreeShape) {
  for (int fan_in : {2, 3, 8}) {
    SCOPED_TRACE(absl::StrCat("fan-in ", fan_in));
    AggregateOptions options;
    options.fan_in = fan_in;
    ExpectMatches(
        Logs(16).GroupBy({"host"}).Agg(
            {"count()", "sum(ms)", "mean(ms)", "max(status)", "nunique(path)", "std(ms)"}, options),
        "r = df.groupby('host').agg(count=('host', 'size'), sum_ms=('ms', 'sum'),"
        " mean_ms=('ms', 'mean'), max_status=('status', 'max'),"
        " nunique_path=('path', 'nunique'), std_ms=('ms', 'std')).reset_index()");
  }
  AggregateOptions named;
  named.names = {"n", "worst"};
  ExpectMatches(Logs().GroupBy({"host", "status"}).Agg({"count()", "max(ms)"}, named),
                "r = df.groupby(['host', 'status']).agg(n=('ms', 'size'),"
                " worst=('ms', 'max')).reset_index()");
}

TEST_F(FrameTest, ManyGroupsSplitOutByHashAsPandas) {
  // 3 files of 1500 rows over 1000 keys, ints in two files and floats in the third: equal keys
  // must meet in one bucket whatever their dtype.
  for (int f = 0; f < 3; ++f) {
    std::string rows = "k,v\n";
    for (int i = 0; i < 1500; ++i) {
      const int k = (i * 7 + f * 13) % 1000;
      absl::StrAppend(&rows, f == 2 ? absl::StrCat(k, ".0") : absl::StrCat(k), ",", i % 17, "\n");
    }
    Write(absl::StrCat("many/", f, ".csv"), rows);
  }
  AggregateOptions options;
  options.split_out = 4;
  options.fan_in = 2;
  const Frame by_key = Frame::ReadCsv(dir_ + "/many/*.csv")
                           .GroupBy({"k"})
                           .Agg({"count()", "sum(v)", "nunique(v)"}, options);
  ASSERT_TRUE(by_key.ok()) << by_key.status();
  EXPECT_EQ(by_key.num_partitions(), 4u);
  const std::string pandas =
      "df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('many/*.csv'))],"
      " ignore_index=True)\n"
      "r = df.groupby('k').agg(count=('v', 'size'), sum_v=('v', 'sum'),"
      " nunique_v=('v', 'nunique')).reset_index()";
  // Each group once (in one bucket), all of them.
  ExpectMatches(by_key.SortValues({"k"}), pandas);
  options.split_out = 0;
  EXPECT_FALSE(Logs().GroupBy({"host"}).Agg({"count()"}, options).ok());
}

TEST_F(FrameTest, AggregatesNamedDifferentlyAreDifferentKeys) {
  AggregateOptions total, s;
  total.names = {"total"};
  s.names = {"s"};
  const Frame a = Logs().GroupBy({"host"}).Agg({"sum(ms)"}, total);
  const Frame b = Logs().GroupBy({"host"}).Agg({"sum(ms)"}, s);
  ExpectMatches(a.Join(b, {"host"}),
                "a = df.groupby('host').agg(total=('ms', 'sum')).reset_index()\n"
                "r = a.merge(df.groupby('host').agg(s=('ms', 'sum')).reset_index(), on='host')");
}

TEST_F(FrameTest, JoinWithABroadcastFrameAsPandasMerge) {
  const Frame hosts = Frame::ReadCsv(dir_ + "/hosts.csv");
  ExpectMatches(Logs(16).Join(hosts, {"host"}, "left"),
                "h = pd.read_csv('hosts.csv')\nr = df.merge(h, on='host', how='left')");
  // An inner join keeps the left rows' order (see table_join.h).
  ExpectMatches(Logs().Join(hosts, {"host"}),
                "h = pd.read_csv('hosts.csv')\n"
                "r = df.merge(h, on='host', how='left', indicator=True)\n"
                "r = r[r._merge == 'both'].drop(columns='_merge')");
}

TEST_F(FrameTest, SortAndValueCounts) {
  ExpectMatches(Logs(16).SortValues({"ms", "host"}, {false, true}),
                "r = df.sort_values(['ms', 'host'], ascending=[False, True], kind='stable')");
  // Most frequent first, ties by value.
  ExpectMatches(Logs().ValueCounts("status"),
                "r = df.groupby('status').size().reset_index(name='count')\n"
                "r = r.sort_values(['count', 'status'], ascending=[False, True], kind='stable')");
}

TEST_F(FrameTest, PersistedPartitionsAreReadNotRecomputed) {
  absl::StatusOr<Frame> held = Logs(16).Persist(*client_);
  ASSERT_TRUE(held.ok()) << held.status();
  // The files go away: only the held partitions can give the result now.
  std::filesystem::remove_all(dir_ + "/logs/");
  absl::StatusOr<v1::Value> got = held->GroupBy({"host"}).Agg({"sum(ms)"}).Compute(*client_);
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<TableView> view = TableView::Of(*got);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->num_rows(), 3u);  // web1, web2, web3 (the null host is in no group)
}

TEST_F(FrameTest, ToCsvWritesAPartPerPartition) {
  absl::StatusOr<int64_t> rows = Logs().ToCsv(*client_, dir_ + "/out");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 9);
  for (const char* part : {"part-00000.csv", "part-00001.csv", "part-00002.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/out/" + part)) << part;
  }
  ExpectMatches(Frame::ReadCsv(dir_ + "/out/*.csv"), "r = df");
}

TEST_F(FrameTest, ErrorsNameWhatIsWrong) {
  const Frame none = Frame::ReadCsv(dir_ + "/nothing/*.csv");
  EXPECT_EQ(none.status().message(), absl::StrCat("no file matches \"", dir_, "/nothing/*.csv\""));
  const Frame bad = Logs().GroupBy({"host"}).Agg({"median(ms)"});
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown function \"median\""));
  EXPECT_EQ(bad.Compute(*client_).status(), bad.status());
  // A column the files lack is found on the workers; the error names it.
  absl::StatusOr<v1::Value> got = Logs().GroupBy({"host"}).Agg({"sum(latency)"}).Compute(*client_);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("sum(latency): "));
  EXPECT_THAT(got.status().message(), HasSubstr("\"latency\""));
  EXPECT_FALSE(Frame().ok());
  // A malformed expression is the Frame's error before anything runs, naming the token.
  const Frame typo = Logs().Filter("status >= 5oo");
  EXPECT_EQ(typo.status().message(),
            "expression \"status >= 5oo\": unexpected \"oo\" at column 12");
  // A column the partitions lack: the workers' error names it and lists the columns.
  got = Logs().Filter("latency > 1").Compute(*client_);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("\"latency\""));
  EXPECT_THAT(Logs().Join(Logs(), {"host"}, "outer").status().message(),
              HasSubstr("\"inner\" or \"left\""));
}

}  // namespace
}  // namespace brisk
