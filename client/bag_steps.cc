// brisk::Bag's per-record steps (appended to the Bag's pending steps, run by the next task over
// each partition) and MapPartitions (a plugin op per partition).
#include "absl/strings/str_cat.h"
#include "brisk/bag.h"
#include "client/bag_data.h"
#include "re2/re2.h"

namespace brisk {
namespace {

const char* KindText(BagKind kind) {
  switch (kind) {
    case BagKind::kText:
      return "text";
    case BagKind::kRecords:
      return "records";
    case BagKind::kCounts:
      return "counts";
    case BagKind::kItem:
      return "the one value of a Count or Fold";
  }
  return "?";
}

// The Bag with step [name, params...] appended. Text steps need text (or a counts Bag's values,
// which they turn into text); pluck needs records with no steps yet.
Bag AddStep(const Bag& bag, const char* method, v1::Arg step) {
  if (!bag.ok()) return bag;
  const BagData& data = *bag.data();
  const std::string& name = step.list().items(0).str();
  const bool pluck = name == "pluck";
  if (pluck && data.kind != BagKind::kRecords) {
    return ErrorBag(absl::InvalidArgumentError(absl::StrCat(
        "Bag::", method, ": the records are ", KindText(data.kind), ", not maps to pluck from")));
  }
  if (!pluck && data.kind != BagKind::kText && data.kind != BagKind::kCounts) {
    return ErrorBag(absl::InvalidArgumentError(
        absl::StrCat("Bag::", method, ": a text step over ", KindText(data.kind),
                     data.kind == BagKind::kRecords ? " (Pluck a field first)" : "")));
  }
  auto out = std::make_shared<BagData>(data);
  out->kind = BagKind::kText;
  *out->steps.mutable_list()->add_items() = step;
  out->name = ArrayName(name, {data.name, step.SerializeAsString()});
  return Bag(std::move(out));
}

// The Bag carrying the error when `pattern` is not an RE2 pattern (or has no group `group`):
// found here rather than by every task that would run it.
Bag CheckPattern(const Bag& bag, const char* method, const std::string& pattern, int group,
                 Bag next) {
  if (!bag.ok()) return bag;
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 re(pattern, options);
  if (!re.ok()) {
    return ErrorBag(absl::InvalidArgumentError(
        absl::StrCat("Bag::", method, ": pattern \"", pattern, "\": ", re.error())));
  }
  if (group > re.NumberOfCapturingGroups()) {
    return ErrorBag(absl::InvalidArgumentError(
        absl::StrCat("Bag::", method, ": group ", group, " of pattern \"", pattern,
                     "\", which has ", re.NumberOfCapturingGroups(), " groups")));
  }
  return next;
}

v1::Arg Step(std::initializer_list<std::string> parts) {
  v1::Arg arg;
  for (const std::string& p : parts) arg.mutable_list()->add_items()->set_str(p);
  return arg;
}

}  // namespace

Bag Bag::Split(const std::string& delimiter) const {
  return AddStep(*this, "Split", Step({"split", delimiter}));
}
Bag Bag::Lower() const { return AddStep(*this, "Lower", Step({"lower"})); }
Bag Bag::Upper() const { return AddStep(*this, "Upper", Step({"upper"})); }
Bag Bag::Strip(const std::string& chars) const {
  return AddStep(*this, "Strip", Step({"strip", chars}));
}
Bag Bag::Match(const std::string& pattern) const {
  return CheckPattern(*this, "Match", pattern, 0,
                      AddStep(*this, "Match", Step({"match", pattern})));
}
Bag Bag::Exclude(const std::string& pattern) const {
  return CheckPattern(*this, "Exclude", pattern, 0,
                      AddStep(*this, "Exclude", Step({"exclude", pattern})));
}
Bag Bag::Extract(const std::string& pattern, int group) const {
  v1::Arg step = Step({"extract", pattern});
  step.mutable_list()->add_items()->set_int_(group);
  return CheckPattern(*this, "Extract", pattern, group, AddStep(*this, "Extract", std::move(step)));
}
Bag Bag::NonEmpty() const { return AddStep(*this, "NonEmpty", Step({"nonempty"})); }
Bag Bag::Pluck(const std::string& field) const {
  return AddStep(*this, "Pluck", Step({"pluck", field}));
}

Bag Bag::MapPartitions(const std::string& op, const std::map<std::string, ArgValue>& kwargs,
                       BagKind kind) const {
  if (!ok()) return *this;
  if (kind == BagKind::kItem) {
    return ErrorBag(absl::InvalidArgumentError(
        "Bag::MapPartitions: partitions are text, records or counts (Fold makes one value)"));
  }
  const Bag made = Materialize(*this);
  std::vector<std::string> stamps = {made.name(), op, KindText(kind)};
  for (const auto& [k, v] : kwargs) {
    stamps.push_back(k);
    stamps.push_back(v.arg().SerializeAsString());
  }
  const std::string name = ArrayName("map-partitions", stamps);
  std::vector<v1::Task> tasks;
  std::vector<std::string> keys;
  for (int i = 0; i < made.npartitions(); ++i) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-", i));
    task.set_op(op);
    SetBagInput(*made.data(), static_cast<size_t>(i), task);
    for (const auto& [k, v] : kwargs) (*task.mutable_kwargs())[k] = v.arg();
    keys.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  return MakeBag(kind, name, std::move(keys), std::move(tasks), BagDeps(*made.data()));
}

}  // namespace brisk
