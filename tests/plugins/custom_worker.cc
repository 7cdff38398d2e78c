// A custom worker executable for the integration tests (tests/integration/plugin_test.cc): its own
// `main` registers two ops and hands over to brisk::WorkerMain, so it takes brisk-worker's flags
// and has the built-in ops too.
//   triple(x: int) -> int            declared signature; 3 * x
//   array_sum(x: ndarray) -> float   the sum of any numeric array's elements (args.Array)
#include <cstdint>

#include "brisk/op.h"
#include "brisk/worker_main.h"

namespace {

using brisk::Kind;
using brisk::OpArgs;
using brisk::OpContext;
using brisk::v1::Value;

absl::StatusOr<Value> Triple(OpContext&, const OpArgs& args) {
  Value v;
  v.set_int_(3 * args[0].int_());  // the signature checked it is an int
  return v;
}

absl::StatusOr<Value> ArraySum(OpContext&, const OpArgs& args) {
  absl::StatusOr<brisk::ArrayView> x = args.Array(0);
  if (!x.ok()) return x.status();
  double sum = 0;
  for (uint64_t i = 0; i < x->size(); ++i) sum += x->AsDouble(i);
  Value v;
  v.set_float_(sum);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  brisk::OpRegistry ops;
  brisk::OpSignature triple;
  triple.args = {{"x", Kind::kInt}};
  triple.result = Kind::kInt;
  ops.Register("triple", triple, Triple);
  brisk::OpSignature array_sum;
  array_sum.args = {{"x", Kind::kNdarray}};
  array_sum.result = Kind::kFloat;
  ops.Register("array_sum", array_sum, ArraySum);
  return brisk::WorkerMain(argc, argv, ops);
}
