// The ops of array_npy_read.cc and array_ml_ops.cc through the OpRegistry, as a worker calls
// them: bad input gets an error naming the op and the argument, never a crash; other dtypes than
// float64 give the same statistics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "brisk/npy.h"
#include "brisk/op.h"
#include "brisk/value.h"
#include "worker/array/array_ops.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

class Ctx : public OpContext {
 public:
  bool Stopped() const override { return false; }
  bool SleepFor(absl::Duration) override { return true; }
};

class ArrayMlOps : public ::testing::Test {
 protected:
  ArrayMlOps() { RegisterArrayOps(registry_); }

  absl::StatusOr<v1::Value> Run(absl::string_view op, std::vector<v1::Value> args,
                                std::vector<std::pair<std::string, v1::Value>> kwargs = {}) {
    args_ = std::move(args);
    kwargs_ = std::move(kwargs);
    OpArgs call;
    for (const v1::Value& v : args_) {
      call.args.push_back(&v);
      call.arg_is_ref.push_back(false);
    }
    for (const auto& [k, v] : kwargs_) call.kwargs[k] = &v;
    return registry_.Call(op, ctx_, call);
  }
  std::string Err(absl::string_view op, std::vector<v1::Value> args,
                  std::vector<std::pair<std::string, v1::Value>> kwargs = {}) {
    absl::StatusOr<v1::Value> r = Run(op, std::move(args), std::move(kwargs));
    EXPECT_FALSE(r.ok()) << op;
    return r.ok() ? "" : std::string(r.status().message());
  }
  static v1::Value D(std::vector<uint64_t> shape, std::vector<double> values) {
    return *MakeArray<double>(std::move(shape), values);
  }
  static v1::Value Str(const std::string& s) {
    v1::Value v;
    v.set_str(s);
    return v;
  }
  static v1::Value Int(int64_t i) {
    v1::Value v;
    v.set_int_(i);
    return v;
  }
  static v1::Value Ints(std::vector<int64_t> items) {
    v1::Value v;
    for (int64_t i : items) v.mutable_list()->add_items()->set_int_(i);
    return v;
  }

  OpRegistry registry_;
  Ctx ctx_;
  std::vector<v1::Value> args_;
  std::vector<std::pair<std::string, v1::Value>> kwargs_;
};

TEST_F(ArrayMlOps, ReadNpyNamesThePathAndRefusesBlocksOutsideTheFile) {
  const std::string dir = std::filesystem::temp_directory_path() / "array_ml_ops_test";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/a.npy";
  ASSERT_TRUE(WriteNpy(path, D({3, 2}, {1, 2, 3, 4, 5, 6})).ok());
  absl::StatusOr<v1::Value> block =
      Run("array.read_npy", {Str(path)}, {{"offset", Ints({1, 0})}, {"shape", Ints({2, 2})}});
  ASSERT_TRUE(block.ok()) << block.status();
  EXPECT_EQ(block->ndarray().data(), D({2, 2}, {3, 4, 5, 6}).ndarray().data());
  const std::string outside =
      Err("array.read_npy", {Str(path)}, {{"offset", Ints({2, 0})}, {"shape", Ints({2, 2})}});
  EXPECT_THAT(outside, HasSubstr("array.read_npy"));
  EXPECT_THAT(outside, HasSubstr("outside " + path));
  EXPECT_THAT(Err("array.read_npy", {Str(path)}, {{"offset", Ints({0})}, {"shape", Ints({1})}}),
              HasSubstr("2-dimensional"));
  EXPECT_THAT(Err("array.read_npy", {Str(path)}, {{"offset", Ints({-1, 0})}}),
              HasSubstr("non-negative"));
  EXPECT_THAT(Err("array.read_npy", {Str(dir + "/missing.npy")}), HasSubstr(dir + "/missing.npy"));
  std::ofstream(dir + "/short.npy") << "\x93NUMPY\x01";
  EXPECT_THAT(Err("array.read_npy", {Str(dir + "/short.npy")}), HasSubstr(dir + "/short.npy"));
  std::filesystem::remove_all(dir);
}

TEST_F(ArrayMlOps, KernelsSayWhichArgumentIsWrong) {
  const v1::Value x = D({4, 2}, {0, 0, 1, 1, 9, 9, 10, 10});
  EXPECT_THAT(Err("array.kmeans_partial", {x, D({2, 3}, {0, 0, 0, 0, 0, 0})}),
              HasSubstr("k x 2 array of centres"));
  EXPECT_THAT(Err("array.kmeans_partial", {D({2, 2, 1}, {1, 2, 3, 4}), D({1, 1}, {0})}),
              HasSubstr("1-D or 2-D"));
  EXPECT_THAT(Err("array.kmeans_partial", {Str("x"), x}), HasSubstr("array.kmeans_partial"));
  EXPECT_THAT(Err("array.sum_partials", {D({2}, {1, 2}), D({3}, {1, 2, 3})}),
              HasSubstr("argument 1"));
  EXPECT_THAT(Err("array.normal_equations", {x}, {{"target_column", Int(2)}}),
              HasSubstr("target_column 2"));
  EXPECT_THAT(Err("array.normal_equations", {x, D({3}, {1, 2, 3})}),
              HasSubstr("one value per row"));
  EXPECT_THAT(Err("array.logistic_grad_hess", {x, D({4}, {0, 0, 1, 1})}), HasSubstr("\"w\""));
  EXPECT_THAT(Err("array.logistic_grad_hess", {x, D({4}, {0, 0, 1, 1})}, {{"w", D({2}, {0, 0})}}),
              HasSubstr("must hold 3 numbers"));
  EXPECT_THAT(Err("array.linear_predict", {x}, {{"w", D({3}, {1, 1, 1})}, {"kind", Str("odds")}}),
              HasSubstr("linear, proba or class"));
  v1::Value big;
  big.set_float_(1.5);
  EXPECT_THAT(Err("array.split_rows", {x}, {{"test_size", big}}), HasSubstr("within [0, 1]"));
  EXPECT_THAT(Err("array.cv_logistic", {x, D({4}, {0, 0, 1, 1})}, {{"blocks", Int(2)}}),
              HasSubstr("blocks"));
  EXPECT_THAT(Err("array.cv_logistic", {x, D({4}, {0, 0, 1, 1})},
                  {{"blocks", Int(1)}, {"fold", Int(3)}, {"folds", Int(2)}}),
              HasSubstr("fold 3 of 2"));
  EXPECT_THAT(Err("array.take_rows", {x, Int(3), Int(2)}), HasSubstr("rows 3 to 5"));
}

TEST_F(ArrayMlOps, OtherDtypesGiveTheStatisticsOfTheirValues) {
  const v1::Value as_double = D({3, 2}, {1, 2, 3, 4, 5, 7});
  const v1::Value as_int = *MakeArray<int32_t>({3, 2}, std::vector<int32_t>{1, 2, 3, 4, 5, 7});
  const v1::Value centres = D({2, 2}, {1, 2, 5, 6});
  absl::StatusOr<v1::Value> a = Run("array.kmeans_partial", {as_double, centres});
  absl::StatusOr<v1::Value> b = Run("array.kmeans_partial", {as_int, centres});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ndarray().data(), b->ndarray().data());
  a = Run("array.column_stats", {as_double});
  b = Run("array.column_stats", {as_int});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ndarray().data(), b->ndarray().data());
}

TEST_F(ArrayMlOps, NoArrayOpCrashesOnNullMissingOrWrongArguments) {
  v1::Value null_value, text = Str("x"), number = Int(-1), list = Ints({-5});
  const std::vector<std::vector<v1::Value>> inputs = {
      {}, {null_value}, {text, text}, {number, list, number}, {D({0}, {}), D({0, 0}, {})}};
  for (const std::string& op : registry_.Names()) {
    if (!absl::StartsWith(op, "array.")) continue;
    for (const auto& args : inputs) {
      absl::StatusOr<v1::Value> r = Run(op, args, {{"w", list}, {"blocks", text}});
      if (!r.ok()) {
        EXPECT_THAT(r.status().message(), HasSubstr(op)) << op;
      }
    }
  }
}

}  // namespace
}  // namespace brisk
