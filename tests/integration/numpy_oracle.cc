#include "tests/integration/numpy_oracle.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/npy.h"
#include "client/array_data.h"
#include "common/dtype_switch.h"

namespace brisk {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

absl::StatusOr<std::map<std::string, v1::Value>> RunNumpy(
    const std::map<std::string, v1::Value>& inputs, const std::string& code) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/brisk-numpy-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  std::filesystem::create_directories(dir + "/in");
  std::filesystem::create_directories(dir + "/out");
  for (const auto& [name, value] : inputs) {
    if (absl::Status s = WriteNpy(absl::StrCat(dir, "/in/", name, ".npy"), value); !s.ok()) {
      return s;
    }
  }
  {
    std::ofstream script(dir + "/script.py");
    script << "import os as _os, sys as _sys\nimport numpy as np\n_d = _sys.argv[1]\n"
              "for _f in sorted(_os.listdir(_d + '/in')):\n"
              "    globals()[_f[:-4]] = np.load(_d + '/in/' + _f)\n"
              "out = {}\n"
           << code
           << "\nfor _k, _v in out.items():\n"
              "    np.save(_d + '/out/' + _k + '.npy', np.asarray(_v))\n";
  }
  const std::string command =
      absl::StrCat("/usr/bin/python3 ", dir, "/script.py ", dir, " 2>", dir, "/err");
  const int rc = std::system(command.c_str());
  std::map<std::string, v1::Value> out;
  absl::Status status;
  if (rc != 0) {
    status = absl::InternalError(
        absl::StrCat("python3 failed (", rc, "): ", ReadFile(dir + "/err"), "\n", code));
  } else {
    for (const auto& entry : std::filesystem::directory_iterator(dir + "/out")) {
      absl::StatusOr<v1::Value> v = ReadNpy(entry.path().string());
      if (!v.ok()) {
        status = v.status();
        break;
      }
      out[entry.path().stem().string()] = *std::move(v);
    }
  }
  std::filesystem::remove_all(dir);
  if (!status.ok()) return status;
  return out;
}

v1::Value TestArray(DType dtype, const Shape& shape, uint64_t seed) {
  std::mt19937_64 rng(seed * 7919 + static_cast<uint64_t>(dtype));
  return DTypeSwitch(
      dtype,
      [&](auto t) {
        using T = decltype(t);
        ArrayBuilder<T> builder(shape);
        for (T& v : builder.values()) {
          const uint64_t r = rng();
          if constexpr (std::is_same_v<T, bool>) {
            v = r % 3 == 0;
          } else if constexpr (std::is_floating_point_v<T>) {
            v = static_cast<T>(static_cast<double>(r % 2000) / 8.0 - 125.0);
          } else if constexpr (std::is_signed_v<T>) {
            v = static_cast<T>(static_cast<int64_t>(r % 100) - 50);
          } else {
            v = static_cast<T>(r % 100);
          }
        }
        return std::move(builder).Finish();
      },
      [] { return v1::Value(); });
}

Array LocalArray(const v1::Value& value, const Chunks& chunks) {
  absl::StatusOr<ArrayView> view = ArrayView::Of(value);
  if (!view.ok()) return ErrorArray(view.status());
  const Shape shape(view->shape().begin(), view->shape().end());
  const size_t item = ItemSize(view->dtype());
  const std::string name = ArrayName("local", {value.SerializeAsString(), [&] {
                                                 std::string s;
                                                 for (const auto& a : chunks) {
                                                   s += absl::StrJoin(a, ",") + ";";
                                                 }
                                                 return s;
                                               }()});
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(chunks)) {
    const Shape bshape = BlockShape(chunks, block), offset = BlockOffset(chunks, block);
    uint64_t n = 1;
    for (uint64_t d : bshape) n *= d;
    std::string data(n * item, '\0');
    Shape at(shape.size(), 0);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t flat = 0;
      for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + offset[d] + at[d];
      std::memcpy(data.data() + i * item, view->bytes().data() + flat * item, item);
      for (size_t d = shape.size(); d-- > 0;) {
        if (++at[d] < bshape[d]) break;
        at[d] = 0;
      }
    }
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("identity");
    v1::NDArray* literal = task.add_args()->mutable_ndarray();
    literal->set_dtype(view->dtype());
    for (uint64_t d : bshape) literal->add_shape(d);
    literal->set_data(std::move(data));
    tasks.push_back(std::move(task));
  }
  return MakeArray(view->dtype(), shape, chunks, name, std::move(tasks), {});
}

::testing::AssertionResult SameArray(const v1::Value& got, const v1::Value& want, double rtol) {
  absl::StatusOr<ArrayView> g = ArrayView::Of(got), w = ArrayView::Of(want);
  if (!g.ok()) return ::testing::AssertionFailure() << "got: " << g.status();
  if (!w.ok()) return ::testing::AssertionFailure() << "want: " << w.status();
  const Shape gs(g->shape().begin(), g->shape().end()), ws(w->shape().begin(), w->shape().end());
  if (g->dtype() != w->dtype() || gs != ws) {
    return ::testing::AssertionFailure()
           << "got " << DTypeName(g->dtype()) << " (" << absl::StrJoin(gs, ", ") << "), want "
           << DTypeName(w->dtype()) << " (" << absl::StrJoin(ws, ", ") << ")";
  }
  const bool is_float = w->dtype() == v1::DTYPE_FLOAT32 || w->dtype() == v1::DTYPE_FLOAT64;
  if (rtol <= 0 || !is_float) {
    if (g->bytes() == w->bytes()) return ::testing::AssertionSuccess();
    for (uint64_t i = 0; i < w->size(); ++i) {
      if (g->AsDouble(i) != w->AsDouble(i)) {
        return ::testing::AssertionFailure()
               << "element " << i << ": got " << g->AsDouble(i) << ", want " << w->AsDouble(i);
      }
    }
    return ::testing::AssertionFailure() << "the bytes differ";
  }
  double scale = 0;
  for (uint64_t i = 0; i < w->size(); ++i) scale = std::max(scale, std::abs(w->AsDouble(i)));
  for (uint64_t i = 0; i < w->size(); ++i) {
    if (std::abs(g->AsDouble(i) - w->AsDouble(i)) > rtol * scale) {
      return ::testing::AssertionFailure()
             << "element " << i << ": got " << g->AsDouble(i) << ", want " << w->AsDouble(i);
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace brisk
