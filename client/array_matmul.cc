// brisk::Array's matrix products: Matmul, Dot and Tensordot for 1-D and 2-D operands, as NumPy's.
// One task per output block takes its row of A's blocks and its column of B's blocks
// ("array.matmul", worker/array/array_matmul.cc); the inner axis is first cut at the union of
// both operands' block boundaries when they differ.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/array.h"
#include "client/array_assemble.h"
#include "client/array_data.h"
#include "client/array_promote.h"

namespace brisk {
namespace {

// Block sizes cut at every boundary of `a` and of `b` (two chunkings of one axis).
std::vector<uint64_t> CommonChunks(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> cuts;
  uint64_t at = 0;
  for (uint64_t c : a) cuts.push_back(at += c);
  at = 0;
  for (uint64_t c : b) cuts.push_back(at += c);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<uint64_t> out;
  uint64_t last = 0;
  for (uint64_t c : cuts) {
    if (c > last) out.push_back(c - last);
    last = c;
  }
  if (out.empty()) out.push_back(0);
  return out;
}

std::string ShapeString(absl::Span<const uint64_t> shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

Array MatmulOf(const Array& a_in, const Array& b_in, absl::string_view what) {
  if (absl::Status s = FirstError({&a_in, &b_in}); !s.ok()) return ErrorArray(s);
  for (const Array* x : {&a_in, &b_in}) {
    if (x->ndim() != 1 && x->ndim() != 2) {
      return ErrorArray(absl::InvalidArgumentError(
          absl::StrCat(what, ": operand ", x == &a_in ? "a" : "b", " is ", x->ndim(),
                       "-dimensional; only 1-D and 2-D operands are supported")));
    }
  }
  const size_t ka = a_in.ndim() - 1;  // a's contracted axis
  const uint64_t k = a_in.shape()[ka];
  if (b_in.shape()[0] != k) {
    return ErrorArray(absl::InvalidArgumentError(absl::StrCat(
        what, ": shapes ", ShapeString(a_in.shape()), " and ", ShapeString(b_in.shape()),
        " do not align: ", k, " (axis ", ka, " of a) != ", b_in.shape()[0], " (axis 0 of b)")));
  }
  const std::vector<uint64_t> inner = CommonChunks(a_in.chunks()[ka], b_in.chunks()[0]);
  Chunks a_chunks = a_in.chunks(), b_chunks = b_in.chunks();
  a_chunks[ka] = inner;
  b_chunks[0] = inner;
  const Array a = RechunkTo(a_in, a_chunks);
  const Array b = RechunkTo(b_in, b_chunks);
  const DType dtype = PromoteArrayDTypes(a.dtype(), b.dtype());
  Shape shape;
  Chunks chunks;
  if (a.ndim() == 2) {
    shape.push_back(a.shape()[0]);
    chunks.push_back(a.chunks()[0]);
  }
  if (b.ndim() == 2) {
    shape.push_back(b.shape()[1]);
    chunks.push_back(b.chunks()[1]);
  }
  const std::string name = ArrayName("matmul", {a.name(), b.name()});
  const std::string dtype_name(DTypeName(dtype));
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(chunks)) {
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("array.matmul");
    *task.add_args() = IntListArg(BlockShape(chunks, block));
    task.add_args()->set_str(dtype_name);
    const uint64_t row = a.ndim() == 2 ? block[0] : 0;
    const uint64_t col = b.ndim() == 2 ? block.back() : 0;
    for (uint64_t i = 0; i < inner.size(); ++i) {
      *task.add_args() = RefArg(a.ndim() == 2 ? a.BlockKey({row, i}) : a.BlockKey({i}));
    }
    for (uint64_t i = 0; i < inner.size(); ++i) {
      *task.add_args() = RefArg(b.ndim() == 2 ? b.BlockKey({i, col}) : b.BlockKey({i}));
    }
    tasks.push_back(std::move(task));
  }
  return MakeArray(dtype, std::move(shape), std::move(chunks), name, std::move(tasks),
                   {a.data()->layer, b.data()->layer});
}

}  // namespace

Array Matmul(const Array& a, const Array& b) { return MatmulOf(a, b, "Matmul"); }

Array Dot(const Array& a, const Array& b) { return MatmulOf(a, b, "Dot"); }

Array Tensordot(const Array& a, const Array& b, int a_axis, int b_axis) {
  if (absl::Status s = FirstError({&a, &b}); !s.ok()) return ErrorArray(s);
  for (const Array* x : {&a, &b}) {
    if (x->ndim() != 1 && x->ndim() != 2) {
      return ErrorArray(absl::InvalidArgumentError(
          absl::StrCat("Tensordot: operand ", x == &a ? "a" : "b", " is ", x->ndim(),
                       "-dimensional; only 1-D and 2-D operands are supported")));
    }
  }
  const int na = static_cast<int>(a.ndim()), nb = static_cast<int>(b.ndim());
  if (a_axis < -na || a_axis >= na || b_axis < -nb || b_axis >= nb) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("Tensordot: axis ", a_axis < -na || a_axis >= na ? a_axis : b_axis,
                     " is out of bounds for operand ", a_axis < -na || a_axis >= na ? "a" : "b")));
  }
  if (a_axis < 0) a_axis += na;
  if (b_axis < 0) b_axis += nb;
  // Contracted axis last in a and first in b, then a matrix product.
  const Array a2 = na == 2 && a_axis == 0 ? a.Transpose() : a;
  const Array b2 = nb == 2 && b_axis == 1 ? b.Transpose() : b;
  return MatmulOf(a2, b2, "Tensordot");
}

}  // namespace brisk
