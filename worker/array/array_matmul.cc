// The matrix product kernel of brisk::Array: one output block from a row of A's blocks and a
// column of B's blocks, accumulated with OpenBLAS (float32, float64) or exactly in 64-bit integers
// with Eigen (integers and bools, wrapping as NumPy's fixed-width integers do).
#include <cblas.h>

#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/array/blas_threads.h"
#include "worker/array/block_args.h"

namespace brisk {
namespace {

using Result = absl::StatusOr<v1::Value>;

// One operand block as a matrix: its buffer in the compute type and its rows and columns.
struct Operand {
  const void* view = nullptr;  // the block's own buffer, when of the compute type
  std::string converted;       // otherwise its elements converted
  uint64_t rows = 0, cols = 0;
  const void* data() const { return view != nullptr ? view : converted.data(); }
};

template <typename C>
Operand AsOperand(const ArrayView& view, bool left) {
  Operand op;
  if (view.ndim() == 2) {
    op.rows = view.shape()[0];
    op.cols = view.shape()[1];
  } else if (left) {
    op.rows = 1;
    op.cols = view.shape()[0];
  } else {
    op.rows = view.shape()[0];
    op.cols = 1;
  }
  if (view.dtype() == DTypeOf<C>()) {
    op.view = view.bytes().data();
  } else {
    op.converted = Converted<C>(view);
  }
  return op;
}

template <typename C>
void Accumulate(const std::vector<Operand>& a, const std::vector<Operand>& b, C* out, uint64_t m,
                uint64_t n) {
  bool first = true;
  for (size_t i = 0; i < a.size(); ++i) {
    const uint64_t k = a[i].cols;
    if (k == 0 || m == 0 || n == 0) continue;
    const C* pa = static_cast<const C*>(a[i].data());
    const C* pb = static_cast<const C*>(b[i].data());
    const C beta = first ? 0 : 1;
    first = false;
    if constexpr (std::is_same_v<C, double>) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, pa, k, pb, n, beta, out,
                  n);
    } else if constexpr (std::is_same_v<C, float>) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, pa, k, pb, n, beta, out,
                  n);
    } else {
      using Matrix = Eigen::Matrix<C, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      Eigen::Map<const Matrix> ma(pa, m, k), mb(pb, k, n);
      Eigen::Map<Matrix> mc(out, m, n);
      if (beta == 0) {
        mc.noalias() = ma * mb;
      } else {
        mc.noalias() += ma * mb;
      }
    }
  }
}

// array.matmul(shape, dtype, a_1 ... a_k, b_1 ... b_k): sum over i of a_i @ b_i, as an array of
// `dtype` and `shape` (its m * n elements). The a_i are m x k_i matrices (1-D: 1 x k_i), the b_i
// k_i x n (1-D: k_i x 1).
Result Matmul(OpContext&, const OpArgs& args) {
  absl::StatusOr<std::vector<uint64_t>> shape = ShapeArg(args, 0);
  if (!shape.ok()) return shape.status();
  absl::StatusOr<absl::string_view> dtype_name = args.Str(1);
  if (!dtype_name.ok()) return dtype_name.status();
  absl::StatusOr<DType> dtype = ParseDType(*dtype_name);
  if (!dtype.ok() || ItemSize(*dtype) == 0) {
    return args.Error(
        absl::StrCat(args.Describe(1), " is not an array dtype: \"", *dtype_name, "\""));
  }
  const size_t operands = args.size() - 2;
  if (operands == 0 || operands % 2 != 0) {
    return args.Error(absl::StrCat("needs as many blocks of A as of B, at least one each; got ",
                                   operands, " blocks"));
  }
  const size_t k = operands / 2;
  std::vector<ArrayView> a, b;
  for (size_t i = 0; i < operands; ++i) {
    absl::StatusOr<ArrayView> v = args.Array(2 + i);
    if (!v.ok()) return v.status();
    if (v->ndim() != 1 && v->ndim() != 2) {
      return args.Error(absl::StrCat(args.Describe(2 + i), " is ", v->ndim(),
                                     "-dimensional; matmul blocks are 1- or 2-dimensional"));
    }
    if (ItemSize(v->dtype()) == 0) {
      return args.Error(absl::StrCat(args.Describe(2 + i), " has no numeric dtype"));
    }
    (i < k ? a : b).push_back(*v);
  }
  auto rows = [](const ArrayView& v, bool left) {
    return v.ndim() == 2 ? v.shape()[0] : left ? 1 : v.shape()[0];
  };
  auto cols = [](const ArrayView& v, bool left) {
    return v.ndim() == 2 ? v.shape()[1] : left ? v.shape()[0] : 1;
  };
  const uint64_t m = rows(a[0], true), n = cols(b[0], false);
  for (size_t i = 0; i < k; ++i) {
    if (rows(a[i], true) != m || cols(b[i], false) != n || cols(a[i], true) != rows(b[i], false)) {
      return args.Error(absl::StrCat("blocks ", ShapeText(a[i].shape()), " and ",
                                     ShapeText(b[i].shape()), " (pair ", i,
                                     ") do not fit a product of ", m, " rows and ", n, " columns"));
    }
  }
  absl::StatusOr<uint64_t> count = NumElements(*shape);
  if (!count.ok() || *count != m * n) {
    return args.Error(absl::StrCat(args.Describe(0), " ", ShapeText(*shape), " does not hold the ",
                                   m, " x ", n, " product"));
  }
  auto compute = [&](auto c) -> Result {
    using C = decltype(c);
    std::vector<Operand> oa, ob;
    for (size_t i = 0; i < k; ++i) {
      oa.push_back(AsOperand<C>(a[i], true));
      ob.push_back(AsOperand<C>(b[i], false));
    }
    ArrayBuilder<C> acc(*shape);
    Accumulate<C>(oa, ob, acc.values().data(), m, n);
    if (DTypeOf<C>() == *dtype) return std::move(acc).Finish();
    // Integers and bools: the exact 64-bit sums, wrapped (or tested against 0) into the dtype.
    return DTypeSwitch(
        *dtype,
        [&](auto t) -> Result {
          using T = decltype(t);
          ArrayBuilder<T> out(*shape);
          absl::Span<const C> from = acc.values();
          absl::Span<T> to = out.values();
          for (size_t i = 0; i < from.size(); ++i) to[i] = static_cast<T>(from[i]);
          return std::move(out).Finish();
        },
        [&]() -> Result { return args.Error("no such dtype"); });
  };
  if (*dtype == v1::DTYPE_FLOAT64) return compute(double{});
  if (*dtype == v1::DTYPE_FLOAT32) return compute(float{});
  return compute(uint64_t{});
}

}  // namespace

void RegisterArrayMatmulOps(OpRegistry& registry) {
  // One BLAS thread per worker thread (the worker runs as many tasks at once as it has
  // threads): set when the worker library loads (blas_threads.h).
  UseOneBlasThread();
  registry.Register(
      "array.matmul",
      KernelSignature({{"shape", Kind::kList}, {"dtype", Kind::kStr}}, /*more_args=*/true), Matmul);
}

}  // namespace brisk
