// frame.read_csv, frame.read_json, frame.write_csv: a Frame's partitions read from and written to
// files on the worker (brisk::Frame::ReadCsv, ReadJson, ToCsv).
//
//   frame.read_csv(path, start=0, end=-1, header=true, delimiter=",", names=[...],
//                  dtypes={"col": "float64", ...} or ["col:float64", ...])
//                                                    -> table
//   frame.read_json(path, start=0, end=-1)          -> table
//   frame.write_csv(table, path)                     -> int (rows written)
//
// start/end select the records whose first byte lies in [start, end) (end -1: the file's end).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/frame/csv_table.h"
#include "worker/frame/frame_ops.h"
#include "worker/frame/json_lines_table.h"

namespace brisk {
namespace {

absl::StatusOr<std::pair<uint64_t, uint64_t>> Range(const OpArgs& args) {
  absl::StatusOr<int64_t> start = args.Int("start", 0);
  if (!start.ok()) return start.status();
  absl::StatusOr<int64_t> end = args.Int("end", -1);
  if (!end.ok()) return end.status();
  if (*start < 0) return args.Error("keyword argument \"start\" is negative");
  const uint64_t stop =
      *end < 0 ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(*end);
  return std::make_pair(static_cast<uint64_t>(*start), stop);
}

absl::StatusOr<v1::Value> ReadCsvOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> path = args.Str(0);
  if (!path.ok()) return path.status();
  absl::StatusOr<std::pair<uint64_t, uint64_t>> range = Range(args);
  if (!range.ok()) return range.status();
  CsvOptions options;
  absl::StatusOr<bool> header = args.Bool("header", true);
  if (!header.ok()) return header.status();
  options.header = *header;
  absl::StatusOr<absl::string_view> delimiter = args.Str("delimiter", ",");
  if (!delimiter.ok()) return delimiter.status();
  if (delimiter->size() != 1) {
    return args.Error(absl::StrCat("keyword argument \"delimiter\" must be one character, got \"",
                                   *delimiter, "\""));
  }
  options.delimiter = (*delimiter)[0];
  if (const v1::Value* names = args.Kwarg("names")) {
    for (const v1::Value& n : names->list().items()) {
      if (n.kind_case() != v1::Value::kStr) {
        return args.Error("keyword argument \"names\" must be a list of str");
      }
      options.names.push_back(n.str());
    }
  }
  if (!options.header && options.names.empty()) {
    return args.Error("without a header, keyword argument \"names\" must name the columns");
  }
  if (const v1::Value* dtypes = args.Kwarg("dtypes")) {
    // A map of column -> dtype name (from C++), or a list of "column:dtype" (graph files).
    std::vector<std::pair<std::string, std::string>> pairs;
    if (dtypes->kind_case() == v1::Value::kMap) {
      for (const auto& [name, v] : dtypes->map().entries()) {
        if (v.kind_case() != v1::Value::kStr) {
          return args.Error(absl::StrCat("keyword argument \"dtypes\": column \"", name,
                                         "\" must map to a dtype name"));
        }
        pairs.emplace_back(name, v.str());
      }
    } else if (dtypes->kind_case() == v1::Value::kList) {
      for (const v1::Value& item : dtypes->list().items()) {
        const size_t colon =
            item.kind_case() == v1::Value::kStr ? item.str().rfind(':') : std::string::npos;
        if (colon == std::string::npos) {
          return args.Error(
              "keyword argument \"dtypes\" must be a map or a list of \"column:dtype\" str");
        }
        pairs.emplace_back(item.str().substr(0, colon), item.str().substr(colon + 1));
      }
    } else {
      return args.Error(
          absl::StrCat("keyword argument \"dtypes\" must be a map or a list of "
                       "\"column:dtype\" str, got ",
                       KindName(*dtypes)));
    }
    for (const auto& [name, type] : pairs) {
      absl::StatusOr<DType> dtype = ParseDType(type);
      if (!dtype.ok()) {
        return args.Error(absl::StrCat("keyword argument \"dtypes\": column \"", name,
                                       "\": ", dtype.status().message()));
      }
      options.dtypes[name] = *dtype;
    }
  }
  return ReadCsvRange(std::string(*path), range->first, range->second, options);
}

absl::StatusOr<v1::Value> ReadJsonOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> path = args.Str(0);
  if (!path.ok()) return path.status();
  absl::StatusOr<std::pair<uint64_t, uint64_t>> range = Range(args);
  if (!range.ok()) return range.status();
  return ReadJsonLinesRange(std::string(*path), range->first, range->second);
}

absl::StatusOr<v1::Value> WriteCsvOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<absl::string_view> path_arg = args.Str(1);
  if (!path_arg.ok()) return path_arg.status();
  const std::string path(*path_arg);
  const std::string text = TableToCsv(*table);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return args.Error(absl::StrCat(path, ": ", std::strerror(errno)));
  size_t at = 0;
  while (at < text.size()) {
    const ssize_t put = write(fd, text.data() + at, text.size() - at);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) {
      const int err = errno;
      close(fd);
      return args.Error(absl::StrCat(path, ": ", std::strerror(err)));
    }
    at += static_cast<size_t>(put);
  }
  if (close(fd) != 0) return args.Error(absl::StrCat(path, ": ", std::strerror(errno)));
  v1::Value rows;
  rows.set_int_(static_cast<int64_t>(table->num_rows()));
  return rows;
}

}  // namespace

void RegisterFrameIoOps(OpRegistry& registry) {
  {
    OpSignature sig;
    sig.args = {{"path", Kind::kStr}};
    sig.kwargs = {{"start", Kind::kInt},     {"end", Kind::kInt},    {"header", Kind::kBool},
                  {"delimiter", Kind::kStr}, {"names", Kind::kList}, {"dtypes", Kind::kAny}};
    sig.result = Kind::kTable;
    registry.Register("frame.read_csv", std::move(sig), ArrayOpNamed("frame.read_csv", ReadCsvOp));
  }
  {
    OpSignature sig;
    sig.args = {{"path", Kind::kStr}};
    sig.kwargs = {{"start", Kind::kInt}, {"end", Kind::kInt}};
    sig.result = Kind::kTable;
    registry.Register("frame.read_json", std::move(sig),
                      ArrayOpNamed("frame.read_json", ReadJsonOp));
  }
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}, {"path", Kind::kStr}};
    sig.result = Kind::kInt;
    registry.Register("frame.write_csv", std::move(sig),
                      ArrayOpNamed("frame.write_csv", WriteCsvOp));
  }
}

}  // namespace brisk
