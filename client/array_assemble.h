// Arrays whose blocks are put together from boxes of other arrays' blocks ("array.assemble"
// tasks): rechunking, concatenation, stacking and the alignment of a matrix product's inner axis.
#pragma once

#include <string>
#include <vector>

#include "brisk/array.h"
#include "client/array_data.h"

namespace brisk {

// One input of AssembleArray: `array` placed at `offset` in the output. With `insert_axis` >= 0,
// the array has one axis fewer than the output, and gets a new axis of length 1 there.
struct AssembleSource {
  Array array;
  Shape offset;
  int insert_axis = -1;
};

// An array of `dtype`, `shape` and `chunks` whose every element comes from the source covering
// it (cast to `dtype`; elements no source covers are zero). `name` is the new array's name.
// The sources must be OK arrays with layers (not C++ scalars).
Array AssembleArray(std::string name, DType dtype, Shape shape, Chunks chunks,
                    const std::vector<AssembleSource>& sources);

// `array` with other chunks (the same shape); `array` itself when they are the same.
Array RechunkTo(const Array& array, const Chunks& chunks);

}  // namespace brisk
