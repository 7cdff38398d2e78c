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
