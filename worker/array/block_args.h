// Argument helpers shared by the layout, matmul and io kernels (worker/array/): lists of ints,
// blocks as xtensor adaptors over their buffers (no copy), and new blocks to fill.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/op.h"
#include "brisk/value.h"
#include "common/dtype_switch.h"
#include "xtensor/xadapt.hpp"

namespace brisk {

// A list of ints (positional argument i or one list item); an error naming the op and the
// argument when it is not one, or when an item is negative and `non_negative`.
absl::StatusOr<std::vector<int64_t>> IntList(const OpArgs& args, const v1::Value& value,
                                             absl::string_view what, bool non_negative = false);
absl::StatusOr<std::vector<int64_t>> IntListArg(const OpArgs& args, size_t i,
                                                bool non_negative = false);
absl::StatusOr<std::vector<uint64_t>> ShapeArg(const OpArgs& args, size_t i);

// The signature of a kernel returning an ndarray: positional `args`, more when `more_args`.
inline OpSignature KernelSignature(std::vector<Param> args, bool more_args = false) {
  OpSignature signature;
  signature.args = std::move(args);
  signature.more_args = more_args;
  signature.result = Kind::kNdarray;
  return signature;
}

// "(2, 3)", as NumPy prints a shape.
std::string ShapeText(absl::Span<const uint64_t> shape);

// A read-only xtensor view of a block's buffer with the given shape (the block's own by default).
template <typename T>
auto AdaptBlock(const ArrayView& view, const std::vector<size_t>& shape) {
  return xt::adapt(reinterpret_cast<const T*>(view.bytes().data()), view.size(), xt::no_ownership(),
                   shape);
}
template <typename T>
auto AdaptBlock(const ArrayView& view) {
  return AdaptBlock<T>(view, std::vector<size_t>(view.shape().begin(), view.shape().end()));
}

// A writable xtensor view of a builder's buffer.
template <typename T>
auto AdaptBuilder(ArrayBuilder<T>& builder, const std::vector<size_t>& shape) {
  absl::Span<T> values = builder.values();
  return xt::adapt(values.data(), values.size(), xt::no_ownership(), shape);
}

// The elements of `view` converted to T, in a buffer of their own.
template <typename T>
std::string Converted(const ArrayView& view) {
  std::string out(view.size() * sizeof(T), '\0');
  T* to = reinterpret_cast<T*>(out.data());
  DTypeSwitch(
      view.dtype(),
      [&](auto s) {
        using S = decltype(s);
        const S* from = reinterpret_cast<const S*>(view.bytes().data());
        for (uint64_t i = 0; i < view.size(); ++i) to[i] = static_cast<T>(from[i]);
      },
      [] {});
  return out;
}

inline std::vector<size_t> SizeShape(absl::Span<const uint64_t> shape) {
  return std::vector<size_t>(shape.begin(), shape.end());
}

}  // namespace brisk
