// bag.partition (a partition made: read, steps applied), bag.count (its records counted),
// bag.sum (ints added: count's combine step) and bag.write_text (its records written as lines
// to a file, gzip-compressed on request; records that are not text, and the (value, count) pairs
// of a counts partition, as JSON).
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/value_json.h"
#include "nlohmann/json.hpp"
#include "worker/bag/bag_input.h"
#include "worker/bag/bag_ops.h"
#include "worker/bag/partition_table.h"

namespace brisk {
namespace {

absl::StatusOr<v1::Value> OpPartition(OpContext&, const OpArgs& args) {
  absl::StatusOr<BagInput> in = BagInput::Of("bag.partition", args);
  if (!in.ok()) return in.status();
  if (!in->text()) {
    v1::Value out;
    v1::ValueList* list = out.mutable_list();
    absl::Status s = in->ForEachValue([&](const v1::Value& r) { *list->add_items() = r; });
    if (!s.ok()) return s;
    return out;
  }
  StringColumn text;
  absl::Status s = in->ForEachText([&](absl::string_view r) { text.Add(r); });
  if (!s.ok()) return s;
  return MakeTextPartition(std::move(text));
}

absl::StatusOr<v1::Value> OpCount(OpContext&, const OpArgs& args) {
  absl::StatusOr<BagInput> in = BagInput::Of("bag.count", args);
  if (!in.ok()) return in.status();
  int64_t n = 0;
  absl::Status s = in->text() ? in->ForEachText([&](absl::string_view) { ++n; })
                              : in->ForEachValue([&](const v1::Value&) { ++n; });
  if (!s.ok()) return s;
  v1::Value out;
  out.set_int_(n);
  return out;
}

absl::StatusOr<v1::Value> OpSum(OpContext&, const OpArgs& args) {
  int64_t n = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<int64_t> v = args.Int(i);
    if (!v.ok()) return v.status();
    n += *v;
  }
  v1::Value out;
  out.set_int_(n);
  return out;
}

absl::StatusOr<v1::Value> OpWriteText(OpContext&, const OpArgs& args) {
  constexpr absl::string_view kOp = "bag.write_text";
  absl::StatusOr<BagInput> in = BagInput::Of(kOp, args);
  if (!in.ok()) return in.status();
  absl::StatusOr<absl::string_view> path = args.Str("path", "");
  absl::StatusOr<bool> compress = args.Bool("compress", false);
  if (!path.ok()) return path.status();
  if (!compress.ok()) return compress.status();
  if (path->empty()) return args.Error("keyword argument \"path\" is required");
  const std::string file(*path);
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto io_error = [&](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("op \"", kOp, "\": ", file, ": ", what));
  };
  std::string buffer;
  int64_t lines = 0;
  auto add = [&](absl::string_view line) {
    buffer.append(line.data(), line.size());
    buffer.push_back('\n');
    ++lines;
  };
  if (args.size() > 0 && IsCountsPartition(args[0]) && args.Kwarg("steps") == nullptr) {
    // A counts partition: each (value, count) as a JSON pair, ["word",12].
    absl::StatusOr<CountsView> counts = ViewCounts(kOp, args[0]);
    if (!counts.ok()) return counts.status();
    for (uint64_t r = 0; r < counts->size(); ++r) {
      const nlohmann::json pair = {std::string(counts->values.String(r)), counts->counts[r]};
      add(pair.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  } else {
    absl::Status s =
        in->text() ? in->ForEachText(add)
                   : in->ForEachValue([&](const v1::Value& r) { add(JsonText(ValueToJson(r))); });
    if (!s.ok()) return s;
  }
  const std::string tmp = file + ".part";
  if (*compress) {
    gzFile gz = gzopen(tmp.c_str(), "wb6");
    if (gz == nullptr) return io_error(std::strerror(errno));
    size_t at = 0;
    bool ok = true;
    while (ok && at < buffer.size()) {
      const unsigned n = static_cast<unsigned>(std::min<size_t>(buffer.size() - at, 1 << 30));
      ok = gzwrite(gz, buffer.data() + at, n) == static_cast<int>(n);
      at += n;
    }
    if (gzclose(gz) != Z_OK || !ok) return io_error("gzip write failed");
  } else {
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return io_error(std::strerror(errno));
    const bool ok = std::fwrite(buffer.data(), 1, buffer.size(), f) == buffer.size();
    if (std::fclose(f) != 0 || !ok) return io_error(std::strerror(errno));
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) return io_error(ec.message());
  v1::Value out;
  out.set_int_(lines);
  return out;
}

}  // namespace

void RegisterBagPartitionOps(OpRegistry& registry) {
  const OpSignature input{.args = {Param("partition", Kind::kAny, v1::DTYPE_UNSPECIFIED)},
                          .kwargs = {Param("read", Kind::kList), Param("steps", Kind::kList)}};
  OpSignature partition = input;
  partition.args[0].optional = true;
  registry.Register("bag.partition", partition, OpPartition);
  OpSignature count = partition;
  count.result = Kind::kInt;
  registry.Register("bag.count", count, OpCount);
  registry.Register("bag.sum", {.more_args = true, .result = Kind::kInt}, OpSum);
  OpSignature write = partition;
  write.kwargs.push_back(Param("path", Kind::kStr));
  write.kwargs.push_back(Param("compress", Kind::kBool));
  write.result = Kind::kInt;
  registry.Register("bag.write_text", write, OpWriteText);
}

}  // namespace brisk
