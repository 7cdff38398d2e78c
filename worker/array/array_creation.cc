// Creation kernels: the counter-based random generators (Random123's Philox4x64-10) that the
// "uniform", "normal" and "integers" instructions of an array program use. Element p of a random
// array takes lane p % 4 of Philox(counter = p / 4, key = (seed, kind)), so its value depends on
// the seed and p alone, whatever the chunking. Zeros, ones, full, arange and linspace are
// instructions of the program too (worker/array/array_program.cc): there are no creation ops of
// their own.
#include <Random123/philox.h>

#include <algorithm>
#include <cmath>

#include "worker/array/array_ops.h"
#include "worker/array/array_program.h"

namespace brisk {
namespace {

enum Stream : uint64_t { kUniform = 1, kNormal = 2, kIntegers = 3 };

// Calls fn(i, word) for the 64-bit words of positions position .. position + count - 1, i counting
// from 0; `per_counter` positions share one Philox block (4 for one word each, 2 for a pair).
template <typename Fn>
void ForEachBlock(uint64_t seed, Stream stream, uint64_t position, uint64_t count, Fn fn) {
  r123::Philox4x64 rng;
  const r123::Philox4x64::key_type key = {{seed, stream}};
  uint64_t i = 0;
  while (i < count) {
    const uint64_t p = position + i;
    const r123::Philox4x64::ctr_type ctr = {{p >> 2, 0}};
    const r123::Philox4x64::ctr_type r = rng(ctr, key);
    fn(i, p & 3, r);
    i += 4 - (p & 3);
  }
}

// Calls word(i, w) for positions position .. position + count - 1, w being the 64 random bits of
// position + i: whole blocks of four straight, the ragged ends lane by lane.
template <typename Fn>
void ForEachWord(uint64_t seed, Stream stream, uint64_t position, uint64_t count, Fn word) {
  r123::Philox4x64 rng;
  const r123::Philox4x64::key_type key = {{seed, stream}};
  uint64_t i = 0;
  auto ragged = [&](uint64_t until) {
    while (i < until) {
      const uint64_t p = position + i;
      const r123::Philox4x64::ctr_type r = rng({{p >> 2, 0}}, key);
      for (uint64_t lane = p & 3; lane < 4 && i < until; ++lane, ++i) word(i, r.v[lane]);
    }
  };
  ragged(std::min(count, (4 - (position & 3)) & 3));
  for (; i + 4 <= count; i += 4) {
    const r123::Philox4x64::ctr_type r = rng({{(position + i) >> 2, 0}}, key);
    word(i, r.v[0]);
    word(i + 1, r.v[1]);
    word(i + 2, r.v[2]);
    word(i + 3, r.v[3]);
  }
  ragged(count);
}

// [0, 1) with 53 random bits.
inline double Unit(uint64_t word) { return static_cast<double>(word >> 11) * 0x1.0p-53; }

}  // namespace

void UniformValues(uint64_t seed, double low, double high, uint64_t position, uint64_t count,
                   double* out) {
  const double scale = high - low;
  ForEachWord(seed, kUniform, position, count,
              [&](uint64_t i, uint64_t w) { out[i] = low + scale * Unit(w); });
}

void NormalValues(uint64_t seed, double mean, double stddev, uint64_t position, uint64_t count,
                  double* out) {
  // Box-Muller: lanes (0, 1) give positions 4c and 4c+1 (cos and sin of one pair), lanes (2, 3)
  // give 4c+2 and 4c+3.
  ForEachBlock(seed, kNormal, position, count, [&](uint64_t i, uint64_t lane, const auto& r) {
    for (; lane < 4 && i < count; ++lane, ++i) {
      const uint64_t pair = lane & ~uint64_t{1};
      const double u1 = static_cast<double>((r.v[pair] >> 11) + 1) * 0x1.0p-53;  // (0, 1]
      const double u2 = Unit(r.v[pair + 1]);
      const double radius = std::sqrt(-2.0 * std::log(u1));
      const double angle = 2.0 * M_PI * u2;
      out[i] = mean + stddev * radius * ((lane & 1) ? std::sin(angle) : std::cos(angle));
    }
  });
}

void IntegerValues(uint64_t seed, int64_t low, int64_t high, uint64_t position, uint64_t count,
                   int64_t* out) {
  // The high 64 bits of word * range (Lemire's multiply-shift without the rejection step): value v
  // is drawn with probability within range / 2^64 of uniform, below 2^-32 for ranges below 2^32.
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  ForEachWord(seed, kIntegers, position, count, [&](uint64_t i, uint64_t w) {
    const uint64_t v = static_cast<uint64_t>((static_cast<unsigned __int128>(w) * range) >> 64);
    out[i] = static_cast<int64_t>(static_cast<uint64_t>(low) + v);
  });
}

void RegisterArrayCreationOps(OpRegistry& /*registry*/) {}  // creation runs as array.eval programs

}  // namespace brisk
