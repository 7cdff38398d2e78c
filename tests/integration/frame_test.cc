// brisk::Frame on an embedded cluster of two workers, against pandas over the same files
// (tests/support/pandas_check.h): files cut by byte range, grouped aggregates through trees of
// several fan-ins, joins with a broadcast frame and by hash shuffle, sorts on one worker and by
// range partitioning, value counts, describe, persisting, CSV output and the errors a user meets.
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

// Ops of a Frame's graph.
int CountOps(const Frame& frame, const std::string& op) {
  int n = 0;
  const v1::Graph graph = frame.ToGraph();
  for (const v1::Task& t : graph.tasks()) n += t.op() == op;
  return n;
}

TEST_F(FrameTest, ShuffleJoinOfTwoLargeFramesAsPandasMergeSorted) {
  for (int f = 0; f < 3; ++f) {
    std::string l = "k,s,lid\n", r = "k,s,rid,s2\n";
    for (int i = 0; i < 60; ++i) {
      const int id = f * 100 + i;
      // Left keys 0..39 (some null), right keys 20..59 (as floats in file 1, some null).
      const std::string lk = i % 17 == 5 ? "" : absl::StrCat((i * 7 + f) % 40);
      const int rkv = 20 + (i * 11 + f) % 40;
      const std::string rk =
          i % 19 == 3 ? "" : (f == 1 ? absl::StrCat(rkv, ".0") : absl::StrCat(rkv));
      absl::StrAppend(&l, lk, ",", std::string(1, "ab"[i % 2]), ",", id, "\n");
      absl::StrAppend(&r, rk, ",", std::string(1, "ab"[(i / 2) % 2]), ",", id, ",",
                      std::string(1, "xyz"[i % 3]), "\n");
    }
    Write(absl::StrCat("jl/", f, ".csv"), l);
    Write(absl::StrCat("jr/", f, ".csv"), r);
  }
  Write("jl/3.csv", "k,s,lid\n");
  Write("jr/3.csv", "k,s,rid,s2\n");
  const Frame left = Frame::ReadCsv(dir_ + "/jl/*.csv"), right = Frame::ReadCsv(dir_ + "/jr/*.csv");
  const std::string inputs =
      "l = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('jl/*.csv'))], ignore_index=True)\n"
      "rt = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('jr/*.csv'))],"
      " ignore_index=True)\n";
  for (const std::string how : {"inner", "left"}) {
    SCOPED_TRACE(how);
    // Auto: the right frame has 4 partitions, so a shuffle into max(4, 4) buckets.
    const Frame joined = left.Join(right, {"k"}, how);
    ASSERT_TRUE(joined.ok()) << joined.status();
    EXPECT_EQ(joined.num_partitions(), 4u);
    EXPECT_EQ(CountOps(joined, "frame.hash_partition"), 2 * 4 * 4);
    // The rows come bucket by bucket: compared sorted.
    ExpectMatches(joined.SortValues({"lid", "rid"}),
                  absl::StrCat(inputs, "r = l.merge(rt, on='k', how='", how,
                               "').sort_values(['lid', 'rid'], kind='stable')"));
    // Two key columns, shuffled into 3 buckets.
    JoinOptions options;
    options.how = how;
    options.npartitions = 3;
    const Frame two = left.Join(right, {"k", "s"}, options);
    EXPECT_EQ(two.num_partitions(), 3u);
    ExpectMatches(two.SortValues({"lid", "rid"}),
                  absl::StrCat(inputs, "r = l.merge(rt, on=['k', 's'], how='", how,
                               "').sort_values(['lid', 'rid'], kind='stable')"));
    // Broadcast forced: the left rows keep their order, as pandas gives them for a left join.
    options.strategy = JoinStrategy::kBroadcast;
    options.npartitions = 0;
    const Frame broadcast = left.Join(right, {"k"}, options);
    EXPECT_EQ(CountOps(broadcast, "frame.hash_partition"), 0);
    EXPECT_EQ(broadcast.num_partitions(), 4u);
    if (how == "left") {
      ExpectMatches(broadcast, absl::StrCat(inputs, "r = l.merge(rt, on='k', how='left')"));
    }
  }
  // A shuffle forced with a right frame of one partition.
  JoinOptions shuffle;
  shuffle.strategy = JoinStrategy::kShuffle;
  shuffle.npartitions = 5;
  const Frame forced = Logs().Join(Frame::ReadCsv(dir_ + "/hosts.csv"), {"host"}, shuffle);
  EXPECT_EQ(forced.num_partitions(), 5u);
  EXPECT_EQ(CountOps(forced, "frame.hash_partition"), 5 * (3 + 1));
  ExpectMatches(forced.SortValues({"host", "status", "path"}),
                "h = pd.read_csv('hosts.csv')\n"
                "r = df.merge(h, on='host').sort_values(['host', 'status', 'path'],"
                " kind='stable')");
  shuffle.npartitions = -1;
  EXPECT_THAT(Logs().Join(Logs(), {"host"}, shuffle).status().message(),
              HasSubstr("npartitions is -1"));
}

TEST_F(FrameTest, SortOfManyPartitionsByRangePartitioningAsPandas) {
  // 4 files: many equal values, nulls, a column int in some files and float in another, and an
  // empty file; `id` shows that ties keep their input order.
  for (int f = 0; f < 4; ++f) {
    std::string rows = "g,x,name,id\n";
    for (int i = 0; f < 3 && i < 300; ++i) {
      const int id = f * 1000 + i;
      const std::string x = i % 23 == 4 ? ""
                                        : (f == 2 ? absl::StrCat((i * 37) % 101, ".5")
                                                  : absl::StrCat((i * 37) % 101));
      const std::string name = i % 31 == 7 ? "" : absl::StrCat("n", (i * 13) % 7);
      absl::StrAppend(&rows, i % 3, ",", x, ",", name, ",", id, "\n");
    }
    Write(absl::StrCat("s/", f, ".csv"), rows);
  }
  const Frame frame = Frame::ReadCsv(dir_ + "/s/*.csv");
  const std::string read =
      "df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('s/*.csv'))],"
      " ignore_index=True)\n";
  const Frame by_x = frame.SortValues({"x"});
  EXPECT_EQ(by_x.num_partitions(), 4u);
  EXPECT_EQ(CountOps(by_x, "frame.range_partition"), 4 * 4);
  ExpectMatches(by_x, read + "r = df.sort_values('x', kind='stable')");
  ExpectMatches(frame.SortValues({"g", "x", "name"}, {false, true, false}),
                read +
                    "r = df.sort_values(['g', 'x', 'name'], ascending=[False, True, False],"
                    " kind='stable')");
  ExpectMatches(frame.SortValues({"name", "g"}, {false, true}),
                read + "r = df.sort_values(['name', 'g'], ascending=[False, True], kind='stable')");
  // Three values only: most pieces are empty or hold all of one value; the order holds.
  ExpectMatches(frame.SortValues({"g"}, {false}),
                read + "r = df.sort_values('g', ascending=False, kind='stable')");
  // One value only: everything in one piece, in input order.
  ExpectMatches(frame.Assign("one", "g * 0").SortValues({"one"}),
                read + "df['one'] = df.g * 0\nr = df.sort_values('one', kind='stable')");
  // head after a sort: the first rows of the global order.
  ExpectMatches(frame.SortValues({"x", "id"}, {false, false}).Head(25),
                read + "r = df.sort_values(['x', 'id'], ascending=[False, False]).head(25)");

  // The partitions are in global order, and the work is spread: no piece holds every row.
  absl::StatusOr<Job> job = client_->Submit(frame.SortValues({"id"}).ToGraph());
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<std::vector<ValuePtr>> parts = client_->Gather(job->outputs);
  ASSERT_TRUE(parts.ok()) << parts.status();
  client_->Release(job->id).IgnoreError();
  ASSERT_EQ(parts->size(), 4u);
  int64_t last = -1;
  uint64_t largest = 0;
  for (const ValuePtr& p : *parts) {
    absl::StatusOr<TableView> t = TableView::Of(*p);
    ASSERT_TRUE(t.ok()) << t.status();
    largest = std::max(largest, t->num_rows());
    absl::StatusOr<ColumnView> id = t->column("id");
    ASSERT_TRUE(id.ok()) << id.status();
    for (uint64_t r = 0; r < id->size(); ++r) {
      EXPECT_GT(id->values<int64_t>().value()[r], last);
      last = id->values<int64_t>().value()[r];
    }
  }
  EXPECT_LT(largest, 900u);
}

TEST_F(FrameTest, DescribeAsPandas) {
  // logs/*.csv: `ms` int in one file and float in another, a header-only file, `status` ints;
  // `host` and `path` text, left out as pandas leaves them out.
  const std::string pandas =
      "r = df.describe().reset_index().rename(columns={'index': 'statistic'})";
  const Frame many = Logs(16).Describe();
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_EQ(CountOps(many, "frame.quantile_sketch"), static_cast<int>(Logs(16).num_partitions()));
  // pandas.concat makes the columns of the header-only file's empty frame `object`; the table
  // keeps their numbers' dtype (table_concat.h), as infer_objects() gives it back to pandas.
  ExpectMatches(many, "df = df.infer_objects()\n" + std::string(pandas));
  const Frame one = Frame::ReadCsv(dir_ + "/logs/a.csv").Describe();
  EXPECT_EQ(CountOps(one, "frame.describe"), 1);
  ExpectMatches(one, "df = pd.read_csv('logs/a.csv')\n" + std::string(pandas));
  // A bool column is left out; a column with no value at all is NaN but for count.
  Write("flags.csv", "ok,x,none\ntrue,1,\nfalse,2,\ntrue,,\n");
  ExpectMatches(Frame::ReadCsv(dir_ + "/flags.csv").Describe(),
                "df = pd.read_csv('flags.csv')\n" + std::string(pandas));
  // No numeric column: an error naming the columns.
  absl::StatusOr<v1::Value> none = Logs().Select({"host", "path"}).Describe().Compute(*client_);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("no numeric column (columns: host, path)"));
}

TEST_F(FrameTest, DescribeOfLargePartitionsHasSketchedQuartilesWithinTheirBound) {
  // 3 files of 5000 values (more than a sketch keeps), skewed differently.
  const int files = 3, rows = 5000;
  for (int f = 0; f < files; ++f) {
    std::string text = "v\n";
    for (int i = 0; i < rows; ++i) {
      const int64_t h = (int64_t{i} * 7919 + f * 104729) % 100003;
      absl::StrAppend(&text, f == 1 ? h * h % 1000003 : h / (f + 1), "\n");
    }
    Write(absl::StrCat("big/", f, ".csv"), text);
  }
  const Frame big = Frame::ReadCsv(dir_ + "/big/*.csv").Describe();
  absl::StatusOr<v1::Value> got = big.Compute(*client_);
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<TableView> view = TableView::Of(*got);
  ASSERT_TRUE(view.ok()) << view.status();
  // count, mean, std, min, max exact (to rounding); the quartiles checked by rank below.
  const nlohmann::json want = Pandas(
      "df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob('big/*.csv'))],"
      " ignore_index=True)\n"
      "r = df.describe().reset_index().rename(columns={'index': 'statistic'})\n"
      "s = pd.DataFrame({'v': df.v.sort_values().tolist()})\n"
      "dump(s, 'sorted.json')");
  const nlohmann::json sorted = ReadJsonFile(dir_ + "/sorted.json");
  ASSERT_TRUE(sorted.is_object());
  const std::vector<double> values = sorted["data"]["v"].get<std::vector<double>>();
  const ColumnView& v = view->column(1);
  ASSERT_EQ(v.size(), 8u);
  for (int s : {0, 1, 2, 3, 7}) {
    const double expected = want["data"]["v"][s].get<double>();
    EXPECT_NEAR(v.AsDouble(s), expected, 1e-12 * std::max(1.0, std::abs(expected))) << s;
  }
  // Each quartile lies between the values n / 1000 + 2 ranks (per partition: 1) around its rank.
  const double n = static_cast<double>(values.size());
  const double slack = n / 1000 + 2 + files;
  for (int s = 4; s <= 6; ++s) {
    const double q = 0.25 * (s - 3), rank = q * (n - 1);
    const double lo = values[static_cast<size_t>(std::max(0.0, std::floor(rank - slack)))];
    const double hi = values[static_cast<size_t>(std::min(n - 1, std::ceil(rank + slack)))];
    EXPECT_GE(v.AsDouble(s), lo) << "quartile " << q;
    EXPECT_LE(v.AsDouble(s), hi) << "quartile " << q;
  }
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
