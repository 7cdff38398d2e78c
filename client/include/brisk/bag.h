// brisk::Bag: a collection of records cut into partitions that live on workers, built lazily into
// a task graph as dask.bag does, and computed on a Client:
//
//   auto client = *brisk::Client::StartLocal();
//   brisk::Bag words = brisk::Bag::ReadText("logs/*.txt").Split().Lower();   // nothing runs yet
//   absl::StatusOr<std::vector<brisk::ValueCount>> top = words.Frequencies().TopK(20)
//                                                            .ComputeCounts(*client);
//
// Records are text (lines of files, or strings) or, from JSON lines or a plugin, values (maps and
// others); Pluck turns records into text. The per-record steps (Split, Lower, Upper, Strip, Match,
// Exclude, Extract, NonEmpty, Pluck) are fused into one task per partition, also into the
// reduction that consumes them, so a word count reads, splits and counts each file in one task.
// Text is bytes: whitespace is ASCII's, Lower/Upper change ASCII letters only; lines read from
// files are made UTF-8 (each ill-formed sequence becomes U+FFFD, as Python's errors="replace"
// does), other records pass through unchanged. As Array, a Bag carries its errors (status()); every
// Bag built from an errored one carries the error, and Compute returns it. Partition kernels are
// ops on the workers (worker/bag/, named "bag.*", usable from graph files too).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "brisk/delayed.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

class Client;
struct BagData;  // client/bag_data.h

// What a Bag's records are.
enum class BagKind {
  kText,     // text records: a partition is a table of one string column "text"
  kRecords,  // values (maps from JSON lines, or a plugin's): a partition is a list
  kCounts,   // (value, count) pairs of Frequencies: a table of "value" and "count" columns
  kItem,     // one value: the result of Count or Fold (one partition)
};

struct ValueCount {
  std::string value;
  int64_t count = 0;
  bool operator==(const ValueCount& o) const { return value == o.value && count == o.count; }
};

struct BagReadOptions {
  // Files larger than this many bytes are cut into partitions of about this size, at line
  // boundaries (0: one partition per file). Gzip files are always one partition.
  uint64_t blocksize = 0;
};

struct FrequencyOptions {
  // Partial counts combined per task at each level of the tree; at least 2.
  int split_every = 8;
  // Partitions of the result: 1 combines every partial count into one; more hash-partitions the
  // values (a shuffle), for when the distinct values are too many for one partition.
  int npartitions = 1;
};

class Bag {
 public:
  // A Bag whose status() is FailedPrecondition "a Bag made by its default constructor".
  Bag();

  // ---- Sources. Paths and globs are resolved here (relative to the working directory) and
  // sent to the workers as absolute paths; files are read on the workers.
  // The lines of the files matching `glob` (sorted by path), without their "\n" or "\r\n" (lines
  // end at "\n" only: a lone "\r" stays in its line); a last line without a final newline is a
  // line, an empty file has none. Gzip files (by their
  // magic bytes) are decompressed. NotFound when nothing matches.
  static Bag ReadText(const std::string& glob, BagReadOptions options = {});
  // JSON lines as records (objects are maps, integers ints, blank lines skipped).
  static Bag ReadJsonLines(const std::string& glob, BagReadOptions options = {});
  // Local strings as text records, in `npartitions` partitions of about equal counts, travelling
  // in the graph as literals.
  static Bag FromStrings(const std::vector<std::string>& records, int npartitions = 1);
  // One task per partition, running op `op` (a plugin's or a built-in) with the keyword
  // arguments `partition` (its index) and `npartitions`, plus `kwargs`; it must return a
  // partition of `kind` (kText: a table with a string column "text", or a list of str;
  // kRecords: a list of values).
  static Bag FromFunction(const std::string& op, int npartitions,
                          const std::map<std::string, ArgValue>& kwargs = {},
                          BagKind kind = BagKind::kText);

  // ---- What it is.
  const absl::Status& status() const;
  bool ok() const { return status().ok(); }
  BagKind kind() const;
  int npartitions() const;
  // A hash of how it is computed: the same Bag built twice names the same keys.
  const std::string& name() const;

  // ---- Per-record steps over text (fused: no task of their own).
  // flat_map: the words of each record, split on runs of ASCII whitespace (an empty
  // `delimiter`), or the pieces between occurrences of `delimiter` (empty pieces kept).
  Bag Split(const std::string& delimiter = "") const;
  Bag Lower() const;
  Bag Upper() const;
  // Without leading and trailing ASCII whitespace (empty `chars`), or bytes of `chars`.
  Bag Strip(const std::string& chars = "") const;
  // filter: the records in which the RE2 pattern matches somewhere (Match), or nowhere (Exclude).
  Bag Match(const std::string& pattern) const;
  Bag Exclude(const std::string& pattern) const;
  // flat_map: every non-overlapping match of the RE2 pattern in each record, as Python's
  // re.findall gives them: group `group`, where -1 is group 1 when the pattern has groups and
  // the whole match otherwise.
  Bag Extract(const std::string& pattern, int group = -1) const;
  // filter: the records that are not empty.
  Bag NonEmpty() const;
  // Records to text: the field `field` of each map record (str as it is, numbers and bools as
  // JSON writes them, lists and maps as JSON); records without it (or null there) are dropped.
  Bag Pluck(const std::string& field) const;

  // map / filter / flat_map by a plugin op, a partition at a time: op(partition, **kwargs) gets
  // the partition value (see BagKind) and returns the new partition, of `kind`.
  Bag MapPartitions(const std::string& op, const std::map<std::string, ArgValue>& kwargs = {},
                    BagKind kind = BagKind::kText) const;

  // ---- Reductions.
  // (value, count) of every distinct text record: partial counts per partition, combined in a
  // tree (or by hash partition: options.npartitions). Each result partition is in the order of
  // MoreFrequent (the larger count first, equal counts by value in ascending byte order).
  Bag Frequencies(FrequencyOptions options = {}) const;
  // The distinct text records, each result partition sorted by value (byte order).
  Bag Distinct(FrequencyOptions options = {}) const;
  // The k largest: of a counts Bag the k most frequent values (ties: the smaller value first),
  // of a text Bag the k largest records in byte order (duplicates kept). Per partition, then
  // merged in a tree of `split_every`. One partition.
  Bag TopK(int k, int split_every = 8) const;
  // The number of records (kItem: an int).
  Bag Count(int split_every = 8) const;
  // fold by plugin ops: partition_op(partition, **kwargs) per partition, then combine_op(a, b,
  // ...) over up to `split_every` results at a time, to one value (kItem).
  Bag Fold(const std::string& partition_op, const std::string& combine_op, int split_every = 8,
           const std::map<std::string, ArgValue>& kwargs = {}) const;

  // ---- Results.
  // The graph that computes every partition (outputs: the partition keys, in order).
  v1::Graph ToGraph() const;
  // The keys of the partitions of a materialized Bag (Persist's, or a reduction's); the keys a
  // lazy Bag's graph would give otherwise.
  std::vector<std::string> PartitionKeys() const;
  // Runs the graph and gathers the partitions into one value: a table for text and counts (the
  // partitions' rows in order), a list for records, the value itself for kItem.
  absl::StatusOr<v1::Value> Compute(Client& client) const;
  // Text records, and (value, count) pairs of a counts Bag, gathered.
  absl::StatusOr<std::vector<std::string>> ComputeStrings(Client& client) const;
  absl::StatusOr<std::vector<ValueCount>> ComputeCounts(Client& client) const;
  // Runs the graph and keeps the partitions on the workers; the Bag returned reads them from
  // there, and its job is released when the last Bag using it goes away (the Client must
  // outlive it).
  absl::StatusOr<Bag> Persist(Client& client) const;
  // Writes each partition's records as lines ("\n" after each) to DIR/part-NNNNN.txt (with
  // `gzip`, part-NNNNN.txt.gz), on the workers; records that are not text are written as JSON,
  // the pairs of a counts Bag as JSON arrays (["word",12]).
  // The directory is made. Returns the number of lines written.
  absl::StatusOr<int64_t> ToTextFiles(Client& client, const std::string& dir,
                                      bool gzip = false) const;

  // Internal: the implementation's view (client/bag_data.h).
  const std::shared_ptr<const BagData>& data() const { return data_; }
  explicit Bag(std::shared_ptr<const BagData> data) : data_(std::move(data)) {}

 private:
  std::shared_ptr<const BagData> data_;
};

}  // namespace brisk
