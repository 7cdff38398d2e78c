// How the model fits of brisk/ml.h run their passes over persisted rows: one task per block of
// an op, a tree sum of the per-block vectors, one job per pass, and the checks that an Array is
// a matrix of rows.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/v1/graph.pb.h"

namespace brisk::ml {

// InvalidArgument unless `x` is OK, 2-D (or 1-D when `vector`) and has one block along axis 1;
// `what` names it in the message ("KMeans: X").
absl::Status CheckRows(const Array& x, absl::string_view what, bool vector = false);
// InvalidArgument unless y's row chunks are x's.
absl::Status CheckSameRows(const Array& x, const Array& y, absl::string_view what);

// `x` persisted on the workers (itself when it already is).
absl::StatusOr<Array> Persisted(Client& client, const Array& x);

// A per-block task: its op, and its arguments but for the block references (filled in).
struct BlockTask {
  std::string op;
  std::vector<v1::Arg> extra_args;  // after the block arguments
  std::map<std::string, v1::Arg> kwargs;
};

// Runs one pass: task i of `op` on block i of each of `inputs` (which have the same row chunks),
// then a tree sum of the float64 results with `combine` (split_every per task); returns the
// root's value. `tag` makes the keys of this pass unique.
absl::StatusOr<v1::Value> SumPass(Client& client, const std::vector<Array>& inputs,
                                  const BlockTask& task, const std::string& combine,
                                  int split_every, const std::string& tag);
// The same over ready-made block tasks (their keys unique to the pass), e.g. fused ones.
absl::StatusOr<v1::Value> SumTasks(Client& client, v1::Graph graph,
                                   const std::vector<std::string>& block_keys,
                                   const std::string& combine, int split_every,
                                   const std::string& name);
// Whether `a` is read straight from .npy files (Array::FromNpy or FromNpyDir, not persisted):
// its block tasks are "array.read_npy" tasks that a pass may fuse with its own op.
bool IsNpyRead(const Array& a);
// Runs one task per block and returns every block's value, in order.
absl::StatusOr<std::vector<ValuePtr>> BlockPass(Client& client, const std::vector<Array>& inputs,
                                                const BlockTask& task, const std::string& tag);
// A lazy Array of one result per row block of `x` (1-D, `dtype`), by `task` on each block.
Array RowwiseArray(const Array& x, const BlockTask& task, DType dtype, const std::string& tag);

// A float64 ndarray literal argument of the given shape.
v1::Arg DoublesArg(const std::vector<double>& values, std::vector<uint64_t> shape);
// A float64 vector value's elements.
absl::StatusOr<std::vector<double>> Doubles(const v1::Value& value);

}  // namespace brisk::ml
