// CompactVector<T>: a vector of small trivially copyable values (task and worker ids) in 16 bytes,
// for the lists every task record carries (dependencies, dependents, holders). A 32-bit size and
// capacity, then either the elements themselves, as many as fit in a pointer (two 32-bit ids), or
// a pointer to a heap array. std::vector takes 24 bytes and allocates for its first element;
// absl::InlinedVector takes at least 24.
//
// Only what the scheduler uses: append, remove from the back, erase a range, assign, clear.
// Iterators are plain pointers and, as with std::vector, anything that changes the size may
// invalidate them; moving the vector invalidates them too (inline elements move with it). clear()
// keeps the capacity, as std::vector does.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

namespace brisk {

template <typename T>
class CompactVector {
  static_assert(std::is_trivially_copyable_v<T>, "elements are moved with memcpy");
  static_assert(sizeof(T) <= sizeof(T*), "at least one element must fit inline");

 public:
  using value_type = T;
  using size_type = uint32_t;
  using iterator = T*;
  using const_iterator = const T*;

  // Elements kept without a heap allocation.
  static constexpr size_type kInline = sizeof(T*) / sizeof(T);

  CompactVector() = default;
  CompactVector(const CompactVector& other) { CopyFrom(other); }
  CompactVector(CompactVector&& other) noexcept { TakeFrom(other); }
  CompactVector& operator=(const CompactVector& other) {
    if (this != &other) {
      clear();
      CopyFrom(other);
    }
    return *this;
  }
  CompactVector& operator=(CompactVector&& other) noexcept {
    if (this != &other) {
      Free();
      TakeFrom(other);
    }
    return *this;
  }
  ~CompactVector() { Free(); }

  size_type size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_type capacity() const { return capacity_; }

  T* data() { return on_heap() ? storage_.heap : storage_.local; }
  const T* data() const { return on_heap() ? storage_.heap : storage_.local; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }
  T& operator[](size_type i) { return data()[i]; }
  const T& operator[](size_type i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void push_back(T value) {
    if (size_ == capacity_) Grow(size_ + 1);
    data()[size_++] = value;
  }
  void pop_back() {
    assert(size_ > 0);
    --size_;
  }
  void clear() { size_ = 0; }
  // Replaces the contents with `n` copies of `value`.
  void assign(size_type n, T value) {
    size_ = 0;
    if (n > capacity_) Grow(n);
    T* out = data();
    for (size_type i = 0; i < n; ++i) out[i] = value;
    size_ = n;
  }
  // Removes [first, last); the elements after it move up. Returns the position after the last
  // removed element (now `first`).
  iterator erase(const_iterator first, const_iterator last) {
    T* base = data();
    const size_type from = static_cast<size_type>(first - base);
    const size_type to = static_cast<size_type>(last - base);
    std::memmove(base + from, base + to, (size_ - to) * sizeof(T));
    size_ -= to - from;
    return base + from;
  }

 private:
  union Storage {
    T* heap;
    T local[kInline];
  };

  bool on_heap() const { return capacity_ > kInline; }

  // At least `min_capacity`, and at least double the current capacity.
  void Grow(size_type min_capacity) {
    const size_type max = std::numeric_limits<size_type>::max();
    size_type capacity = capacity_ > max / 2 ? max : capacity_ * 2;
    if (capacity < min_capacity) capacity = min_capacity;
    T* heap = std::allocator<T>().allocate(capacity);
    if (size_ > 0) std::memcpy(heap, data(), size_ * sizeof(T));
    Free();
    storage_.heap = heap;
    capacity_ = capacity;
  }
  void Free() {
    if (on_heap()) std::allocator<T>().deallocate(storage_.heap, capacity_);
    capacity_ = kInline;
  }
  void CopyFrom(const CompactVector& other) {
    if (other.size_ > capacity_) Grow(other.size_);
    if (other.size_ > 0) std::memcpy(data(), other.data(), other.size_ * sizeof(T));
    size_ = other.size_;
  }
  // `this` holds no heap array.
  void TakeFrom(CompactVector& other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    storage_ = other.storage_;
    other.size_ = 0;
    other.capacity_ = kInline;
  }

  size_type size_ = 0;
  size_type capacity_ = kInline;
  Storage storage_{};
};

}  // namespace brisk
