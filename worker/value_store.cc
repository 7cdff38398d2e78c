#include "worker/value_store.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace brisk {

uint64_t MemoryBytes(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET:
    case v1::Value::kBool:
    case v1::Value::kInt:
    case v1::Value::kFloat:
      return sizeof(v1::Value);  // most tasks' results: no reflection walk (SpaceUsedLong)
    case v1::Value::kBytes:
      return sizeof(v1::Value) + value.bytes().capacity();
    case v1::Value::kStr:
      return sizeof(v1::Value) + value.str().capacity();
    case v1::Value::kNdarray:
      return sizeof(v1::Value) + value.ndarray().SpaceUsedLong();
    case v1::Value::kTable:
      return sizeof(v1::Value) + value.table().SpaceUsedLong();
    default:
      return value.SpaceUsedLong();
  }
}

void ValueStore::SetSpillStore(std::unique_ptr<SpillStore> spill) { spill_ = std::move(spill); }

uint64_t ValueStore::Put(const std::string& key, ValuePtr value) {
  const uint64_t nbytes = value->ByteSizeLong();
  const uint64_t mem_bytes = MemoryBytes(*value);
  absl::MutexLock lock(&mu_);
  if (auto old = entries_.find(key); old != entries_.end()) EraseLocked(old);
  Entry& entry = entries_[key];
  entry.value = std::move(value);
  entry.nbytes = nbytes;
  entry.mem_bytes = mem_bytes;
  entry.generation = next_generation_++;
  lru_.push_front(key);
  entry.lru = lru_.begin();
  stats_.managed += mem_bytes;
  ++stats_.in_memory;
  return nbytes;
}

absl::StatusOr<ValuePtr> ValueStore::Load(const std::string& key, bool* from_disk) {
  if (from_disk != nullptr) *from_disk = false;
  SpillRecord record;
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      return absl::NotFoundError(absl::StrCat("this worker does not hold \"", key, "\""));
    }
    Entry& entry = it->second;
    if (entry.value) {
      lru_.splice(lru_.begin(), lru_, entry.lru);
      return entry.value;
    }
    record = *entry.spilled;
    generation = entry.generation;
  }
  absl::StatusOr<ValuePtr> value = spill_->Read(key, record);
  if (from_disk != nullptr) *from_disk = true;
  if (value.ok()) return value;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != generation) {
    // Dropped (its file with it) or replaced while it was read: as if absent.
    return absl::NotFoundError(absl::StrCat("this worker does not hold \"", key, "\""));
  }
  EraseLocked(it);
  return value.status();
}

ValuePtr ValueStore::Get(const std::string& key, bool* from_disk) {
  absl::StatusOr<ValuePtr> value = Load(key, from_disk);
  if (value.ok()) return *std::move(value);
  if (!absl::IsNotFound(value.status())) {
    spdlog::error("{}; the value is dropped", std::string(value.status().message()));
  }
  return nullptr;
}

bool ValueStore::Contains(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return entries_.contains(key);
}

void ValueStore::Erase(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) EraseLocked(it);
}

void ValueStore::EraseLocked(absl::flat_hash_map<std::string, Entry>::iterator it) {
  Entry& entry = it->second;
  if (entry.value) {
    lru_.erase(entry.lru);
    stats_.managed -= entry.mem_bytes;
    --stats_.in_memory;
  } else {
    stats_.spilled -= entry.spilled->file_bytes;
    --stats_.on_disk;
    spill_->Remove(*entry.spilled);
  }
  // A SpillOne writing this entry out finds it gone (or its generation changed) and removes its
  // file itself.
  entries_.erase(it);
}

std::vector<std::pair<std::string, uint64_t>> ValueStore::Held() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) out.emplace_back(key, entry.nbytes);
  return out;
}

uint64_t ValueStore::bytes() const {
  absl::MutexLock lock(&mu_);
  return stats_.managed;
}

size_t ValueStore::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

ValueStore::Stats ValueStore::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool ValueStore::SpillOne() {
  if (!spill_) return false;
  std::string key;
  ValuePtr value;
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    // From the least recently used end: the first value nobody but the store holds.
    for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
      Entry& entry = entries_.at(*it);
      if (entry.spilling || entry.value.use_count() > 1) continue;
      entry.spilling = true;
      key = *it;
      value = entry.value;
      generation = entry.generation;
      break;
    }
  }
  if (!value) return false;
  absl::StatusOr<SpillRecord> record = spill_->Write(key, value);
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  const bool same = it != entries_.end() && it->second.generation == generation;
  if (!record.ok()) {
    spdlog::error("{}; it stays in memory", std::string(record.status().message()));
    if (same) it->second.spilling = false;
    return false;
  }
  if (!same) {
    spill_->Remove(*record);  // dropped or replaced meanwhile
    return true;
  }
  Entry& entry = it->second;
  entry.spilling = false;
  entry.value.reset();  // freed once `value` (and any reader that got it meanwhile) lets go
  lru_.erase(entry.lru);
  stats_.managed -= entry.mem_bytes;
  --stats_.in_memory;
  stats_.spilled += record->file_bytes;
  stats_.spilled_total += record->file_bytes;
  ++stats_.on_disk;
  entry.spilled = std::make_unique<SpillRecord>(*std::move(record));
  return true;
}

uint64_t ValueStore::SpillUntil(uint64_t target) {
  const uint64_t before = bytes();
  while (bytes() > target && SpillOne()) {
  }
  const uint64_t after = bytes();
  return before > after ? before - after : 0;
}

}  // namespace brisk
