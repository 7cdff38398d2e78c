// array.read_npy: one block of a .npy file, read on the worker from the block's byte ranges only
// (brisk::Array::FromNpy, FromNpyDir). C-order and Fortran-order files, either byte order.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/npy.h"
#include "common/dtype_switch.h"
#include "worker/array/array_ops.h"
#include "worker/array/npy_block_reader.h"
#include "xtensor/xadapt.hpp"
#include "xtensor/xmanipulation.hpp"

namespace brisk {
namespace {

constexpr absl::string_view kOp = "array.read_npy";

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

absl::Status PreadAll(absl::string_view op, int fd, char* out, uint64_t count, uint64_t at,
                      const std::string& path) {
  while (count > 0) {
    const ssize_t got = pread(fd, out, count, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::DataLossError(
          absl::StrCat("op \"", kOp, "\": ", path, ": ",
                       got < 0 ? std::strerror(errno)
                               : "the file ends early (changed since its header was read?)"));
    }
    out += got;
    count -= static_cast<uint64_t>(got);
    at += static_cast<uint64_t>(got);
  }
  return absl::OkStatus();
}

// The block's elements in the file's own order (C order over `dims`, which are the array's axes
// reversed for a Fortran-order file): one read per contiguous run.
absl::Status ReadRuns(absl::string_view op, int fd, const NpyHeader& header,
                      const std::vector<uint64_t>& dims, const std::vector<uint64_t>& offset,
                      const std::vector<uint64_t>& shape, char* out, const std::string& path) {
  const size_t itemsize = ItemSize(header.dtype);
  const size_t nd = dims.size();
  for (uint64_t d : shape) {
    if (d == 0) return absl::OkStatus();
  }
  if (nd == 0) return PreadAll(op, fd, out, itemsize, header.data_offset, path);
  // Axes j+1.. are whole in the block, so a run covers shape[j] * prod(dims[j+1..]) elements.
  size_t j = nd - 1;
  uint64_t inner = 1;
  while (j > 0 && shape[j] == dims[j] && offset[j] == 0) {
    inner *= dims[j];
    --j;
  }
  const uint64_t run = shape[j] * inner * itemsize;
  std::vector<uint64_t> stride(nd, 1);  // in elements, over the file's dims
  for (size_t d = nd - 1; d > 0; --d) stride[d - 1] = stride[d] * dims[d];
  std::vector<uint64_t> pos(j, 0);  // position among the outer axes 0..j-1
  uint64_t runs = 1;
  for (size_t d = 0; d < j; ++d) runs *= shape[d];
  for (uint64_t r = 0; r < runs; ++r) {
    uint64_t flat = offset[j] * stride[j];
    for (size_t d = 0; d < j; ++d) flat += (offset[d] + pos[d]) * stride[d];
    if (absl::Status s =
            PreadAll(op, fd, out + r * run, run, header.data_offset + flat * itemsize, path);
        !s.ok()) {
      return s;
    }
    for (size_t d = j; d-- > 0;) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Value> ReadNpyOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> path_arg = args.Str(0);
  if (!path_arg.ok()) return path_arg.status();
  absl::StatusOr<std::vector<uint64_t>> offset = ArrayShapeKwarg(args, "offset", /*optional=*/true);
  if (!offset.ok()) return offset.status();
  absl::StatusOr<std::vector<uint64_t>> shape = ArrayShapeKwarg(args, "shape", /*optional=*/true);
  if (!shape.ok()) return shape.status();
  return ReadNpyBlock(kOp, std::string(*path_arg), std::move(*offset), std::move(*shape));
}

}  // namespace

absl::StatusOr<v1::Value> ReadNpyBlock(absl::string_view op, const std::string& path,
                                       std::vector<uint64_t> offset_in,
                                       std::vector<uint64_t> shape_in) {
  auto error = [&](absl::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat("op \"", op, "\": ", message));
  };
  std::vector<uint64_t>* offset = &offset_in;
  std::vector<uint64_t>* shape = &shape_in;
  absl::StatusOr<NpyHeader> header = ReadNpyHeader(path);
  if (!header.ok()) {
    return absl::Status(header.status().code(),
                        absl::StrCat("op \"", op, "\": ", header.status().message()));
  }
  const size_t nd = header->shape.size();
  if (shape->empty() && offset->empty()) {
    *shape = header->shape;
    offset->assign(nd, 0);
  }
  if (shape->size() != nd || offset->size() != nd) {
    return error(absl::StrCat(path, " holds a ", nd, "-dimensional array; offset and shape ",
                              "have ", offset->size(), " and ", shape->size(), " entries"));
  }
  for (size_t d = 0; d < nd; ++d) {
    if ((*offset)[d] > header->shape[d] || (*shape)[d] > header->shape[d] - (*offset)[d]) {
      return error(absl::StrCat("block at [", absl::StrJoin(*offset, ", "), "] of shape [",
                                absl::StrJoin(*shape, ", "), "] is outside ", path, "'s shape [",
                                absl::StrJoin(header->shape, ", "), "]"));
    }
  }
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("op \"", op, "\": cannot open ", path, ": ", std::strerror(errno)));
  }
  const bool fortran = header->fortran_order && nd > 1;
  std::vector<uint64_t> dims = header->shape, boff = *offset, bshape = *shape;
  if (fortran) {
    std::reverse(dims.begin(), dims.end());
    std::reverse(boff.begin(), boff.end());
    std::reverse(bshape.begin(), bshape.end());
  }
  absl::StatusOr<uint64_t> nbytes = ArrayByteCount(header->dtype, *shape);
  if (!nbytes.ok()) return nbytes.status();
  std::string data(*nbytes, '\0');
  if (absl::Status s = ReadRuns(op, fd.fd, *header, dims, boff, bshape, data.data(), path);
      !s.ok()) {
    return s;
  }
  const size_t itemsize = ItemSize(header->dtype);
  if (header->swap_bytes) {
    for (size_t i = 0; i + itemsize <= data.size(); i += itemsize) {
      std::reverse(data.begin() + static_cast<ptrdiff_t>(i),
                   data.begin() + static_cast<ptrdiff_t>(i + itemsize));
    }
  }
  if (header->dtype == v1::DTYPE_BOOL) {
    if (absl::Status s = CheckNpyBools(data); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("op \"", kOp, "\": ", path, ": ", s.message()));
    }
  }
  if (fortran && *nbytes > 0) {
    // The block is in C order over the reversed axes: reverse them back.
    std::string c_order(data.size(), '\0');
    DTypeSwitch(
        header->dtype,
        [&](auto zero) {
          using T = decltype(zero);
          const size_t n = data.size() / sizeof(T);
          auto src =
              xt::adapt(reinterpret_cast<const T*>(data.data()), n, xt::no_ownership(), bshape);
          auto dst = xt::adapt(reinterpret_cast<T*>(c_order.data()), n, xt::no_ownership(), *shape);
          dst = xt::transpose(src);
          return 0;
        },
        [] { return 0; });
    data = std::move(c_order);
  }
  v1::Value value;
  v1::NDArray* array = value.mutable_ndarray();
  array->set_dtype(header->dtype);
  for (uint64_t d : *shape) array->add_shape(d);
  array->set_data(std::move(data));
  return value;
}

absl::StatusOr<bool> ForEachRowSlab(absl::string_view op, const std::string& path,
                                    const std::vector<uint64_t>& offset,
                                    const std::vector<uint64_t>& shape, uint64_t slab_bytes,
                                    const std::function<void(const ml_kernels::Rows&)>& fn) {
  absl::StatusOr<NpyHeader> header = ReadNpyHeader(path);
  if (!header.ok()) {
    return absl::Status(header.status().code(),
                        absl::StrCat("op \"", op, "\": ", header.status().message()));
  }
  if (header->dtype != v1::DTYPE_FLOAT64 || header->swap_bytes || header->shape.size() != 2 ||
      (header->fortran_order && header->shape[0] > 1 && header->shape[1] > 1)) {
    return false;
  }
  const uint64_t rows = header->shape[0], cols = header->shape[1];
  uint64_t begin = 0, count = rows;
  if (!offset.empty() || !shape.empty()) {
    if (offset.size() != 2 || shape.size() != 2 || offset[1] != 0 || shape[1] != cols ||
        offset[0] > rows || shape[0] > rows - offset[0]) {
      return false;  // not whole rows inside the file: the generic path says what is wrong
    }
    begin = offset[0];
    count = shape[0];
  }
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("op \"", op, "\": cannot open ", path, ": ", std::strerror(errno)));
  }
  const uint64_t row_bytes = cols * sizeof(double);
  const uint64_t slab_rows = std::max<uint64_t>(1, slab_bytes / std::max<uint64_t>(row_bytes, 1));
  std::vector<double> buffer(std::min(slab_rows, count) * cols);
  for (uint64_t at = 0; at < count; at += slab_rows) {
    const uint64_t n = std::min(slab_rows, count - at);
    if (absl::Status s = PreadAll(op, fd.fd, reinterpret_cast<char*>(buffer.data()), n * row_bytes,
                                  header->data_offset + (begin + at) * row_bytes, path);
        !s.ok()) {
      return s;
    }
    fn(ml_kernels::Rows{buffer.data(), n, cols, cols});
  }
  return true;
}

void RegisterArrayNpyReadOps(OpRegistry& registry) {
  OpSignature sig;
  sig.args = {{"path", Kind::kText}};
  sig.kwargs = {{"offset", Kind::kList}, {"shape", Kind::kList}};
  sig.result = Kind::kNdarray;
  registry.Register(std::string(kOp), std::move(sig), ReadNpyOp);
}

}  // namespace brisk
