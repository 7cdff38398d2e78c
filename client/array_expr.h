// The expression of an element-wise brisk::Array: a tree of element-wise operations over leaves
// (blocks of other Arrays, scalar literals, and random or regular data made where it is used). An
// operation over an element-wise Array inlines its expression, and each block of the result is one
// "array.eval" task running the whole tree as a program (worker/array/array_program.h), so a
// chain of operations never materialises its intermediate arrays.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "brisk/array.h"
#include "brisk/v1/graph.pb.h"

namespace brisk {

struct ArrayLayer;

struct ArrayExpr {
  enum class Leaf { kNone, kInput, kConst, kUniform, kNormal, kIntegers, kArange, kLinspace };
  Leaf leaf = Leaf::kNone;
  // An operation: the program instruction ("add", "cast", "where" ...) and its operands.
  std::string op;
  std::vector<std::shared_ptr<const ArrayExpr>> args;
  DType dtype = v1::DTYPE_FLOAT64;
  // The leaf's own shape (it broadcasts to the shape of the Array using it); operations: empty.
  Shape shape;
  // kInput: the Array whose blocks it reads.
  std::shared_ptr<const ArrayData> input;
  // kConst: the literal (int, float or bool). Generators: their parameters.
  v1::Value value;
  uint64_t seed = 0;
  double p1 = 0, p2 = 0;   // uniform low/high, normal mean/stddev, arange first/step,
                           // linspace start/stop
  int64_t i1 = 0, i2 = 0;  // integers low/high
  uint64_t num = 0;        // linspace
  bool endpoint = true;    // linspace
  bool exact = false;      // arange: first and step are integers (i1, i2)
};

using ExprPtr = std::shared_ptr<const ArrayExpr>;

// The expression an Array contributes to an element-wise operation: its own (element-wise
// Arrays), a constant (scalar literals), or a leaf reading its blocks.
ExprPtr ExprOf(const Array& a);
ExprPtr ConstExpr(v1::Value value, DType dtype);
// `e` converted to `dtype` (itself when it has that dtype; a constant stays a constant).
ExprPtr CastExpr(ExprPtr e, DType dtype);
ExprPtr OpExpr(std::string op, DType dtype, std::vector<ExprPtr> args);

// The program computing block `block_offset`/`block_shape` of an Array of `shape` whose expression
// is `e`; appends the keys of the input blocks it reads to `refs` (the program's "input k" is
// refs[k]).
v1::Arg ProgramFor(const ExprPtr& e, const Shape& shape, const Shape& block_offset,
                   const Shape& block_shape, std::vector<std::string>* refs);
// The layers of the Arrays that `e` reads.
std::vector<std::shared_ptr<const ArrayLayer>> InputLayers(const ExprPtr& e);

// An element-wise Array: `e` over `shape` cut into `chunks`, with a layer of one "array.eval" task
// per block.
Array MakeElementwise(ExprPtr e, Shape shape, Chunks chunks, std::string name);

}  // namespace brisk
