// brisk::Array's layout operations: Transpose, Reshape, Slice, Rechunk, Concatenate, Stack. Each
// output block is one task over the input blocks it needs (worker/array/array_layout.cc).
#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/array.h"
#include "client/array_assemble.h"
#include "client/array_data.h"
#include "client/array_promote.h"

namespace brisk {
namespace {

std::string ShapeString(absl::Span<const uint64_t> shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

template <typename T>
std::string ListString(const std::vector<T>& values) {
  return absl::StrCat("(", absl::StrJoin(values, ", "), ")");
}

absl::Status ScalarError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": a C++ scalar has no blocks; make it an array first (Array::FromValue)"));
}

// The axis `axis` of `ndim` (negative: from the end), or an error naming `what`.
absl::StatusOr<size_t> NormalizeAxis(int64_t axis, size_t ndim, absl::string_view what) {
  const int64_t n = static_cast<int64_t>(ndim);
  if (axis < -n || axis >= n) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": axis ", axis,
                                                   " is out of bounds for an array of ", ndim,
                                                   ndim == 1 ? " dimension" : " dimensions"));
  }
  return static_cast<size_t>(axis < 0 ? axis + n : axis);
}

v1::Task BlockTask(const std::string& key, const std::string& op) {
  v1::Task task;
  task.set_key(key);
  task.set_op(op);
  return task;
}

}  // namespace

Array Array::Transpose(std::vector<int> axes) const {
  if (!ok()) return *this;
  const size_t nd = ndim();
  if (axes.empty()) {
    for (size_t d = nd; d-- > 0;) axes.push_back(static_cast<int>(d));
  }
  if (axes.size() != nd) {
    return ErrorArray(absl::InvalidArgumentError(absl::StrCat("Transpose: ", axes.size(), " axes ",
                                                              ListString(axes), " for an array of ",
                                                              nd, " dimensions")));
  }
  std::vector<uint64_t> perm;
  std::vector<bool> seen(nd, false);
  for (int a : axes) {
    absl::StatusOr<size_t> axis = NormalizeAxis(a, nd, "Transpose");
    if (!axis.ok()) return ErrorArray(axis.status());
    if (seen[*axis]) {
      return ErrorArray(absl::InvalidArgumentError(
          absl::StrCat("Transpose: axes ", ListString(axes), " repeat axis ", *axis)));
    }
    seen[*axis] = true;
    perm.push_back(*axis);
  }
  bool identity = true;
  for (size_t d = 0; d < nd; ++d) identity = identity && perm[d] == d;
  if (identity) return *this;
  Shape shape(nd);
  Chunks chunks(nd);
  for (size_t d = 0; d < nd; ++d) {
    shape[d] = this->shape()[perm[d]];
    chunks[d] = this->chunks()[perm[d]];
  }
  const std::string name = ArrayName("transpose", {this->name(), ListString(perm)});
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(chunks)) {
    Shape in(nd);
    for (size_t d = 0; d < nd; ++d) in[perm[d]] = block[d];
    v1::Task task = BlockTask(BlockKeyOf(name, block), "array.transpose");
    *task.add_args() = RefArg(BlockKey(in));
    *task.add_args() = IntListArg(perm);
    tasks.push_back(std::move(task));
  }
  return MakeArray(dtype(), std::move(shape), std::move(chunks), name, std::move(tasks),
                   {data()->layer});
}

Array Array::Reshape(std::vector<int64_t> new_shape) const {
  if (!ok()) return *this;
  if (data()->scalar) return ErrorArray(ScalarError("Reshape"));
  const uint64_t total = size();
  // The shape asked for, with its -1 worked out.
  Shape out;
  int unknown = -1;
  uint64_t known = 1;
  for (size_t d = 0; d < new_shape.size(); ++d) {
    if (new_shape[d] == -1 && unknown < 0) {
      unknown = static_cast<int>(d);
    } else if (new_shape[d] < 0) {
      return ErrorArray(absl::InvalidArgumentError(absl::StrCat(
          "Reshape: shape ", ListString(new_shape),
          new_shape[d] == -1 ? " has more than one -1" : " has a negative dimension")));
    } else {
      known *= static_cast<uint64_t>(new_shape[d]);
    }
    out.push_back(new_shape[d] < 0 ? 0 : static_cast<uint64_t>(new_shape[d]));
  }
  if (unknown >= 0) {
    if (known == 0 || total % known != 0) {
      return ErrorArray(absl::InvalidArgumentError(
          absl::StrCat("Reshape: cannot reshape an array of shape ", ShapeString(shape()),
                       " into shape ", ListString(new_shape))));
    }
    out[unknown] = total / known;
  }
  uint64_t out_total = 1;
  for (uint64_t d : out) out_total *= d;
  if (out_total != total) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("Reshape: cannot reshape an array of shape ", ShapeString(shape()),
                     " into shape ", ShapeString(out))));
  }
  if (out == shape()) return *this;
  const std::string name = ArrayName("reshape", {this->name(), ShapeString(out)});
  const size_t ni = ndim(), no = out.size();
  Chunks chunks(no);
  // For each output axis q that takes its blocks from an input axis p: from[q] = p.
  std::vector<int> from(no, -1);
  if (total == 0) {
    // Every block is empty: one output block, from input block 0.
    for (size_t d = 0; d < no; ++d) chunks[d] = {out[d]};
  } else {
    size_t i = 0, j = 0;
    while (i < ni || j < no) {
      const size_t gi = i, gj = j;
      uint64_t pi = 1, pj = 1;
      if (i < ni) pi *= shape()[i++];
      if (j < no) pj *= out[j++];
      while (pi != pj) {
        if (pi < pj) {
          pi *= shape()[i++];
        } else {
          pj *= out[j++];
        }
      }
      // Input axes [gi, i) hold the same elements as output axes [gj, j).
      size_t p = i;
      for (size_t a = gi; a < i; ++a) {
        if (this->chunks()[a].size() > 1) {
          p = a;
          break;
        }
      }
      if (p == i) {  // one block: so is the output
        for (size_t b = gj; b < j; ++b) chunks[b] = {out[b]};
        continue;
      }
      for (size_t a = gi; a < i; ++a) {
        if (a == p) continue;
        if ((a < p && shape()[a] > 1) || (a > p && this->chunks()[a].size() > 1)) {
          const size_t must = a < p ? p : a;
          return ErrorArray(absl::InvalidArgumentError(
              absl::StrCat("Reshape: from shape ", ShapeString(shape()), " to ", ShapeString(out),
                           ", axis ", must, " must be in one chunk (it has ",
                           this->chunks()[must].size(), "): Rechunk it first")));
        }
      }
      uint64_t inner_in = 1;
      for (size_t a = p + 1; a < i; ++a) inner_in *= shape()[a];
      size_t q = gj;
      while (out[q] == 1) ++q;
      uint64_t inner_out = 1;
      for (size_t b = q + 1; b < j; ++b) inner_out *= out[b];
      for (uint64_t c : this->chunks()[p]) {
        if ((c * inner_in) % inner_out != 0) {
          return ErrorArray(absl::InvalidArgumentError(
              absl::StrCat("Reshape: from shape ", ShapeString(shape()), " to ", ShapeString(out),
                           ", the chunks of axis ", p, " ", ListString(this->chunks()[p]),
                           " must be multiples of ", inner_out / std::gcd(inner_out, inner_in),
                           ": Rechunk axis ", p, " first")));
        }
        chunks[q].push_back(c * inner_in / inner_out);
      }
      for (size_t b = gj; b < j; ++b) {
        if (b != q) chunks[b] = {out[b]};
      }
      from[q] = static_cast<int>(p);
    }
  }
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(chunks)) {
    Shape in(ni, 0);
    for (size_t q = 0; q < no; ++q) {
      if (from[q] >= 0) in[from[q]] = block[q];
    }
    v1::Task task = BlockTask(BlockKeyOf(name, block), "array.reshape");
    *task.add_args() = RefArg(BlockKey(in));
    *task.add_args() = IntListArg(BlockShape(chunks, block));
    tasks.push_back(std::move(task));
  }
  return MakeArray(dtype(), std::move(out), std::move(chunks), name, std::move(tasks),
                   {data()->layer});
}

namespace {

// Along one axis of a slicing: the part of one input block it takes.
struct SlicePart {
  uint64_t block;
  int64_t start, step, count;  // in the block's coordinates
};

uint64_t CeilDiv(int64_t a, int64_t b) {
  return a <= 0 ? 0 : static_cast<uint64_t>((a + b - 1) / b);
}

// The parts of an axis of length `length` and `chunks` that `index` takes, in output order; sets
// `dropped` for a single position.
absl::StatusOr<std::vector<SlicePart>> AxisParts(const Index& index, size_t axis, uint64_t length,
                                                 const std::vector<uint64_t>& chunks,
                                                 bool& dropped) {
  const int64_t n = static_cast<int64_t>(length);
  std::vector<int64_t> lo{0};
  for (uint64_t c : chunks) lo.push_back(lo.back() + static_cast<int64_t>(c));
  if (index.single) {
    const int64_t p = *index.single < 0 ? *index.single + n : *index.single;
    if (p < 0 || p >= n) {
      return absl::OutOfRangeError(absl::StrCat("Slice: index ", *index.single,
                                                " is out of bounds for axis ", axis, " of length ",
                                                length));
    }
    dropped = true;
    const size_t b = std::upper_bound(lo.begin(), lo.end(), p) - lo.begin() - 1;
    return std::vector<SlicePart>{{b, p - lo[b], 1, 1}};
  }
  const int64_t step = index.step;
  if (step == 0) {
    return absl::InvalidArgumentError(absl::StrCat("Slice: axis ", axis, ": step is zero"));
  }
  // Python's slice.indices(n).
  auto clamp = [&](std::optional<int64_t> v, int64_t fallback) {
    if (!v) return fallback;
    int64_t x = *v < 0 ? *v + n : *v;
    if (step > 0) return std::clamp<int64_t>(x, 0, n);
    return std::clamp<int64_t>(x, -1, n - 1);
  };
  const int64_t start = clamp(index.start, step > 0 ? 0 : n - 1);
  const int64_t stop = clamp(index.stop, step > 0 ? n : -1);
  const int64_t s = step > 0 ? step : -step;
  const int64_t count = step > 0 ? static_cast<int64_t>(CeilDiv(stop - start, s))
                                 : static_cast<int64_t>(CeilDiv(start - stop, s));
  std::vector<SlicePart> parts;
  const size_t blocks = chunks.size();
  for (size_t k = 0; k < blocks; ++k) {
    const size_t b = step > 0 ? k : blocks - 1 - k;
    const int64_t b_lo = lo[b], b_hi = lo[b + 1];
    int64_t i0, i1;  // the element numbers i (position start + i * step) in this block
    if (step > 0) {
      i0 = static_cast<int64_t>(CeilDiv(b_lo - start, s));
      i1 = static_cast<int64_t>(CeilDiv(b_hi - start, s));
    } else {
      i0 = static_cast<int64_t>(CeilDiv(start - (b_hi - 1), s));
      i1 = start < b_lo ? 0 : (start - b_lo) / s + 1;
    }
    i0 = std::min(i0, count);
    i1 = std::min(i1, count);
    if (i1 > i0) parts.push_back({b, start + i0 * step - b_lo, step, i1 - i0});
  }
  if (parts.empty()) parts.push_back({0, 0, 1, 0});
  return parts;
}

}  // namespace

Array Array::Slice(std::vector<Index> indices) const {
  if (!ok()) return *this;
  const size_t nd = ndim();
  if (indices.size() > nd) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("Slice: ", indices.size(), " indices for an array of ", nd, " dimensions")));
  }
  if (nd == 0) return *this;
  if (data()->scalar) return ErrorArray(ScalarError("Slice"));
  indices.resize(nd, Index::All());
  std::vector<std::vector<SlicePart>> parts(nd);
  std::vector<bool> dropped(nd, false);
  Shape shape;
  Chunks chunks;
  std::vector<std::string> parts_text;
  for (size_t d = 0; d < nd; ++d) {
    bool drop = false;
    absl::StatusOr<std::vector<SlicePart>> p =
        AxisParts(indices[d], d, this->shape()[d], this->chunks()[d], drop);
    if (!p.ok()) return ErrorArray(p.status());
    parts[d] = *std::move(p);
    dropped[d] = drop;
    std::vector<uint64_t> axis_chunks;
    for (const SlicePart& part : parts[d]) {
      axis_chunks.push_back(static_cast<uint64_t>(part.count));
      parts_text.push_back(absl::StrCat(d, ":", part.block, ":", part.start, ":", part.step, ":",
                                        part.count, drop ? "d" : ""));
    }
    if (!drop) {
      shape.push_back(std::accumulate(axis_chunks.begin(), axis_chunks.end(), uint64_t{0}));
      chunks.push_back(std::move(axis_chunks));
    }
  }
  const std::string name = ArrayName("slice", {this->name(), absl::StrJoin(parts_text, ",")});
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(chunks)) {
    Shape in(nd), start, step, count;
    size_t k = 0;
    for (size_t d = 0; d < nd; ++d) {
      const SlicePart& part = parts[d][dropped[d] ? 0 : block[k++]];
      in[d] = part.block;
      start.push_back(static_cast<uint64_t>(part.start));
      step.push_back(static_cast<uint64_t>(part.step));
      count.push_back(static_cast<uint64_t>(part.count));
    }
    v1::Task task = BlockTask(BlockKeyOf(name, block), "array.slice");
    *task.add_args() = RefArg(BlockKey(in));
    *task.add_args() = IntListArg(start);
    *task.add_args() = IntListArg(step);  // negative steps round-trip through uint64
    *task.add_args() = IntListArg(count);
    *task.add_args() = IntListArg(BlockShape(chunks, block));
    tasks.push_back(std::move(task));
  }
  return MakeArray(dtype(), std::move(shape), std::move(chunks), name, std::move(tasks),
                   {data()->layer});
}

Array Array::Rechunk(Shape chunk) const {
  if (!ok()) return *this;
  if (data()->scalar) return ErrorArray(ScalarError("Rechunk"));
  absl::StatusOr<Chunks> chunks = RegularChunks(shape(), chunk);
  if (!chunks.ok()) {
    return ErrorArray(
        absl::InvalidArgumentError(absl::StrCat("Rechunk: ", chunks.status().message())));
  }
  return RechunkTo(*this, *chunks);
}

namespace {

// The checks Concatenate and Stack share: a non-empty list of OK arrays with blocks.
absl::Status CheckJoined(const std::vector<Array>& arrays, absl::string_view what) {
  if (arrays.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no arrays"));
  }
  for (const Array& a : arrays) {
    if (!a.ok()) return a.status();
    if (a.data()->scalar) return ScalarError(what);
  }
  return absl::OkStatus();
}

std::vector<std::string> JoinedNameParts(const std::vector<Array>& arrays, size_t axis) {
  std::vector<std::string> parts{absl::StrCat(axis)};
  for (const Array& a : arrays) parts.push_back(a.name());
  return parts;
}

}  // namespace

Array Array::Concatenate(const std::vector<Array>& arrays, int axis) {
  if (absl::Status s = CheckJoined(arrays, "Concatenate"); !s.ok()) return ErrorArray(s);
  const Array& first = arrays[0];
  const size_t nd = first.ndim();
  if (nd == 0) {
    return ErrorArray(
        absl::InvalidArgumentError("Concatenate: zero-dimensional arrays cannot be concatenated"));
  }
  absl::StatusOr<size_t> ax = NormalizeAxis(axis, nd, "Concatenate");
  if (!ax.ok()) return ErrorArray(ax.status());
  DType dtype = first.dtype();
  Shape shape = first.shape();
  shape[*ax] = 0;
  Chunks chunks = first.chunks();
  chunks[*ax].clear();
  std::vector<AssembleSource> sources;
  for (size_t k = 0; k < arrays.size(); ++k) {
    const Array& a = arrays[k];
    bool fits = a.ndim() == nd;
    for (size_t d = 0; fits && d < nd; ++d) fits = d == *ax || a.shape()[d] == first.shape()[d];
    if (!fits) {
      return ErrorArray(absl::InvalidArgumentError(absl::StrCat(
          "Concatenate: array ", k, " of shape ", ShapeString(a.shape()),
          " does not fit array 0 of shape ", ShapeString(first.shape()), " along axis ", *ax)));
    }
    dtype = PromoteArrayDTypes(dtype, a.dtype());
    Shape offset(nd, 0);
    offset[*ax] = shape[*ax];
    sources.push_back({a, offset});
    shape[*ax] += a.shape()[*ax];
    for (uint64_t c : a.chunks()[*ax]) {
      if (c > 0) chunks[*ax].push_back(c);
    }
  }
  if (chunks[*ax].empty()) chunks[*ax].push_back(0);
  return AssembleArray(ArrayName("concatenate", JoinedNameParts(arrays, *ax)), dtype,
                       std::move(shape), std::move(chunks), sources);
}

Array Array::Stack(const std::vector<Array>& arrays, int axis) {
  if (absl::Status s = CheckJoined(arrays, "Stack"); !s.ok()) return ErrorArray(s);
  const Array& first = arrays[0];
  const size_t nd = first.ndim() + 1;
  absl::StatusOr<size_t> ax = NormalizeAxis(axis, nd, "Stack");
  if (!ax.ok()) return ErrorArray(ax.status());
  DType dtype = first.dtype();
  std::vector<AssembleSource> sources;
  for (size_t k = 0; k < arrays.size(); ++k) {
    const Array& a = arrays[k];
    if (a.shape() != first.shape()) {
      return ErrorArray(absl::InvalidArgumentError(
          absl::StrCat("Stack: array ", k, " of shape ", ShapeString(a.shape()),
                       " differs from array 0 of shape ", ShapeString(first.shape()))));
    }
    dtype = PromoteArrayDTypes(dtype, a.dtype());
    Shape offset(nd, 0);
    offset[*ax] = k;
    sources.push_back({a, offset, static_cast<int>(*ax)});
  }
  Shape shape = first.shape();
  shape.insert(shape.begin() + *ax, arrays.size());
  Chunks chunks = first.chunks();
  chunks.insert(chunks.begin() + *ax, std::vector<uint64_t>(arrays.size(), 1));
  return AssembleArray(ArrayName("stack", JoinedNameParts(arrays, *ax)), dtype, std::move(shape),
                       std::move(chunks), sources);
}

}  // namespace brisk
