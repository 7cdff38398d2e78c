// The frame.* ops from a graph file, against real daemons: CSV files read on two workers (one
// with a given dtype, one by byte ranges), stacked and written back, checked against pandas.
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

}  // namespace
}  // namespace brisk::testing
