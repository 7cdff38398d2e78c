#include "client/array_promote.h"

#include <algorithm>

namespace brisk {
namespace {

bool IsFloat(DType t) { return t == v1::DTYPE_FLOAT32 || t == v1::DTYPE_FLOAT64; }
bool IsSigned(DType t) {
  return t == v1::DTYPE_INT8 || t == v1::DTYPE_INT16 || t == v1::DTYPE_INT32 ||
         t == v1::DTYPE_INT64;
}
DType SignedOfSize(size_t bytes) {
  switch (bytes) {
    case 1:
      return v1::DTYPE_INT8;
    case 2:
      return v1::DTYPE_INT16;
    case 4:
      return v1::DTYPE_INT32;
    default:
      return v1::DTYPE_INT64;
  }
}

}  // namespace

DType PromoteArrayDTypes(DType a, DType b) {
  if (a == b) return a;
  if (a == v1::DTYPE_BOOL) return b;
  if (b == v1::DTYPE_BOOL) return a;
  if (IsFloat(a) || IsFloat(b)) {
    if (IsFloat(a) && IsFloat(b)) return v1::DTYPE_FLOAT64;
    const DType f = IsFloat(a) ? a : b, i = IsFloat(a) ? b : a;
    // float32 holds the 8- and 16-bit integers exactly, not the wider ones.
    if (f == v1::DTYPE_FLOAT32 && ItemSize(i) <= 2) return v1::DTYPE_FLOAT32;
    return v1::DTYPE_FLOAT64;
  }
  if (IsSigned(a) == IsSigned(b)) return ItemSize(a) >= ItemSize(b) ? a : b;
  const DType s = IsSigned(a) ? a : b, u = IsSigned(a) ? b : a;
  if (ItemSize(s) > ItemSize(u)) return s;
  if (ItemSize(u) == 8) return v1::DTYPE_FLOAT64;
  return SignedOfSize(std::max(ItemSize(s), 2 * ItemSize(u)));
}

}  // namespace brisk
