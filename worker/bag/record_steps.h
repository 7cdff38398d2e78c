// The per-record steps of a bag, fused into one pass over a partition: split (on whitespace or a
// delimiter), lower, upper, strip, match / exclude (RE2 partial match), extract (every match of
// an RE2 pattern, or of one of its groups), nonempty. A task carries them as its keyword argument
// "steps": a list of lists, each a step's name and its parameters, e.g.
//   [["split", ""], ["lower"], ["match", "^w1"]]
// Records are bytes: whitespace is ASCII's (space, \t, \n, \v, \f, \r), lower/upper change ASCII
// letters only, and bytes that are not UTF-8 pass through unchanged (files' lines were made UTF-8
// when read, worker/bag/bag_input.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"
#include "re2/re2.h"

namespace brisk {

class RecordSteps {
 public:
  using Sink = absl::FunctionRef<void(absl::string_view)>;

  // The steps of `steps` (a list value as above; null or absent: none). A "pluck" step may only
  // come first (it reads a field of a record, see BagInput); it is returned in `pluck`.
  // InvalidArgument naming `op`, the step and what is wrong (an unknown step, a bad pattern).
  static absl::StatusOr<RecordSteps> Parse(absl::string_view op, const v1::Value* steps);

  bool empty() const { return steps_.empty(); }
  // The field of the first step when it is "pluck", else nullopt.
  const std::optional<std::string>& pluck() const { return pluck_; }
  // Runs the steps over one record, passing each record they give to `sink`. A record passed
  // to `sink` is valid only during the call. Not thread-safe (scratch buffers).
  void Run(absl::string_view record, Sink sink) { Apply(0, record, sink); }

 private:
  enum class Kind {
    kSplitSpace,
    kSplit,
    kLower,
    kUpper,
    kStrip,
    kMatch,
    kExclude,
    kExtract,
    kNonEmpty
  };
  struct Step {
    Kind kind;
    std::string text;                      // the delimiter, or strip's characters ("" = whitespace)
    std::shared_ptr<RE2> regex;            // match, exclude, extract
    int group = 0;                         // extract: 0 = the whole match
    std::string scratch;                   // lower, upper
    std::vector<re2::StringPiece> groups;  // extract
  };
  void Apply(size_t i, absl::string_view record, Sink sink);

  std::vector<Step> steps_;
  std::optional<std::string> pluck_;
};

// ASCII whitespace, as Python's bytes.split() splits on.
inline bool IsSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace brisk
