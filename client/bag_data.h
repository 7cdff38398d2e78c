// What a brisk::Bag is made of (not installed): its partitions, each the key of a value on the
// workers or a part of a file that the consuming task reads itself, and the per-record steps not
// yet run, which the next task over each partition runs (fusion). Layers are Array's
// (client/array_data.h): immutable, shared, persisted ones holding a kept job.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "brisk/bag.h"
#include "brisk/v1/graph.pb.h"
#include "client/array_data.h"

namespace brisk {

// One partition's input: a key (`ref`), or a file part read by the consuming task ("read":
// [format, path, offset, length]).
struct BagPart {
  std::string ref;
  v1::Arg read;
};

struct BagData {
  absl::Status status;  // not OK: every other field may be empty
  BagKind kind = BagKind::kText;
  std::string name;
  std::vector<BagPart> parts;
  // Steps the next task over a partition runs: a list of [name, params...] lists
  // (worker/bag/record_steps.h); empty: none.
  v1::Arg steps;
  // The layer whose tasks make the parts' keys (and everything before it); nullptr when every
  // part is a file part.
  std::shared_ptr<const ArrayLayer> layer;
};

Bag ErrorBag(absl::Status status);
// Whether a task over the Bag's partitions would have to read files or run steps itself.
bool IsLazy(const BagData& data);
// The input of partition `i` for a task: its key as argument 0 or its "read" keyword, and the
// "steps" keyword.
void SetBagInput(const BagData& data, size_t i, v1::Task& task);
// The Bag with every partition made by a task of its own ("bag.partition"), keys NAME-i; the
// Bag itself when it is not lazy.
Bag Materialize(const Bag& bag);
// The dependency layers of tasks over the Bag's partitions.
std::vector<std::shared_ptr<const ArrayLayer>> BagDeps(const BagData& data);
// A Bag of new tasks whose partitions are the keys `keys`.
Bag MakeBag(BagKind kind, std::string name, std::vector<std::string> keys,
            std::vector<v1::Task> tasks, std::vector<std::shared_ptr<const ArrayLayer>> deps);
// Adds tasks that combine `keys`, `split_every` at a time (tasks NAME-LEVEL-j), until one key is
// left: `final_key`. `make` fills a combining task's op and keyword arguments (its args are the
// refs); `last` is true for the final task.
void TreeReduce(std::vector<std::string> keys, const std::string& name,
                const std::string& final_key, int split_every,
                const std::function<void(v1::Task&, bool last)>& make,
                std::vector<v1::Task>& tasks);

}  // namespace brisk
