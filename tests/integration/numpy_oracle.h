// NumPy as the oracle of the array tests: test inputs made here, the same inputs handed to
// Debian's /usr/bin/python3 with numpy, and NumPy's results read back, to compare with Brisk's.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "brisk/array.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

// Runs `code` with numpy imported as np and each input loaded (from a .npy file) as a variable
// of its name; the code puts its results in the dict `out`, whose entries are returned (each
// through np.asarray).
absl::StatusOr<std::map<std::string, v1::Value>> RunNumpy(
    const std::map<std::string, v1::Value>& inputs, const std::string& code);

// A deterministic array of `dtype` and `shape`, different for each seed: bools, small integers
// (negative ones for signed dtypes), floats with fractional parts.
v1::Value TestArray(DType dtype, const Shape& shape, uint64_t seed);

// An Array of `value` cut into `chunks` (any, uneven ones too), one `identity` task per block
// holding the block as a literal.
Array LocalArray(const v1::Value& value, const Chunks& chunks);

// Same dtype, shape and elements; floats within `rtol` (relative to the largest magnitude of
// `want`) when rtol > 0, else bit-identical.
::testing::AssertionResult SameArray(const v1::Value& got, const v1::Value& want, double rtol = 0);

}  // namespace brisk
