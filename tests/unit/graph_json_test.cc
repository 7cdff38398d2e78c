#include "common/graph_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kDocumented[] = R"json({"tasks": [
  {"key":"a","op":"inc","args":[{"int":1}]},
  {"key":"b","op":"add","args":[{"ref":"a"},{"float":2.5}]},
  {"key":"c","op":"sum","args":[{"list":{"items":[{"ref":"a"},{"ref":"b"}]}}]}],
 "outputs":["c"]})json";

TEST(GraphJson, ParsesTheDocumentedShape) {
  auto graph = ParseGraphJson(kDocumented);
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->tasks_size(), 3);
  const v1::Task& a = graph->tasks(0);
  EXPECT_EQ(a.key(), "a");
  EXPECT_EQ(a.op(), "inc");
  ASSERT_EQ(a.args_size(), 1);
  EXPECT_EQ(a.args(0).kind_case(), v1::Arg::kInt);
  EXPECT_EQ(a.args(0).int_(), 1);
  const v1::Task& b = graph->tasks(1);
  ASSERT_EQ(b.args_size(), 2);
  EXPECT_EQ(b.args(0).ref(), "a");
  EXPECT_EQ(b.args(1).kind_case(), v1::Arg::kFloat);
  EXPECT_DOUBLE_EQ(b.args(1).float_(), 2.5);
  const v1::Task& c = graph->tasks(2);
  ASSERT_EQ(c.args_size(), 1);
  ASSERT_EQ(c.args(0).kind_case(), v1::Arg::kList);
  ASSERT_EQ(c.args(0).list().items_size(), 2);
  EXPECT_EQ(c.args(0).list().items(0).ref(), "a");
  EXPECT_EQ(c.args(0).list().items(1).ref(), "b");
  EXPECT_THAT(graph->outputs(), ElementsAre("c"));
}

TEST(GraphJson, ParsesEveryTaskField) {
  auto graph = ParseGraphJson(R"json({"tasks": [{
    "key": "t", "op": "concat",
    "args": [{"str": "x"}, {"bool": true}, {"bytes": "aGVsbG8="}],
    "kwargs": {"sep": {"str": ","}, "n": {"ref": "u"}},
    "resources": {"GPU": 1, "MEM": 2e9},
    "priority": -3, "retries": 2, "timeoutS": 1.5,
    "workers": ["w1", "w2"], "after": ["u"]}]})json");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const v1::Task& t = graph->tasks(0);
  EXPECT_EQ(t.args(0).str(), "x");
  EXPECT_TRUE(t.args(1).bool_());
  EXPECT_EQ(t.args(2).kind_case(), v1::Arg::kBytes);
  EXPECT_EQ(t.args(2).bytes(), "hello");  // base64 decoded
  ASSERT_EQ(t.kwargs().size(), 2u);
  EXPECT_EQ(t.kwargs().at("sep").str(), ",");
  EXPECT_EQ(t.kwargs().at("n").ref(), "u");
  EXPECT_THAT(t.resources(), UnorderedElementsAre(Pair("GPU", 1.0), Pair("MEM", 2e9)));
  EXPECT_EQ(t.priority(), -3);
  EXPECT_EQ(t.retries(), 2);
  EXPECT_DOUBLE_EQ(t.timeout_s(), 1.5);
  EXPECT_THAT(t.workers(), ElementsAre("w1", "w2"));
  EXPECT_THAT(t.after(), ElementsAre("u"));
  EXPECT_TRUE(graph->outputs().empty());
}

TEST(GraphJson, AcceptsInt64AsJsonString) {
  auto graph =
      ParseGraphJson(R"({"tasks":[{"key":"a","op":"inc","args":[{"int":"9007199254740993"}]}]})");
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->tasks(0).args(0).int_(), 9007199254740993);
}

TEST(GraphJson, MalformedJsonIsAnError) {
  for (const char* text : {"", "{", R"({"tasks": [)", "[]", R"({"tasks": [{"key": "a"]})",
                           R"({"tasks": [{"key": 1, "op": }]})"}) {
    auto graph = ParseGraphJson(text);
    ASSERT_FALSE(graph.ok()) << text;
    EXPECT_EQ(graph.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(graph.status().message(), HasSubstr("malformed graph JSON"));
  }
}

TEST(GraphJson, UnknownFieldIsAnErrorNamingIt) {
  auto graph = ParseGraphJson(R"({"tasks": [{"key": "a", "op": "noop", "retires": 3}]})");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("retires"));
  graph = ParseGraphJson(R"({"tasks": [], "output": ["a"]})");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("output"));
  graph = ParseGraphJson(R"({"tasks": [{"key": "a", "op": "inc", "args": [{"integer": 1}]}]})");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("integer"));
}

TEST(GraphJson, ArgWithTwoKindsIsAnError) {
  EXPECT_FALSE(
      ParseGraphJson(R"({"tasks": [{"key": "a", "op": "inc", "args": [{"int": 1, "str": "x"}]}]})")
          .ok());
}

TEST(GraphJson, ReadGraphFileReadsAFileAndNamesItInErrors) {
  const std::string path = ::testing::TempDir() + "/graph_json_test.json";
  {
    std::ofstream out(path);
    out << kDocumented;
  }
  auto graph = ReadGraphFile(path);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->tasks_size(), 3);
  {
    std::ofstream out(path);
    out << "{";
  }
  graph = ReadGraphFile(path);
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr(path + ": malformed graph JSON"));
  std::remove(path.c_str());
  graph = ReadGraphFile(path);
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(graph.status().message(), HasSubstr(path));
}

}  // namespace
}  // namespace brisk
