#include "worker/array/random_words.h"

#include <Random123/philox.h>
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() values and -Wuninitialized reports
// them when they are inlined (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace brisk {
namespace {

// Random123's Philox4x32 constants (philox.h): the round multipliers and the Weyl key steps.
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
constexpr int kRounds = 10;
// Counters per group: the 32 words a group function writes. A group starts at a counter that is
// a multiple of kGroup, so its 32-bit low halves never carry into the high halves.
constexpr uint64_t kGroup = 16;
constexpr uint64_t kGroupWords = 2 * kGroup;

using GroupFn = void (*)(uint64_t seed, uint32_t stream, uint64_t counter, uint64_t* out);

void GroupScalar(uint64_t seed, uint32_t stream, uint64_t counter, uint64_t* out) {
  r123::Philox4x32_R<kRounds> rng;
  const r123::Philox4x32::key_type key = {
      {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  for (uint64_t j = 0; j < kGroup; ++j) {
    const uint64_t c = counter + j;
    const r123::Philox4x32::ctr_type r =
        rng({{static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32), stream, 0}}, key);
    out[2 * j] = r.v[0] | (uint64_t{r.v[1]} << 32);
    out[2 * j + 1] = r.v[2] | (uint64_t{r.v[3]} << 32);
  }
}

// The high and low 32 bits of the products of x's eight lanes with m.
__attribute__((target("avx2"))) inline void MulHiLo(__m256i x, __m256i m, __m256i* hi,
                                                    __m256i* lo) {
  const __m256i even = _mm256_mul_epu32(x, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
  *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

// Two sets of eight counters in the lanes of 256-bit registers (the two interleave: the
// multiplies are latency-bound), then the words put back in counter order.
__attribute__((target("avx2"))) void GroupAvx2(uint64_t seed, uint32_t stream, uint64_t counter,
                                               uint64_t* out) {
  constexpr int kSets = 2;
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kM1));
  __m256i x0[kSets], x1[kSets], x2[kSets], x3[kSets];
#pragma GCC unroll 2
  for (int g = 0; g < kSets; ++g) {
    const uint64_t c = counter + 8 * g;
    x0[g] = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(c))),
                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    x1[g] = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(c >> 32)));
    x2[g] = _mm256_set1_epi32(static_cast<int>(stream));
    x3[g] = _mm256_setzero_si256();
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma GCC unroll 10
  for (int r = 0; r < kRounds; ++r) {
    const __m256i vk0 = _mm256_set1_epi32(static_cast<int>(k0));
    const __m256i vk1 = _mm256_set1_epi32(static_cast<int>(k1));
#pragma GCC unroll 2
    for (int g = 0; g < kSets; ++g) {
      __m256i hi0, lo0, hi1, lo1;
      MulHiLo(x0[g], m0, &hi0, &lo0);
      MulHiLo(x2[g], m1, &hi1, &lo1);
      x0[g] = _mm256_xor_si256(_mm256_xor_si256(hi1, x1[g]), vk0);
      x1[g] = lo1;
      x2[g] = _mm256_xor_si256(_mm256_xor_si256(hi0, x3[g]), vk1);
      x3[g] = lo0;
    }
    k0 += kW0;
    k1 += kW1;
  }
#pragma GCC unroll 2
  for (int g = 0; g < kSets; ++g) {
    // Words (x0 | x1 << 32) of counters 0 1 4 5 and 2 3 6 7 of the set, (x2 | x3 << 32) likewise.
    const __m256i e0 = _mm256_unpacklo_epi32(x0[g], x1[g]);
    const __m256i e1 = _mm256_unpackhi_epi32(x0[g], x1[g]);
    const __m256i o0 = _mm256_unpacklo_epi32(x2[g], x3[g]);
    const __m256i o1 = _mm256_unpackhi_epi32(x2[g], x3[g]);
    // Both words of counters 0|4, 1|5, 2|6, 3|7 (128-bit halves).
    const __m256i a = _mm256_unpacklo_epi64(e0, o0), b = _mm256_unpackhi_epi64(e0, o0);
    const __m256i c = _mm256_unpacklo_epi64(e1, o1), d = _mm256_unpackhi_epi64(e1, o1);
    auto* o = reinterpret_cast<__m256i*>(out + 16 * g);
    _mm256_storeu_si256(o, _mm256_permute2x128_si256(a, b, 0x20));
    _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(c, d, 0x20));
    _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(a, b, 0x31));
    _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(c, d, 0x31));
  }
}

__attribute__((target("avx512f"))) inline void MulHiLo512(__m512i x, __m512i m, __m512i* hi,
                                                          __m512i* lo) {
  const __m512i even = _mm512_mul_epu32(x, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
  *lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  *hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

// Sixteen counters in the lanes of 512-bit registers.
__attribute__((target("avx512f"))) void GroupAvx512(uint64_t seed, uint32_t stream,
                                                    uint64_t counter, uint64_t* out) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kM1));
  __m512i x0 =
      _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(counter))),
                       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  __m512i x1 = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(counter >> 32)));
  __m512i x2 = _mm512_set1_epi32(static_cast<int>(stream));
  __m512i x3 = _mm512_setzero_si512();
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma GCC unroll 10
  for (int r = 0; r < kRounds; ++r) {
    __m512i hi0, lo0, hi1, lo1;
    MulHiLo512(x0, m0, &hi0, &lo0);
    MulHiLo512(x2, m1, &hi1, &lo1);
    x0 = _mm512_ternarylogic_epi32(hi1, x1, _mm512_set1_epi32(static_cast<int>(k0)), 0x96);
    x1 = lo1;
    x2 = _mm512_ternarylogic_epi32(hi0, x3, _mm512_set1_epi32(static_cast<int>(k1)), 0x96);
    x3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  const __m512i e0 = _mm512_unpacklo_epi32(x0, x1), e1 = _mm512_unpackhi_epi32(x0, x1);
  const __m512i o0 = _mm512_unpacklo_epi32(x2, x3), o1 = _mm512_unpackhi_epi32(x2, x3);
  // Both words of counters 0|4|8|12, 1|5|9|13, 2|6|10|14, 3|7|11|15 (128-bit quarters), then the
  // 4x4 transpose of the quarters.
  const __m512i a = _mm512_unpacklo_epi64(e0, o0), b = _mm512_unpackhi_epi64(e0, o0);
  const __m512i c = _mm512_unpacklo_epi64(e1, o1), d = _mm512_unpackhi_epi64(e1, o1);
  const __m512i t0 = _mm512_shuffle_i64x2(a, b, 0x88), t1 = _mm512_shuffle_i64x2(a, b, 0xDD);
  const __m512i t2 = _mm512_shuffle_i64x2(c, d, 0x88), t3 = _mm512_shuffle_i64x2(c, d, 0xDD);
  _mm512_storeu_si512(out, _mm512_shuffle_i64x2(t0, t2, 0x88));
  _mm512_storeu_si512(out + 8, _mm512_shuffle_i64x2(t1, t3, 0x88));
  _mm512_storeu_si512(out + 16, _mm512_shuffle_i64x2(t0, t2, 0xDD));
  _mm512_storeu_si512(out + 24, _mm512_shuffle_i64x2(t1, t3, 0xDD));
}

GroupFn GroupOf(RandomIsa isa) {
  switch (isa) {
    case RandomIsa::kAvx512:
      return GroupAvx512;
    case RandomIsa::kAvx2:
      return GroupAvx2;
    case RandomIsa::kScalar:
      break;
  }
  return GroupScalar;
}

RandomIsa BestIsa() {
  static const RandomIsa best = SupportedRandomIsas().back();
  return best;
}

}  // namespace

std::vector<RandomIsa> SupportedRandomIsas() {
  std::vector<RandomIsa> isas = {RandomIsa::kScalar};
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) isas.push_back(RandomIsa::kAvx2);
  if (__builtin_cpu_supports("avx512f")) isas.push_back(RandomIsa::kAvx512);
  return isas;
}

void RandomWordsOn(RandomIsa isa, uint64_t seed, uint32_t stream, uint64_t position, uint64_t count,
                   uint64_t* out) {
  const GroupFn group = GroupOf(isa);
  uint64_t at = position;
  const uint64_t end = position + count;
  // Whole groups straight into out; the ragged ends through a group-sized buffer.
  while (at < end) {
    const uint64_t first = at / kGroupWords * kGroupWords;
    const uint64_t skip = at - first;
    const uint64_t n = std::min(end - at, kGroupWords - skip);
    if (skip == 0 && n == kGroupWords) {
      group(seed, stream, first / 2, out + (at - position));
    } else {
      uint64_t words[kGroupWords];
      group(seed, stream, first / 2, words);
      std::memcpy(out + (at - position), words + skip, n * sizeof(uint64_t));
    }
    at += n;
  }
}

void RandomWords(uint64_t seed, uint32_t stream, uint64_t position, uint64_t count, uint64_t* out) {
  RandomWordsOn(BestIsa(), seed, stream, position, count, out);
}

}  // namespace brisk
