// Bags from outside the cluster: lines of text files and JSON lines from a glob (one partition
// per file, or per byte range of a large one; read by the task that consumes them), local
// strings (literal tables), and a plugin op per partition.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/bag.h"
#include "client/bag_data.h"
#include "worker/bag/partition_table.h"
#include "worker/bag/text_reader.h"

namespace brisk {
namespace {

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

v1::Arg ReadArg(const char* format, const std::string& path, int64_t offset, int64_t length) {
  v1::Arg arg;
  v1::ArgList* list = arg.mutable_list();
  list->add_items()->set_str(format);
  list->add_items()->set_str(path);
  list->add_items()->set_int_(offset);
  list->add_items()->set_int_(length);
  return arg;
}

Bag ReadFiles(const char* what, const char* format, BagKind kind, const std::string& pattern,
              const BagReadOptions& options) {
  auto fail = [&](absl::StatusCode code, const std::string& message) {
    return ErrorBag(absl::Status(code, absl::StrCat("Bag::", what, ": ", pattern, ": ", message)));
  };
  glob_t found{};
  const int rc = glob(AbsolutePath(pattern).c_str(), GLOB_NOSORT, nullptr, &found);
  std::vector<std::string> files;
  for (size_t i = 0; rc == 0 && i < found.gl_pathc; ++i) files.emplace_back(found.gl_pathv[i]);
  globfree(&found);
  if (rc == GLOB_NOMATCH || (rc == 0 && files.empty())) {
    return fail(absl::StatusCode::kNotFound, "no file matches");
  }
  if (rc != 0) return fail(absl::StatusCode::kInvalidArgument, "cannot be read as a glob");
  std::sort(files.begin(), files.end());
  auto data = std::make_shared<BagData>();
  data->kind = kind;
  std::vector<std::string> stamps = {format, absl::StrCat(options.blocksize)};
  for (const std::string& file : files) {
    struct stat st {};
    if (stat(file.c_str(), &st) != 0) return fail(absl::StatusCode::kNotFound, file);
    if (S_ISDIR(st.st_mode)) continue;
    stamps.push_back(
        absl::StrCat(file, "|", st.st_size, "|", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec));
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (options.blocksize == 0 || size <= options.blocksize || IsGzipFile(file)) {
      data->parts.push_back(BagPart{"", ReadArg(format, file, 0, -1)});
      continue;
    }
    for (uint64_t at = 0; at < size; at += options.blocksize) {
      data->parts.push_back(BagPart{"", ReadArg(format, file, static_cast<int64_t>(at),
                                                static_cast<int64_t>(options.blocksize))});
    }
  }
  if (data->parts.empty()) return fail(absl::StatusCode::kNotFound, "matches directories only");
  data->name = ArrayName(kind == BagKind::kText ? "read-text" : "read-json", stamps);
  return Bag(std::move(data));
}

}  // namespace

Bag Bag::ReadText(const std::string& glob, BagReadOptions options) {
  return ReadFiles("ReadText", "text", BagKind::kText, glob, options);
}

Bag Bag::ReadJsonLines(const std::string& glob, BagReadOptions options) {
  return ReadFiles("ReadJsonLines", "json", BagKind::kRecords, glob, options);
}

Bag Bag::FromStrings(const std::vector<std::string>& records, int npartitions) {
  if (npartitions < 1) {
    return ErrorBag(absl::InvalidArgumentError(
        absl::StrCat("Bag::FromStrings: npartitions must be at least 1, got ", npartitions)));
  }
  const size_t n = records.size(), parts = static_cast<size_t>(npartitions);
  std::vector<v1::Value> tables;
  std::vector<std::string> stamps = {absl::StrCat(parts)};
  for (size_t p = 0; p < parts; ++p) {
    StringColumn text;
    for (size_t i = n * p / parts; i < n * (p + 1) / parts; ++i) text.Add(records[i]);
    absl::StatusOr<v1::Value> table = MakeTextPartition(std::move(text));
    if (!table.ok()) {
      return ErrorBag(
          absl::InvalidArgumentError(absl::StrCat("Bag::FromStrings: ", table.status().message())));
    }
    stamps.push_back(table->table().SerializeAsString());
    tables.push_back(std::move(*table));
  }
  const std::string name = ArrayName("from-strings", stamps);
  std::vector<v1::Task> tasks;
  std::vector<std::string> keys;
  for (size_t p = 0; p < parts; ++p) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-", p));
    task.set_op("identity");
    *task.add_args()->mutable_table() = std::move(*tables[p].mutable_table());
    keys.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  return MakeBag(BagKind::kText, name, std::move(keys), std::move(tasks), {});
}

Bag Bag::FromFunction(const std::string& op, int npartitions,
                      const std::map<std::string, ArgValue>& kwargs, BagKind kind) {
  if (npartitions < 1) {
    return ErrorBag(absl::InvalidArgumentError(
        absl::StrCat("Bag::FromFunction: npartitions must be at least 1, got ", npartitions)));
  }
  if (kind != BagKind::kText && kind != BagKind::kRecords) {
    return ErrorBag(
        absl::InvalidArgumentError("Bag::FromFunction: the partitions are text or records"));
  }
  std::vector<std::string> stamps = {op, absl::StrCat(npartitions),
                                     kind == BagKind::kText ? "text" : "records"};
  for (const auto& [k, v] : kwargs) {
    stamps.push_back(k);
    stamps.push_back(v.arg().SerializeAsString());
  }
  const std::string name = ArrayName("from-function", stamps);
  std::vector<v1::Task> tasks;
  std::vector<std::string> keys;
  for (int p = 0; p < npartitions; ++p) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-", p));
    task.set_op(op);
    for (const auto& [k, v] : kwargs) (*task.mutable_kwargs())[k] = v.arg();
    (*task.mutable_kwargs())["partition"] = IntArg(p);
    (*task.mutable_kwargs())["npartitions"] = IntArg(npartitions);
    keys.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  return MakeBag(kind, name, std::move(keys), std::move(tasks), {});
}

}  // namespace brisk
