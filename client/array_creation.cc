// brisk::Array's creation functions. Every one is an element-wise leaf (client/array_expr.h): its
// blocks are "array.eval" tasks that make the data where it is used, and an operation over it
// makes the data inside its own tasks (a random array is never stored unless asked for).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/array_data.h"
#include "client/array_expr.h"
#include "client/dtype_promotion.h"

namespace brisk {
namespace {

// A double's exact text (hexadecimal), for names: two parameters that differ give two names.
std::string Exact(double v) { return absl::StrFormat("%a", v); }

std::string ChunksText(const Chunks& chunks) {
  std::vector<std::string> axes;
  for (const auto& a : chunks) axes.push_back(absl::StrJoin(a, ","));
  return absl::StrJoin(axes, ";");
}

Array Leaf(absl::string_view what, std::shared_ptr<ArrayExpr> e, Shape shape, Shape chunk,
           std::vector<std::string> parts) {
  absl::StatusOr<Chunks> chunks = RegularChunks(shape, chunk);
  if (!chunks.ok()) {
    return ErrorArray(
        absl::InvalidArgumentError(absl::StrCat(what, ": ", chunks.status().message())));
  }
  if (absl::StatusOr<uint64_t> n = NumElements(shape); !n.ok()) {
    return ErrorArray(absl::InvalidArgumentError(absl::StrCat(what, ": ", n.status().message())));
  }
  parts.insert(parts.begin(), {std::string(what), std::string(DTypeName(e->dtype)),
                               absl::StrJoin(shape, ","), ChunksText(*chunks)});
  std::string name = ArrayName(what, parts);
  return MakeElementwise(std::move(e), std::move(shape), *std::move(chunks), std::move(name));
}

absl::Status CheckDType(absl::string_view what, DType dtype) {
  if (ItemSize(dtype) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", DTypeName(dtype), " is not a numeric dtype"));
  }
  return absl::OkStatus();
}

Array FullOf(absl::string_view what, Shape shape, Shape chunk, double value, DType dtype) {
  if (absl::Status s = CheckDType(what, dtype); !s.ok()) return ErrorArray(s);
  v1::Value v;
  v.set_float_(value);
  auto e = std::make_shared<ArrayExpr>(*ConstExpr(v, dtype));
  return Leaf(what, std::move(e), std::move(shape), std::move(chunk), {Exact(value)});
}

}  // namespace

Array Array::Full(Shape shape, Shape chunk, double value, DType dtype) {
  return FullOf("full", std::move(shape), std::move(chunk), value, dtype);
}
Array Array::Zeros(Shape shape, Shape chunk, DType dtype) {
  return FullOf("zeros", std::move(shape), std::move(chunk), 0, dtype);
}
Array Array::Ones(Shape shape, Shape chunk, DType dtype) {
  return FullOf("ones", std::move(shape), std::move(chunk), 1, dtype);
}

Array Array::Arange(double start, double stop, double step, uint64_t chunk, DType dtype) {
  if (absl::Status s = CheckDType("arange", dtype); !s.ok()) return ErrorArray(s);
  if (step == 0 || !std::isfinite(step) || !std::isfinite(start) || !std::isfinite(stop)) {
    return ErrorArray(absl::InvalidArgumentError(
        "arange: start, stop and step must be finite and step must not be 0"));
  }
  const double len = std::ceil((stop - start) / step);
  if (len > 9e15) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("arange: ", len, " elements are more than an array can hold")));
  }
  const uint64_t num = len > 0 ? static_cast<uint64_t>(len) : 0;
  auto e = std::make_shared<ArrayExpr>();
  e->leaf = ArrayExpr::Leaf::kArange;
  e->dtype = dtype;
  e->shape = {num};
  e->p1 = start;
  e->p2 = step;
  e->exact = std::trunc(start) == start && std::trunc(step) == step && std::fabs(start) < 9e18 &&
             std::fabs(step) < 9e18;
  e->i1 = e->exact ? static_cast<int64_t>(start) : 0;
  e->i2 = e->exact ? static_cast<int64_t>(step) : 0;
  return Leaf("arange", std::move(e), {num}, {chunk}, {Exact(start), Exact(stop), Exact(step)});
}

Array Array::Linspace(double start, double stop, uint64_t num, uint64_t chunk, bool endpoint) {
  auto e = std::make_shared<ArrayExpr>();
  e->leaf = ArrayExpr::Leaf::kLinspace;
  e->dtype = v1::DTYPE_FLOAT64;
  e->shape = {num};
  e->p1 = start;
  e->p2 = stop;
  e->num = num;
  e->endpoint = endpoint;
  return Leaf("linspace", std::move(e), {num}, {chunk},
              {Exact(start), Exact(stop), absl::StrCat(endpoint)});
}

Array Array::RandomUniform(uint64_t seed, Shape shape, Shape chunk, double low, double high) {
  auto e = std::make_shared<ArrayExpr>();
  e->leaf = ArrayExpr::Leaf::kUniform;
  e->dtype = v1::DTYPE_FLOAT64;
  e->shape = shape;
  e->seed = seed;
  e->p1 = low;
  e->p2 = high;
  return Leaf("uniform", std::move(e), std::move(shape), std::move(chunk),
              {absl::StrCat(seed), Exact(low), Exact(high)});
}

Array Array::RandomNormal(uint64_t seed, Shape shape, Shape chunk, double mean, double stddev) {
  auto e = std::make_shared<ArrayExpr>();
  e->leaf = ArrayExpr::Leaf::kNormal;
  e->dtype = v1::DTYPE_FLOAT64;
  e->shape = shape;
  e->seed = seed;
  e->p1 = mean;
  e->p2 = stddev;
  return Leaf("normal", std::move(e), std::move(shape), std::move(chunk),
              {absl::StrCat(seed), Exact(mean), Exact(stddev)});
}

Array Array::RandomIntegers(uint64_t seed, Shape shape, Shape chunk, int64_t low, int64_t high,
                            DType dtype) {
  if (!IsInteger(dtype)) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("random integers: dtype must be an integer type, got ", DTypeName(dtype))));
  }
  if (low >= high) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("random integers: low (", low, ") must be below high (", high, ")")));
  }
  // The values must fit the dtype: [low, high - 1] within its range.
  const int bits = static_cast<int>(ItemSize(dtype)) * 8;
  const bool fits = IsSigned(dtype) ? (bits == 64 || (low >= -(int64_t{1} << (bits - 1)) &&
                                                      high - 1 < (int64_t{1} << (bits - 1))))
                                    : (low >= 0 && (bits == 64 || high - 1 < (int64_t{1} << bits)));
  if (!fits) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("random integers: [", low, ", ", high, ") does not fit ", DTypeName(dtype))));
  }
  auto e = std::make_shared<ArrayExpr>();
  e->leaf = ArrayExpr::Leaf::kIntegers;
  e->dtype = dtype;
  e->shape = shape;
  e->seed = seed;
  e->i1 = low;
  e->i2 = high;
  return Leaf("integers", std::move(e), std::move(shape), std::move(chunk),
              {absl::StrCat(seed), absl::StrCat(low), absl::StrCat(high)});
}

}  // namespace brisk
