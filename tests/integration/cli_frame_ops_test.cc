// The frame.* ops from a graph file, against real daemons: CSV files read on two workers (one
// with a given dtype, one by byte ranges), stacked and written back, checked against pandas; a
// chain of per-partition verbs in one frame.apply task, and a bad expression's error reaching the
// user while the workers keep serving.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/cluster.h"
#include "tests/support/pandas_check.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

TEST(CliFrameOps, GraphFileReadsStacksAndWritesCsv) {
  auto cluster = TestCluster::Start(2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  TestCluster& c = **cluster;
  const std::string a = c.WriteFile("a.csv", "k,n,s\nx,1,\"p, q\"\ny,2,\n");
  const std::string b = c.WriteFile("b.csv", "k,n,s\nz,3,r\nw,,t\nv,5,u\n");
  // b.csv cut at byte 14 (inside its third record): two ranges, every record once.
  const std::string graph = absl::StrReplaceAll(
      R"json({"tasks": [
  {"key": "a", "op": "frame.read_csv", "args": [{"str": "A"}],
   "kwargs": {"dtypes": {"list": {"items": [{"str": "n:float64"}]}}}},
  {"key": "b1", "op": "frame.read_csv", "args": [{"str": "B"}],
   "kwargs": {"start": {"int": 0}, "end": {"int": 14}}},
  {"key": "b2", "op": "frame.read_csv", "args": [{"str": "B"}],
   "kwargs": {"start": {"int": 14}}},
  {"key": "all", "op": "frame.concat", "args": [{"ref": "a"}, {"ref": "b1"}, {"ref": "b2"}]},
  {"key": "out", "op": "frame.write_csv", "args": [{"ref": "all"}, {"str": "OUT"}]}]})json",
      {{"\"A\"", absl::StrCat("\"", a, "\"")},
       {"\"B\"", absl::StrCat("\"", b, "\"")},
       {"\"OUT\"", absl::StrCat("\"", c.dir(), "/out.csv\"")}});
  CliResult submitted = c.RunCli({"submit", "--no-wait", c.WriteFile("frame.json", graph)});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.ToString();
  CliResult rows = c.RunCli({"gather", "out"});
  ASSERT_EQ(rows.exit_code, 0) << rows.ToString();
  EXPECT_THAT(rows.out, HasSubstr("5"));
  const std::string error = RunPandas(
      c.dir(),
      "want = pd.concat([pd.read_csv('a.csv', dtype={'n': 'float64'}), pd.read_csv('b.csv')],"
      " ignore_index=True)\n"
      "got = pd.read_csv('out.csv')\n"
      "pd.testing.assert_frame_equal(got, want)\n");
  EXPECT_EQ(error, "");

  // A bad argument is the task's error, naming the op and the argument; the worker lives.
  CliResult bad =
      c.RunCli({"submit",
                c.WriteFile("bad.json",
                            absl::StrCat(R"({"tasks": [{"key": "x", "op": "frame.read_csv",
  "args": [{"str": ")",
                                         a, R"("}], "kwargs": {"delimiter": {"str": ";;"}}}]})"))});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.ToString(),
              HasSubstr("frame.read_csv: keyword argument \"delimiter\" must be one character"));
  CliResult again = c.RunCli({"gather", "out"});
  EXPECT_EQ(again.exit_code, 0) << again.ToString();
}

TEST(CliFrameOps, GraphFileAppliesAChainOfVerbsAndReportsABadExpression) {
  auto cluster = TestCluster::Start(2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  TestCluster& c = **cluster;
  const std::string logs = c.WriteFile("logs.csv",
                                       "host,status,latency,path\n"
                                       "a,200,0.5,/index\n"
                                       "b,503,2.25,/api/x\n"
                                       "a,500,,/api/y\n"
                                       "c,404,0.75,/missing\n"
                                       "b,502,1.5,/api/z\n"
                                       "c,,3,/api/w\n");
  // The graph with its keys and output file suffixed by `n`.
  auto graph = [&](const std::string& n) {
    return absl::StrReplaceAll(
        R"json({"tasks": [
  {"key": "logs", "op": "frame.read_csv", "args": [{"str": "LOGS"}]},
  {"key": "errors", "op": "frame.apply", "args": [{"ref": "logs"}, {"list": {"items": [
    {"list": {"items": [{"str": "filter"},
                        {"str": "status >= 500 and startswith(path, '/api')"}]}},
    {"list": {"items": [{"str": "assign"}, {"str": "ms"}, {"str": "latency * 1000"}]}},
    {"list": {"items": [{"str": "rename"}, {"str": "host"}, {"str": "server"}]}},
    {"list": {"items": [{"str": "select"}, {"str": "server"}, {"str": "status"},
                        {"str": "ms"}]}},
    {"list": {"items": [{"str": "head"}, {"int": 2}]}}]}}]},
  {"key": "out", "op": "frame.write_csv", "args": [{"ref": "errors"}, {"str": "OUT"}]}]})json",
        {{"\"LOGS\"", absl::StrCat("\"", logs, "\"")},
         {"\"OUT\"", absl::StrCat("\"", c.dir(), "/errors", n, ".csv\"")},
         {"\"logs\"", absl::StrCat("\"logs", n, "\"")},
         {"\"errors\"", absl::StrCat("\"errors", n, "\"")},
         {"\"out\"", absl::StrCat("\"out", n, "\"")}});
  };
  CliResult submitted = c.RunCli({"submit", "--no-wait", c.WriteFile("verbs.json", graph("1"))});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.ToString();
  CliResult rows = c.RunCli({"gather", "out1"});
  ASSERT_EQ(rows.exit_code, 0) << rows.ToString();
  EXPECT_THAT(rows.out, HasSubstr("2"));
  const std::string error =
      RunPandas(c.dir(),
                "df = pd.read_csv('logs.csv')\n"
                "d = df[(df.status >= 500) & df.path.str.startswith('/api')]\n"
                "d = d.assign(ms=d.latency * 1000).rename(columns={'host': 'server'})\n"
                "want = d[['server', 'status', 'ms']].head(2).reset_index(drop=True)\n"
                "got = pd.read_csv('errors1.csv')\n"
                // status has a null in the input: pandas reads it as float64, the table as int64.
                "pd.testing.assert_frame_equal(got, want, check_dtype=False)\n");
  EXPECT_EQ(error, "");

  // A bad expression fails its task with the parser's message; the workers keep serving.
  const std::string bad_graph = absl::StrReplaceAll(
      R"json({"tasks": [
  {"key": "in", "op": "frame.read_csv", "args": [{"str": "LOGS"}]},
  {"key": "bad", "op": "frame.apply", "args": [{"ref": "in"}, {"list": {"items": [
    {"list": {"items": [{"str": "filter"}, {"str": "status >= 5oo"}]}}]}}]}]})json",
      {{"\"LOGS\"", absl::StrCat("\"", logs, "\"")}});
  CliResult bad = c.RunCli({"submit", c.WriteFile("bad-verbs.json", bad_graph)});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.ToString(),
              HasSubstr("frame.apply: step 1 (filter): expression \"status >= 5oo\": unexpected "
                        "\"oo\" at column 12"));
  const std::string unknown_graph = absl::StrReplaceAll(
      R"json({"tasks": [
  {"key": "in2", "op": "frame.read_csv", "args": [{"str": "LOGS"}]},
  {"key": "bad2", "op": "frame.filter", "args": [{"ref": "in2"}, {"str": "code == 500"}]}]})json",
      {{"\"LOGS\"", absl::StrCat("\"", logs, "\"")}});
  CliResult unknown = c.RunCli({"submit", c.WriteFile("unknown.json", unknown_graph)});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.ToString(),
              HasSubstr("frame.filter: expression \"code == 500\": no column \"code\" (columns: "
                        "host, status, latency, path)"));
  CliResult again = c.RunCli({"submit", "--no-wait", c.WriteFile("again.json", graph("2"))});
  EXPECT_EQ(again.exit_code, 0) << again.ToString();
  CliResult still = c.RunCli({"gather", "out2"});
  EXPECT_EQ(still.exit_code, 0) << still.ToString();
  EXPECT_THAT(still.out, HasSubstr("2"));
}

}  // namespace
}  // namespace brisk::testing
