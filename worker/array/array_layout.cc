// Layout kernels of brisk::Array: transpose, reshape, slice, and assemble (a block put together
// from pieces of other blocks, cast to one dtype: rechunk, concatenate and stack).
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/dtype_switch.h"
#include "worker/array/array_ops.h"
#include "worker/array/block_args.h"
#include "xtensor/xarray.hpp"
#include "xtensor/xmanipulation.hpp"
#include "xtensor/xstrided_view.hpp"

namespace brisk {
namespace {

using Result = absl::StatusOr<v1::Value>;

absl::Status NoDType(const OpArgs& args, DType dtype) {
  return args.Error(absl::StrCat("no array of dtype ", DTypeName(dtype)));
}

// array.transpose(x, axes): the axes of x in the order `axes` (a permutation of 0..ndim-1).
Result Transpose(OpContext&, const OpArgs& args) {
  absl::StatusOr<ArrayView> x = args.Array(0);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::vector<int64_t>> axes = IntListArg(args, 1);
  if (!axes.ok()) return axes.status();
  const size_t nd = x->ndim();
  std::vector<bool> seen(nd, false);
  bool permutation = axes->size() == nd;
  for (int64_t a : *axes) {
    if (a < 0 || static_cast<size_t>(a) >= nd || seen[a]) {
      permutation = false;
      break;
    }
    seen[a] = true;
  }
  if (!permutation) {
    return args.Error(absl::StrCat(args.Describe(1), " is not a permutation of the ", nd,
                                   " axes of ", args.Describe(0)));
  }
  std::vector<size_t> perm(axes->begin(), axes->end());
  std::vector<uint64_t> shape(nd);
  for (size_t d = 0; d < nd; ++d) shape[d] = x->shape()[perm[d]];
  return DTypeSwitch(
      x->dtype(),
      [&](auto t) -> Result {
        using T = decltype(t);
        ArrayBuilder<T> builder(shape);
        auto out = AdaptBuilder(builder, SizeShape(shape));
        out = xt::transpose(AdaptBlock<T>(*x), perm);
        return std::move(builder).Finish();
      },
      [&]() -> Result { return NoDType(args, x->dtype()); });
}

// array.reshape(x, shape): the same elements in C order, another shape of the same size.
Result Reshape(OpContext&, const OpArgs& args) {
  absl::StatusOr<ArrayView> x = args.Array(0);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::vector<uint64_t>> shape = ShapeArg(args, 1);
  if (!shape.ok()) return shape.status();
  absl::StatusOr<uint64_t> n = NumElements(*shape);
  if (!n.ok() || *n != x->size()) {
    return args.Error(absl::StrCat("cannot reshape an array of shape ", ShapeText(x->shape()),
                                   " into shape ", ShapeText(*shape)));
  }
  v1::Value out;
  v1::NDArray* array = out.mutable_ndarray();
  array->set_dtype(x->dtype());
  for (uint64_t d : *shape) array->add_shape(d);
  array->set_data(std::string(x->bytes()));
  return out;
}

// array.slice(x, start, step, count, shape): along each axis d, the count[d] elements start[d],
// start[d] + step[d], ... (step nonzero, negative walks backwards), as an array of `shape` (the
// same elements; axes of a single index dropped).
Result Slice(OpContext&, const OpArgs& args) {
  absl::StatusOr<ArrayView> x = args.Array(0);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::vector<int64_t>> start = IntListArg(args, 1);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::vector<int64_t>> step = IntListArg(args, 2);
  if (!step.ok()) return step.status();
  absl::StatusOr<std::vector<int64_t>> count = IntListArg(args, 3, /*non_negative=*/true);
  if (!count.ok()) return count.status();
  absl::StatusOr<std::vector<uint64_t>> shape = ShapeArg(args, 4);
  if (!shape.ok()) return shape.status();
  const size_t nd = x->ndim();
  if (start->size() != nd || step->size() != nd || count->size() != nd) {
    return args.Error(absl::StrCat("start, step and count must have one entry per axis of ",
                                   args.Describe(0), " (", nd, ")"));
  }
  uint64_t total = 1;
  xt::xstrided_slice_vector ranges;
  for (size_t d = 0; d < nd; ++d) {
    const int64_t len = static_cast<int64_t>(x->shape()[d]);
    const int64_t s = (*start)[d], k = (*step)[d], c = (*count)[d];
    const int64_t last = s + (c - 1) * k;
    if (k == 0 || (c > 0 && (s < 0 || s >= len || last < 0 || last >= len))) {
      return args.Error(absl::StrCat("axis ", d, ": ", c, " elements from ", s, " in steps of ", k,
                                     " do not fit in length ", len));
    }
    total *= static_cast<uint64_t>(c);
    if (c == 0) {
      ranges.push_back(xt::range(0, 0));
    } else if (k > 0) {
      ranges.push_back(xt::range(s, s + c * k, k));
    } else if (s + c * k >= 0) {
      ranges.push_back(xt::range(s, s + c * k, k));
    } else {
      ranges.push_back(xt::range(s, xt::placeholders::_, k));
    }
  }
  absl::StatusOr<uint64_t> n = NumElements(*shape);
  if (!n.ok() || *n != total) {
    return args.Error(absl::StrCat(args.Describe(4), " ", ShapeText(*shape), " does not hold the ",
                                   total, " elements selected"));
  }
  return DTypeSwitch(
      x->dtype(),
      [&](auto t) -> Result {
        using T = decltype(t);
        ArrayBuilder<T> builder(*shape);
        if (total == 0) return std::move(builder).Finish();
        if (nd == 0) {
          builder.values()[0] = reinterpret_cast<const T*>(x->bytes().data())[0];
          return std::move(builder).Finish();
        }
        auto in = AdaptBlock<T>(*x);
        std::vector<size_t> picked(count->begin(), count->end());
        auto out = AdaptBuilder(builder, picked);
        out = xt::strided_view(in, ranges);
        return std::move(builder).Finish();
      },
      [&]() -> Result { return NoDType(args, x->dtype()); });
}

// Copies the box of `extent` at `from` in `src` (C order, shape `src_shape`) to `to` in `dst`
// (shape `dst_shape`), one contiguous innermost row at a time. (xtensor 0.24's strided views
// are not assignable under C++20: an assignment to one writes nothing.)
template <typename T>
void CopyBox(const T* src, const std::vector<uint64_t>& src_shape,
             const std::vector<uint64_t>& from, T* dst, const std::vector<uint64_t>& dst_shape,
             const std::vector<uint64_t>& to, const std::vector<uint64_t>& extent) {
  const size_t nd = extent.size();
  uint64_t rows = 1;
  for (size_t d = 0; d + 1 < nd; ++d) rows *= extent[d];
  std::vector<uint64_t> at(nd, 0);  // position in the box; the innermost axis stays 0
  for (uint64_t r = 0; r < rows; ++r) {
    uint64_t s = 0, t = 0;
    for (size_t d = 0; d < nd; ++d) {
      s = s * src_shape[d] + from[d] + at[d];
      t = t * dst_shape[d] + to[d] + at[d];
    }
    std::memcpy(dst + t, src + s, extent[nd - 1] * sizeof(T));
    for (size_t d = nd - 1; d-- > 0;) {
      if (++at[d] < extent[d]) break;
      at[d] = 0;
    }
  }
}

// One piece of an assembled block: the box [src_start, src_start + extent) of a source block
// (seen with shape view_shape, the same elements) goes to [dst_start, dst_start + extent).
struct Piece {
  std::vector<uint64_t> view_shape, src_start, dst_start, extent;
};

// array.assemble(dtype, shape, pieces, src...): a block of `dtype` and `shape`, zeros but for the
// pieces: pieces[i] = [view_shape, src_start, dst_start, extent] copies a box of source i (the
// argument after `pieces`), cast to `dtype`, into the block.
Result Assemble(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> dtype_name = args.Str(0);
  if (!dtype_name.ok()) return dtype_name.status();
  absl::StatusOr<DType> dtype = ParseDType(*dtype_name);
  if (!dtype.ok() || ItemSize(*dtype) == 0) {
    return args.Error(
        absl::StrCat(args.Describe(0), " is not an array dtype: \"", *dtype_name, "\""));
  }
  absl::StatusOr<std::vector<uint64_t>> shape = ShapeArg(args, 1);
  if (!shape.ok()) return shape.status();
  if (absl::StatusOr<uint64_t> bytes = ArrayByteCount(*dtype, *shape); !bytes.ok()) {
    return args.Error(absl::StrCat(args.Describe(1), ": ", bytes.status().message()));
  }
  const v1::Value& list = args[2];
  if (list.kind_case() != v1::Value::kList) {
    return args.Error(absl::StrCat(args.Describe(2), " must be a list, got ", KindName(list)));
  }
  const size_t nd = shape->size();
  const size_t count = list.list().items_size();
  if (args.size() != 3 + count) {
    return args.Error(absl::StrCat(count, " pieces need ", count, " source blocks after ",
                                   args.Describe(2), ", got ", args.size() - 3));
  }
  std::vector<Piece> pieces(count);
  std::vector<ArrayView> sources;
  for (size_t p = 0; p < count; ++p) {
    const std::string what = absl::StrCat("piece ", p);
    const v1::Value& item = list.list().items(p);
    if (item.kind_case() != v1::Value::kList || item.list().items_size() != 4) {
      return args.Error(absl::StrCat(what, " must be a list of 4 lists of ints"));
    }
    std::vector<uint64_t>* fields[] = {&pieces[p].view_shape, &pieces[p].src_start,
                                       &pieces[p].dst_start, &pieces[p].extent};
    for (int f = 0; f < 4; ++f) {
      absl::StatusOr<std::vector<int64_t>> v = IntList(args, item.list().items(f), what, true);
      if (!v.ok()) return v.status();
      if (v->size() != nd) {
        return args.Error(absl::StrCat(what, " has lists of ", v->size(), " axes, the block ", nd));
      }
      fields[f]->assign(v->begin(), v->end());
    }
    absl::StatusOr<ArrayView> src = args.Array(3 + p);
    if (!src.ok()) return src.status();
    absl::StatusOr<uint64_t> n = NumElements(pieces[p].view_shape);
    if (!n.ok() || *n != src->size()) {
      return args.Error(absl::StrCat(what, ": source of shape ", ShapeText(src->shape()),
                                     " seen as ", ShapeText(pieces[p].view_shape)));
    }
    if (ItemSize(src->dtype()) == 0) return NoDType(args, src->dtype());
    for (size_t d = 0; d < nd; ++d) {
      const Piece& pc = pieces[p];
      if (pc.src_start[d] + pc.extent[d] > pc.view_shape[d] ||
          pc.dst_start[d] + pc.extent[d] > (*shape)[d]) {
        return args.Error(absl::StrCat(what, ": axis ", d, " out of bounds"));
      }
    }
    sources.push_back(*src);
  }
  return DTypeSwitch(
      *dtype,
      [&](auto t) -> Result {
        using T = decltype(t);
        ArrayBuilder<T> builder(*shape);
        for (size_t p = 0; p < count; ++p) {
          const Piece& pc = pieces[p];
          uint64_t n = 1;
          for (uint64_t e : pc.extent) n *= e;
          if (n == 0) continue;
          std::string converted;
          const T* data = reinterpret_cast<const T*>(sources[p].bytes().data());
          if (sources[p].dtype() != *dtype) {
            converted = Converted<T>(sources[p]);
            data = reinterpret_cast<const T*>(converted.data());
          }
          if (nd == 0) {
            builder.values()[0] = data[0];
            continue;
          }
          CopyBox(data, pc.view_shape, pc.src_start, builder.values().data(), *shape, pc.dst_start,
                  pc.extent);
        }
        return std::move(builder).Finish();
      },
      [&]() -> Result { return NoDType(args, *dtype); });
}

}  // namespace

void RegisterArrayLayoutOps(OpRegistry& registry) {
  registry.Register("array.transpose",
                    KernelSignature({{"x", Kind::kNdarray}, {"axes", Kind::kList}}), Transpose);
  registry.Register("array.reshape",
                    KernelSignature({{"x", Kind::kNdarray}, {"shape", Kind::kList}}), Reshape);
  registry.Register("array.slice",
                    KernelSignature({{"x", Kind::kNdarray},
                                     {"start", Kind::kList},
                                     {"step", Kind::kList},
                                     {"count", Kind::kList},
                                     {"shape", Kind::kList}}),
                    Slice);
  registry.Register(
      "array.assemble",
      KernelSignature({{"dtype", Kind::kStr}, {"shape", Kind::kList}, {"pieces", Kind::kList}},
                      /*more_args=*/true),
      Assemble);
}

}  // namespace brisk
