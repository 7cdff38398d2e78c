// What a bag op reads: one partition, either the value of its first argument (a text partition,
// a counts partition's "value" column, or a list of records) or a part of a file named by its
// keyword argument "read" ([format, path, offset, length]: format "text" for lines, "json" for
// JSON lines as records), then its fused per-record "steps" (worker/bag/record_steps.h). Reading
// a file inside the op that consumes it keeps a source's lines out of the value store.
#pragma once

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/op.h"
#include "worker/bag/record_steps.h"

namespace brisk {

class BagInput {
 public:
  // Parses the source and the steps; the file is read here. Errors name `op`.
  static absl::StatusOr<BagInput> Of(absl::string_view op, const OpArgs& args);

  // True when the records after the steps are text (text sources, or a pluck step); false for
  // records (maps and other values) with no steps.
  bool text() const { return text_; }
  // The text records after the steps. Errors: a record that is not text met a text step.
  absl::Status ForEachText(absl::FunctionRef<void(absl::string_view)> sink);
  // The records of a non-text input (text() false), as values.
  absl::Status ForEachValue(absl::FunctionRef<void(const v1::Value&)> sink);

 private:
  std::string op_;
  bool text_ = true;
  RecordSteps steps_;
  // One of: file text (lines), a partition value, parsed JSON records.
  std::string file_text_;
  bool from_file_ = false;
  const v1::Value* partition_ = nullptr;
  std::vector<v1::Value> records_;
};

// A record's field `field` as text: str and bytes as they are, an int in decimal, a float in
// its shortest round-trip form (with ".0" when it prints as an integer), a bool as true/false, a
// list or map as JSON; nullopt when the record is not a map, has no such field or holds null there.
std::optional<std::string> PluckText(const v1::Value& record, absl::string_view field);

// One JSON text as a value: objects as maps, arrays as lists, integers as ints (exactly, within
// int64; larger ones as floats), other numbers as floats, null as a value of no kind.
// InvalidArgument when it is not JSON.
absl::StatusOr<v1::Value> ParseJsonRecord(absl::string_view json);

}  // namespace brisk
