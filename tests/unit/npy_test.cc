// .npy reading and writing against files NumPy wrote (tests/data/npy, made by make_fixtures.py
// there), round trips, and malformed files.
#include "brisk/npy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "brisk/value.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  return std::string(BRISK_TEST_DATA_DIR) + "/npy/" + name;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The fixture's array, its elements as T, and its shape.
template <typename T>
void ExpectFixture(const std::string& name, std::vector<uint64_t> shape, std::vector<T> want) {
  SCOPED_TRACE(name);
  absl::StatusOr<v1::Value> value = ReadNpy(Fixture(name));
  ASSERT_TRUE(value.ok()) << value.status();
  absl::StatusOr<ArrayView> view = ArrayView::Of(*value);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_THAT(view->shape(), ElementsAreArray(shape));
  absl::StatusOr<absl::Span<const T>> values = view->values<T>();
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(want[i])) {
        EXPECT_TRUE(std::isnan((*values)[i])) << i;
        continue;
      }
    }
    EXPECT_EQ((*values)[i], want[i]) << i;
  }
}

TEST(Npy, ReadsEveryDTypeNumPyWrites) {
  ExpectFixture<double>("f8_2x3.npy", {2, 3}, {0, 0.25, 0.5, 0.75, 1, 1.25});
  ExpectFixture<bool>("b1.npy", {3}, {true, false, true});
  ExpectFixture<int8_t>("i1.npy", {3}, {-128, 0, 127});
  ExpectFixture<int16_t>("i2.npy", {3}, {-32768, 1, 32767});
  ExpectFixture<int32_t>("i4.npy", {3}, {INT32_MIN, 2, INT32_MAX});
  ExpectFixture<int64_t>("i8.npy", {3}, {INT64_MIN, 3, INT64_MAX});
  ExpectFixture<uint8_t>("u1.npy", {3}, {0, 1, 255});
  ExpectFixture<uint16_t>("u2.npy", {3}, {0, 2, 65535});
  ExpectFixture<uint32_t>("u4.npy", {3}, {0, 3, UINT32_MAX});
  ExpectFixture<uint64_t>("u8.npy", {3}, {0, 4, UINT64_MAX});
  ExpectFixture<float>("f4.npy", {3}, {0.1f, -2.5f, std::numeric_limits<float>::infinity()});
  ExpectFixture<double>("f8_nan.npy", {3},
                        {std::nan(""), -std::numeric_limits<double>::infinity(), 1e300});
}

TEST(Npy, ConvertsBigEndianToLittleEndian) {
  ExpectFixture<int32_t>("i4_big_endian.npy", {3}, {1, -2, 70000});
  ExpectFixture<double>("f8_big_endian.npy", {2, 2}, {0.5, -1.25, 3.0, 1e-300});
}

TEST(Npy, TransposesFortranOrderIntoCOrder) {
  std::vector<int32_t> want(24);
  for (int i = 0; i < 24; ++i) want[i] = i;  // np.arange(24).reshape(2, 3, 4), stored column-major
  ExpectFixture<int32_t>("i4_fortran_2x3x4.npy", {2, 3, 4}, want);
}

TEST(Npy, ReadsZeroDimensionalAndEmptyArrays) {
  ExpectFixture<double>("f8_0d.npy", {}, {3.5});
  ExpectFixture<double>("f8_empty_0x3.npy", {0, 3}, {});
}

TEST(Npy, ReadsFormats2And3) {
  ExpectFixture<int16_t>("i2_v2.npy", {2, 2}, {1, 2, 3, 4});
  ExpectFixture<uint8_t>("u1_v3.npy", {3}, {7, 8, 9});
}

TEST(Npy, RefusesDTypesBriskHasNot) {
  absl::StatusOr<v1::Value> value = ReadNpy(Fixture("f2_unsupported.npy"));
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(value.status().message(), HasSubstr("'<f2'"));
  EXPECT_THAT(value.status().message(), HasSubstr("f2_unsupported.npy"));
  value = ReadNpy(Fixture("structured_unsupported.npy"));
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(), HasSubstr("structured dtypes"));
}

TEST(Npy, EncodesExactlyAsNumPyWrites) {
  // Every C-order little-endian fixture, read and written again, is byte for byte NumPy's file.
  for (const char* name :
       {"f8_2x3.npy", "b1.npy", "i1.npy", "i2.npy", "i4.npy", "i8.npy", "u1.npy", "u2.npy",
        "u4.npy", "u8.npy", "f4.npy", "f8_nan.npy", "f8_0d.npy", "f8_empty_0x3.npy"}) {
    SCOPED_TRACE(name);
    const std::string bytes = FileBytes(Fixture(name));
    absl::StatusOr<v1::Value> value = ParseNpy(bytes);
    ASSERT_TRUE(value.ok()) << value.status();
    absl::StatusOr<std::string> encoded = EncodeNpy(*value);
    ASSERT_TRUE(encoded.ok()) << encoded.status();
    EXPECT_EQ(*encoded, bytes);
  }
}

TEST(Npy, RoundTripsThroughAFile) {
  absl::StatusOr<v1::Value> value = MakeArray<uint16_t>({2, 2}, std::vector<uint16_t>{1, 2, 3, 4});
  ASSERT_TRUE(value.ok());
  const std::string path = ::testing::TempDir() + "/npy_test_round_trip.npy";
  ASSERT_TRUE(WriteNpy(path, *value).ok());
  absl::StatusOr<v1::Value> back = ReadNpy(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), value->SerializeAsString());
  std::remove(path.c_str());
  EXPECT_EQ(ReadNpy(path).status().code(), absl::StatusCode::kNotFound);
}

TEST(Npy, UsesFormat2WhenTheHeaderNeedsIt) {
  // A shape whose text does not fit format 1.0's 16-bit header length: 30000 dimensions of 1.
  std::vector<uint64_t> shape(30000, 1);
  absl::StatusOr<v1::Value> value = MakeArray<uint8_t>(shape, std::vector<uint8_t>{42});
  ASSERT_TRUE(value.ok());
  absl::StatusOr<std::string> encoded = EncodeNpy(*value);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ((*encoded)[6], '\x02');
  EXPECT_EQ((encoded->size() - 1) % 64, 0u);  // data (one byte) starts at a multiple of 64
  absl::StatusOr<v1::Value> back = ParseNpy(*encoded);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ndarray().shape_size(), 30000);
}

TEST(Npy, EncodeRefusesAnythingButAValidArray) {
  v1::Value text;
  text.set_str("x");
  EXPECT_THAT(EncodeNpy(text).status().message(), HasSubstr("not a str"));
  v1::Value short_array;
  short_array.mutable_ndarray()->set_dtype(v1::DTYPE_FLOAT64);
  short_array.mutable_ndarray()->add_shape(2);
  short_array.mutable_ndarray()->set_data(std::string(8, '\0'));
  EXPECT_EQ(EncodeNpy(short_array).status().code(), absl::StatusCode::kInvalidArgument);
}

// NumPy's header for `dict`, in format 1.0, padded as NumPy pads it.
std::string Header(const std::string& dict, int major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  header.resize((prefix + header.size() + 1 + 63) / 64 * 64 - prefix - 1, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (size_t i = 0; i < prefix - 8; ++i)
    out.push_back(static_cast<char>(header.size() >> (8 * i)));
  return out + header;
}

TEST(Npy, HeaderParserAcceptsWhatPythonReprMayWrite) {
  // Keys in another order, double quotes, no trailing comma, '=' native order, '?' for bool.
  absl::StatusOr<v1::Value> value = ParseNpy(
      Header(R"({"shape": (2,), "fortran_order": False, "descr": "=i2"})") + std::string(4, '\1'));
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(value->ndarray().dtype(), v1::DTYPE_INT16);
  value = ParseNpy(Header("{'descr': '?', 'fortran_order': True, 'shape': (1, 2), }") +
                   std::string("\1\0", 2));
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(value->ndarray().dtype(), v1::DTYPE_BOOL);
  EXPECT_THAT(value->ndarray().shape(), ElementsAre(1, 2));
}

TEST(Npy, MalformedFilesAreErrorsNotOverReads) {
  const std::string good = FileBytes(Fixture("i4.npy"));
  struct Case {
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "\\x93NUMPY"},
      {"\x93NUMPX\x01\x00", "\\x93NUMPY"},
      {std::string("\x93NUMPY\x04\x00", 8), "version 4.0"},
      {std::string("\x93NUMPY\x01\x00\x05", 9), "header length is cut off"},
      {good.substr(0, 60), "the header claims"},
      {good.substr(0, good.size() - 1), "needs 12 data bytes, the file has 11"},
      {good + "x", "needs 12 data bytes, the file has 13"},
      {Header("{'descr': '<i4', 'fortran_order': False}"), "lacks one of"},
      {Header("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), 'x': 'y'}"), "unknown"},
      {Header("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': ()}"), "twice"},
      {Header("{'descr': '<i4', 'fortran_order': False, 'shape': (-1,)}"), "non-negative"},
      {Header("{'descr': '<i4', 'fortran_order': 0, 'shape': (1,)}"), "not a string"},
      {Header("{'descr': '<i4', 'fortran_order': False, 'shape': [1]}"), "not a tuple"},
      {Header("{'descr': '|i4', 'fortran_order': False, 'shape': (1,)}"), "no byte order"},
      {Header("{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}"), "fixed-width strings"},
      {Header("{'descr': '<i4', 'fortran_order': False, 'shape': (1,)"), "expected ','"},
      {Header("{'descr': '<i4', 'fortran_order': False, 'shape': (1,)} x"), "text after"},
      {Header("{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, 4294967296, "
              "4294967296)}"),
       "too many"},
      {Header("{'descr': '|b1', 'fortran_order': False, 'shape': (2,)}") + "\x01\x02", "is 2"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<v1::Value> value = ParseNpy(c.bytes);
    ASSERT_FALSE(value.ok()) << c.message;
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(value.status().message(), HasSubstr(c.message));
  }
  // Every truncation of a valid file is an error, and never reads past its end (ASan checks).
  for (size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(ParseNpy(good.substr(0, n)).ok()) << n;
}

}  // namespace
}  // namespace brisk
