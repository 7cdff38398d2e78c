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
// aggregates; Join broadcasts a right frame of one partition to every partition of the left and
// joins larger ones by hash shuffle; SortValues range-partitions by sampled boundaries. A Frame's
// name is the SHA-256 of how it is computed, so the same pipeline built twice names the same keys.
// An error (a bad glob, an expression that does not parse) is carried by the Frame (status()) and
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

// How Frame::Join joins.
enum class JoinStrategy {
  // kBroadcast when the right frame has one partition, else kShuffle.
  kAuto,
  // The right frame concatenated into one table, joined with every partition of the left: the
  // left rows keep their order. For a small right frame.
  kBroadcast,
  // Both frames split by a hash of the key columns into `npartitions` buckets (equal keys meet in
  // one bucket, an int and an equal float too), each pair of buckets joined on its own: no task
  // holds either frame whole, and the rows come bucket by bucket (sort them to compare with
  // pandas, as with dask's shuffle join). For two large frames.
  kShuffle,
};

struct JoinOptions {
  // "inner" or "left".
  std::string how = "inner";
  JoinStrategy strategy = JoinStrategy::kAuto;
  // kShuffle's buckets, the result's partitions; 0: the larger of the two frames' partitions.
  int npartitions = 0;
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
  // pandas.merge(self, right, on=on, how=options.how): by broadcast when the right frame has
  // one partition, else by hash shuffle (JoinStrategy; options.strategy forces either).
  Frame Join(const Frame& right, const std::vector<std::string>& on,
             const JoinOptions& options) const;
  // The same with options.how = how.
  Frame Join(const Frame& right, const std::vector<std::string>& on,
             const std::string& how = "inner") const;
  // Rows sorted by `by` (stable: ties keep their order; nulls and NaN last in either direction),
  // ascending[i] per column (empty: all ascending). One partition is sorted on one worker; more
  // are range-partitioned as dask's sort_values: a sample of each partition's sort columns gives
  // N-1 boundaries (N: the input's partitions), each partition is split by them into N pieces and
  // piece k of every partition is concatenated (in partition order) and sorted: N partitions in
  // global order (some may be empty when many values are equal).
  Frame SortValues(const std::vector<std::string>& by,
                   const std::vector<bool>& ascending = {}) const;
  // pandas' value_counts: each distinct value of `column` with its count, most frequent first
  // (ties by value), in columns `column` and "count".
  Frame ValueCounts(const std::string& column) const;
  // pandas' DataFrame.describe() of the numeric columns (bool and string columns are left out;
  // an error when there is none): one partition, a column "statistic" (count, mean, std, min,
  // 25%, 50%, 75%, max) then a float64 column per numeric column. count, mean, std (ddof 1), min
  // and max are exact (the grouped aggregates'); the quantiles (linear interpolation, as pandas)
  // are exact for one partition, and for more when each partition has at most 1001 values of
  // the column; otherwise they come from merged per-partition sketches of 1001 evenly spaced
  // order statistics, as dask's describe merges percentiles: the value is within n/1000 ranks of
  // the exact one (n: the column's values).
  Frame Describe() const;

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
