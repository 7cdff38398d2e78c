// brisk::Frame's sources: CSV and JSON-lines files matched by a glob, cut into partitions by file
// and by byte range, and tables given by the caller.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "brisk/frame.h"
#include "client/frame_data.h"

namespace brisk {
namespace {

struct FilePart {
  std::string path;
  int64_t start = 0, end = -1;  // end -1: to the file's end
};

// The files matching `pattern` (made absolute from the current directory), sorted, with their
// sizes and modification times in `identity` (so a changed file names other keys).
absl::StatusOr<std::vector<FilePart>> Parts(const std::string& pattern, uint64_t blocksize,
                                            std::string& identity) {
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(pattern, ec).string();
  if (ec) return absl::InvalidArgumentError(absl::StrCat(pattern, ": ", ec.message()));
  glob_t found{};
  const int rc = glob(absolute.c_str(), 0, nullptr, &found);
  std::vector<std::string> paths;
  for (size_t i = 0; rc == 0 && i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
  globfree(&found);
  if (rc == GLOB_NOMATCH || (rc == 0 && paths.empty())) {
    return absl::InvalidArgumentError(absl::StrCat("no file matches \"", pattern, "\""));
  }
  if (rc != 0) return absl::InvalidArgumentError(absl::StrCat("cannot read \"", pattern, "\""));
  std::sort(paths.begin(), paths.end());
  std::vector<FilePart> parts;
  for (const std::string& path : paths) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a readable file"));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    absl::StrAppend(&identity, path, "\n", size, "\n", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec,
                    "\n");
    if (blocksize == 0 || size <= blocksize) {
      parts.push_back({path, 0, -1});
      continue;
    }
    for (uint64_t at = 0; at < size; at += blocksize) {
      const bool last = at + blocksize >= size;
      parts.push_back(
          {path, static_cast<int64_t>(at), last ? -1 : static_cast<int64_t>(at + blocksize)});
    }
  }
  return parts;
}

Frame Read(const std::string& op, const std::string& glob_pattern, uint64_t blocksize,
           std::vector<std::pair<std::string, v1::Arg>> kwargs, const std::string& options_id) {
  std::string identity;
  absl::StatusOr<std::vector<FilePart>> parts = Parts(glob_pattern, blocksize, identity);
  if (!parts.ok()) return ErrorFrame(parts.status());
  const std::string name = ArrayName("frame-" + op.substr(op.find('.') + 1),
                                     {identity, options_id, absl::StrCat(blocksize)});
  std::vector<v1::Task> tasks;
  for (size_t i = 0; i < parts->size(); ++i) {
    const FilePart& p = (*parts)[i];
    v1::Task task;
    task.set_key(PartitionKeyOf(name, i));
    task.set_op(op);
    *task.add_args() = StrArg(p.path);
    if (p.start != 0) (*task.mutable_kwargs())["start"] = IntArg(p.start);
    if (p.end >= 0) (*task.mutable_kwargs())["end"] = IntArg(p.end);
    for (const auto& [k, v] : kwargs) (*task.mutable_kwargs())[k] = v;
    tasks.push_back(std::move(task));
  }
  return MakeFrame(name, parts->size(), std::move(tasks), {});
}

}  // namespace

Frame Frame::ReadCsv(const std::string& glob_pattern, const CsvReadOptions& options) {
  std::vector<std::pair<std::string, v1::Arg>> kwargs;
  if (!options.header) kwargs.emplace_back("header", BoolArg(false));
  if (options.delimiter != ',') {
    kwargs.emplace_back("delimiter", StrArg(std::string(1, options.delimiter)));
  }
  if (!options.names.empty()) {
    v1::Arg names;
    for (const std::string& n : options.names) *names.mutable_list()->add_items() = StrArg(n);
    kwargs.emplace_back("names", std::move(names));
  }
  if (!options.dtypes.empty()) {
    v1::Arg dtypes;
    for (const auto& [column, dtype] : options.dtypes) {
      *dtypes.mutable_list()->add_items() = StrArg(absl::StrCat(column, ":", dtype));
    }
    kwargs.emplace_back("dtypes", std::move(dtypes));
  }
  std::string id;
  for (const auto& [k, v] : kwargs) absl::StrAppend(&id, k, "=", v.SerializeAsString(), "\n");
  return Read("frame.read_csv", glob_pattern, options.blocksize, std::move(kwargs), id);
}

Frame Frame::ReadJson(const std::string& glob_pattern, uint64_t blocksize) {
  return Read("frame.read_json", glob_pattern, blocksize, {}, "");
}

Frame Frame::FromTables(const std::vector<v1::Value>& tables) {
  std::string id;
  for (const v1::Value& t : tables) {
    if (t.kind_case() != v1::Value::kTable) {
      return ErrorFrame(absl::InvalidArgumentError("Frame::FromTables takes table values"));
    }
    absl::StrAppend(&id, t.SerializeAsString());
  }
  if (tables.empty()) return ErrorFrame(absl::InvalidArgumentError("no table given"));
  const std::string name = ArrayName("frame-tables", {id});
  std::vector<v1::Task> tasks;
  for (size_t i = 0; i < tables.size(); ++i) {
    v1::Task task;
    task.set_key(PartitionKeyOf(name, i));
    task.set_op("frame.concat");
    *task.add_args()->mutable_table() = tables[i].table();
    tasks.push_back(std::move(task));
  }
  return MakeFrame(name, tables.size(), std::move(tasks), {});
}

}  // namespace brisk
