#include "worker/frame/json_lines_table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
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
    nlohmann::json record = nlohmann::json::parse(row.begin(), row.end(), nullptr,
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
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  struct stat st;
  std::string text;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    text.resize(static_cast<size_t>(st.st_size));
    size_t at = 0;
    while (at < text.size()) {
      const ssize_t got = pread(fd, text.data() + at, text.size() - at, static_cast<off_t>(at));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      at += static_cast<size_t>(got);
    }
    text.resize(at);
  }
  close(fd);
  const uint64_t size = text.size();
  end = std::min(end, size);
  // Lines starting in [start, end).
  auto line_start = [&](uint64_t at) -> uint64_t {
    if (at == 0) return 0;
    const size_t nl = text.find('\n', at - 1);
    return nl == std::string::npos ? size : nl + 1;
  };
  const uint64_t begin = line_start(std::min(start, size));
  const uint64_t stop = std::max(begin, end >= size ? size : line_start(end));
  uint64_t first_line = 1;
  for (uint64_t i = 0; i < begin; ++i) first_line += text[i] == '\n';
  absl::StatusOr<v1::Value> table =
      JsonLinesToTable(absl::string_view(text).substr(begin, stop - begin), first_line);
  if (!table.ok()) {
    return absl::Status(table.status().code(), absl::StrCat(path, ": ", table.status().message()));
  }
  return table;
}

}  // namespace brisk
