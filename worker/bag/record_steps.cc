#include "worker/bag/record_steps.h"

#include "absl/strings/str_cat.h"
#include "brisk/value.h"

namespace brisk {
namespace {

absl::Status StepError(absl::string_view op, int index, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("op \"", op, "\": keyword argument \"steps\": step ", index, ": ", what));
}

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

}  // namespace

absl::StatusOr<RecordSteps> RecordSteps::Parse(absl::string_view op, const v1::Value* steps) {
  RecordSteps out;
  if (steps == nullptr || steps->kind_case() == v1::Value::KIND_NOT_SET) {
    return out;
  }
  if (steps->kind_case() != v1::Value::kList) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op \"", op, "\": keyword argument \"steps\" must be a list, got ", KindName(*steps)));
  }
  const auto& items = steps->list().items();
  for (int i = 0; i < items.size(); ++i) {
    const v1::Value& item = items[i];
    if (item.kind_case() != v1::Value::kList || item.list().items_size() == 0 ||
        item.list().items(0).kind_case() != v1::Value::kStr) {
      return StepError(op, i, "must be a list: the step's name, then its parameters");
    }
    const auto& parts = item.list().items();
    const std::string& name = parts[0].str();
    auto str_param = [&](int at, std::string& into) -> absl::Status {
      if (parts.size() <= at) return absl::OkStatus();
      if (parts[at].kind_case() != v1::Value::kStr && parts[at].kind_case() != v1::Value::kBytes) {
        return StepError(op, i,
                         absl::StrCat("\"", name, "\": parameter ", at, " must be str, got ",
                                      KindName(parts[at])));
      }
      into = parts[at].kind_case() == v1::Value::kStr ? parts[at].str() : parts[at].bytes();
      return absl::OkStatus();
    };
    Step step;
    std::string pattern;
    if (name == "pluck") {
      if (i != 0) return StepError(op, i, "\"pluck\" must be the first step");
      std::string field;
      if (parts.size() < 2) return StepError(op, i, "\"pluck\" needs a field name");
      if (absl::Status s = str_param(1, field); !s.ok()) return s;
      out.pluck_ = field;
      continue;
    } else if (name == "split") {
      if (absl::Status s = str_param(1, step.text); !s.ok()) return s;
      step.kind = step.text.empty() ? Kind::kSplitSpace : Kind::kSplit;
    } else if (name == "lower" || name == "upper" || name == "nonempty") {
      step.kind = name == "lower" ? Kind::kLower : name == "upper" ? Kind::kUpper : Kind::kNonEmpty;
    } else if (name == "strip") {
      step.kind = Kind::kStrip;
      if (absl::Status s = str_param(1, step.text); !s.ok()) return s;
    } else if (name == "match" || name == "exclude" || name == "extract") {
      step.kind = name == "match"     ? Kind::kMatch
                  : name == "exclude" ? Kind::kExclude
                                      : Kind::kExtract;
      if (parts.size() < 2) return StepError(op, i, absl::StrCat("\"", name, "\" needs a pattern"));
      if (absl::Status s = str_param(1, pattern); !s.ok()) return s;
      RE2::Options options;
      options.set_log_errors(false);
      step.regex = std::make_shared<RE2>(pattern, options);
      if (!step.regex->ok()) {
        return StepError(
            op, i,
            absl::StrCat("\"", name, "\": pattern \"", pattern, "\": ", step.regex->error()));
      }
      if (step.kind == Kind::kExtract) {
        int64_t group = -1;  // -1: group 1 when the pattern has groups, else the whole match
        if (parts.size() > 2) {
          if (parts[2].kind_case() != v1::Value::kInt) {
            return StepError(op, i, "\"extract\": parameter 2 (the group) must be int");
          }
          group = parts[2].int_();
        }
        const int groups = step.regex->NumberOfCapturingGroups();
        if (group < 0) group = groups > 0 ? 1 : 0;
        if (group > groups) {
          return StepError(
              op, i,
              absl::StrCat("\"extract\": group ", group, " of a pattern with ", groups, " groups"));
        }
        step.group = static_cast<int>(group);
      }
    } else {
      return StepError(op, i,
                       absl::StrCat("unknown step \"", name,
                                    "\" (split, lower, upper, strip, match, exclude, extract, "
                                    "nonempty, pluck)"));
    }
    out.steps_.push_back(std::move(step));
  }
  return out;
}

void RecordSteps::Apply(size_t i, absl::string_view record, Sink sink) {
  if (i == steps_.size()) {
    sink(record);
    return;
  }
  Step& step = steps_[i];
  switch (step.kind) {
    case Kind::kSplitSpace: {
      const char* p = record.data();
      const char* end = p + record.size();
      while (true) {
        while (p < end && IsSpace(static_cast<unsigned char>(*p))) ++p;
        if (p == end) return;
        const char* word = p;
        while (p < end && !IsSpace(static_cast<unsigned char>(*p))) ++p;
        Apply(i + 1, absl::string_view(word, p - word), sink);
      }
    }
    case Kind::kSplit: {
      size_t at = 0;
      while (true) {
        const size_t found = record.find(step.text, at);
        if (found == absl::string_view::npos) {
          Apply(i + 1, record.substr(at), sink);
          return;
        }
        Apply(i + 1, record.substr(at, found - at), sink);
        at = found + step.text.size();
      }
    }
    case Kind::kLower:
    case Kind::kUpper: {
      const bool lower = step.kind == Kind::kLower;
      step.scratch.assign(record.data(), record.size());
      for (char& c : step.scratch) {
        if (lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (!lower && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      }
      // The scratch buffer is reused by the next record only after this one's sinks returned.
      Apply(i + 1, step.scratch, sink);
      return;
    }
    case Kind::kStrip: {
      size_t b = 0, e = record.size();
      auto strip = [&](unsigned char c) {
        return step.text.empty() ? IsSpace(c)
                                 : step.text.find(static_cast<char>(c)) != std::string::npos;
      };
      while (b < e && strip(static_cast<unsigned char>(record[b]))) ++b;
      while (e > b && strip(static_cast<unsigned char>(record[e - 1]))) --e;
      Apply(i + 1, record.substr(b, e - b), sink);
      return;
    }
    case Kind::kMatch:
      if (RE2::PartialMatch(Piece(record), *step.regex)) Apply(i + 1, record, sink);
      return;
    case Kind::kExclude:
      if (!RE2::PartialMatch(Piece(record), *step.regex)) Apply(i + 1, record, sink);
      return;
    case Kind::kExtract: {
      std::vector<re2::StringPiece>& groups = step.groups;
      groups.resize(step.group + 1);
      const re2::StringPiece text(record.data(), record.size());
      size_t at = 0;
      while (at <= record.size()) {
        if (!step.regex->Match(text, at, record.size(), RE2::UNANCHORED, groups.data(),
                               static_cast<int>(groups.size()))) {
          return;
        }
        const re2::StringPiece whole = groups[0];
        const re2::StringPiece got = groups[step.group];
        // An optional group that took no part in the match gives an empty record.
        Apply(i + 1, absl::string_view(got.data() == nullptr ? "" : got.data(), got.size()), sink);
        // The next search starts after this match (one byte further after an empty one).
        at = static_cast<size_t>(whole.data() - record.data()) + whole.size();
        if (whole.empty()) ++at;
      }
      return;
    }
    case Kind::kNonEmpty:
      if (!record.empty()) Apply(i + 1, record, sink);
      return;
  }
}

}  // namespace brisk
