// NumPy's .npy files to and from brisk.v1.Value arrays, without NumPy: formats 1.0, 2.0 and 3.0,
// every dtype a Brisk array holds, big-endian files converted to little-endian, Fortran-order
// files transposed into C order. Needs only the protobuf messages and Abseil.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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
// Writes EncodeNpy(value) to `path`, replacing it; errors name the path.
absl::Status WriteNpy(const std::string& path, const v1::Value& value);

}  // namespace brisk
