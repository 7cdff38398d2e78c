// brisk::Array's layout operations, matrix products, FromFunction and .npy saving on an embedded
// local cluster (Client::StartLocal), each compared with NumPy's result on the same inputs
// (tests/integration/numpy_oracle.h): every dtype where it matters, uneven chunks, chunks of one
// element and empty ones, negative steps, and the errors an Array carries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/npy.h"
#include "client/array_data.h"
#include "tests/integration/numpy_oracle.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

const DType kAllDTypes[] = {v1::DTYPE_BOOL,   v1::DTYPE_INT8,    v1::DTYPE_INT16,  v1::DTYPE_INT32,
                            v1::DTYPE_INT64,  v1::DTYPE_UINT8,   v1::DTYPE_UINT16, v1::DTYPE_UINT32,
                            v1::DTYPE_UINT64, v1::DTYPE_FLOAT32, v1::DTYPE_FLOAT64};

std::string Py(const Index& index) {
  if (index.single) return absl::StrCat(*index.single);
  auto opt = [](std::optional<int64_t> v) { return v ? absl::StrCat(*v) : std::string(); };
  return absl::StrCat(opt(index.start), ":", opt(index.stop), ":", index.step);
}

std::string Py(const std::vector<Index>& indices) {
  if (indices.empty()) return "[()]";
  std::vector<std::string> parts;
  for (const Index& i : indices) parts.push_back(Py(i));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), indices.size() == 1 ? "," : "", "]");
}

class ArrayLayoutTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LocalClusterOptions options;
    options.workers = 2;
    options.plugins = {BRISK_TEST_PLUGIN_DIR "/libbrisk_test_ops.so"};
    auto client = Client::StartLocal(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client).release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
  }

  // The computed array; a failure (and an empty value) when it cannot be computed.
  static v1::Value Get(const Array& a) {
    absl::StatusOr<v1::Value> v = a.Compute(*client_);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : v1::Value();
  }

  // Computes every array of `got` and compares it with NumPy's `out[name]` from `code`.
  static void ExpectNumpy(const std::map<std::string, v1::Value>& inputs, const std::string& code,
                          const std::map<std::string, Array>& got, double rtol = 0) {
    absl::StatusOr<std::map<std::string, v1::Value>> want = RunNumpy(inputs, code);
    ASSERT_TRUE(want.ok()) << want.status();
    for (const auto& [name, array] : got) {
      ASSERT_TRUE(array.ok()) << name << ": " << array.status();
      auto it = want->find(name);
      ASSERT_NE(it, want->end()) << name;
      EXPECT_TRUE(SameArray(Get(array), it->second, rtol)) << name;
    }
  }

  static Client* client_;
};

Client* ArrayLayoutTest::client_ = nullptr;

TEST_F(ArrayLayoutTest, TransposeEveryDtypeAndAxisOrder) {
  std::map<std::string, v1::Value> inputs;
  std::map<std::string, Array> got;
  std::string code;
  const std::vector<std::vector<int>> orders = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},  {1, 2, 0},
                                                {2, 0, 1}, {2, 1, 0}, {-1, 0, -2}};
  for (DType dtype : kAllDTypes) {
    const std::string x = absl::StrCat("x_", DTypeName(dtype));
    inputs[x] = TestArray(dtype, {3, 5, 4}, 1);
    const Array a = LocalArray(inputs[x], {{1, 2}, {3, 1, 1}, {4}});
    got[x + "_T"] = a.T();
    absl::StrAppend(&code, "out['", x, "_T'] = ", x, ".T\n");
    for (size_t o = 0; o < orders.size(); ++o) {
      const std::string name = absl::StrCat(x, "_", o);
      got[name] = a.Transpose(orders[o]);
      absl::StrAppend(&code, "out['", name, "'] = ", x, ".transpose((",
                      absl::StrJoin(orders[o], ","), "))\n");
    }
  }
  inputs["e"] = TestArray(v1::DTYPE_FLOAT64, {0, 3}, 2);
  got["e_T"] = LocalArray(inputs["e"], {{0}, {2, 1}}).T();
  code += "out['e_T'] = e.T\n";
  ExpectNumpy(inputs, code, got);
}

TEST_F(ArrayLayoutTest, TransposeChunksFollowTheAxes) {
  const Array a = LocalArray(TestArray(v1::DTYPE_INT32, {3, 5, 4}, 1), {{1, 2}, {3, 1, 1}, {4}});
  const Array t = a.Transpose({2, 0, 1});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t.shape(), (Shape{4, 3, 5}));
  EXPECT_EQ(t.chunks(), (Chunks{{4}, {1, 2}, {3, 1, 1}}));
}

TEST_F(ArrayLayoutTest, ReshapeWhereTheChunksAllow) {
  struct Case {
    Shape shape;
    Chunks chunks;
    std::vector<int64_t> to;
  };
  const std::vector<Case> cases = {
      {{4, 6}, {{2, 2}, {6}}, {24}},
      {{4, 6}, {{2, 2}, {6}}, {2, 12}},
      {{4, 6}, {{1, 3}, {6}}, {4, 3, 2}},
      {{4, 6}, {{2, 2}, {6}}, {2, 2, 6}},
      {{4, 6}, {{2, 2}, {6}}, {-1}},
      {{24}, {{6, 6, 6, 6}}, {4, -1}},
      {{24}, {{12, 12}}, {2, 3, 4}},
      {{3, 1, 4}, {{1, 2}, {1}, {4}}, {3, 4}},
      {{3, 1, 4}, {{1, 2}, {1}, {1, 3}}, {3, 4, 1}},
      {{3, 1, 4}, {{1, 2}, {1}, {4}}, {1, 3, 4}},
      {{2, 3, 4}, {{1, 1}, {3}, {4}}, {6, 4}},
      {{2, 3, 4}, {{1, 1}, {3}, {2, 2}}, {6, 2, 2}},
      {{0, 5}, {{0}, {2, 3}}, {5, 0}},
      {{1}, {{1}}, {}},
  };
  std::map<std::string, v1::Value> inputs;
  std::map<std::string, Array> got;
  std::string code;
  for (size_t c = 0; c < cases.size(); ++c) {
    for (DType dtype : {v1::DTYPE_INT16, v1::DTYPE_FLOAT32, v1::DTYPE_BOOL}) {
      const std::string x = absl::StrCat("x", c, "_", DTypeName(dtype));
      inputs[x] = TestArray(dtype, cases[c].shape, c);
      got[x] = LocalArray(inputs[x], cases[c].chunks).Reshape(cases[c].to);
      absl::StrAppend(&code, "out['", x, "'] = ", x, ".reshape((", absl::StrJoin(cases[c].to, ","),
                      cases[c].to.size() == 1 ? ",))\n" : "))\n");
    }
  }
  ExpectNumpy(inputs, code, got);
}

TEST_F(ArrayLayoutTest, ReshapeNeedingDataMovedNamesTheAxisToRechunk) {
  const v1::Value x = TestArray(v1::DTYPE_FLOAT64, {2, 3, 4}, 1);
  Array a = LocalArray(x, {{1, 1}, {3}, {2, 2}}).Reshape({2, 12});
  EXPECT_THAT(a.status().message(), HasSubstr("axis 2 must be in one chunk"));
  EXPECT_THAT(a.status().message(), HasSubstr("Rechunk"));
  Array b = LocalArray(TestArray(v1::DTYPE_INT64, {24}, 1), {{6, 6, 6, 6}}).Reshape({2, 3, 4});
  EXPECT_THAT(b.status().message(), HasSubstr("chunks of axis 0 (6, 6, 6, 6) must be multiples"));
  // Rechunking first makes it possible, with NumPy's result.
  const Array c = LocalArray(x, {{1, 1}, {3}, {2, 2}}).Rechunk({1, 3, 4}).Reshape({2, 12});
  ExpectNumpy({{"x", x}}, "out['c'] = x.reshape(2, 12)", {{"c", c}});
  EXPECT_THAT(LocalArray(x, {{2}, {3}, {4}}).Reshape({5, 5}).status().message(),
              HasSubstr("cannot reshape an array of shape (2, 3, 4) into shape (5, 5)"));
  EXPECT_THAT(LocalArray(x, {{2}, {3}, {4}}).Reshape({-1, -1}).status().message(),
              HasSubstr("more than one -1"));
  EXPECT_THAT(LocalArray(x, {{2}, {3}, {4}}).Reshape({-1, 5}).status().message(),
              HasSubstr("cannot reshape"));
}

TEST_F(ArrayLayoutTest, SliceLikeNumpy) {
  using I = Index;
  const std::vector<std::vector<Index>> slices = {
      {},
      {I::All()},
      {I::Range(1, 5)},
      {I::Range(std::nullopt, std::nullopt, -1)},
      {I::Range(std::nullopt, std::nullopt, -2), I::Range(1, std::nullopt, 3)},
      {I::Range(5, 1, -1), I::Range(-2, std::nullopt, -3)},
      {I::Range(-100, 100, 2), I::Range(8, -100, -4)},
      {I::Range(4, 4)},                      // nothing selected
      {I::Range(5, 2)},                      // nothing selected
      {I::Range(2, 5, -1), I::Range(1, 2)},  // nothing selected, backwards
      {I::At(3)},
      {I::At(-1), I::Range(std::nullopt, std::nullopt, -1)},
      {I::Range(1, 6, 2), I::At(0)},
      {I::At(2), I::At(-9)},
      {I::All(), I::Range(3, 4)},
      {I::Range(6, 0, -5), I::Range(0, 9, 8)},
  };
  std::map<std::string, v1::Value> inputs;
  std::map<std::string, Array> got;
  std::string code;
  for (DType dtype : {v1::DTYPE_INT8, v1::DTYPE_FLOAT64, v1::DTYPE_BOOL, v1::DTYPE_UINT32}) {
    const std::string x = absl::StrCat("x_", DTypeName(dtype));
    inputs[x] = TestArray(dtype, {7, 9}, 3);
    const Array a = LocalArray(inputs[x], {{3, 1, 3}, {2, 2, 0, 5}});
    for (size_t s = 0; s < slices.size(); ++s) {
      const std::string name = absl::StrCat(x, "_", s);
      got[name] = a.Slice(slices[s]);
      absl::StrAppend(&code, "out['", name, "'] = ", x, Py(slices[s]), "\n");
    }
  }
  // 3-D in chunks of one element, and an empty axis.
  inputs["y"] = TestArray(v1::DTYPE_INT64, {3, 4, 2}, 4);
  const Array y = LocalArray(inputs["y"], {{1, 1, 1}, {1, 1, 1, 1}, {1, 1}});
  const std::vector<std::vector<Index>> y_slices = {
      {I::Range(std::nullopt, std::nullopt, -1), I::Range(3, 0, -2), I::At(1)},
      {I::At(1), I::Range(1, 3), I::Range(std::nullopt, std::nullopt, -1)},
      {I::Range(0, 3, 2), I::Range(-1, -5, -1), I::Range(1, 2)},
  };
  for (size_t s = 0; s < y_slices.size(); ++s) {
    const std::string name = absl::StrCat("y_", s);
    got[name] = y.Slice(y_slices[s]);
    absl::StrAppend(&code, "out['", name, "'] = y", Py(y_slices[s]), "\n");
  }
  inputs["e"] = TestArray(v1::DTYPE_FLOAT32, {3, 0}, 5);
  got["e_0"] =
      LocalArray(inputs["e"], {{2, 1}, {0}}).Slice({I::Range(std::nullopt, std::nullopt, -1)});
  code += "out['e_0'] = e[::-1]\n";
  ExpectNumpy(inputs, code, got);
}

TEST_F(ArrayLayoutTest, SliceRunsOnlyTheBlocksItTouches) {
  const v1::Value x = TestArray(v1::DTYPE_FLOAT64, {9, 4}, 1);
  const Array a = LocalArray(x, {{3, 3, 3}, {2, 2}});
  const v1::Graph graph = a.Slice({Index::Range(4, 5), Index::At(3)}).ToGraph();
  std::vector<std::string> keys;
  for (const v1::Task& task : graph.tasks()) keys.push_back(task.key());
  EXPECT_EQ(keys.size(), 2u) << absl::StrJoin(keys, " ");  // block (1, 1) and the slice of it
  EXPECT_NE(std::find(keys.begin(), keys.end(), a.BlockKey({1, 1})), keys.end());
}

TEST_F(ArrayLayoutTest, SliceErrors) {
  const Array a = LocalArray(TestArray(v1::DTYPE_FLOAT64, {3, 4}, 1), {{3}, {2, 2}});
  EXPECT_THAT(a.Slice({Index::At(3)}).status().message(),
              HasSubstr("index 3 is out of bounds for axis 0 of length 3"));
  EXPECT_THAT(a.Slice({Index::All(), Index::At(-5)}).status().message(),
              HasSubstr("index -5 is out of bounds for axis 1 of length 4"));
  EXPECT_THAT(a.Slice({Index::Range(0, 2, 0)}).status().message(), HasSubstr("step is zero"));
  EXPECT_THAT(a.Slice({Index::All(), Index::All(), Index::All()}).status().message(),
              HasSubstr("3 indices for an array of 2 dimensions"));
}

TEST_F(ArrayLayoutTest, RechunkKeepsEveryElement) {
  const v1::Value x = TestArray(v1::DTYPE_UINT16, {7, 5}, 6);
  const Array a = LocalArray(x, {{3, 4}, {1, 0, 4}});
  for (const Shape& chunk : std::vector<Shape>{{1, 1}, {2, 3}, {0, 0}, {7, 5}, {4, 2}, {100, 1}}) {
    const Array r = a.Rechunk(chunk);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r.chunks(), *RegularChunks(x.ndarray().shape(), chunk));
    EXPECT_TRUE(SameArray(Get(r), x)) << absl::StrJoin(chunk, ",");
  }
  EXPECT_THAT(a.Rechunk({2}).status().message(), HasSubstr("Rechunk: chunks of 1 axes"));
  const v1::Value e = TestArray(v1::DTYPE_INT8, {0, 3}, 7);
  EXPECT_TRUE(SameArray(Get(LocalArray(e, {{0}, {1, 2}}).Rechunk({1, 1})), e));
}

TEST_F(ArrayLayoutTest, ConcatenateAndStackPromoteDtypesAcrossChunkings) {
  std::map<std::string, v1::Value> inputs;
  std::map<std::string, Array> got;
  std::string code;
  const std::vector<std::pair<DType, DType>> pairs = {
      {v1::DTYPE_INT8, v1::DTYPE_UINT8},     {v1::DTYPE_INT32, v1::DTYPE_FLOAT32},
      {v1::DTYPE_BOOL, v1::DTYPE_INT16},     {v1::DTYPE_UINT64, v1::DTYPE_INT64},
      {v1::DTYPE_UINT16, v1::DTYPE_FLOAT32}, {v1::DTYPE_FLOAT32, v1::DTYPE_FLOAT64},
      {v1::DTYPE_UINT32, v1::DTYPE_INT8},    {v1::DTYPE_FLOAT64, v1::DTYPE_FLOAT64},
  };
  for (size_t p = 0; p < pairs.size(); ++p) {
    const std::string a = absl::StrCat("a", p), b = absl::StrCat("b", p), c = absl::StrCat("c", p);
    inputs[a] = TestArray(pairs[p].first, {4, 5}, p);
    inputs[b] = TestArray(pairs[p].second, {3, 5}, p + 100);
    inputs[c] = TestArray(pairs[p].second, {4, 5}, p + 200);
    const Array xa = LocalArray(inputs[a], {{1, 3}, {2, 3}});
    const Array xb = LocalArray(inputs[b], {{3}, {1, 1, 1, 2}});
    const Array xc = LocalArray(inputs[c], {{2, 2}, {5}});
    got[absl::StrCat("cat0_", p)] = Array::Concatenate({xa, xb, xa}, 0);
    got[absl::StrCat("cat1_", p)] = Array::Concatenate({xa, xc}, -1);
    got[absl::StrCat("stack0_", p)] = Array::Stack({xa, xc}, 0);
    got[absl::StrCat("stack2_", p)] = Array::Stack({xc, xa, xc}, -1);
    absl::StrAppend(&code, "out['cat0_", p, "'] = np.concatenate([", a, ", ", b, ", ", a, "], 0)\n",
                    "out['cat1_", p, "'] = np.concatenate([", a, ", ", c, "], -1)\n",
                    "out['stack0_", p, "'] = np.stack([", a, ", ", c, "], 0)\n", "out['stack2_", p,
                    "'] = np.stack([", c, ", ", a, ", ", c, "], -1)\n");
  }
  inputs["e"] = TestArray(v1::DTYPE_INT32, {0, 5}, 9);
  inputs["f"] = TestArray(v1::DTYPE_INT32, {2, 5}, 10);
  got["cat_empty"] = Array::Concatenate(
      {LocalArray(inputs["e"], {{0}, {5}}), LocalArray(inputs["f"], {{1, 1}, {3, 2}})}, 0);
  code += "out['cat_empty'] = np.concatenate([e, f])\n";
  inputs["v"] = TestArray(v1::DTYPE_FLOAT64, {6}, 11);
  got["stack_1d"] =
      Array::Stack({LocalArray(inputs["v"], {{1, 5}}), LocalArray(inputs["v"], {{6}})}, 1);
  code += "out['stack_1d'] = np.stack([v, v], 1)\n";
  ExpectNumpy(inputs, code, got);
}

TEST_F(ArrayLayoutTest, ConcatenateAndStackErrors) {
  const Array a = LocalArray(TestArray(v1::DTYPE_FLOAT64, {3, 4}, 1), {{3}, {2, 2}});
  const Array b = LocalArray(TestArray(v1::DTYPE_FLOAT64, {3, 5}, 1), {{3}, {5}});
  EXPECT_THAT(
      Array::Concatenate({a, b}, 0).status().message(),
      HasSubstr("array 1 of shape (3, 5) does not fit array 0 of shape (3, 4) along axis 0"));
  EXPECT_TRUE(Array::Concatenate({a, b}, 1).ok());
  EXPECT_THAT(Array::Concatenate({a, b}, 2).status().message(),
              HasSubstr("axis 2 is out of bounds for an array of 2 dimensions"));
  EXPECT_THAT(Array::Concatenate({}, 0).status().message(), HasSubstr("no arrays"));
  EXPECT_THAT(Array::Stack({a, b}).status().message(),
              HasSubstr("array 1 of shape (3, 5) differs from array 0 of shape (3, 4)"));
  EXPECT_THAT(Array::Stack({a, a}, 3).status().message(), HasSubstr("axis 3 is out of bounds"));
  EXPECT_THAT(Array::Concatenate({a, Array()}, 0).status().message(),
              HasSubstr("default constructor"));
}

TEST_F(ArrayLayoutTest, MatmulLikeNumpy) {
  std::map<std::string, v1::Value> inputs;
  std::map<std::string, Array> got;
  std::string code;
  // Every dtype, 2-D @ 2-D with mismatched inner chunks (integers exact, as NumPy's).
  for (DType dtype : kAllDTypes) {
    const std::string a = absl::StrCat("a_", DTypeName(dtype)),
                      b = absl::StrCat("b_", DTypeName(dtype));
    inputs[a] = TestArray(dtype, {5, 7}, 1);
    inputs[b] = TestArray(dtype, {7, 4}, 2);
    got["mm_" + a] = Matmul(LocalArray(inputs[a], {{2, 3}, {3, 1, 3}}),
                            LocalArray(inputs[b], {{2, 2, 3}, {1, 3}}));
    absl::StrAppend(&code, "out['mm_", a, "'] = ", a, " @ ", b, "\n");
  }
  // Integer overflow wraps as NumPy's does.
  {
    ArrayBuilder<int8_t> big({3, 3});
    for (int8_t& v : big.values()) v = 100;
    inputs["big"] = std::move(big).Finish();
    const Array x = LocalArray(inputs["big"], {{1, 2}, {2, 1}});
    got["mm_big"] = Matmul(x, x);
    code += "out['mm_big'] = big @ big\n";
  }
  // Mixed dtypes, and 1-D operands promoted with the axis removed.
  inputs["f"] = TestArray(v1::DTYPE_FLOAT32, {5, 7}, 3);
  inputs["i"] = TestArray(v1::DTYPE_INT32, {7, 4}, 4);
  inputs["v"] = TestArray(v1::DTYPE_FLOAT64, {7}, 5);
  inputs["w"] = TestArray(v1::DTYPE_INT64, {5}, 6);
  const Array f = LocalArray(inputs["f"], {{1, 1, 3}, {4, 3}});
  const Array i = LocalArray(inputs["i"], {{7}, {2, 2}});
  const Array v = LocalArray(inputs["v"], {{1, 6}});
  const Array w = LocalArray(inputs["w"], {{2, 3}});
  got["f_i"] = Matmul(f, i);
  got["f_v"] = Matmul(f, v);
  got["v_i"] = Matmul(v, i);
  got["v_v"] = Matmul(v, v);
  got["w_f"] = Dot(w, f);
  got["td_00"] = Tensordot(f, LocalArray(inputs["w"], {{5}}), 0, 0);
  got["td_10"] = Tensordot(f, i, 1, 0);
  got["td_01"] = Tensordot(f, f, 0, 0);
  got["td_11"] = Tensordot(f, f, -1, 1);
  code +=
      "out['f_i'] = f @ i\nout['f_v'] = f @ v\nout['v_i'] = v @ i\nout['v_v'] = v @ v\n"
      "out['w_f'] = np.dot(w, f)\n"
      "out['td_00'] = np.tensordot(f, w, axes=([0], [0]))\n"
      "out['td_10'] = np.tensordot(f, i, axes=([1], [0]))\n"
      "out['td_01'] = np.tensordot(f, f, axes=([0], [0]))\n"
      "out['td_11'] = np.tensordot(f, f, axes=([1], [1]))\n";
  // An empty inner axis gives zeros; an empty outer axis an empty result.
  inputs["z1"] = TestArray(v1::DTYPE_FLOAT64, {3, 0}, 7);
  inputs["z2"] = TestArray(v1::DTYPE_FLOAT64, {0, 2}, 8);
  got["zz"] = Matmul(LocalArray(inputs["z1"], {{1, 2}, {0}}), LocalArray(inputs["z2"], {{0}, {2}}));
  got["zz_t"] =
      Matmul(LocalArray(inputs["z2"], {{0}, {1, 1}}).T(), LocalArray(inputs["z1"], {{3}, {0}}).T());
  code += "out['zz'] = z1 @ z2\nout['zz_t'] = z2.T @ z1.T\n";
  ExpectNumpy(inputs, code, got, /*rtol=*/1e-6);
}

TEST_F(ArrayLayoutTest, MatmulErrors) {
  const Array a = LocalArray(TestArray(v1::DTYPE_FLOAT64, {3, 4}, 1), {{3}, {2, 2}});
  const Array c = LocalArray(TestArray(v1::DTYPE_FLOAT64, {2, 2, 2}, 1), {{2}, {2}, {2}});
  EXPECT_THAT(
      Matmul(a, a).status().message(),
      HasSubstr("shapes (3, 4) and (3, 4) do not align: 4 (axis 1 of a) != 3 (axis 0 of b)"));
  EXPECT_THAT(Matmul(c, a).status().message(), HasSubstr("operand a is 3-dimensional"));
  EXPECT_THAT(Matmul(a, Array(2.0)).status().message(), HasSubstr("operand b is 0-dimensional"));
  EXPECT_THAT(Tensordot(a, a, 2, 0).status().message(), HasSubstr("axis 2 is out of bounds"));
  EXPECT_THAT(Tensordot(a, a, 0, 1).status().message(), HasSubstr("do not align"));
}

TEST_F(ArrayLayoutTest, FromFunctionCallsThePluginOpPerBlock) {
  const Array a =
      Array::FromFunction("positions", {5, 7}, {2, 3}, v1::DTYPE_FLOAT64, {{"scale", 0.5}});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a.chunks(), (Chunks{{2, 2, 1}, {3, 3, 1}}));
  ExpectNumpy({}, "out['a'] = np.fromfunction(lambda i, j: 0.5 * (i * 1000 + j), (5, 7))",
              {{"a", a}});
  // Composes with the layout operations.
  ExpectNumpy({},
              "a = np.fromfunction(lambda i, j, k: i * 1e6 + j * 1e3 + k, (3, 4, 2))\n"
              "out['t'] = a.transpose(2, 0, 1)[::-1, 1:]\n",
              {{"t", Array::FromFunction("positions", {3, 4, 2}, {2, 3, 1}, v1::DTYPE_FLOAT64)
                         .Transpose({2, 0, 1})
                         .Slice({Index::Range(std::nullopt, std::nullopt, -1),
                                 Index::Range(1, std::nullopt)})}});
}

TEST_F(ArrayLayoutTest, FromFunctionNamesTheBlockOfTheWrongShapeOrDtype) {
  const Array wrong = Array::FromFunction("positions", {5, 7}, {2, 3}, v1::DTYPE_FLOAT64,
                                          {{"wrong_block", List{1, 2}}});
  absl::StatusOr<v1::Value> v = wrong.Compute(*client_);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.status().message(),
              HasSubstr("block (1, 2) of op \"positions\" returned float64 of shape (3, 1), "
                        "expected float64 of shape (2, 1)"));
  v = Array::FromFunction("positions", {2, 2}, {2, 2}, v1::DTYPE_INT32).Compute(*client_);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.status().message(),
              HasSubstr("block (0, 0) of op \"positions\" returned float64 of shape (2, 2), "
                        "expected int32 of shape (2, 2)"));
  EXPECT_THAT(Array::FromFunction("positions", {2}, {1}, v1::DTYPE_INT32, {{"shape", 1}})
                  .status()
                  .message(),
              HasSubstr("keyword argument \"shape\" is given to every block"));
  EXPECT_THAT(Array::FromFunction("positions", {2}, {1, 1}, v1::DTYPE_INT32).status().message(),
              HasSubstr("chunks of 2 axes for a 1-dimensional shape"));
}

TEST_F(ArrayLayoutTest, SaveNpyAndSaveNpyBlocks) {
  // A directory of its own (mkdtemp), never one a name like the pid could give another run.
  std::string templ = absl::StrCat(::testing::TempDir(), "/brisk-save-XXXXXX");
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const std::string dir = templ;
  const v1::Value x = TestArray(v1::DTYPE_INT16, {5, 3}, 1);
  const Array a = LocalArray(x, {{2, 3}, {1, 2}}).T();
  absl::Status saved = a.SaveNpy(*client_, dir + "/one.npy");  // makes the directory
  ASSERT_TRUE(saved.ok()) << saved;
  absl::StatusOr<v1::Value> one = ReadNpy(dir + "/one.npy");
  ASSERT_TRUE(one.ok()) << one.status();
  ExpectNumpy({{"x", x}}, "out['t'] = x.T", {{"t", a}});
  EXPECT_TRUE(SameArray(*one, Get(a)));

  saved = a.SaveNpyBlocks(*client_, dir + "/blocks/nested");
  ASSERT_TRUE(saved.ok()) << saved;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/blocks/nested")) {
    files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"block-0.0.npy", "block-0.1.npy", "block-1.0.npy",
                                             "block-1.1.npy"}));
  absl::StatusOr<std::map<std::string, v1::Value>> want =
      RunNumpy({{"x", x}},
               "t = x.T\nout['b00'] = t[:1, :2]\nout['b01'] = t[:1, 2:]\n"
               "out['b10'] = t[1:, :2]\nout['b11'] = t[1:, 2:]\n");
  ASSERT_TRUE(want.ok()) << want.status();
  for (const char* b : {"00", "01", "10", "11"}) {
    absl::StatusOr<v1::Value> block =
        ReadNpy(absl::StrCat(dir, "/blocks/nested/block-", b[0] - '0', ".", b[1] - '0', ".npy"));
    ASSERT_TRUE(block.ok()) << block.status();
    EXPECT_TRUE(SameArray(*block, want->at(absl::StrCat("b", b)))) << b;
  }
  // A persisted array's blocks are written where they are held.
  absl::StatusOr<Array> kept = a.Persist(*client_);
  ASSERT_TRUE(kept.ok()) << kept.status();
  ASSERT_TRUE(kept->SaveNpyBlocks(*client_, dir + "/kept").ok());
  absl::StatusOr<v1::Value> kept00 = ReadNpy(dir + "/kept/block-0.0.npy");
  ASSERT_TRUE(kept00.ok()) << kept00.status();
  EXPECT_TRUE(SameArray(*kept00, want->at("b00")));
  // Errors: a failing block, a path that cannot be written.
  EXPECT_FALSE(Array::FromFunction("positions", {2}, {1}, v1::DTYPE_INT32)
                   .SaveNpyBlocks(*client_, dir + "/bad")
                   .ok());
  { std::ofstream(dir + "/file") << "x"; }
  absl::Status s = a.SaveNpyBlocks(*client_, dir + "/file/sub");
  EXPECT_THAT(s.message(), HasSubstr("cannot make directory"));
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  EXPECT_FALSE(error) << "removing " << dir << ": " << error.message();
}

}  // namespace
}  // namespace brisk
