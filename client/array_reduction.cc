// brisk::Array's reductions as trees: one "array.reduce" task per block evaluates the block's
// element-wise expression (when it has one, so it is never stored) and reduces it to a partial
// aggregate; "array.reduce_combine" tasks merge split_every partials at a time until one per
// output block remains, which finishes the result (worker/array/array_reduction.cc).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/array_data.h"
#include "client/array_expr.h"
#include "client/dtype_promotion.h"

namespace brisk {
namespace {

DType ResultDType(absl::string_view kind, DType in) {
  if (kind == "sum" || kind == "prod") {
    if (IsFloat(in)) return in;
    return IsSigned(in) || in == v1::DTYPE_BOOL ? v1::DTYPE_INT64 : v1::DTYPE_UINT64;
  }
  if (kind == "mean" || kind == "var" || kind == "std") {
    return in == v1::DTYPE_FLOAT32 ? v1::DTYPE_FLOAT32 : v1::DTYPE_FLOAT64;
  }
  if (kind == "any" || kind == "all") return v1::DTYPE_BOOL;
  if (kind == "argmin" || kind == "argmax") return v1::DTYPE_INT64;
  return in;  // min, max
}

Array Reduce(absl::string_view kind, const Array& a, std::vector<int> axes_in, bool flat,
             const ReduceOptions& options) {
  if (!a.ok()) return a;
  if (options.split_every < 2) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat(kind, ": split_every must be at least 2, got ", options.split_every)));
  }
  if (options.ddof < 0) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat(kind, ": ddof must not be negative, got ", options.ddof)));
  }
  const size_t nd = a.ndim();
  std::vector<bool> reduced(nd, axes_in.empty());
  for (int axis : axes_in) {
    const int64_t d = axis < 0 ? axis + static_cast<int64_t>(nd) : axis;
    if (d < 0 || d >= static_cast<int64_t>(nd)) {
      return ErrorArray(absl::InvalidArgumentError(absl::StrCat(
          kind, ": axis ", axis, " is out of range for a ", nd, "-dimensional array")));
    }
    if (reduced[d] && !axes_in.empty()) {
      return ErrorArray(
          absl::InvalidArgumentError(absl::StrCat(kind, ": axis ", axis, " is repeated")));
    }
    reduced[d] = true;
  }
  // NumPy refuses these over nothing; the shape says so already.
  if (kind == "min" || kind == "max" || kind == "argmin" || kind == "argmax") {
    for (size_t d = 0; d < nd; ++d) {
      if (!reduced[d] || a.shape()[d] != 0) continue;
      return ErrorArray(absl::InvalidArgumentError(
          kind == "min" || kind == "max"
              ? absl::StrCat(kind, ": zero-size array to reduction operation ", kind,
                             " which has no identity")
              : absl::StrCat(kind, ": attempt to get ", kind, " of an empty sequence")));
    }
  }
  // A scalar literal becomes a 0-d element-wise array, so the reduction has a block to read.
  Array input = a;
  if (a.data()->scalar) input = MakeElementwise(ExprOf(a), {}, {}, ArrayName("scalar", {a.name()}));
  const ExprPtr expr = ExprOf(input);
  const DType dtype = ResultDType(kind, a.dtype());
  const Shape& shape = input.shape();
  const Chunks& chunks = input.chunks();

  Shape out_shape;
  Chunks out_chunks;
  std::vector<uint64_t> axes;
  for (size_t d = 0; d < nd; ++d) {
    if (reduced[d]) {
      axes.push_back(d);
      if (options.keepdims) {
        out_shape.push_back(1);
        out_chunks.push_back({1});
      }
    } else {
      out_shape.push_back(shape[d]);
      out_chunks.push_back(chunks[d]);
    }
  }
  std::vector<int> axes_key(axes.begin(), axes.end());
  const std::string name = ArrayName(
      kind,
      {std::string(kind), input.name(), absl::StrJoin(axes_key, ","),
       absl::StrCat(options.keepdims, ":", options.split_every, ":", options.ddof, ":", flat)});

  // Input blocks grouped by output block: the key of an output block is its index over the kept
  // axes (and 0 for the kept reduced ones).
  std::map<Shape, std::vector<Shape>> groups;
  for (const Shape& block : BlockIndices(chunks)) {
    Shape out;
    for (size_t d = 0; d < nd; ++d) {
      if (!reduced[d]) {
        out.push_back(block[d]);
      } else if (options.keepdims) {
        out.push_back(0);
      }
    }
    groups[out].push_back(block);
  }
  auto common = [&](v1::Task& task, bool final, const Shape& out_block) {
    auto& kw = *task.mutable_kwargs();
    kw["kind"] = StrArg(kind);
    if (kind == "var" || kind == "std") kw["ddof"].set_int_(options.ddof);
    if (final) {
      kw["final"].set_bool_(true);
      kw["out_shape"] = IntListArg(BlockShape(out_chunks, out_block));
      kw["dtype"] = StrArg(DTypeName(dtype));
    }
  };
  std::vector<v1::Task> tasks;
  for (const auto& [out_block, blocks] : groups) {
    const std::string final_key = BlockKeyOf(name, out_block);
    const std::string group = absl::StrJoin(out_block, ".");
    std::vector<std::string> level;
    for (const Shape& block : blocks) {
      const bool final = blocks.size() == 1;
      v1::Task task;
      task.set_key(final ? final_key
                         : absl::StrCat(name, "-p-", group, "-", absl::StrJoin(block, ".")));
      task.set_op("array.reduce");
      const Shape bshape = BlockShape(chunks, block);
      const Shape boffset = BlockOffset(chunks, block);
      std::vector<std::string> refs;
      *task.add_args() = ProgramFor(expr, shape, boffset, bshape, &refs);
      for (const std::string& r : refs) *task.add_args() = RefArg(r);
      auto& kw = *task.mutable_kwargs();
      kw["shape"] = IntListArg(bshape);
      kw["axes"] = IntListArg(axes);
      if (kind == "argmin" || kind == "argmax") {
        kw["offset"] = IntListArg(boffset);
        kw["array_shape"] = IntListArg(shape);
        kw["flat"].set_bool_(flat);
      }
      common(task, final, out_block);
      level.push_back(task.key());
      tasks.push_back(std::move(task));
    }
    for (int depth = 1; level.size() > 1; ++depth) {
      std::vector<std::string> next;
      const size_t fan = static_cast<size_t>(options.split_every);
      for (size_t at = 0; at < level.size(); at += fan) {
        const bool final = level.size() <= fan;
        v1::Task task;
        task.set_key(final ? final_key
                           : absl::StrCat(name, "-c", depth, "-", group, "-", at / fan));
        task.set_op("array.reduce_combine");
        for (size_t i = at; i < std::min(level.size(), at + fan); ++i) {
          *task.add_args() = RefArg(level[i]);
        }
        common(task, final, out_block);
        next.push_back(task.key());
        tasks.push_back(std::move(task));
      }
      level = std::move(next);
    }
  }
  return MakeArray(dtype, std::move(out_shape), std::move(out_chunks), name, std::move(tasks),
                   InputLayers(expr));
}

}  // namespace

Array Array::Sum(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("sum", *this, std::move(axes), false, o);
}
Array Array::Prod(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("prod", *this, std::move(axes), false, o);
}
Array Array::Mean(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("mean", *this, std::move(axes), false, o);
}
Array Array::Min(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("min", *this, std::move(axes), false, o);
}
Array Array::Max(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("max", *this, std::move(axes), false, o);
}
Array Array::Var(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("var", *this, std::move(axes), false, o);
}
Array Array::Std(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("std", *this, std::move(axes), false, o);
}
Array Array::Any(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("any", *this, std::move(axes), false, o);
}
Array Array::All(std::vector<int> axes, ReduceOptions o) const {
  return Reduce("all", *this, std::move(axes), false, o);
}
Array Array::Argmin(std::optional<int> axis, ReduceOptions o) const {
  if (axis) return Reduce("argmin", *this, {*axis}, false, o);
  return Reduce("argmin", *this, {}, true, o);
}
Array Array::Argmax(std::optional<int> axis, ReduceOptions o) const {
  if (axis) return Reduce("argmax", *this, {*axis}, false, o);
  return Reduce("argmax", *this, {}, true, o);
}

}  // namespace brisk
