#include "common/builtin_op_names.h"

#include "absl/container/flat_hash_set.h"

namespace brisk {

const std::vector<absl::string_view>& BuiltinOpNames() {
  static const auto* names = new std::vector<absl::string_view>{
      "noop", "identity", "inc", "add", "mul", "sum", "range", "len", "concat", "getitem",
      "partition", "sleep", "fail", "bytes", "nbytes", "full", "shell",
      // brisk::Array's kernels (worker/array/)
      "array.eval", "array.reduce", "array.reduce_combine",
      // arrays from .npy files and model fitting (worker/array/array_npy_read.cc,
      // array_ml_ops.cc)
      "array.read_npy", "array.column_stats", "array.column_stats_combine", "array.cv_logistic",
      "array.kmeans_labels", "array.kmeans_partial", "array.kmeans_sample", "array.linear_predict",
      "array.logistic_grad_hess", "array.normal_equations", "array.npy_normal_equations",
      "array.split_rows", "array.sum_partials", "array.take_rows",
      // layout, matrix products, saving (worker/array/array_layout.cc, array_matmul.cc,
      // array_io.cc)
      "array.transpose", "array.reshape", "array.slice", "array.assemble", "array.matmul",
      "array.save_npy", "array.check_block",
      // brisk::Frame's kernels (worker/frame/)
      "frame.read_csv", "frame.read_json", "frame.write_csv", "frame.concat",
      "frame.groupby_partial", "frame.groupby_combine", "frame.groupby_finish", "frame.groupby",
      "frame.sort", "frame.join", "frame.hash_partition",
      // sort_values by range partitioning and describe (worker/frame/range_partition.cc,
      // describe_ops.cc)
      "frame.sort_sample", "frame.sort_bounds", "frame.range_partition", "frame.describe_columns",
      "frame.describe_plan", "frame.quantile_sketch", "frame.describe_finish", "frame.describe",
      // brisk::Bag's kernels (worker/bag/)
      "bag.partition", "bag.count", "bag.sum", "bag.write_text", "bag.frequencies",
      "bag.merge_counts", "bag.distinct_values", "bag.topk", "bag.merge_topk",
      // per-partition verbs (worker/frame/frame_verb_ops.cc)
      "frame.filter", "frame.assign", "frame.select", "frame.drop", "frame.rename", "frame.head",
      "frame.apply"};
  return *names;
}

bool IsBuiltinOp(absl::string_view op) {
  static const auto* names =
      new absl::flat_hash_set<absl::string_view>(BuiltinOpNames().begin(), BuiltinOpNames().end());
  return names->contains(op);
}

}  // namespace brisk
