// NumPy's .npy files to and from brisk.v1.Value arrays, without NumPy: formats 1.0, 2.0 and 3.0,
// every dtype a Brisk array holds, big-endian files converted to little-endian, Fortran-order
// files transposed into C order. Needs only the protobuf messages and Abseil.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

// The array in a .npy file's content. Takes the bytes by value and, for a little-endian C-order
// file, moves them into the array (the header is cut off in place, no second buffer).
// InvalidArgument naming what is wrong: not a .npy file, a malformed or truncated header, a
// dtype Brisk has no type for (structured, float16, complex, strings, objects ...), or a data
// size that does not match the shape.
absl::StatusOr<v1::Value> ParseNpy(std::string bytes);
// Reads and parses a .npy file; NotFound when it cannot be opened. Errors name the path.
absl::StatusOr<v1::Value> ReadNpy(const std::string& path);

// The .npy file content of an ndarray value, as numpy.save writes it (format 1.0, or 2.0 when the
// header needs it; little-endian, C order). InvalidArgument when the value is not an ndarray or
// its buffer does not match its dtype and shape.
absl::StatusOr<std::string> EncodeNpy(const v1::Value& value);
// What a .npy file's header says, for reading parts of its data (brisk::Array::FromNpy reads
// one block's byte ranges on each worker).
struct NpyHeader {
  v1::DType dtype = v1::DTYPE_UNSPECIFIED;
  std::vector<uint64_t> shape;
  bool fortran_order = false;  // the data is column-major
  bool swap_bytes = false;     // big-endian elements of more than one byte
  uint64_t data_offset = 0;    // where the elements begin in the file
};
// Parses the header at the start of `bytes`, the first bytes of a file of `file_size` bytes
// (checking that the data fits the shape exactly). OutOfRange when `bytes` holds too little of
// the header (read more and call again); InvalidArgument as ParseNpy.
absl::StatusOr<NpyHeader> ParseNpyHeader(absl::string_view bytes, uint64_t file_size);
// Reads only the header of a .npy file; errors name the path.
absl::StatusOr<NpyHeader> ReadNpyHeader(const std::string& path);
// InvalidArgument when a bool array's bytes hold anything but 0 and 1.
absl::Status CheckNpyBools(absl::string_view data);

// Writes EncodeNpy(value) to `path`, replacing it; errors name the path.
absl::Status WriteNpy(const std::string& path, const v1::Value& value);

}  // namespace brisk
