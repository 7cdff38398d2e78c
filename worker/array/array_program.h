// The element-wise expression program that "array.eval" and "array.reduce" run over a block: parsed
// once from its literal form (a list of instructions, see the README's "Array programs"), then
// evaluated over small pieces of the block, so a chain of element-wise operations (and the random
// or constant data it starts from) runs without block-sized temporaries.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "brisk/value.h"

namespace brisk {

// Elements evaluated at a time: every register of a program holds this many.
inline constexpr uint64_t kPieceElements = 1024;

// Calls fn(index, position, length) for each run of consecutive elements along the last axis that
// covers the flat positions [start, start + count) of a C-order array of `shape`: `index` is the
// multi-index of the run's first element and `position` its flat position. A 0-d array has one
// run of one element.
using RunFn = std::function<void(absl::Span<const uint64_t>, uint64_t, uint64_t)>;
void ForEachRun(absl::Span<const uint64_t> shape, uint64_t start, uint64_t count, const RunFn& fn);

class ArrayProgram {
 public:
  // `program`: the list of instructions; `inputs`: the block arguments the "input" instructions
  // name (the values they view must outlive the program); `shape`: the shape of the block it
  // computes (every leaf broadcasts to it). Errors name `op`, the instruction and what is wrong.
  static absl::StatusOr<std::unique_ptr<ArrayProgram>> Parse(absl::string_view op,
                                                             const v1::Value& program,
                                                             std::vector<ArrayView> inputs,
                                                             std::vector<uint64_t> shape);
  ~ArrayProgram();
  ArrayProgram(const ArrayProgram&) = delete;
  ArrayProgram& operator=(const ArrayProgram&) = delete;

  DType dtype() const;
  const std::vector<uint64_t>& shape() const { return shape_; }
  uint64_t size() const { return size_; }
  // Evaluates the flat elements [start, start + count) (count <= kPieceElements) and returns them
  // (count values of dtype()), valid until the next call.
  const void* Eval(uint64_t start, uint64_t count);
  // An error met while evaluating (an integer raised to a negative power), else OK.
  const absl::Status& status() const { return status_; }

  // Evaluates the whole block into an ndarray value (or the error).
  absl::StatusOr<v1::Value> EvalAll();

 private:
  struct Reg;
  ArrayProgram() = default;
  std::vector<uint64_t> shape_;
  uint64_t size_ = 1;
  std::vector<ArrayView> inputs_;
  std::vector<std::unique_ptr<Reg>> regs_;
  std::vector<std::function<void(uint64_t, uint64_t)>> kernels_;
  bool negative_power_ = false;
  absl::Status status_;
};

// Random123 Philox generators (array_creation.cc): the value of element `position` of a random
// array depends on the seed and the position only (word `position` of random_words.h's
// Philox4x32-10 words: stream 1 uniform, 2 normal, 3 integers). Each fills
// out[0, count) with the values at positions position .. position + count - 1.
void UniformValues(uint64_t seed, double low, double high, uint64_t position, uint64_t count,
                   double* out);
void NormalValues(uint64_t seed, double mean, double stddev, uint64_t position, uint64_t count,
                  double* out);
// Integers in [low, high) (low < high), as int64 (the caller casts).
void IntegerValues(uint64_t seed, int64_t low, int64_t high, uint64_t position, uint64_t count,
                   int64_t* out);

}  // namespace brisk
