// The layout, matmul and io kernels of brisk::Array (worker/array/), called through an
// OpRegistry as a worker calls them: results on small hand-checked inputs and the errors that
// name the op and the argument.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/npy.h"
#include "brisk/op.h"
#include "brisk/value.h"
#include "worker/array/array_ops.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1::Value;

class NullContext : public OpContext {
 public:
  bool Stopped() const override { return false; }
  bool SleepFor(absl::Duration) override { return true; }
};

Value Ints(std::vector<int64_t> values) {
  Value v;
  v.mutable_list();
  for (int64_t x : values) v.mutable_list()->add_items()->set_int_(x);
  return v;
}
Value Str(std::string s) {
  Value v;
  v.set_str(std::move(s));
  return v;
}
template <typename T>
Value Arr(std::vector<uint64_t> shape, std::initializer_list<T> values) {
  return *MakeArray<T>(std::move(shape), absl::MakeConstSpan(values.begin(), values.size()));
}

class ArrayKernels : public ::testing::Test {
 protected:
  ArrayKernels() { RegisterArrayOps(registry_); }
  absl::StatusOr<Value> Call(const std::string& op, const std::vector<Value>& args) {
    OpArgs in;
    for (const Value& v : args) {
      in.args.push_back(&v);
      in.arg_is_ref.push_back(false);
    }
    NullContext context;
    return registry_.Call(op, context, in);
  }
  template <typename T>
  std::vector<T> Values(const absl::StatusOr<Value>& v) {
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return {};
    absl::StatusOr<ArrayView> view = ArrayView::Of(*v);
    EXPECT_TRUE(view.ok()) << view.status();
    absl::StatusOr<absl::Span<const T>> values = view->values<T>();
    EXPECT_TRUE(values.ok()) << values.status();
    return values.ok() ? std::vector<T>(values->begin(), values->end()) : std::vector<T>{};
  }
  static std::vector<uint64_t> ShapeOf(const absl::StatusOr<Value>& v) {
    if (!v.ok()) return {};
    return std::vector<uint64_t>(v->ndarray().shape().begin(), v->ndarray().shape().end());
  }
  OpRegistry registry_;
};

TEST_F(ArrayKernels, TransposeMovesTheAxes) {
  const Value x = Arr<int16_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  absl::StatusOr<Value> t = Call("array.transpose", {x, Ints({1, 0})});
  EXPECT_THAT(Values<int16_t>(t), ElementsAre(1, 4, 2, 5, 3, 6));
  EXPECT_THAT(ShapeOf(t), ElementsAre(3, 2));
  EXPECT_THAT(
      Call("array.transpose", {x, Ints({0, 0})}).status().message(),
      HasSubstr(
          "op \"array.transpose\": argument 1 (\"axes\") is not a permutation of the 2 axes"));
}

TEST_F(ArrayKernels, ReshapeKeepsTheElements) {
  const Value x = Arr<bool>({2, 3}, {true, false, true, false, false, true});
  absl::StatusOr<Value> r = Call("array.reshape", {x, Ints({3, 1, 2})});
  EXPECT_THAT(Values<bool>(r), ElementsAre(true, false, true, false, false, true));
  EXPECT_THAT(ShapeOf(r), ElementsAre(3, 1, 2));
  EXPECT_THAT(Call("array.reshape", {x, Ints({4})}).status().message(),
              HasSubstr("cannot reshape an array of shape (2, 3) into shape (4,)"));
}

TEST_F(ArrayKernels, SliceWithStepsBothWays) {
  const Value x = Arr<double>({6}, {0, 1, 2, 3, 4, 5});
  EXPECT_THAT(Values<double>(Call("array.slice", {x, Ints({5}), Ints({-2}), Ints({3}), Ints({3})})),
              ElementsAre(5, 3, 1));
  EXPECT_THAT(Values<double>(Call("array.slice", {x, Ints({4}), Ints({-2}), Ints({2}), Ints({2})})),
              ElementsAre(4, 2));
  EXPECT_THAT(Values<double>(Call("array.slice", {x, Ints({1}), Ints({2}), Ints({3}), Ints({3})})),
              ElementsAre(1, 3, 5));
  EXPECT_THAT(Values<double>(Call("array.slice", {x, Ints({2}), Ints({1}), Ints({1}), Ints({})})),
              ElementsAre(2));
  EXPECT_THAT(
      Call("array.slice", {x, Ints({1}), Ints({2}), Ints({4}), Ints({4})}).status().message(),
      HasSubstr("axis 0: 4 elements from 1 in steps of 2 do not fit in length 6"));
}

TEST_F(ArrayKernels, AssembleCastsAndPlacesPieces) {
  const Value a = Arr<int8_t>({2, 2}, {1, 2, 3, 4});
  const Value b = Arr<float>({3}, {0.5, 1.5, 2.5});
  Value pieces;
  // a's column 1 to (0..2, 0); b seen as 1 x 3, its last two to row 2, columns 0..1.
  *pieces.mutable_list()->add_items() = [] {
    Value p;
    for (auto l : {Ints({2, 2}), Ints({0, 1}), Ints({0, 0}), Ints({2, 1})}) {
      *p.mutable_list()->add_items() = l;
    }
    return p;
  }();
  *pieces.mutable_list()->add_items() = [] {
    Value p;
    for (auto l : {Ints({1, 3}), Ints({0, 1}), Ints({2, 0}), Ints({1, 2})}) {
      *p.mutable_list()->add_items() = l;
    }
    return p;
  }();
  absl::StatusOr<Value> out = Call("array.assemble", {Str("float64"), Ints({3, 2}), pieces, a, b});
  EXPECT_THAT(Values<double>(out), ElementsAre(2, 0, 4, 0, 1.5, 2.5));
  EXPECT_THAT(Call("array.assemble", {Str("float64"), Ints({3, 2}), pieces, a}).status().message(),
              HasSubstr("2 pieces need 2 source blocks"));
  EXPECT_THAT(
      Call("array.assemble", {Str("complex"), Ints({3, 2}), pieces, a, b}).status().message(),
      HasSubstr("argument 0 (\"dtype\") is not an array dtype"));
}

TEST_F(ArrayKernels, MatmulAccumulatesOverTheInnerBlocks) {
  // [1 2 | 3] @ [[1], [2] | [3]] = 14, as two pairs of blocks.
  const Value a1 = Arr<double>({1, 2}, {1, 2}), a2 = Arr<double>({1, 1}, {3});
  const Value b1 = Arr<double>({2, 1}, {1, 2}), b2 = Arr<double>({1, 1}, {3});
  EXPECT_THAT(Values<double>(Call("array.matmul", {Ints({1, 1}), Str("float64"), a1, a2, b1, b2})),
              ElementsAre(14));
  // 1-D blocks: a vector times a matrix.
  const Value v = Arr<float>({2}, {1, 2});
  const Value m = Arr<float>({2, 2}, {1, 2, 3, 4});
  EXPECT_THAT(Values<float>(Call("array.matmul", {Ints({2}), Str("float32"), v, m})),
              ElementsAre(7, 10));
  // int8 wraps as NumPy's: 100 * 100 + 100 * 100 = 20000 = 32 (mod 256).
  const Value i = Arr<int8_t>({1, 2}, {100, 100}), j = Arr<int8_t>({2, 1}, {100, 100});
  EXPECT_THAT(Values<int8_t>(Call("array.matmul", {Ints({1, 1}), Str("int8"), i, j})),
              ElementsAre(32));
  const Value big = Arr<int64_t>({1, 1}, {int64_t{1} << 40});
  EXPECT_THAT(Values<int64_t>(Call("array.matmul", {Ints({1, 1}), Str("int64"), big, big})),
              ElementsAre(0));  // 2^80 wraps to 0 in 64 bits
  const Value p = Arr<bool>({1, 2}, {true, false}), q = Arr<bool>({2, 1}, {false, true});
  EXPECT_THAT(Values<bool>(Call("array.matmul", {Ints({1, 1}), Str("bool"), p, q})),
              ElementsAre(false));
  // Mixed: int32 times float64 in float64.
  const Value k = Arr<int32_t>({1, 2}, {3, -1});
  EXPECT_THAT(Values<double>(Call("array.matmul", {Ints({}), Str("float64"), k, b1})),
              ElementsAre(1));
  EXPECT_THAT(Call("array.matmul", {Ints({1, 1}), Str("float64"), a1, b2}).status().message(),
              HasSubstr("do not fit a product"));
  EXPECT_THAT(Call("array.matmul", {Ints({1, 1}), Str("float64"), a1}).status().message(),
              HasSubstr("needs as many blocks of A as of B"));
}

TEST_F(ArrayKernels, SaveNpyWritesTheFileAndItsDirectory) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/brisk-kernels-", getpid());
  std::filesystem::remove_all(dir);
  const Value x = Arr<uint16_t>({2}, {7, 9});
  absl::StatusOr<Value> n = Call("array.save_npy", {x, Str(dir + "/a/b.npy")});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->int_(), 4);
  absl::StatusOr<Value> back = ReadNpy(dir + "/a/b.npy");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), x.SerializeAsString());
  std::filesystem::remove_all(dir);
}

TEST_F(ArrayKernels, CheckBlockNamesTheBlock) {
  const Value x = Arr<int32_t>({2}, {1, 2});
  EXPECT_TRUE(Call("array.check_block", {x, Str("int32"), Ints({2}), Str("block (0)")}).ok());
  EXPECT_THAT(
      Call("array.check_block", {x, Str("int64"), Ints({2}), Str("block (3) of op \"f\"")})
          .status()
          .message(),
      HasSubstr(
          "block (3) of op \"f\" returned int32 of shape (2,), expected int64 of shape (2,)"));
  EXPECT_THAT(Call("array.check_block", {Str("x"), Str("int32"), Ints({2}), Str("block (1)")})
                  .status()
                  .message(),
              HasSubstr("block (1) returned str, not an ndarray"));
}

}  // namespace
}  // namespace brisk
