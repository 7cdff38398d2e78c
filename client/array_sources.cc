// Arrays from outside the cluster: a local ndarray value (blocks as literals of "identity"
// tasks), a .npy file (its header read here, its blocks read on the workers by
// "array.read_npy"), and a directory of .npy files (one block per file).
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/array.h"
#include "brisk/npy.h"
#include "client/array_data.h"

namespace brisk {
namespace {

std::string ChunksText(const Chunks& chunks) {
  std::vector<std::string> axes;
  for (const auto& axis : chunks) axes.push_back(absl::StrJoin(axis, ","));
  return absl::StrJoin(axes, ";");
}

// Copies block `block` of shape `bshape` at `offset` out of a C-order array of shape `shape`.
std::string ExtractBlock(absl::string_view data, absl::Span<const uint64_t> shape,
                         absl::Span<const uint64_t> offset, absl::Span<const uint64_t> bshape,
                         size_t itemsize) {
  const size_t nd = shape.size();
  uint64_t count = 1;
  for (uint64_t d : bshape) count *= d;
  std::string out(count * itemsize, '\0');
  if (count == 0) return out;
  if (nd == 0) return std::string(data.substr(0, itemsize));
  uint64_t rows = 1;
  for (size_t d = 0; d + 1 < nd; ++d) rows *= bshape[d];
  const uint64_t run = bshape[nd - 1] * itemsize;
  std::vector<uint64_t> pos(nd, 0);
  for (uint64_t r = 0; r < rows; ++r) {
    uint64_t flat = 0;
    for (size_t d = 0; d < nd; ++d) flat = flat * shape[d] + offset[d] + pos[d];
    std::memcpy(out.data() + r * run, data.data() + flat * itemsize, run);
    for (size_t d = nd - 1; d-- > 0;) {
      if (++pos[d] < bshape[d]) break;
      pos[d] = 0;
    }
  }
  return out;
}

v1::Arg StrArg(const std::string& s) {
  v1::Arg arg;
  arg.set_str(s);
  return arg;
}

// What identifies a file's content for naming: its path, size and modification time.
std::string FileStamp(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return path;
  return absl::StrCat(path, "|", st.st_size, "|", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

Array Array::FromValue(const v1::Value& ndarray, Shape chunk) {
  absl::StatusOr<ArrayView> view = ArrayView::Of(ndarray);
  if (!view.ok()) {
    return ErrorArray(
        absl::InvalidArgumentError(absl::StrCat("Array::FromValue: ", view.status().message())));
  }
  if (view->dtype() == v1::DTYPE_STRING) {
    return ErrorArray(
        absl::InvalidArgumentError("Array::FromValue: string arrays are not Brisk arrays"));
  }
  const Shape shape(view->shape().begin(), view->shape().end());
  absl::StatusOr<Chunks> chunks = RegularChunks(shape, chunk);
  if (!chunks.ok()) {
    return ErrorArray(
        absl::InvalidArgumentError(absl::StrCat("Array::FromValue: ", chunks.status().message())));
  }
  const std::string name =
      ArrayName("from-value", {DTypeName(view->dtype()).data(), absl::StrJoin(shape, ","),
                               ChunksText(*chunks), std::string(view->bytes())});
  const size_t itemsize = ItemSize(view->dtype());
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(*chunks)) {
    const Shape bshape = BlockShape(*chunks, block);
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("identity");
    v1::NDArray* literal = task.add_args()->mutable_ndarray();
    literal->set_dtype(view->dtype());
    for (uint64_t d : bshape) literal->add_shape(d);
    literal->set_data(
        ExtractBlock(view->bytes(), shape, BlockOffset(*chunks, block), bshape, itemsize));
    tasks.push_back(std::move(task));
  }
  return MakeArray(view->dtype(), shape, std::move(*chunks), name, std::move(tasks), {});
}

Array Array::FromNpy(const std::string& path, Shape chunk) {
  absl::StatusOr<NpyHeader> header = ReadNpyHeader(path);
  if (!header.ok()) {
    return ErrorArray(absl::Status(header.status().code(),
                                   absl::StrCat("Array::FromNpy: ", header.status().message())));
  }
  absl::StatusOr<Chunks> chunks = RegularChunks(header->shape, chunk);
  if (!chunks.ok()) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("Array::FromNpy: ", path, ": ", chunks.status().message())));
  }
  const std::string abs = Absolute(path);
  const std::string name = ArrayName("from-npy", {FileStamp(abs), ChunksText(*chunks)});
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(*chunks)) {
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("array.read_npy");
    *task.add_args() = StrArg(abs);
    (*task.mutable_kwargs())["offset"] = IntListArg(BlockOffset(*chunks, block));
    (*task.mutable_kwargs())["shape"] = IntListArg(BlockShape(*chunks, block));
    tasks.push_back(std::move(task));
  }
  return MakeArray(header->dtype, header->shape, std::move(*chunks), name, std::move(tasks), {});
}

Array Array::FromNpyDir(const std::string& dir) {
  auto fail = [&](absl::StatusCode code, const std::string& what) {
    return ErrorArray(absl::Status(code, absl::StrCat("Array::FromNpyDir: ", dir, ": ", what)));
  };
  std::error_code ec;
  std::vector<std::string> parts, npys;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (!absl::EndsWith(file, ".npy") || !entry.is_regular_file()) continue;
    npys.push_back(entry.path().string());
    if (absl::StartsWith(file, "part-")) parts.push_back(entry.path().string());
  }
  if (ec) return fail(absl::StatusCode::kNotFound, ec.message());
  std::vector<std::string>& files = parts.empty() ? npys : parts;
  if (files.empty()) return fail(absl::StatusCode::kNotFound, "no .npy files in it");
  std::sort(files.begin(), files.end());
  std::vector<NpyHeader> headers;
  std::vector<std::string> stamps = {"dir"};
  for (const std::string& file : files) {
    absl::StatusOr<NpyHeader> header = ReadNpyHeader(file);
    if (!header.ok()) {
      return ErrorArray(absl::Status(
          header.status().code(), absl::StrCat("Array::FromNpyDir: ", header.status().message())));
    }
    if (header->shape.empty()) {
      return fail(absl::StatusCode::kInvalidArgument,
                  absl::StrCat(file, " holds a 0-d array; parts are stacked along axis 0"));
    }
    if (!headers.empty()) {
      const NpyHeader& first = headers.front();
      if (header->dtype != first.dtype) {
        return fail(absl::StatusCode::kInvalidArgument,
                    absl::StrCat(file, " holds ", DTypeName(header->dtype), ", ", files[0],
                                 " holds ", DTypeName(first.dtype)));
      }
      if (!std::equal(header->shape.begin() + 1, header->shape.end(), first.shape.begin() + 1,
                      first.shape.end())) {
        return fail(absl::StatusCode::kInvalidArgument,
                    absl::StrCat(file, " has shape [", absl::StrJoin(header->shape, ", "), "], ",
                                 files[0], " has [", absl::StrJoin(first.shape, ", "),
                                 "]: every part must have the same shape but for axis 0"));
      }
    }
    headers.push_back(*header);
    stamps.push_back(FileStamp(Absolute(file)));
  }
  Shape shape = headers[0].shape;
  shape[0] = 0;
  Chunks chunks(shape.size());
  for (const NpyHeader& h : headers) {
    shape[0] += h.shape[0];
    chunks[0].push_back(h.shape[0]);
  }
  for (size_t d = 1; d < shape.size(); ++d) chunks[d] = {shape[d]};
  const std::string name = ArrayName("from-npy-dir", stamps);
  std::vector<v1::Task> tasks;
  for (size_t i = 0; i < files.size(); ++i) {
    Shape block(shape.size(), 0);
    block[0] = i;
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("array.read_npy");
    *task.add_args() = StrArg(Absolute(files[i]));
    tasks.push_back(std::move(task));
  }
  return MakeArray(headers[0].dtype, std::move(shape), std::move(chunks), name, std::move(tasks),
                   {});
}

}  // namespace brisk
