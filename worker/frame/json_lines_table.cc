#include "worker/frame/json_lines_table.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "worker/frame/line_range.h"
#include "worker/frame/text_columns.h"

namespace brisk {

absl::StatusOr<v1::Value> JsonLinesToTable(absl::string_view text, uint64_t first_line) {
  TextColumns columns({});
  absl::flat_hash_map<std::string, size_t> index;
  uint64_t line = first_line;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    absl::string_view row = text.substr(0, nl);
    text.remove_prefix(nl == absl::string_view::npos ? text.size() : nl + 1);
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    const uint64_t this_line = line++;
    if (row.find_first_not_of(" \t") == absl::string_view::npos) continue;
    nlohmann::ordered_json record = nlohmann::ordered_json::parse(row.begin(), row.end(), nullptr,
                                                                  /*allow_exceptions=*/false);
    if (!record.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("JSON lines: line ", this_line,
                       record.is_discarded() ? " is not valid JSON" : " is not a JSON object"));
    }
    for (auto& [key, v] : record.items()) {
      auto [it, added] = index.try_emplace(key, 0);
      if (added) it->second = columns.AddColumn(key);
      const size_t c = it->second;
      if (v.is_null()) {
        columns.AddNull(c);
      } else if (v.is_string()) {
        columns.MarkString(c);
        columns.Add(c, v.get_ref<const std::string&>());
      } else if (v.is_boolean()) {
        columns.Add(c, v.get<bool>() ? "True" : "False");
      } else {
        columns.Add(c, v.dump());
      }
    }
    columns.EndRow();
  }
  return std::move(columns).Finish();
}

absl::StatusOr<v1::Value> ReadJsonLinesRange(const std::string& path, uint64_t start,
                                             uint64_t end) {
  absl::StatusOr<LineRange> range = ReadLineRange(path, start, end);
  if (!range.ok()) return range.status();
  absl::StatusOr<v1::Value> table = JsonLinesToTable(range->text);
  if (!table.ok()) {
    // Line numbers count from the range's first line; a range past the file's start says where.
    return absl::Status(
        table.status().code(),
        absl::StrCat(path,
                     range->begin > 0 ? absl::StrCat(" (lines from byte ", range->begin, ")") : "",
                     ": ", table.status().message()));
  }
  return table;
}

}  // namespace brisk
