// brisk::Array::FromValue, FromNpy and FromNpyDir on an embedded cluster, against NumPy: every
// dtype, odd chunkings (one-element and empty blocks), Fortran-order and big-endian files, and
// the errors of missing, malformed and mismatched files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/npy.h"
#include "common/dtype_switch.h"
#include "tests/integration/cluster.h"
#include "tests/support/numpy_script.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

class ArraySources : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Client::StartLocal();
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = c->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
  }
  void SetUp() override {
    auto dir = MakeTempDir("array-sources");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // The computed array equals `expected` (dtype, shape and bytes).
  static void ExpectEqual(const Array& a, const v1::Value& expected, const std::string& what) {
    ASSERT_TRUE(a.ok()) << what << ": " << a.status();
    absl::StatusOr<v1::Value> got = a.Compute(*client_);
    ASSERT_TRUE(got.ok()) << what << ": " << got.status();
    EXPECT_EQ(got->ndarray().dtype(), expected.ndarray().dtype()) << what;
    EXPECT_THAT(got->ndarray().shape(), ::testing::ElementsAreArray(expected.ndarray().shape()))
        << what;
    EXPECT_TRUE(got->ndarray().data() == expected.ndarray().data()) << what;
  }

  static Client* client_;
  std::string dir_;
};

Client* ArraySources::client_ = nullptr;

TEST_F(ArraySources, FromValueRoundTripsEveryDtypeAndOddChunks) {
  const DType dtypes[] = {v1::DTYPE_BOOL,   v1::DTYPE_INT8,    v1::DTYPE_INT16,  v1::DTYPE_INT32,
                          v1::DTYPE_INT64,  v1::DTYPE_UINT8,   v1::DTYPE_UINT16, v1::DTYPE_UINT32,
                          v1::DTYPE_UINT64, v1::DTYPE_FLOAT32, v1::DTYPE_FLOAT64};
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{5, 7}, {2, 3}}, {{5, 7}, {1, 1}}, {{5, 7}, {}}, {{5, 7}, {0, 4}},
      {{0, 3}, {2, 2}}, {{6}, {4}},       {{1}, {1}},   {{2, 3, 4}, {1, 2, 3}}};
  for (DType dtype : dtypes) {
    for (const auto& [shape, chunk] : cases) {
      v1::Value value = DTypeSwitch(
          dtype,
          [&, &shape = shape](auto zero) {
            using T = decltype(zero);
            ArrayBuilder<T> b(shape);
            for (size_t i = 0; i < b.values().size(); ++i) {
              b.values()[i] = static_cast<T>(std::is_same_v<T, bool> ? i % 3 == 0 : i * 7 + 1);
            }
            return std::move(b).Finish();
          },
          [] { return v1::Value(); });
      const Array a = Array::FromValue(value, chunk);
      ExpectEqual(a, value, absl::StrCat(DTypeName(dtype), " ", shape.size(), "-d"));
    }
  }
  v1::Value scalar;
  *scalar.mutable_ndarray() =
      *MakeArray<double>({}, std::vector<double>{2.5}).value().mutable_ndarray();
  ExpectEqual(Array::FromValue(scalar), scalar, "0-d");
}

TEST_F(ArraySources, FromValueRefusesWhatIsNoArray) {
  v1::Value text;
  text.set_str("x");
  EXPECT_THAT(Array::FromValue(text).status().message(), HasSubstr("Array::FromValue"));
  v1::Value value = *MakeArray<int32_t>({2, 2}, std::vector<int32_t>{1, 2, 3, 4});
  EXPECT_FALSE(Array::FromValue(value, {1}).ok());  // chunks of another rank
}

TEST_F(ArraySources, FromNpyReadsBlocksAsNumpySlicesThem) {
  // Each file and its C-order little-endian copy (the expected values), by NumPy.
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(3)
files = {
  "c_f8": rs.standard_normal((6, 5)),
  "fortran_i4": np.asfortranarray(rs.randint(-1000, 1000, (7, 4)).astype(np.int32)),
  "big_f4": rs.standard_normal((5, 3)).astype(">f4"),
  "bools": rs.randint(0, 2, 9).astype(bool),
  "fortran_big_i2": np.asfortranarray(rs.randint(-300, 300, (3, 4, 5)).astype(">i2")),
  "u8": rs.randint(0, 2**63, (4, 2)).astype(np.uint64),
  "empty": np.zeros((0, 3)),
}
for name, a in files.items():
    np.save(name + ".npy", a)
    np.save(name + ".expected.npy", np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")))
)py"),
            "");
  const std::vector<std::pair<std::string, Shape>> cases = {
      {"c_f8", {4, 2}},       {"c_f8", {}},           {"c_f8", {1, 5}},
      {"fortran_i4", {3, 3}}, {"fortran_i4", {7, 1}}, {"big_f4", {2, 1}},
      {"bools", {4}},         {"bools", {1}},         {"fortran_big_i2", {2, 3, 2}},
      {"fortran_big_i2", {}}, {"u8", {3, 0}},         {"empty", {2, 2}}};
  for (const auto& [name, chunk] : cases) {
    absl::StatusOr<v1::Value> expected = ReadNpy(Path(name + ".expected.npy"));
    ASSERT_TRUE(expected.ok()) << expected.status();
    const Array a = Array::FromNpy(Path(name + ".npy"), chunk);
    ExpectEqual(a, *expected, absl::StrCat(name, " chunk ", chunk.size()));
  }
}

TEST_F(ArraySources, FromNpyErrorsNameThePath) {
  const Array missing = Array::FromNpy(Path("nope.npy"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(Path("nope.npy")));
  EXPECT_EQ(missing.Compute(*client_).status(), missing.status());
  std::ofstream(Path("bad.npy")) << "not an npy file at all";
  const Array bad = Array::FromNpy(Path("bad.npy"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(Path("bad.npy")));
}

TEST_F(ArraySources, ABlockReadFailsItsTaskNamingThePathWhenTheFileWentAway) {
  ASSERT_EQ(RunNumpy(dir_, "np.save('gone.npy', np.arange(10.0))"), "");
  const Array a = Array::FromNpy(Path("gone.npy"), {5});
  ASSERT_TRUE(a.ok()) << a.status();
  std::filesystem::remove(Path("gone.npy"));
  absl::StatusOr<v1::Value> got = a.Compute(*client_);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("array.read_npy"));
  EXPECT_THAT(got.status().message(), HasSubstr(Path("gone.npy")));
}

TEST_F(ArraySources, FromNpyDirStacksThePartsSortedByName) {
  ASSERT_EQ(RunNumpy(dir_, R"py(
rs = np.random.RandomState(4)
parts = [rs.standard_normal((3, 2)), np.zeros((0, 2)), rs.standard_normal((1, 2)),
         rs.standard_normal((2, 2))]
for i, p in enumerate(parts):
    np.save("part-%02d.npy" % (3 - i), p)  # written in reverse: the names give the order
np.save("other.npy", np.ones((5, 5)))  # not a part: ignored when parts exist
np.save("expected.out", np.concatenate(parts[::-1]))
)py"),
            "");
  const Array a = Array::FromNpyDir(dir_);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a.chunks()[0], (std::vector<uint64_t>{2, 1, 0, 3}));
  absl::StatusOr<v1::Value> expected = ReadNpy(Path("expected.out.npy"));
  ASSERT_TRUE(expected.ok()) << expected.status();
  ExpectEqual(a, *expected, "parts");
}

TEST_F(ArraySources, FromNpyDirRefusesMismatchedParts) {
  ASSERT_EQ(RunNumpy(dir_, R"py(
os.makedirs("dtype"); np.save("dtype/part-0.npy", np.zeros((2, 3))); np.save("dtype/part-1.npy", np.zeros((2, 3), np.float32))
os.makedirs("shape"); np.save("shape/a.npy", np.zeros((2, 3))); np.save("shape/b.npy", np.zeros((2, 4)))
os.makedirs("scalar"); np.save("scalar/a.npy", np.float64(1))
os.makedirs("none"); open("none/readme.txt", "w").write("no arrays")
)py"),
            "");
  const Array dtype = Array::FromNpyDir(Path("dtype"));
  EXPECT_EQ(dtype.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(dtype.status().message(), HasSubstr("part-1.npy holds float32"));
  EXPECT_THAT(dtype.status().message(), HasSubstr("part-0.npy holds float64"));
  const Array shape = Array::FromNpyDir(Path("shape"));
  EXPECT_THAT(shape.status().message(), HasSubstr("b.npy has shape [2, 4]"));
  EXPECT_THAT(shape.status().message(), HasSubstr("same shape but for axis 0"));
  EXPECT_THAT(Array::FromNpyDir(Path("scalar")).status().message(), HasSubstr("0-d"));
  EXPECT_EQ(Array::FromNpyDir(Path("none")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Array::FromNpyDir(Path("missing")).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace brisk::testing
