#include "common/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace brisk {
namespace {

using nlohmann::json;

absl::Status ErrorAt(const YAML::Mark& mark, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("malformed graph YAML: line ", mark.line + 1,
                                                 ", column ", mark.column + 1, ": ", message));
}

// A plain (unquoted, untagged) scalar, typed as YAML 1.2's core schema types it.
absl::StatusOr<json> PlainScalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  static const RE2* const kNull = new RE2("|~|null|Null|NULL");
  static const RE2* const kTrue = new RE2("true|True|TRUE");
  static const RE2* const kFalse = new RE2("false|False|FALSE");
  static const RE2* const kInt = new RE2("[-+]?[0-9]+");
  static const RE2* const kOctal = new RE2("0o[0-7]+");
  static const RE2* const kHex = new RE2("0x[0-9a-fA-F]+");
  static const RE2* const kFloat =
      new RE2(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const RE2* const kNotFinite = new RE2(R"([-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN)");
  if (RE2::FullMatch(text, *kNull)) return json(nullptr);
  if (RE2::FullMatch(text, *kTrue)) return json(true);
  if (RE2::FullMatch(text, *kFalse)) return json(false);
  int64_t i = 0;
  if (RE2::FullMatch(text, *kInt)) {
    if (!absl::SimpleAtoi(text, &i)) return ErrorAt(node.Mark(), text + " is beyond int64");
    return json(i);
  }
  if (RE2::FullMatch(text, *kOctal) || RE2::FullMatch(text, *kHex)) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data() + 2, end, i, text[1] == 'x' ? 16 : 8);
    if (ec != std::errc() || ptr != end) return ErrorAt(node.Mark(), text + " is beyond int64");
    return json(i);
  }
  if (RE2::FullMatch(text, *kFloat)) {
    double d = 0;
    if (!absl::SimpleAtod(text, &d) || !std::isfinite(d)) {
      return ErrorAt(node.Mark(), text + " is beyond a double's range");
    }
    return json(d);
  }
  if (RE2::FullMatch(text, *kNotFinite)) {
    return ErrorAt(node.Mark(), text + ": JSON, and so a graph, has no infinities or NaNs");
  }
  return json(text);
}

absl::StatusOr<json> Convert(const YAML::Node& node, int depth) {
  if (depth > 512) return ErrorAt(node.Mark(), "nested more than 512 levels deep");
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag == "?") return PlainScalar(node);
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return json(node.Scalar());
      // Another explicit tag (!!int, !!float, !!bool, !!null): typed as if it were plain.
      return PlainScalar(node);
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const YAML::Node& item : node) {
        auto converted = Convert(item, depth + 1);
        if (!converted.ok()) return converted.status();
        array.push_back(std::move(*converted));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          return ErrorAt(entry.first.Mark(), "a mapping's key must be a scalar");
        }
        auto converted = Convert(entry.second, depth + 1);
        if (!converted.ok()) return converted.status();
        object[entry.first.Scalar()] = std::move(*converted);
      }
      return object;
    }
  }
  return json(nullptr);
}

}  // namespace

absl::StatusOr<nlohmann::json> YamlToJson(absl::string_view yaml) {
  // yaml-cpp reports errors by exceptions; none leaves this function.
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    return Convert(root, 0);
  } catch (const YAML::Exception& e) {
    return ErrorAt(e.mark, e.msg);
  }
}

}  // namespace brisk
