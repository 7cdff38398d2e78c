// Input and output kernels of brisk::Array: a block written as a .npy file on the worker that
// holds it, and the check of a block made by a user's op (Array::FromFunction).
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "brisk/npy.h"
#include "worker/array/array_ops.h"
#include "worker/array/block_args.h"

namespace brisk {
namespace {

using Result = absl::StatusOr<v1::Value>;

// array.save_npy(x, path): writes x to `path` as a .npy file, making its directory; returns the
// number of bytes of the array's data.
Result SaveNpy(OpContext&, const OpArgs& args) {
  absl::StatusOr<ArrayView> x = args.Array(0);
  if (!x.ok()) return x.status();
  absl::StatusOr<absl::string_view> path = args.Str(1);
  if (!path.ok()) return path.status();
  if (path->empty()) return args.Error(absl::StrCat(args.Describe(1), " is empty"));
  const std::filesystem::path file{std::string(*path)};
  if (file.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      return args.Error(absl::StrCat("cannot make directory ", file.parent_path().string(), ": ",
                                     error.message()));
    }
  }
  if (absl::Status written = WriteNpy(file.string(), args[0]); !written.ok()) {
    return args.Error(written.message());
  }
  v1::Value out;
  out.set_int_(static_cast<int64_t>(x->bytes().size()));
  return out;
}

// array.check_block(x, dtype, shape, block): x itself when it is an ndarray of `dtype` and
// `shape`; otherwise an error naming `block` (what made it, e.g. 'block 0.1 of op "f"').
Result CheckBlock(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> block = args.Str(3);
  if (!block.ok()) return block.status();
  absl::StatusOr<absl::string_view> dtype_name = args.Str(1);
  if (!dtype_name.ok()) return dtype_name.status();
  absl::StatusOr<std::vector<uint64_t>> shape = ShapeArg(args, 2);
  if (!shape.ok()) return shape.status();
  const v1::Value& x = args[0];
  if (x.kind_case() != v1::Value::kNdarray) {
    return args.Error(absl::StrCat(*block, " returned ", KindName(x), ", not an ndarray"));
  }
  absl::StatusOr<ArrayView> view = ArrayView::Of(x);
  if (!view.ok()) return args.Error(absl::StrCat(*block, ": ", view.status().message()));
  const bool same_shape =
      std::equal(view->shape().begin(), view->shape().end(), shape->begin(), shape->end());
  if (DTypeName(view->dtype()) != *dtype_name || !same_shape) {
    return args.Error(absl::StrCat(*block, " returned ", DTypeName(view->dtype()), " of shape ",
                                   ShapeText(view->shape()), ", expected ", *dtype_name,
                                   " of shape ", ShapeText(*shape)));
  }
  return x;
}

}  // namespace

void RegisterArrayIoOps(OpRegistry& registry) {
  OpSignature save;
  save.args = {{"x", Kind::kNdarray}, {"path", Kind::kStr}};
  save.result = Kind::kInt;
  registry.Register("array.save_npy", std::move(save), SaveNpy);
  OpSignature check;
  check.args = {{"x"}, {"dtype", Kind::kStr}, {"shape", Kind::kList}, {"block", Kind::kStr}};
  check.result = Kind::kNdarray;
  registry.Register("array.check_block", std::move(check), CheckBlock);
}

}  // namespace brisk
