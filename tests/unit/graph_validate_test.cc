#include "common/graph_validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/graph_json.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Graph Graph(absl::string_view json) {
  auto graph = ParseGraphJson(json);
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? *graph : v1::Graph();
}

GraphCheck Check(absl::flat_hash_set<std::string> existing = {}) {
  GraphCheck check;
  check.key_exists = [existing](absl::string_view key) { return existing.contains(key); };
  return check;
}

// The error message of validating `json`, which must be InvalidArgument.
std::string Error(absl::string_view json, const GraphCheck& check = Check()) {
  absl::Status status = ValidateGraph(Graph(json), check);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

TEST(ValidateGraph, AcceptsAValidGraph) {
  EXPECT_TRUE(ValidateGraph(Graph(R"({"tasks": [
      {"key": "a", "op": "inc", "args": [{"int": 1}]},
      {"key": "b", "op": "add", "args": [{"ref": "a"}, {"list": {"items": [{"ref": "a"}]}}],
       "kwargs": {"k": {"ref": "a"}}, "after": ["a"], "resources": {"GPU": 0}},
      {"key": "c", "op": "noop", "after": ["a", "b"]}], "outputs": ["c", "a"]})"),
                            Check())
                  .ok());
}

TEST(ValidateGraph, RejectsKeysWithControlCharacters) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a\u001f1", "op": "noop"}]})"),
            "task \"a\\0371\": a key may not contain control characters");
  EXPECT_THAT(Error(R"({"tasks": [{"key": "line\nbreak", "op": "noop"}]})"),
              HasSubstr("control characters"));
}

TEST(ValidateGraph, RejectsAnEmptyGraph) { EXPECT_EQ(Error(R"({})"), "graph has no tasks"); }

TEST(ValidateGraph, RejectsAnEmptyKey) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop"}, {"op": "noop"}]})"),
            "tasks[1] has an empty key");
}

TEST(ValidateGraph, RejectsADuplicateKeyNamingIt) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "x", "op": "noop"}, {"key": "x", "op": "inc"}]})"),
            "duplicate key \"x\"");
}

TEST(ValidateGraph, RejectsAMissingOrMalformedOpNamingTheKey) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a"}]})"), "task \"a\" has no op");
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "bad\nop"}]})"),
            "task \"a\": op \"bad\\nop\" contains a control character");
  EXPECT_EQ(
      Error(absl::StrCat(R"({"tasks": [{"key": "a", "op": ")", std::string(257, 'x'), R"("}]})")),
      "task \"a\": its op name is 257 bytes long (at most 256)");
}

TEST(ValidateGraph, AcceptsAnOpNoWorkerHasYet) {
  // A plugin's op: it waits until a worker that has it joins.
  EXPECT_TRUE(
      ValidateGraph(Graph(R"({"tasks": [{"key": "a", "op": "frobnicate"}]})"), Check()).ok());
}

TEST(ValidateGraph, RejectsEmptyArguments) {
  EXPECT_THAT(Error(R"({"tasks": [{"key": "a", "op": "inc", "args": [{"int": 1}, {}]}]})"),
              HasSubstr("task \"a\": args[1] is empty"));
  EXPECT_THAT(
      Error(
          R"({"tasks": [{"key": "a", "op": "add", "args": [{"list": {"items": [{"int": 1}, {}]}}]}]})"),
      HasSubstr("task \"a\": args[0].list.items[1] is empty"));
  EXPECT_THAT(Error(R"({"tasks": [{"key": "a", "op": "inc", "kwargs": {"x": {}}}]})"),
              HasSubstr("task \"a\": kwargs.x is empty"));
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "inc", "args": [{"ref": ""}]}]})"),
            "task \"a\": args[0] has an empty ref");
}

// A graph of one task "a" (op noop) with an ndarray literal of 5 float64 and `bytes` bytes as
// argument 0, and a table literal as kwarg "t".
v1::Graph LiteralGraph(size_t bytes) {
  v1::Graph graph;
  v1::Task* task = graph.add_tasks();
  task->set_key("a");
  task->set_op("noop");
  v1::NDArray* array = task->add_args()->mutable_ndarray();
  array->set_dtype(v1::DTYPE_FLOAT64);
  array->add_shape(5);
  array->set_data(std::string(bytes, '\0'));
  v1::Table* table = (*task->mutable_kwargs())["t"].mutable_table();
  table->set_num_rows(1);
  v1::Column* column = table->add_columns();
  column->set_name("x");
  column->set_dtype(v1::DTYPE_INT32);
  column->mutable_data()->set_length(4);
  table->set_body(std::string(8, '\0'));
  return graph;
}

TEST(ValidateGraph, ChecksArrayAndTableLiteralsNamingTheArgument) {
  EXPECT_TRUE(ValidateGraph(LiteralGraph(40), Check()).ok());
  EXPECT_EQ(ValidateGraph(LiteralGraph(48), Check()).message(),
            "task \"a\": args[0]: ndarray holds 48 bytes, its dtype and shape need 40");

  v1::Graph bad_table = LiteralGraph(40);
  (*bad_table.mutable_tasks(0)->mutable_kwargs())["t"].mutable_table()->set_num_rows(3);
  EXPECT_THAT(ValidateGraph(bad_table, Check()).message(),
              HasSubstr("task \"a\": kwargs.t: column \"x\": data holds 4 bytes, 3 rows"));

  // Inside a list too.
  v1::Graph nested = LiteralGraph(40);
  v1::Arg* list = nested.mutable_tasks(0)->add_args();
  list->mutable_list()->add_items()->set_int_(1);
  *list->mutable_list()->add_items() = LiteralGraph(8).tasks(0).args(0);
  EXPECT_EQ(ValidateGraph(nested, Check()).message(),
            "task \"a\": args[1].list.items[1]: ndarray holds 8 bytes, its dtype and shape need "
            "40");
}

TEST(ValidateGraph, RejectsAMissingRefNamingBothKeys) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop"},
                               {"key": "b", "op": "inc", "args": [{"ref": "zz"}]}]})"),
            "task \"b\" depends on missing key \"zz\"");
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop", "after": ["gone"]}]})"),
            "task \"a\" depends on missing key \"gone\"");
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "add",
                                 "args": [{"list": {"items": [{"ref": "deep"}]}}]}]})"),
            "task \"a\" depends on missing key \"deep\"");
}

TEST(ValidateGraph, AcceptsRefsToKeysThatAlreadyExist) {
  const auto json = R"({"tasks": [{"key": "b", "op": "inc", "args": [{"ref": "old"}]}],
                        "outputs": ["b", "old"]})";
  EXPECT_TRUE(ValidateGraph(Graph(json), Check({"old"})).ok());
  EXPECT_THAT(Error(json), HasSubstr("missing key \"old\""));
}

TEST(ValidateGraph, RejectsASelfDependency) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "inc", "args": [{"ref": "a"}]}]})"),
            "cycle: \"a\" depends on itself");
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop", "after": ["a"]}]})"),
            "cycle: \"a\" depends on itself");
}

TEST(ValidateGraph, RejectsAThreeCycleWithItsPath) {
  EXPECT_EQ(Error(R"({"tasks": [
      {"key": "a", "op": "inc", "args": [{"ref": "b"}]},
      {"key": "b", "op": "inc", "args": [{"ref": "c"}]},
      {"key": "c", "op": "noop", "after": ["a"]}]})"),
            "cycle: \"a\" -> \"b\" -> \"c\" -> \"a\"");
}

TEST(ValidateGraph, ReportsOnlyTheCyclePartOfThePath) {
  EXPECT_EQ(Error(R"({"tasks": [
      {"key": "root", "op": "inc", "args": [{"ref": "x"}]},
      {"key": "x", "op": "inc", "args": [{"ref": "y"}]},
      {"key": "y", "op": "add", "args": [{"ref": "z"}, {"ref": "x"}]},
      {"key": "z", "op": "noop"}]})"),
            "cycle: \"x\" -> \"y\" -> \"x\"");
}

TEST(ValidateGraph, AcceptsADiamond) {
  EXPECT_TRUE(ValidateGraph(Graph(R"({"tasks": [
      {"key": "d", "op": "add", "args": [{"ref": "b"}, {"ref": "c"}]},
      {"key": "b", "op": "inc", "args": [{"ref": "a"}]},
      {"key": "c", "op": "inc", "args": [{"ref": "a"}]},
      {"key": "a", "op": "noop"}]})"),
                            Check())
                  .ok());
}

TEST(ValidateGraph, RejectsAnOutputThatIsNotATask) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop"}], "outputs": ["a", "b"]})"),
            "output \"b\" is not a task");
}

TEST(ValidateGraph, RejectsNegativeRetriesTimeoutAndResources) {
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop", "retries": -1}]})"),
            "task \"a\": retries is negative");
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop", "timeoutS": -0.5}]})"),
            "task \"a\": timeoutS is negative");
  EXPECT_EQ(Error(R"({"tasks": [{"key": "a", "op": "noop", "resources": {"GPU": -1}}]})"),
            "task \"a\": resource \"GPU\" has a negative amount");
  EXPECT_THAT(Error(R"({"tasks": [{"key": "a", "op": "noop", "resources": {"GPU": "NaN"}}]})"),
              HasSubstr("resource \"GPU\""));
  EXPECT_THAT(Error(R"({"tasks": [{"key": "a", "op": "noop", "timeoutS": "NaN"}]})"),
              HasSubstr("timeoutS"));
}

TEST(Dependencies, ListsDistinctKeysFromArgsKwargsListsAndAfterInOrder) {
  v1::Graph graph = Graph(R"({"tasks": [{"key": "t", "op": "add",
      "args": [{"ref": "a"}, {"int": 1}, {"list": {"items": [{"ref": "b"}, {"ref": "a"}]}}],
      "kwargs": {"k": {"ref": "c"}}, "after": ["d", "b"]}]})");
  EXPECT_THAT(Dependencies(graph.tasks(0)), ElementsAre("a", "b", "c", "d"));
  std::vector<std::string> all;
  ForEachDependency(graph.tasks(0), [&](const std::string& key) { all.push_back(key); });
  EXPECT_THAT(all, ElementsAre("a", "b", "a", "c", "d", "b"));
}

TEST(DefaultOutputs, AreTheTasksNothingDependsOnInTaskOrder) {
  EXPECT_THAT(DefaultOutputs(Graph(R"({"tasks": [
      {"key": "a", "op": "noop"},
      {"key": "b", "op": "inc", "args": [{"ref": "a"}]},
      {"key": "c", "op": "noop"},
      {"key": "d", "op": "noop", "after": ["c"]},
      {"key": "e", "op": "inc", "args": [{"ref": "outside"}]}]})")),
              ElementsAre("b", "d", "e"));
  EXPECT_THAT(DefaultOutputs(v1::Graph()), IsEmpty());
}

}  // namespace
}  // namespace brisk
