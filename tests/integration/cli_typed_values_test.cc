// The `brisk` command line with typed values, against real daemons: graph files with array and
// table literals, `gather` as text, as JSON and into a .npy file, and every example graph.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "brisk/npy.h"
#include "brisk/value.h"
#include "tests/integration/cluster.h"
#include "tests/integration/test_json.h"

namespace brisk::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kTypedGraph[] = R"json({"tasks": [
  {"key": "m", "op": "identity",
   "args": [{"ndarray": {"dtype": "int64", "data": [[1, 2, 3], [4, 5, 6]]}}]},
  {"key": "t", "op": "identity",
   "args": [{"table": {"columns": [{"name": "x", "dtype": "int32", "data": [1, null]},
                                   {"name": "s", "dtype": "string", "data": ["a", "b"]}]}}]}]})json";

class CliTypedValues : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
  }
  CliResult Cli(const std::vector<std::string>& args) { return cluster_->RunCli(args); }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(CliTypedValues, GatherPrintsArraysAndTablesAndWritesNpy) {
  const std::string graph = cluster_->WriteFile("typed.json", kTypedGraph);
  CliResult submitted = Cli({"submit", "--no-wait", graph});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.ToString();

  CliResult text = Cli({"gather", "m", "t"});
  ASSERT_EQ(text.exit_code, 0) << text.ToString();
  EXPECT_EQ(text.out,
            "m: array int64 (2, 3)\n"
            "[[1 2 3]\n"
            " [4 5 6]]\n"
            "t: table: 2 rows; x int32, s string\n"
            "   x  s\n"
            "   1  a\n"
            "null  b\n");

  CliResult json = Cli({"-o", "json", "gather", "m"});
  ASSERT_EQ(json.exit_code, 0) << json.ToString();
  EXPECT_EQ(json.out,
            R"({"results":{"m":{"ndarray":{"data":[1,2,3,4,5,6],"dtype":"int64","shape":[2,3]}}}})"
            "\n");

  // submit prints its results in the same forms.
  CliResult job = Cli({"-o", "json", "submit", graph});
  ASSERT_EQ(job.exit_code, 0) << job.ToString();
  EXPECT_THAT(job.out, HasSubstr(R"("m":{"ndarray":{"data":[1,2,3,4,5,6],"dtype":"int64")"));
  EXPECT_THAT(job.out, HasSubstr(R"("t":{"table":{"columns":[{"data":[1,null],"dtype":"int32")"));

  const std::string npy = cluster_->dir() + "/m.npy";
  CliResult written = Cli({"gather", "--npy", npy, "m"});
  ASSERT_EQ(written.exit_code, 0) << written.ToString();
  EXPECT_EQ(written.out, "m: written to " + npy + "\n");
  absl::StatusOr<v1::Value> read = ReadNpy(npy);
  ASSERT_TRUE(read.ok()) << read.status();
  absl::StatusOr<ArrayView> view = ArrayView::Of(*read);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_THAT(view->shape(), ElementsAre(2, 3));
  EXPECT_THAT(*view->values<int64_t>(), ElementsAre(1, 2, 3, 4, 5, 6));

  CliResult table = Cli({"gather", "--npy", npy, "t"});
  EXPECT_EQ(table.exit_code, 2) << table.ToString();
  EXPECT_THAT(table.err, HasSubstr("\"t\" holds a table, not an ndarray"));
  CliResult two = Cli({"gather", "--npy", npy, "m", "t"});
  EXPECT_EQ(two.exit_code, 2) << two.ToString();
  EXPECT_THAT(two.err, HasSubstr("one key"));
}

TEST_F(CliTypedValues, AnInvalidLiteralIsBadInputNamingTheKey) {
  const std::string graph =
      cluster_->WriteFile("bad.json", R"({"tasks": [{"key": "k", "op": "identity",
                      "args": [{"ndarray": {"dtype": "uint8", "data": [1, -1]}}]}]})");
  CliResult r = Cli({"submit", graph});
  EXPECT_EQ(r.exit_code, 2) << r.ToString();
  EXPECT_THAT(r.err,
              HasSubstr("task \"k\", args[0]: ndarray: data[1]: -1 is out of uint8's range"));
}

TEST_F(CliTypedValues, EveryExampleGraphRuns) {
  int graphs = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(BRISK_SOURCE_DIR) + "/examples/graphs")) {
    if (entry.path().extension() != ".json" && entry.path().extension() != ".yaml") continue;
    ++graphs;
    CliResult r = Cli({"submit", entry.path().string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << "\n" << r.ToString();
  }
  EXPECT_GE(graphs, 4);
}

}  // namespace
}  // namespace brisk::testing
