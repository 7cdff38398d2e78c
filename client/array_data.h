// What a brisk::Array is made of (not installed): its metadata and the layers of tasks that
// compute its blocks. A layer is immutable once made and shared by every Array built on it, as in
// dask's HighLevelGraph: an Array's graph is the union of its layer and the layers it depends on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "brisk/array.h"
#include "brisk/v1/graph.pb.h"

namespace brisk {

// Releases a persisted Array's job when the last layer using it goes away.
struct PersistedJob {
  Client* client = nullptr;
  uint64_t job = 0;
  ~PersistedJob();
};

// Submits `graph` as a kept job and waits for it: the job, released when the last holder goes; an
// error naming the first failed output ("WHAT KEY: error") when it did not finish.
absl::StatusOr<std::shared_ptr<PersistedJob>> HoldGraph(Client& client, const v1::Graph& graph,
                                                        absl::string_view what);

struct ArrayLayer {
  // Unique among the layers of a graph: the Array's name (a hash of how it is computed).
  std::string name;
  // The tasks this layer adds: one per block, plus any intermediate ones (a reduction's tree
  // levels). Empty for a persisted layer.
  std::vector<v1::Task> tasks;
  std::vector<std::shared_ptr<const ArrayLayer>> deps;
  // Set when the blocks are held on the workers by a kept job: the graph refers to their keys.
  std::shared_ptr<PersistedJob> persisted;
};

struct ArrayExpr;  // client/array_expr.h

struct ArrayData {
  absl::Status status;  // not OK: every other field may be empty
  DType dtype = v1::DTYPE_FLOAT64;
  Shape shape;
  Chunks chunks;
  std::string name;
  // nullptr for a scalar literal (`scalar` holds it) and for an errored Array.
  std::shared_ptr<const ArrayLayer> layer;
  // A 0-d array given as a C++ scalar: no task, passed as a literal argument.
  std::optional<v1::Value> scalar;
  // Element-wise Arrays: the expression their blocks compute, inlined by the operations (and
  // reductions) over them instead of referring to their blocks. Persisted Arrays have none.
  std::shared_ptr<const ArrayExpr> expr;
};

// An Array that carries `status` (which must not be OK).
Array ErrorArray(absl::Status status);
// The first error among the inputs, or OK.
absl::Status FirstError(std::initializer_list<const Array*> arrays);

// A name for an Array: PREFIX-HASH, where HASH is 24 hex digits of the SHA-256 of `parts` (each
// part length-prefixed, so that no two lists of parts give the same input).
std::string ArrayName(absl::string_view prefix, absl::Span<const std::string> parts);
// The key of block `block` of an array named `name` (see Array::BlockKey).
std::string BlockKeyOf(absl::string_view name, absl::Span<const uint64_t> block);
// Every block index of `chunks`, in C order.
std::vector<Shape> BlockIndices(const Chunks& chunks);
// The shape of one block, and the position of its first element.
Shape BlockShape(const Chunks& chunks, absl::Span<const uint64_t> block);
Shape BlockOffset(const Chunks& chunks, absl::Span<const uint64_t> block);

// A list-of-ints literal argument (shapes, block indices).
v1::Arg IntListArg(absl::Span<const uint64_t> values);
v1::Arg RefArg(const std::string& key);
// Scalar literal arguments.
v1::Arg IntArg(int64_t v);
v1::Arg FloatArg(double v);
v1::Arg BoolArg(bool v);
v1::Arg StrArg(absl::string_view v);

// Makes an Array from a new layer.
Array MakeArray(DType dtype, Shape shape, Chunks chunks, std::string name,
                std::vector<v1::Task> tasks, std::vector<std::shared_ptr<const ArrayLayer>> deps);

// Adds the tasks of `layer` and of the layers it depends on to `graph`, each layer once.
void CollectTasks(const std::shared_ptr<const ArrayLayer>& layer,
                  absl::flat_hash_set<const ArrayLayer*>& seen, v1::Graph& graph);

// Drops the tasks of `graph` that no output needs (through args, lists, kwargs or `after`), so
// that an Array built from part of another (a slice) runs only the blocks it uses.
void CullGraph(v1::Graph& graph);

}  // namespace brisk
