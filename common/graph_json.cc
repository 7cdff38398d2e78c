#include "common/graph_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/value_json.h"
#include "common/yaml_json.h"

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

// Plain JSON values written as args ("hi", 3, 2.5, true, [1, "x"]) rewritten into Arg's own
// JSON form ({"str": "hi"}, {"int": "3"}, ...), in a DOM that keeps an integer's form apart from a
// float's (nlohmann::json), before protobuf parses the text. Objects are left as they are (an Arg
// in protobuf's form, {"ref": ...} among them), but the items of a "list" are rewritten too.
class PlainArgs {
 public:
  // Rewrites every task's args and kwargs; `changed` says whether anything was rewritten.
  absl::Status Rewrite(nlohmann::json& doc, bool& changed) {
    if (!doc.is_object()) return absl::OkStatus();
    auto tasks = doc.find("tasks");
    if (tasks == doc.end() || !tasks->is_array()) return absl::OkStatus();
    for (size_t i = 0; i < tasks->size(); ++i) {
      nlohmann::json& task = (*tasks)[i];
      if (!task.is_object()) continue;
      auto key = task.find("key");
      const std::string name = key != task.end() && key->is_string()
                                   ? absl::StrCat("task \"", key->get<std::string>(), "\"")
                                   : absl::StrCat("tasks[", i, "]");
      if (auto args = task.find("args"); args != task.end() && args->is_array()) {
        for (size_t a = 0; a < args->size(); ++a) {
          absl::Status status = RewriteArg((*args)[a], absl::StrCat(name, ", args[", a, "]"), 0);
          if (!status.ok()) return status;
        }
      }
      if (auto kwargs = task.find("kwargs"); kwargs != task.end() && kwargs->is_object()) {
        for (auto& [kw, arg] : kwargs->items()) {
          absl::Status status = RewriteArg(arg, absl::StrCat(name, ", kwargs[\"", kw, "\"]"), 0);
          if (!status.ok()) return status;
        }
      }
    }
    changed = changed_;
    return absl::OkStatus();
  }

 private:
  absl::Status RewriteArg(nlohmann::json& arg, const std::string& where, int depth) {
    if (depth > 256) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": lists nested too deep"));
    }
    nlohmann::json rewritten;
    switch (arg.type()) {
      case nlohmann::json::value_t::string:
        rewritten["str"] = std::move(arg.get_ref<std::string&>());
        break;
      case nlohmann::json::value_t::boolean:
        rewritten["bool"] = arg.get<bool>();
        break;
      case nlohmann::json::value_t::number_integer:
        // As a string: protobuf reads int64 from one exactly (and so does the typed pre-pass).
        rewritten["int"] = std::to_string(arg.get<int64_t>());
        break;
      case nlohmann::json::value_t::number_unsigned: {
        const uint64_t u = arg.get<uint64_t>();
        if (u > static_cast<uint64_t>(INT64_MAX)) return BeyondInt64(where);
        rewritten["int"] = std::to_string(u);
        break;
      }
      case nlohmann::json::value_t::number_float: {
        // An integer written without "." or exponent but beyond uint64 reads as a float here.
        const double d = arg.get<double>();
        if (!std::isfinite(d)) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": a number beyond a double"));
        }
        if (std::fabs(d) >= 9223372036854775808.0 && d == std::trunc(d)) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": ", arg.dump(),
              " is beyond int64 (for a float that large, write {\"float\": ", arg.dump(), "})"));
        }
        rewritten["float"] = d;
        break;
      }
      case nlohmann::json::value_t::array: {
        nlohmann::json items = nlohmann::json::array();
        for (size_t i = 0; i < arg.size(); ++i) {
          absl::Status status = RewriteArg(arg[i], absl::StrCat(where, ", item ", i), depth + 1);
          if (!status.ok()) return status;
          items.push_back(std::move(arg[i]));
        }
        rewritten["list"]["items"] = std::move(items);
        break;
      }
      case nlohmann::json::value_t::object: {
        auto list = arg.find("list");
        if (list == arg.end() || !list->is_object()) return absl::OkStatus();
        auto items = list->find("items");
        if (items == list->end() || !items->is_array()) return absl::OkStatus();
        for (size_t i = 0; i < items->size(); ++i) {
          absl::Status status =
              RewriteArg((*items)[i], absl::StrCat(where, ", item ", i), depth + 1);
          if (!status.ok()) return status;
        }
        return absl::OkStatus();
      }
      default:  // null: left for protobuf (an arg of no kind)
        return absl::OkStatus();
    }
    arg = std::move(rewritten);
    changed_ = true;
    return absl::OkStatus();
  }

  static absl::Status BeyondInt64(const std::string& where) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": an integer beyond int64"));
  }

  bool changed_ = false;
};

// Numbers nlohmann::json read as infinite (1e999) would be written back as null.
bool HasInfinity(const nlohmann::json& value) {
  if (value.is_number_float()) return !std::isfinite(value.get<double>());
  if (value.is_structured()) {
    for (const nlohmann::json& item : value) {
      if (HasInfinity(item)) return true;
    }
  }
  return false;
}

absl::StatusOr<v1::Graph> ParseTypedJson(absl::string_view json);

// A job file's DOM, plain args rewritten, as protobuf's JSON; `original` (when not empty) is the
// text it was read from, parsed instead when nothing needed rewriting.
absl::StatusOr<v1::Graph> ParseDom(nlohmann::json& doc, absl::string_view original) {
  bool changed = false;
  PlainArgs plain;
  if (absl::Status status = plain.Rewrite(doc, changed); !status.ok()) return status;
  if (!changed && !original.empty()) return ParseTypedJson(original);
  if (HasInfinity(doc)) {
    return absl::InvalidArgumentError("malformed graph JSON: a number beyond a double's range");
  }
  std::string text;
  try {  // nlohmann::json reports by exceptions; none leaves this function
    text = doc.dump();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed graph: ", e.what()));
  }
  return ParseTypedJson(text);
}

// Typed literals in their readable forms converted, then protobuf's parse.
absl::StatusOr<v1::Graph> ParseTypedJson(absl::string_view json) {
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

}  // namespace

absl::StatusOr<v1::Graph> ParseGraphJson(absl::string_view json) {
  // Deeper than any graph (protobuf's parser refuses less): not kept, as what walks the DOM
  // recurses.
  constexpr int kMaxDepth = 1000;
  bool too_deep = false;
  nlohmann::json doc = nlohmann::json::parse(
      json.begin(), json.end(),
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxDepth) too_deep = true;
        return !too_deep;
      },
      /*allow_exceptions=*/false);
  if (too_deep) {
    // Said here: protobuf's parser, which would otherwise be asked, reads such a document
    // as an arg of no kind and the error would be the op's ("takes 1 argument, got 0").
    return absl::InvalidArgumentError(
        absl::StrCat("the document nests lists or objects more than ", kMaxDepth,
                     " levels deep; a graph file may nest at most ", kMaxDepth));
  }
  // Malformed: protobuf's parser says where, as it always did.
  if (doc.is_discarded()) return ParseTypedJson(json);
  return ParseDom(doc, json);
}

absl::StatusOr<v1::Graph> ParseGraphYaml(absl::string_view yaml) {
  absl::StatusOr<nlohmann::json> doc = YamlToJson(yaml);
  if (!doc.ok()) return doc.status();
  return ParseDom(*doc, "");
}

bool IsYamlPath(const std::string& path) {
  return absl::EndsWithIgnoreCase(path, ".yaml") || absl::EndsWithIgnoreCase(path, ".yml");
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
  auto graph = IsYamlPath(path) ? ParseGraphYaml(buffer.str()) : ParseGraphJson(buffer.str());
  if (!graph.ok()) {
    return absl::Status(graph.status().code(), absl::StrCat(path == "-" ? "<stdin>" : path, ": ",
                                                            graph.status().message()));
  }
  return graph;
}

}  // namespace brisk
