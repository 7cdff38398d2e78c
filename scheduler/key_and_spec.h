// KeyAndSpec: a task's key and its serialized spec (a v1::Task without its key, forwarded to the
// worker as is) in one 32-byte object: the two strings side by side, inside the object when
// together they fit in 24 bytes (short keys and small tasks' specs), else in one heap allocation.
// Two std::string take 64 bytes and allocate each once past 15 characters.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace brisk {

class KeyAndSpec {
 public:
  // Bytes of key and spec together kept without a heap allocation.
  static constexpr size_t kInline = 24;

  KeyAndSpec() = default;
  // Each at most 4 GiB (a serialized protobuf message is at most 2 GiB).
  KeyAndSpec(absl::string_view key, absl::string_view spec);
  KeyAndSpec(const KeyAndSpec& other) : KeyAndSpec(other.key(), other.spec()) {}
  KeyAndSpec(KeyAndSpec&& other) noexcept;
  KeyAndSpec& operator=(const KeyAndSpec& other);
  KeyAndSpec& operator=(KeyAndSpec&& other) noexcept;
  ~KeyAndSpec() { Free(); }

  absl::string_view key() const { return {data(), key_size_}; }
  absl::string_view spec() const { return {data() + key_size_, spec_size_}; }
  // Replaces the spec; the key stays.
  void set_spec(absl::string_view spec);

 private:
  size_t total() const { return size_t{key_size_} + spec_size_; }
  bool on_heap() const { return total() > kInline; }
  const char* data() const { return on_heap() ? storage_.heap : storage_.local; }
  void Free();

  uint32_t key_size_ = 0;
  uint32_t spec_size_ = 0;
  union {
    char* heap;
    char local[kInline];
  } storage_{};
};

}  // namespace brisk
