#include "scheduler/key_and_spec.h"

#include <cassert>
#include <cstring>
#include <limits>
#include <utility>

namespace brisk {

KeyAndSpec::KeyAndSpec(absl::string_view key, absl::string_view spec) {
  assert(key.size() <= std::numeric_limits<uint32_t>::max());
  assert(spec.size() <= std::numeric_limits<uint32_t>::max());
  key_size_ = static_cast<uint32_t>(key.size());
  spec_size_ = static_cast<uint32_t>(spec.size());
  char* out = storage_.local;
  if (on_heap()) {
    out = new char[total()];
    storage_.heap = out;
  }
  if (!key.empty()) std::memcpy(out, key.data(), key.size());
  if (!spec.empty()) std::memcpy(out + key.size(), spec.data(), spec.size());
}

KeyAndSpec::KeyAndSpec(KeyAndSpec&& other) noexcept
    : key_size_(other.key_size_), spec_size_(other.spec_size_), storage_(other.storage_) {
  other.key_size_ = 0;
  other.spec_size_ = 0;
}

KeyAndSpec& KeyAndSpec::operator=(const KeyAndSpec& other) {
  if (this != &other) *this = KeyAndSpec(other);
  return *this;
}

KeyAndSpec& KeyAndSpec::operator=(KeyAndSpec&& other) noexcept {
  if (this != &other) {
    Free();
    key_size_ = std::exchange(other.key_size_, 0);
    spec_size_ = std::exchange(other.spec_size_, 0);
    storage_ = other.storage_;
  }
  return *this;
}

void KeyAndSpec::set_spec(absl::string_view spec) {
  // Built before the old buffer is freed: the key is copied from it.
  *this = KeyAndSpec(key(), spec);
}

void KeyAndSpec::Free() {
  if (on_heap()) delete[] storage_.heap;
  key_size_ = 0;
  spec_size_ = 0;
}

}  // namespace brisk
