#include "common/graph_json.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/value.h"

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

TEST(GraphJson, ADocumentNestedTooDeepIsAnErrorNamingTheDepth) {
  for (int levels : {300, 5000}) {
    const std::string text =
        absl::StrCat(R"({"tasks": [{"key": "a", "op": "identity", "args": [)",
                     std::string(levels, '['), std::string(levels, ']'), "]}]}");
    auto graph = ParseGraphJson(text);
    ASSERT_FALSE(graph.ok()) << levels;
    EXPECT_EQ(graph.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(graph.status().message(),
                HasSubstr(levels < 1000 ? "lists nested too deep"
                                        : "more than 1000 levels deep; a graph file may nest "
                                          "at most 1000"))
        << levels;
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

TEST(GraphJson, ReadsAnArrayLiteralInTheReadableForm) {
  auto graph = ParseGraphJson(R"({"tasks": [{"key": "a", "op": "identity", "args": [
      {"ndarray": {"dtype": "float64", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}}]}]})");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const v1::Arg& arg = graph->tasks(0).args(0);
  ASSERT_EQ(arg.kind_case(), v1::Arg::kNdarray);
  absl::StatusOr<ArrayView> view = ArrayView::Of(arg.ndarray());
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_THAT(view->shape(), ElementsAre(2, 3));
  EXPECT_THAT(*view->values<double>(), ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST(GraphJson, ReadsTypedLiteralsInKwargsAndLists) {
  auto graph = ParseGraphJson(R"({"tasks": [
    {"key": "t", "op": "identity",
     "args": [{"list": {"items": [{"int": 1}, {"ndarray": {"dtype": "int8", "data": [[1], [2]]}},
                                  {"list": {"items": [{"ndarray": {"dtype": "bool", "base64": "AQA="}}]}}]}}],
     "kwargs": {"rows": {"table": {"columns": [
        {"name": "x", "dtype": "int32", "data": [1, null, 3]},
        {"name": "s", "dtype": "string", "data": ["a", "\u00e9", null]}]}}}},
    {"key": "u", "op": "identity", "args": [{"int": 9007199254740991}, {"int": "9007199254740993"}]}]})");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const v1::ArgList& items = graph->tasks(0).args(0).list();
  ASSERT_EQ(items.items_size(), 3);
  EXPECT_EQ(items.items(0).int_(), 1);
  ASSERT_EQ(items.items(1).kind_case(), v1::Arg::kNdarray);
  EXPECT_THAT(items.items(1).ndarray().shape(), ElementsAre(2, 1));
  EXPECT_EQ(items.items(1).ndarray().data(), "\x01\x02");
  ASSERT_EQ(items.items(2).list().items(0).kind_case(), v1::Arg::kNdarray);
  EXPECT_EQ(items.items(2).list().items(0).ndarray().data(), std::string("\1\0", 2));
  const v1::Arg& rows = graph->tasks(0).kwargs().at("rows");
  ASSERT_EQ(rows.kind_case(), v1::Arg::kTable);
  absl::StatusOr<TableView> table = TableView::Of(rows.table());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->num_rows(), 3u);
  EXPECT_TRUE(table->column(0).IsNull(1));
  EXPECT_EQ(table->column(1).String(1), "\xC3\xA9");
  EXPECT_TRUE(table->column(1).IsNull(2));
  EXPECT_EQ(graph->tasks(1).args(0).int_(), 9007199254740991);
  EXPECT_EQ(graph->tasks(1).args(1).int_(), 9007199254740993);
}

TEST(GraphJson, TypedLiteralErrorsNameTheKeyAndTheArgument) {
  struct Case {
    const char* json;
    const char* message;
  };
  for (
      const Case& c : std::vector<Case>{
          {R"({"tasks": [{"key": "a", "op": "identity", "args": [{"int": 1},
                {"ndarray": {"dtype": "int32", "data": [1, 2.5]}}]}]})",
           R"(task "a", args[1]: ndarray: data[1]: 2.5 is not an integer (int32))"},
          {R"({"tasks": [{"key": "b", "op": "identity", "kwargs": {"x":
                {"ndarray": {"dtype": "float64", "shape": [3], "data": [1, 2]}}}}]})",
           R"(task "b", kwargs["x"]: ndarray: data: 2 elements where shape (3,) holds 3)"},
          {R"({"tasks": [{"key": "c", "op": "identity", "args": [{"list": {"items": [
                {"table": {"columns": [{"name": "x", "dtype": "int8", "data": [1000]}]}}]}}]}]})",
           R"(task "c", args[0], item 0: table: columns[0] ("x"): data[0]: 1000 is out of int8's range)"},
          {R"({"tasks": [{"op": "identity", "args": [{"ndarray": {"dtype": "f8", "data": []}}]}]})",
           R"(tasks[0], args[0]: ndarray: )"},
          {R"({"tasks": [{"key": "d", "op": "identity", "args": [{"int": 9007199254740993},
                {"ndarray": {"dtype": "int8", "data": []}}]}]})",
           R"(task "d", args[0]: an "int" beyond ±(2^53 - 1))"},
      }) {
    auto graph = ParseGraphJson(c.json);
    ASSERT_FALSE(graph.ok()) << c.json;
    EXPECT_EQ(graph.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(graph.status().message(), HasSubstr(c.message));
  }
}

TEST(GraphJson, PlainGraphsKeepExactIntegers) {
  // Without typed literals there is no pre-pass: protobuf reads an int64 number exactly.
  auto graph =
      ParseGraphJson(R"({"tasks":[{"key":"a","op":"inc","args":[{"int":9007199254740993}]}]})");
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->tasks(0).args(0).int_(), 9007199254740993);
}

TEST(GraphJson, ThePrePassKeepsTheRestOfTheGraphAndItsErrors) {
  // "table" as a key and as text: the pre-pass runs and changes nothing.
  auto graph = ParseGraphJson(R"({"tasks": [{"key": "table", "op": "identity",
      "args": [{"str": "\"table\""}, {"float": 0.1}, {"bytes": "aGk="}], "priority": 2,
      "timeoutS": 1.5, "resources": {"GPU": 1}}], "outputs": ["table"]})");
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->tasks(0).key(), "table");
  EXPECT_EQ(graph->tasks(0).args(0).str(), "\"table\"");
  EXPECT_EQ(graph->tasks(0).args(1).float_(), 0.1);
  EXPECT_EQ(graph->tasks(0).args(2).bytes(), "hi");
  EXPECT_EQ(graph->tasks(0).priority(), 2);
  EXPECT_EQ(graph->tasks(0).timeout_s(), 1.5);
  EXPECT_THAT(graph->outputs(), ElementsAre("table"));
  // Unknown fields and malformed JSON are still protobuf's errors.
  graph = ParseGraphJson(R"({"tasks": [{"key": "a", "op": "identity", "retires": 1,
      "args": [{"ndarray": {"dtype": "int8", "data": [1]}}]}]})");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("retires"));
  graph = ParseGraphJson(R"({"tasks": [{"args": [{"ndarray": )");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("malformed graph JSON"));
}

TEST(GraphJson, ReadsProtobufsOwnFormOfTypedLiterals) {
  v1::Graph graph;
  v1::Task* task = graph.add_tasks();
  task->set_key("a");
  task->set_op("identity");
  absl::StatusOr<v1::Value> array = MakeArray<int32_t>({2}, std::vector<int32_t>{7, -7});
  ASSERT_TRUE(array.ok());
  *task->add_args()->mutable_ndarray() = array->ndarray();
  TableBuilder builder;
  builder.AddStrings("s", {std::string("x"), std::nullopt});
  absl::StatusOr<v1::Value> table = std::move(builder).Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  *task->add_args()->mutable_table() = table->table();
  std::string text;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(graph, &text).ok());
  auto parsed = ParseGraphJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  EXPECT_EQ(parsed->SerializeAsString(), graph.SerializeAsString()) << text;
}

// ------------------------------------------------------------------ plain args, YAML

TEST(GraphJson, PlainJsonValuesAreLiteralArgs) {
  auto graph = ParseGraphJson(R"json({"tasks": [
    {"key": "t", "op": "identity",
     "args": ["hi", 3, 2.5, true, -7, 1e3, 4.0, 9223372036854775807, [1, "x", [false]], {"ref": "u"}],
     "kwargs": {"shell": true, "n": 5, "l": {"list": {"items": [6, {"int": 7}]}}}},
    {"key": "u", "op": "inc", "args": [1]}]})json");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const v1::Task& t = graph->tasks(0);
  ASSERT_EQ(t.args_size(), 10);
  EXPECT_EQ(t.args(0).str(), "hi");
  ASSERT_EQ(t.args(1).kind_case(), v1::Arg::kInt);
  EXPECT_EQ(t.args(1).int_(), 3);
  ASSERT_EQ(t.args(2).kind_case(), v1::Arg::kFloat);
  EXPECT_EQ(t.args(2).float_(), 2.5);
  ASSERT_EQ(t.args(3).kind_case(), v1::Arg::kBool);
  EXPECT_TRUE(t.args(3).bool_());
  EXPECT_EQ(t.args(4).int_(), -7);
  ASSERT_EQ(t.args(5).kind_case(), v1::Arg::kFloat) << "an exponent makes a float";
  EXPECT_EQ(t.args(5).float_(), 1000);
  ASSERT_EQ(t.args(6).kind_case(), v1::Arg::kFloat) << "a \".\" makes a float";
  EXPECT_EQ(t.args(6).float_(), 4);
  EXPECT_EQ(t.args(7).int_(), INT64_MAX);
  ASSERT_EQ(t.args(8).kind_case(), v1::Arg::kList);
  ASSERT_EQ(t.args(8).list().items_size(), 3);
  EXPECT_EQ(t.args(8).list().items(0).int_(), 1);
  EXPECT_EQ(t.args(8).list().items(1).str(), "x");
  EXPECT_FALSE(t.args(8).list().items(2).list().items(0).bool_());
  EXPECT_EQ(t.args(8).list().items(2).list().items(0).kind_case(), v1::Arg::kBool);
  EXPECT_EQ(t.args(9).ref(), "u");
  EXPECT_TRUE(t.kwargs().at("shell").bool_());
  EXPECT_EQ(t.kwargs().at("n").int_(), 5);
  const v1::ArgList& l = t.kwargs().at("l").list();
  ASSERT_EQ(l.items_size(), 2);
  EXPECT_EQ(l.items(0).kind_case(), v1::Arg::kInt);
  EXPECT_EQ(l.items(0).int_(), 6);
  EXPECT_EQ(l.items(1).int_(), 7);
  EXPECT_EQ(graph->tasks(1).args(0).int_(), 1);
}

TEST(GraphJson, PlainArgsBesideTypedLiterals) {
  auto graph = ParseGraphJson(R"json({"tasks": [{"key": "t", "op": "identity", "args": [
      9007199254740993, {"ndarray": {"dtype": "int8", "data": [1, 2]}}]}]})json");
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->tasks(0).args(0).int_(), 9007199254740993) << "exact beyond 2^53";
  EXPECT_EQ(graph->tasks(0).args(1).kind_case(), v1::Arg::kNdarray);
}

TEST(GraphJson, PlainIntegerBeyondInt64IsAnErrorNamingTheArg) {
  for (const char* number :
       {"9223372036854775808", "-9223372036854775809", "123456789012345678901234567890"}) {
    auto graph = ParseGraphJson(absl::StrCat(
        R"({"tasks": [{"key": "big", "op": "identity", "args": [1, )", number, "]}]}"));
    ASSERT_FALSE(graph.ok()) << number;
    EXPECT_EQ(graph.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(graph.status().message(), HasSubstr("task \"big\", args[1]")) << number;
    EXPECT_THAT(graph.status().message(), HasSubstr("beyond int64")) << number;
  }
}

constexpr char kYamlGraph[] = R"yaml(
# A job file in YAML
tasks:
  - key: a
    op: identity
    args: [1, 2.5, "3", true, hi, 0x10, -4e2, null-ish, 'yes', yes]
    kwargs:
      shell: false
      cwd: /tmp
  - {key: b, op: add, args: [{ref: a}, 1]}
  - key: "007"
    op: inc
    args:
      - !!str 8
outputs: [b]
)yaml";

TEST(GraphYaml, ReadsTheSameDocumentWithScalarsTypedAsYamlDoes) {
  auto graph = ParseGraphYaml(kYamlGraph);
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->tasks_size(), 3);
  const v1::Task& a = graph->tasks(0);
  EXPECT_EQ(a.key(), "a");
  ASSERT_EQ(a.args_size(), 10);
  EXPECT_EQ(a.args(0).kind_case(), v1::Arg::kInt);
  EXPECT_EQ(a.args(0).int_(), 1);
  EXPECT_EQ(a.args(1).kind_case(), v1::Arg::kFloat);
  EXPECT_EQ(a.args(1).float_(), 2.5);
  EXPECT_EQ(a.args(2).str(), "3") << "quoted: a string";
  EXPECT_TRUE(a.args(3).bool_());
  EXPECT_EQ(a.args(4).str(), "hi");
  EXPECT_EQ(a.args(5).int_(), 16);
  EXPECT_EQ(a.args(6).float_(), -400);
  EXPECT_EQ(a.args(7).str(), "null-ish");
  EXPECT_EQ(a.args(8).str(), "yes");
  EXPECT_EQ(a.args(9).str(), "yes") << "YAML 1.2: yes is not a bool";
  EXPECT_EQ(a.kwargs().at("shell").kind_case(), v1::Arg::kBool);
  EXPECT_FALSE(a.kwargs().at("shell").bool_());
  EXPECT_EQ(a.kwargs().at("cwd").str(), "/tmp");
  EXPECT_EQ(graph->tasks(1).args(0).ref(), "a");
  EXPECT_EQ(graph->tasks(1).args(1).int_(), 1);
  EXPECT_EQ(graph->tasks(2).key(), "007");
  EXPECT_EQ(graph->tasks(2).args(0).str(), "8");
  EXPECT_THAT(graph->outputs(), ElementsAre("b"));
}

TEST(GraphYaml, ErrorsNameTheLineOrTheField) {
  auto graph = ParseGraphYaml("tasks:\n  - key: a\n    args: [1,\n");
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(graph.status().message(), HasSubstr("malformed graph YAML: line "));
  graph = ParseGraphYaml("tasks:\n  - key: a\n    op: noop\n    retires: 3\n");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("retires"));
  graph = ParseGraphYaml("tasks:\n  - {key: a, op: noop, args: [.inf]}\n");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("line 2"));
  graph = ParseGraphYaml("tasks:\n  - {key: a, op: noop, args: [99999999999999999999]}\n");
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(graph.status().message(), HasSubstr("beyond int64"));
}

TEST(GraphYaml, ReadGraphFileReadsYamlByExtension) {
  for (const char* extension : {".yaml", ".yml"}) {
    const std::string path = ::testing::TempDir() + "/graph_yaml_test" + extension;
    {
      std::ofstream out(path);
      out << kYamlGraph;
    }
    auto graph = ReadGraphFile(path);
    ASSERT_TRUE(graph.ok()) << graph.status();
    EXPECT_EQ(graph->tasks_size(), 3);
    std::remove(path.c_str());
  }
  EXPECT_TRUE(IsYamlPath("job.YAML"));
  EXPECT_FALSE(IsYamlPath("job.json"));
}

}  // namespace
}  // namespace brisk
