// brisk::Array: an n-dimensional array of one dtype, cut into chunks that live on workers, built
// lazily into a task graph as dask.array does, and computed on a Client:
//
//   auto client = *brisk::Client::StartLocal();
//   brisk::Array x = brisk::Array::RandomUniform(/*seed=*/1, {20000, 20000}, {2000, 2000});
//   brisk::Array y = ((2.0 * x + 1.0) ^ 2.0).Sum();   // nothing runs yet
//   absl::StatusOr<brisk::v1::Value> got = y.Compute(*client);   // a 0-d float64 ndarray
//
// Operations never fail where they are written: a mistake (shapes that do not broadcast, an
// axis out of range) gives an Array whose status() says what is wrong, every Array built from it
// carries that error, and Compute/Persist return it. Chunks are the block sizes along each axis,
// as dask's `chunks` are; every chunk kernel is an op on the workers (worker/array/, ops named
// "array.*", usable from graph files too).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/delayed.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

class Client;
struct ArrayData;  // client/array_data.h

using Shape = std::vector<uint64_t>;
// Block sizes along each axis: chunks[axis] lists the sizes of that axis's blocks in order (they
// sum to the axis's length). An axis of length 0 has one block of size 0.
using Chunks = std::vector<std::vector<uint64_t>>;
// Regular chunks: blocks of chunk[axis] elements along each axis, the last one smaller; a chunk
// size of 0 means the whole axis. InvalidArgument when the ranks differ.
absl::StatusOr<Chunks> RegularChunks(absl::Span<const uint64_t> shape,
                                     absl::Span<const uint64_t> chunk);

// One axis of a slicing: a range start:stop:step under Python's rules (negative positions count
// from the end, a negative step walks backwards, nullopt is the default end), or a single
// position, which drops the axis.
struct Index {
  static Index All() { return Index{}; }
  static Index At(int64_t position) {
    Index i;
    i.single = position;
    return i;
  }
  static Index Range(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) {
    Index i;
    i.start = start;
    i.stop = stop;
    i.step = step;
    return i;
  }
  std::optional<int64_t> single;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
};

// Options of a reduction.
struct ReduceOptions {
  bool keepdims = false;
  // Blocks combined per task at each level of the tree (dask's split_every); at least 2.
  int split_every = 8;
  // var and std: the divisor is N - ddof.
  int ddof = 0;
};

class Array {
 public:
  // An Array whose status() is FailedPrecondition "an Array made by its default constructor".
  Array();

  // ---- Creation. `chunk` gives the block size along each axis (see RegularChunks).
  static Array Zeros(Shape shape, Shape chunk, DType dtype = v1::DTYPE_FLOAT64);
  static Array Ones(Shape shape, Shape chunk, DType dtype = v1::DTYPE_FLOAT64);
  static Array Full(Shape shape, Shape chunk, double value, DType dtype = v1::DTYPE_FLOAT64);
  // NumPy's arange: start, start + step, ... below stop (above it for a negative step).
  static Array Arange(double start, double stop, double step, uint64_t chunk,
                      DType dtype = v1::DTYPE_FLOAT64);
  static Array Linspace(double start, double stop, uint64_t num, uint64_t chunk,
                        bool endpoint = true);
  // Seeded random arrays. Element values depend on the seed and the element's position only,
  // not on the chunking (a counter-based generator, Random123's Philox), so every chunking of a
  // run gives the same array, and each chunk is drawn on its own worker.
  static Array RandomUniform(uint64_t seed, Shape shape, Shape chunk, double low = 0,
                             double high = 1);
  static Array RandomNormal(uint64_t seed, Shape shape, Shape chunk, double mean = 0,
                            double stddev = 1);
  // Integers in [low, high).
  static Array RandomIntegers(uint64_t seed, Shape shape, Shape chunk, int64_t low, int64_t high,
                              DType dtype = v1::DTYPE_INT64);
  // A .npy file read on the workers, cut into `chunk` blocks (empty: one block). The file's
  // header is read here, for its dtype and shape; errors name the path.
  static Array FromNpy(const std::string& path, Shape chunk = {});
  // A directory of .npy files (sorted by name), one block per file, stacked along axis 0: every
  // file has the same dtype and the same shape but for axis 0.
  static Array FromNpyDir(const std::string& dir);
  // A local array value, cut into `chunk` blocks that travel in the graph as literals.
  static Array FromValue(const v1::Value& ndarray, Shape chunk = {});
  // One task per block, running op `op` (a plugin's or a built-in) with the keyword arguments
  // `block` (the block's index, a list of ints), `offset` (its first element's position, a list of
  // ints) and `shape` (its shape, a list of ints), plus `kwargs`; it must return an ndarray of
  // that shape and of `dtype`.
  static Array FromFunction(const std::string& op, Shape shape, Shape chunk, DType dtype,
                            const std::map<std::string, ArgValue>& kwargs = {});

  // ---- What it is.
  const absl::Status& status() const;
  bool ok() const { return status().ok(); }
  DType dtype() const;
  const Shape& shape() const;
  const Chunks& chunks() const;
  size_t ndim() const { return shape().size(); }
  uint64_t size() const;
  // The number of blocks along each axis.
  Shape NumBlocks() const;
  // The name its blocks' keys start with: a hash of how it is computed, so that the same
  // expression built twice names the same keys.
  const std::string& name() const;
  // The key of one block: "NAME-i.j.k" for block (i, j, k); "NAME" itself for a 0-d array.
  std::string BlockKey(absl::Span<const uint64_t> block) const;

  // ---- Element-wise, with NumPy's broadcasting and type promotion (an operator with a scalar
  // keeps the array's dtype when the scalar fits it, as NumPy's does). The comparisons give
  // bool arrays.
  friend Array operator+(const Array& a, const Array& b);
  friend Array operator-(const Array& a, const Array& b);
  friend Array operator*(const Array& a, const Array& b);
  friend Array operator/(const Array& a, const Array& b);
  // a ^ b is the power a ** b (C++ has no ** operator); also Pow(a, b).
  friend Array operator^(const Array& a, const Array& b);
  friend Array operator<(const Array& a, const Array& b);
  friend Array operator<=(const Array& a, const Array& b);
  friend Array operator>(const Array& a, const Array& b);
  friend Array operator>=(const Array& a, const Array& b);
  friend Array operator==(const Array& a, const Array& b);
  friend Array operator!=(const Array& a, const Array& b);
  friend Array operator&(const Array& a, const Array& b);  // logical and of bools
  friend Array operator|(const Array& a, const Array& b);  // logical or of bools
  Array operator-() const;
  Array operator!() const;  // logical not
  // A scalar converts to a 0-d array (int64, float64 or bool), for the operators and Where:
  // `2.0 * x`, `x > 0`. Scalars are literals of the tasks that use them, not tasks of their own.
  Array(double value);
  Array(int64_t value);
  Array(int value) : Array(static_cast<int64_t>(value)) {}
  Array(bool value);
  Array Cast(DType dtype) const;

  // ---- Reductions along `axes` (negative from the end; empty: all axes), as tree reductions.
  Array Sum(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array Prod(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array Mean(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array Min(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array Max(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array Var(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array Std(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array Any(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  Array All(std::vector<int> axes = {}, ReduceOptions options = {}) const;
  // The flat position (as NumPy's argmin without an axis) or the position along one axis.
  Array Argmin(std::optional<int> axis = std::nullopt, ReduceOptions options = {}) const;
  Array Argmax(std::optional<int> axis = std::nullopt, ReduceOptions options = {}) const;

  // ---- Layout.
  // The axes in reverse order (empty), or in the given order.
  Array Transpose(std::vector<int> axes = {}) const;
  Array T() const { return Transpose(); }
  // Where the chunks allow it without moving data between blocks (otherwise an error saying to
  // Rechunk first); one dimension may be -1.
  Array Reshape(std::vector<int64_t> shape) const;
  // Fewer indices than axes: the rest are whole.
  Array Slice(std::vector<Index> indices) const;
  Array Rechunk(Shape chunk) const;
  static Array Concatenate(const std::vector<Array>& arrays, int axis = 0);
  static Array Stack(const std::vector<Array>& arrays, int axis = 0);

  // ---- Results.
  // The graph that computes every block (outputs: the block keys, in C order of blocks).
  v1::Graph ToGraph() const;
  // Runs the graph and gathers the blocks into one local ndarray value.
  absl::StatusOr<v1::Value> Compute(Client& client) const;
  // Runs the graph and keeps the blocks on the workers (the job is submitted with `keep`): the
  // Array returned reads them from there, and its job is released when the last Array using it
  // goes away (the Client must outlive it).
  absl::StatusOr<Array> Persist(Client& client) const;
  // Writes one .npy file (gathered here) or one file per block on the workers
  // (DIR/block-i.j.npy, and the directory made), returning once written.
  absl::Status SaveNpy(Client& client, const std::string& path) const;
  absl::Status SaveNpyBlocks(Client& client, const std::string& dir) const;

  // Internal: the implementation's view (client/array_data.h).
  const std::shared_ptr<const ArrayData>& data() const { return data_; }
  explicit Array(std::shared_ptr<const ArrayData> data) : data_(std::move(data)) {}

 private:
  std::shared_ptr<const ArrayData> data_;
};

// Element-wise functions.
Array Where(const Array& condition, const Array& if_true, const Array& if_false);
Array Pow(const Array& a, const Array& b);
Array Maximum(const Array& a, const Array& b);
Array Minimum(const Array& a, const Array& b);
Array Exp(const Array& a);
Array Log(const Array& a);
Array Sqrt(const Array& a);
Array Abs(const Array& a);
Array Sin(const Array& a);
Array Cos(const Array& a);
Array Tanh(const Array& a);
Array Floor(const Array& a);
Array Ceil(const Array& a);
Array IsNan(const Array& a);

// Matrix products: 1-D and 2-D operands as NumPy's matmul (blocked; OpenBLAS's dgemm/sgemm on
// the workers), and tensordot over one pair of axes of 2-D operands.
Array Matmul(const Array& a, const Array& b);
Array Dot(const Array& a, const Array& b);
Array Tensordot(const Array& a, const Array& b, int a_axis, int b_axis);

}  // namespace brisk
