// The task graphs of the cluster benchmark, shaped as the Dask reference script's workloads.
// Every key starts with `prefix`: keys are global while held, so each run uses its own prefix and
// never shares (and skips) the work of an earlier run.
#pragma once

#include <cstdint>
#include <string>

#include "brisk/v1/graph.pb.h"

namespace brisk::bench {

// n tasks inc(i), i = 0..n-1; the outputs are all of them (the default: nothing depends on them).
v1::Graph IndependentGraph(const std::string& prefix, int64_t n);

// inc(0), then n-1 tasks inc(previous); the output is the last, whose value is n.
v1::Graph ChainGraph(const std::string& prefix, int64_t n);

// Leaves inc(i), i = 0..leaves-1, summed `fan_in` at a time by `add` tasks, level by level, down
// to one output whose value is leaves * (leaves + 1) / 2.
v1::Graph TreeGraph(const std::string& prefix, int64_t leaves, int fan_in);

// A shuffle of `partitions` partitions of `rows` rows: range -> partition(partitions) -> getitem
// (partitions x partitions) -> concat -> len. The outputs are the lens, which sum to
// partitions * rows.
v1::Graph ShuffleGraph(const std::string& prefix, int partitions, int64_t rows);

// What the transfer graphs move: a bytes value, or a float64 array of the same size.
enum class TransferKind { kBytes, kFloat64Array };

// The key of the source task of the transfer graphs.
std::string TransferSourceKey(const std::string& prefix);
// One task restricted to `worker`: bytes(nbytes), or full([nbytes / 8], 1.0) for an array
// (nbytes a multiple of 8).
v1::Graph TransferSourceGraph(const std::string& prefix, int64_t nbytes, const std::string& worker,
                              TransferKind kind = TransferKind::kBytes);
// The source task again (shared while it is held) and nbytes(source), restricted to `worker`: its
// only output, whose value is nbytes.
v1::Graph TransferSinkGraph(const std::string& prefix, int64_t nbytes,
                            const std::string& source_worker, const std::string& worker,
                            TransferKind kind = TransferKind::kBytes);

}  // namespace brisk::bench
