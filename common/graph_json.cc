#include "common/graph_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/value_json.h"

namespace brisk {
namespace {

using JsonValue = google::protobuf::Value;

// Numbers in the pre-pass are doubles: an integer written beyond this may have been rounded.
constexpr double kMaxExactInteger = 9007199254740991.0;

absl::Status Malformed(const google::protobuf::util::Status& status) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed graph JSON: ", status.message().ToString()));
}

// A typed literal read from its readable form, and the place in the graph it goes to.
struct Literal {
  int task = 0;
  std::optional<std::string> kwarg;  // else args[arg]
  int arg = 0;
  std::vector<int> items;  // list items, outermost first
  std::optional<v1::NDArray> ndarray;
  std::optional<v1::Table> table;
};

class TypedLiterals {
 public:
  // Converts every readable typed literal under `task`, leaving an empty message in its place.
  absl::Status ConvertTask(int index, JsonValue& task) {
    if (task.kind_case() != JsonValue::kStructValue) return absl::OkStatus();
    auto& fields = *task.mutable_struct_value()->mutable_fields();
    auto key = fields.find("key");
    const std::string name = key != fields.end() && key->second.has_string_value()
                                 ? absl::StrCat("task \"", key->second.string_value(), "\"")
                                 : absl::StrCat("tasks[", index, "]");
    Literal place;
    place.task = index;
    if (auto args = fields.find("args");
        args != fields.end() && args->second.kind_case() == JsonValue::kListValue) {
      auto& list = *args->second.mutable_list_value()->mutable_values();
      for (int i = 0; i < list.size(); ++i) {
        place.arg = i;
        absl::Status status = ConvertArg(list[i], absl::StrCat(name, ", args[", i, "]"), place);
        if (!status.ok()) return status;
      }
    }
    if (auto kwargs = fields.find("kwargs");
        kwargs != fields.end() && kwargs->second.kind_case() == JsonValue::kStructValue) {
      for (auto& [kw, arg] : *kwargs->second.mutable_struct_value()->mutable_fields()) {
        place.kwarg = kw;
        absl::Status status = ConvertArg(arg, absl::StrCat(name, ", kwargs[\"", kw, "\"]"), place);
        if (!status.ok()) return status;
      }
    }
    return absl::OkStatus();
  }

  // Puts the converted literals into the graph protobuf parsed from the rewritten text.
  absl::Status Place(v1::Graph& graph) {
    for (Literal& literal : literals_) {
      if (literal.task >= graph.tasks_size()) return Lost();
      v1::Task* task = graph.mutable_tasks(literal.task);
      v1::Arg* arg = nullptr;
      if (literal.kwarg.has_value()) {
        auto it = task->mutable_kwargs()->find(*literal.kwarg);
        if (it == task->mutable_kwargs()->end()) return Lost();
        arg = &it->second;
      } else {
        if (literal.arg >= task->args_size()) return Lost();
        arg = task->mutable_args(literal.arg);
      }
      for (int item : literal.items) {
        if (!arg->has_list() || item >= arg->list().items_size()) return Lost();
        arg = arg->mutable_list()->mutable_items(item);
      }
      if (literal.ndarray.has_value()) *arg->mutable_ndarray() = std::move(*literal.ndarray);
      if (literal.table.has_value()) *arg->mutable_table() = std::move(*literal.table);
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status Lost() {
    return absl::InternalError("a typed literal's place is not in the parsed graph");
  }

  absl::Status ConvertArg(JsonValue& arg, const std::string& where, Literal& place) {
    if (arg.kind_case() != JsonValue::kStructValue) return absl::OkStatus();
    auto& fields = *arg.mutable_struct_value()->mutable_fields();
    if (auto it = fields.find("int"); it != fields.end() &&
                                      it->second.kind_case() == JsonValue::kNumberValue &&
                                      std::fabs(it->second.number_value()) > kMaxExactInteger) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          ": an \"int\" beyond ±(2^53 - 1) in a graph with typed literals must be a string "
          "(\"int\": \"9007199254740993\"): its numbers are read as doubles"));
    }
    if (auto it = fields.find("ndarray"); it != fields.end()) {
      absl::StatusOr<v1::NDArray> array = NDArrayFromJson(it->second);
      if (!array.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": ndarray: ", array.status().message()));
      }
      Literal& literal = literals_.emplace_back(place);
      literal.ndarray = std::move(*array);
      it->second.mutable_struct_value()->Clear();
    }
    // A table in protobuf's own form (with its "body") is left for protobuf to read.
    if (auto it = fields.find("table");
        it != fields.end() &&
        !(it->second.has_struct_value() && it->second.struct_value().fields().count("body") > 0)) {
      absl::StatusOr<v1::Table> table = TableFromJson(it->second);
      if (!table.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": table: ", table.status().message()));
      }
      Literal& literal = literals_.emplace_back(place);
      literal.table = std::move(*table);
      it->second.mutable_struct_value()->Clear();
    }
    if (auto it = fields.find("list");
        it != fields.end() && it->second.kind_case() == JsonValue::kStructValue) {
      auto items = it->second.mutable_struct_value()->mutable_fields()->find("items");
      if (items != it->second.mutable_struct_value()->mutable_fields()->end() &&
          items->second.kind_case() == JsonValue::kListValue) {
        auto& list = *items->second.mutable_list_value()->mutable_values();
        for (int i = 0; i < list.size(); ++i) {
          place.items.push_back(i);
          absl::Status status = ConvertArg(list[i], absl::StrCat(where, ", item ", i), place);
          place.items.pop_back();
          if (!status.ok()) return status;
        }
      }
    }
    return absl::OkStatus();
  }

  std::vector<Literal> literals_;
};

absl::StatusOr<v1::Graph> ParseProtobufJson(absl::string_view json) {
  v1::Graph graph;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &graph, options);
  if (!status.ok()) return Malformed(status);
  return graph;
}

}  // namespace

absl::StatusOr<v1::Graph> ParseGraphJson(absl::string_view json) {
  // A cheap scan first: a graph without typed literals parses in one pass, as protobuf's JSON.
  if (json.find("\"ndarray\"") == absl::string_view::npos &&
      json.find("\"table\"") == absl::string_view::npos) {
    return ParseProtobufJson(json);
  }
  // The pre-pass: the text as protobuf's JSON DOM; each readable typed literal becomes its
  // message, an empty one stands in its place while protobuf parses the rest, then it is put in.
  JsonValue dom;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &dom);
  if (!status.ok()) return Malformed(status);
  TypedLiterals literals;
  if (dom.kind_case() == JsonValue::kStructValue) {
    auto& fields = *dom.mutable_struct_value()->mutable_fields();
    if (auto tasks = fields.find("tasks");
        tasks != fields.end() && tasks->second.kind_case() == JsonValue::kListValue) {
      auto& list = *tasks->second.mutable_list_value()->mutable_values();
      for (int i = 0; i < list.size(); ++i) {
        absl::Status converted = literals.ConvertTask(i, list[i]);
        if (!converted.ok()) return converted;
      }
    }
  }
  std::string rewritten;
  status = google::protobuf::util::MessageToJsonString(dom, &rewritten);
  if (!status.ok()) return Malformed(status);
  absl::StatusOr<v1::Graph> graph = ParseProtobufJson(rewritten);
  if (!graph.ok()) return graph.status();
  if (absl::Status placed = literals.Place(*graph); !placed.ok()) return placed;
  return graph;
}

absl::StatusOr<v1::Graph> ReadGraphFile(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot open graph file ", path));
    buffer << in.rdbuf();
  }
  auto graph = ParseGraphJson(buffer.str());
  if (!graph.ok()) {
    return absl::Status(graph.status().code(), absl::StrCat(path == "-" ? "<stdin>" : path, ": ",
                                                            graph.status().message()));
  }
  return graph;
}

}  // namespace brisk
