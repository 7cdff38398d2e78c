#include "worker/value_store.h"

namespace brisk {

uint64_t ValueStore::Put(const std::string& key, ValuePtr value) {
  const uint64_t nbytes = value->ByteSizeLong();
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[key];
  bytes_ -= entry.nbytes;
  entry.value = std::move(value);
  entry.nbytes = nbytes;
  bytes_ += nbytes;
  return nbytes;
}

ValuePtr ValueStore::Get(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second.value;
}

bool ValueStore::Contains(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return entries_.contains(key);
}

void ValueStore::Erase(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= it->second.nbytes;
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
  return bytes_;
}

size_t ValueStore::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace brisk
