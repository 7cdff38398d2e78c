// brisk::Frame: a table split into partitions that live on the workers, built lazily into a task
// graph as dask.dataframe builds one, and computed on a Client:
//
//   brisk::Frame logs = brisk::Frame::ReadCsv("logs/*.csv");
//   brisk::Frame slow = logs.Filter("status >= 500").GroupBy({"host"}).Agg(
//       {"count()", "mean(latency)"});
//   absl::StatusOr<brisk::v1::Value> table = slow.Compute(*client);  // one table value
//
// Each partition is a table value (brisk/value.h: TableView) made by the worker ops "frame.*"
// (see the README). Per-partition verbs (Filter, Assign, Select, Drop, Rename) are fused: a chain
// of them runs as one task per partition. GroupBy(...).Agg(...) is a tree reduction of partial
// aggregates; Join broadcasts the right frame to every partition of the left. A Frame's name is
// the SHA-256 of how it is computed, so the same pipeline built twice names the same keys. An
// error (a bad glob, an expression that does not parse) is carried by the Frame (status()) and
// returned by Compute, never thrown.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

class Client;
struct FrameData;  // client/frame_data.h

// How ReadCsv cuts and parses its files.
struct CsvReadOptions {
  // A file larger than this is read as several partitions, each a byte range starting at a
  // record (as dask's blocksize); 0: one partition per file.
  uint64_t blocksize = uint64_t{64} << 20;
  bool header = true;
  char delimiter = ',';
  // Column names, required without a header (replacing the header's when given with one).
  std::vector<std::string> names;
  // Column -> dtype name ("int64", "float64", "bool", "string"); other columns are inferred.
  std::map<std::string, std::string> dtypes;
};

struct AggregateOptions {
  // Partial aggregates merged this many at a time (at least 2).
  int fan_in = 8;
  // The result columns' names, one per aggregate; empty: "count" for count(), else FN_COL.
  std::vector<std::string> names;
  // For many groups: the partials are split into this many buckets by a hash of the keys, each
  // merged and finished on its own, giving that many partitions (each sorted by the keys, the
  // groups spread by hash), so that no one task holds every group, as dask's split_out.
  int split_out = 1;
};

class FrameGroupBy;

class Frame {
 public:
  // A Frame whose status() is FailedPrecondition.
  Frame();

  // The CSV files matching `glob` (sorted; relative to the current directory, sent to the
  // workers as absolute paths). InvalidArgument in status() when nothing matches.
  static Frame ReadCsv(const std::string& glob, const CsvReadOptions& options = {});
  // JSON-lines files, one record per line; cut as ReadCsv cuts them.
  static Frame ReadJson(const std::string& glob, uint64_t blocksize = uint64_t{64} << 20);
  // Table values given by the caller, one partition each (sent with the graph).
  static Frame FromTables(const std::vector<v1::Value>& tables);

  bool ok() const;
  const absl::Status& status() const;
  size_t num_partitions() const;

  // The rows where `expr` is true (a null counts as false). Expressions: see the README.
  Frame Filter(const std::string& expr) const;
  // Adds column `name` (or replaces it, in place) with the values of `expr`.
  Frame Assign(const std::string& name, const std::string& expr) const;
  Frame Select(const std::vector<std::string>& columns) const;
  Frame Drop(const std::vector<std::string>& columns) const;
  Frame Rename(const std::vector<std::pair<std::string, std::string>>& old_to_new) const;
  // The first n rows, in partition order: one partition.
  Frame Head(int64_t n) const;

  // Rows grouped by the values of `keys` (rows with a null key in none, as pandas' dropna).
  FrameGroupBy GroupBy(const std::vector<std::string>& keys) const;
  // The frame's own aggregates (FrameGroupBy::Agg's), one row: df.agg(...) in pandas, and
  // GroupBy({}).Agg(...).
  Frame Agg(const std::vector<std::string>& aggs, const AggregateOptions& options = {}) const;
  // pandas.merge(self, right, on=on, how=...): the right frame (the smaller) is concatenated
  // into one table and joined with every partition of this one. how: "inner" or "left".
  Frame Join(const Frame& right, const std::vector<std::string>& on,
             const std::string& how = "inner") const;
  // Rows sorted by `by` (stable; nulls last), ascending[i] per column (empty: all ascending).
  // The result is one partition: the partitions are concatenated and sorted on one worker.
  Frame SortValues(const std::vector<std::string>& by,
                   const std::vector<bool>& ascending = {}) const;
  // pandas' value_counts: each distinct value of `column` with its count, most frequent first
  // (ties by value), in columns `column` and "count".
  Frame ValueCounts(const std::string& column) const;

  // The partitions concatenated into one table value (pandas.concat's rules for columns that
  // differ between partitions).
  absl::StatusOr<v1::Value> Compute(Client& client) const;
  // Computes the partitions and keeps them on the workers: Frames built on the result read them.
  absl::StatusOr<Frame> Persist(Client& client) const;
  // Writes partition i to DIR/part-NNNNN.csv on the workers (DIR made if missing; absolute, or
  // relative to the current directory). Returns the number of rows written.
  absl::StatusOr<int64_t> ToCsv(Client& client, const std::string& dir) const;

  // The graph that computes the partitions (outputs: one key per partition, in order).
  v1::Graph ToGraph() const;
  // The keys of the partitions, in order.
  std::vector<std::string> PartitionKeys() const;

  explicit Frame(std::shared_ptr<const FrameData> data);
  const std::shared_ptr<const FrameData>& data() const { return data_; }

 private:
  std::shared_ptr<const FrameData> data_;
};

class FrameGroupBy {
 public:
  // Aggregates, each "FN(COL)" or "count()" (rows per group): count, sum, mean, min, max, var,
  // std, nunique, first, last. One partition: the keys, then the aggregates in order, one row
  // per group sorted by the keys.
  Frame Agg(const std::vector<std::string>& aggs, const AggregateOptions& options = {}) const;

 private:
  friend class Frame;
  FrameGroupBy(Frame frame, std::vector<std::string> keys)
      : frame_(std::move(frame)), keys_(std::move(keys)) {}
  Frame frame_;
  std::vector<std::string> keys_;
};

}  // namespace brisk
