// DTypeSwitch: calls a generic function with the C++ type that stores a fixed-width dtype, so one
// template handles every element type (bool, int8_t ... uint64_t, float, double).
#pragma once

#include <cstdint>
#include <type_traits>

#include "brisk/value.h"

namespace brisk {

// Calls fn(T{}) for the type T that stores `dtype` and returns what it returns; for DTYPE_STRING
// and DTYPE_UNSPECIFIED calls `other()` instead.
template <typename Fn, typename Other>
auto DTypeSwitch(DType dtype, Fn&& fn, Other&& other) {
  switch (dtype) {
    case v1::DTYPE_BOOL:
      return fn(bool{});
    case v1::DTYPE_INT8:
      return fn(int8_t{});
    case v1::DTYPE_INT16:
      return fn(int16_t{});
    case v1::DTYPE_INT32:
      return fn(int32_t{});
    case v1::DTYPE_INT64:
      return fn(int64_t{});
    case v1::DTYPE_UINT8:
      return fn(uint8_t{});
    case v1::DTYPE_UINT16:
      return fn(uint16_t{});
    case v1::DTYPE_UINT32:
      return fn(uint32_t{});
    case v1::DTYPE_UINT64:
      return fn(uint64_t{});
    case v1::DTYPE_FLOAT32:
      return fn(float{});
    case v1::DTYPE_FLOAT64:
      return fn(double{});
    default:
      return other();
  }
}

}  // namespace brisk
