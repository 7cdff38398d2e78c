// Reading lines of text files on a worker: a whole file or the lines that start in a byte range of
// it, gzip files (by their magic bytes, whatever their name) decompressed with zlib.
#pragma once

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace brisk {

// The bytes of the lines of `path` that start at a byte offset in [offset, offset + length)
// (length < 0: to the end of the file). A line starts at offset 0 or right after a '\n'; the
// range's last line is read to its end (past the range), so that ranges which tile a file read
// each line exactly once. A gzip file is decompressed and must be read whole (offset 0, length
// < 0); its ranges are not splittable. Errors name `op` and the path.
absl::StatusOr<std::string> ReadTextRange(absl::string_view op, const std::string& path,
                                          int64_t offset, int64_t length);

// Whether the file starts with gzip's magic bytes (1f 8b). False when it cannot be read.
bool IsGzipFile(const std::string& path);

// Calls `line` for each line of `text`: split at '\n', the '\n' and one '\r' before it removed
// (CRLF), a last line without a final newline included, no line after a final newline. Bytes are
// passed as they are (no UTF-8 check).
void ForEachLine(absl::string_view text, absl::FunctionRef<void(absl::string_view)> line);

}  // namespace brisk
