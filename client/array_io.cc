// brisk::Array's blocks made by a named op (FromFunction) and its results saved as .npy files
// (SaveNpy gathers here; SaveNpyBlocks writes each block on the worker holding it).
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/npy.h"
#include "client/array_data.h"

namespace brisk {

Array Array::FromFunction(const std::string& op, Shape shape, Shape chunk, DType dtype,
                          const std::map<std::string, ArgValue>& kwargs) {
  if (op.empty()) return ErrorArray(absl::InvalidArgumentError("FromFunction: no op named"));
  if (ItemSize(dtype) == 0) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("FromFunction: ", DTypeName(dtype), " is not an array dtype")));
  }
  for (const char* reserved : {"block", "offset", "shape"}) {
    if (kwargs.count(reserved) > 0) {
      return ErrorArray(absl::InvalidArgumentError(absl::StrCat(
          "FromFunction: keyword argument \"", reserved, "\" is given to every block by Brisk")));
    }
  }
  absl::StatusOr<Chunks> chunks = RegularChunks(shape, chunk);
  if (!chunks.ok()) {
    return ErrorArray(
        absl::InvalidArgumentError(absl::StrCat("FromFunction: ", chunks.status().message())));
  }
  std::vector<std::string> parts{op, absl::StrJoin(shape, ","), absl::StrJoin(chunk, ","),
                                 std::string(DTypeName(dtype))};
  for (const auto& [key, value] : kwargs) {
    parts.push_back(key);
    parts.push_back(value.arg().SerializeAsString());
  }
  const std::string name = ArrayName("from-function", parts);
  const std::string raw = absl::StrCat(name, "-raw");
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(*chunks)) {
    const Shape bshape = BlockShape(*chunks, block);
    v1::Task call;
    call.set_key(BlockKeyOf(raw, block));
    call.set_op(op);
    auto& kw = *call.mutable_kwargs();
    for (const auto& [key, value] : kwargs) kw[key] = value.arg();
    kw["block"] = IntListArg(block);
    kw["offset"] = IntListArg(BlockOffset(*chunks, block));
    kw["shape"] = IntListArg(bshape);
    v1::Task check;
    check.set_key(BlockKeyOf(name, block));
    check.set_op("array.check_block");
    *check.add_args() = RefArg(call.key());
    check.add_args()->set_str(std::string(DTypeName(dtype)));
    *check.add_args() = IntListArg(bshape);
    check.add_args()->set_str(
        absl::StrCat("block (", absl::StrJoin(block, ", "), ") of op \"", op, "\""));
    tasks.push_back(std::move(call));
    tasks.push_back(std::move(check));
  }
  return MakeArray(dtype, std::move(shape), *std::move(chunks), name, std::move(tasks), {});
}

namespace {

// A C++ scalar's value as a 0-d ndarray.
absl::StatusOr<v1::Value> AsNdarray(v1::Value value, DType dtype) {
  if (value.kind_case() == v1::Value::kNdarray) return value;
  switch (value.kind_case()) {
    case v1::Value::kFloat: {
      const double v = value.float_();
      return MakeArray<double>({}, absl::MakeConstSpan(&v, 1));
    }
    case v1::Value::kInt: {
      const int64_t v = value.int_();
      return MakeArray<int64_t>({}, absl::MakeConstSpan(&v, 1));
    }
    case v1::Value::kBool: {
      const bool v = value.bool_();
      return MakeArray<bool>({}, absl::MakeConstSpan(&v, 1));
    }
    default:
      return absl::InternalError(absl::StrCat("a result of kind ", KindName(value), " for a ",
                                              DTypeName(dtype), " array"));
  }
}

}  // namespace

absl::Status Array::SaveNpy(Client& client, const std::string& path) const {
  absl::StatusOr<v1::Value> value = Compute(client);
  if (!value.ok()) return value.status();
  absl::StatusOr<v1::Value> array = AsNdarray(*std::move(value), dtype());
  if (!array.ok()) return array.status();
  const std::filesystem::path file(path);
  if (file.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SaveNpy: cannot make directory ", file.parent_path().string(), ": ", error.message()));
    }
  }
  return WriteNpy(path, *array);
}

absl::Status Array::SaveNpyBlocks(Client& client, const std::string& dir) const {
  if (!ok()) return status();
  if (dir.empty()) return absl::InvalidArgumentError("SaveNpyBlocks: no directory given");
  v1::Graph graph;
  const std::string prefix = ArrayName("save-npy", {name(), dir});
  if (data()->scalar) {
    // No block on any worker: the value travels as a literal.
    absl::StatusOr<v1::Value> array = AsNdarray(*data()->scalar, dtype());
    if (!array.ok()) return array.status();
    v1::Task* task = graph.add_tasks();
    task->set_key(prefix);
    task->set_op("array.save_npy");
    *task->add_args()->mutable_ndarray() = array->ndarray();
    task->add_args()->set_str(absl::StrCat(dir, "/block.npy"));
    graph.add_outputs(prefix);
  } else {
    graph = ToGraph();
    graph.clear_outputs();
    for (const Shape& block : BlockIndices(chunks())) {
      v1::Task* task = graph.add_tasks();
      task->set_key(BlockKeyOf(prefix, block));
      task->set_op("array.save_npy");
      *task->add_args() = RefArg(BlockKey(block));
      task->add_args()->set_str(
          block.empty() ? absl::StrCat(dir, "/block.npy")
                        : absl::StrCat(dir, "/block-", absl::StrJoin(block, "."), ".npy"));
      graph.add_outputs(task->key());
    }
  }
  absl::StatusOr<Job> job = client.Submit(graph);
  if (!job.ok()) return job.status();
  absl::StatusOr<std::vector<ValuePtr>> written = client.Gather(job->outputs);
  client.Release(job->id).IgnoreError();
  return written.status();
}

}  // namespace brisk
