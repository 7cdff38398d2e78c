#include "common/graph_json.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace brisk {

absl::StatusOr<v1::Graph> ParseGraphJson(absl::string_view json) {
  v1::Graph graph;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &graph, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed graph JSON: ", status.message().ToString()));
  }
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
