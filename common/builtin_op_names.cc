#include "common/builtin_op_names.h"

namespace brisk {

const std::vector<absl::string_view>& BuiltinOpNames() {
  static const auto* names = new std::vector<absl::string_view>{
      "noop", "identity", "inc", "add", "mul", "sum", "range", "len", "concat", "getitem",
      "partition", "sleep", "fail", "bytes", "nbytes", "full", "shell",
      // Array kernels (worker/array/).
      "array.transpose", "array.reshape", "array.slice", "array.assemble", "array.matmul",
      "array.save_npy", "array.check_block"};
  return *names;
}

bool IsBuiltinOp(absl::string_view op) {
  for (absl::string_view name : BuiltinOpNames()) {
    if (name == op) return true;
  }
  return false;
}

}  // namespace brisk
