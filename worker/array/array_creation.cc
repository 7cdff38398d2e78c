// Creation kernels: the random values of the "uniform", "normal" and "integers" instructions of an
// array program, drawn from the counter-based words of worker/array/random_words.h (stream 1
// uniform, 2 normal, 3 integers), so element p's value depends on the seed and p alone, whatever
// the chunking. Zeros, ones, full, arange and linspace are instructions of the program too
// (worker/array/array_program.cc): there are no creation ops of their own.
//
// This file is compiled with -ffp-contract=off: the AVX-512 conversion below must round as the
// baseline one does (no fused multiply-add), so every CPU draws the same doubles.
#include <algorithm>
#include <cmath>

#include "worker/array/array_ops.h"
#include "worker/array/array_program.h"
#include "worker/array/random_words.h"

namespace brisk {
namespace {

enum Stream : uint32_t { kUniform = 1, kNormal = 2, kIntegers = 3 };

// Words drawn at a time.
constexpr uint64_t kWords = 1024;

// Calls convert(i, words, n) for the words of positions position + i .. position + i + n - 1,
// n <= kWords, covering position .. position + count - 1.
template <typename Fn>
void ForEachWords(uint64_t seed, Stream stream, uint64_t position, uint64_t count, Fn convert) {
  uint64_t words[kWords];
  for (uint64_t i = 0; i < count; i += kWords) {
    const uint64_t n = std::min(kWords, count - i);
    RandomWords(seed, stream, position + i, n, words);
    convert(i, words, n);
  }
}

// [0, 1) with 53 random bits.
inline double Unit(uint64_t word) { return static_cast<double>(word >> 11) * 0x1.0p-53; }

void UnitsBaseline(const uint64_t* words, uint64_t n, double low, double scale, double* out) {
  for (uint64_t i = 0; i < n; ++i) out[i] = low + scale * Unit(words[i]);
}

// The same loop, vectorised with AVX-512DQ's 64-bit integer conversions.
__attribute__((target("avx512f,avx512dq"))) void UnitsAvx512(const uint64_t* words, uint64_t n,
                                                             double low, double scale,
                                                             double* out) {
  for (uint64_t i = 0; i < n; ++i) out[i] = low + scale * Unit(words[i]);
}

using UnitsFn = void (*)(const uint64_t*, uint64_t, double, double, double*);

UnitsFn BestUnits() {
  static const UnitsFn units = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512dq") ? UnitsAvx512 : UnitsBaseline;
  }();
  return units;
}

}  // namespace

void UniformValues(uint64_t seed, double low, double high, uint64_t position, uint64_t count,
                   double* out) {
  const double scale = high - low;
  const UnitsFn units = BestUnits();
  ForEachWords(seed, kUniform, position, count, [&](uint64_t i, const uint64_t* w, uint64_t n) {
    units(w, n, low, scale, out + i);
  });
}

void NormalValues(uint64_t seed, double mean, double stddev, uint64_t position, uint64_t count,
                  double* out) {
  // Box-Muller: the words of positions 2k and 2k+1 give the pair's two uniforms, position 2k the
  // cosine and 2k+1 the sine. The words start at an even position.
  const uint64_t first = position & ~uint64_t{1};
  const uint64_t skip = position - first;
  const uint64_t words = (skip + count + 1) & ~uint64_t{1};  // whole pairs
  ForEachWords(seed, kNormal, first, words, [&](uint64_t i, const uint64_t* w, uint64_t n) {
    // kWords, first and words are even: a piece holds whole pairs.
    for (uint64_t j = 0; j < n; j += 2) {
      const double u1 = static_cast<double>((w[j] >> 11) + 1) * 0x1.0p-53;  // (0, 1]
      const double u2 = Unit(w[j + 1]);
      const double radius = std::sqrt(-2.0 * std::log(u1));
      const double angle = 2.0 * M_PI * u2;
      const uint64_t at = i + j;  // the pair's first position is first + at
      if (at >= skip && at - skip < count) {
        out[at - skip] = mean + stddev * radius * std::cos(angle);
      }
      if (at + 1 >= skip && at + 1 - skip < count) {
        out[at + 1 - skip] = mean + stddev * radius * std::sin(angle);
      }
    }
  });
}

void IntegerValues(uint64_t seed, int64_t low, int64_t high, uint64_t position, uint64_t count,
                   int64_t* out) {
  // The high 64 bits of word * range (Lemire's multiply-shift without the rejection step): value v
  // is drawn with probability within range / 2^64 of uniform, below 2^-32 for ranges below 2^32.
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  ForEachWords(seed, kIntegers, position, count, [&](uint64_t i, const uint64_t* w, uint64_t n) {
    for (uint64_t j = 0; j < n; ++j) {
      const uint64_t v =
          static_cast<uint64_t>((static_cast<unsigned __int128>(w[j]) * range) >> 64);
      out[i + j] = static_cast<int64_t>(static_cast<uint64_t>(low) + v);
    }
  });
}

void RegisterArrayCreationOps(OpRegistry& /*registry*/) {}  // creation runs as array.eval programs

}  // namespace brisk
