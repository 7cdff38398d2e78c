// The 64-bit random words of the random arrays: word p of stream (seed, stream) is the 64-bit
// little-endian half p % 2 of Random123's Philox4x32-10 of counter (p / 2 low, p / 2 high, stream,
// 0) and key (seed low, seed high), a pure function of (seed, stream, p). Computed 16 or 32
// counters at a time in SIMD lanes (AVX2, AVX-512F) where the CPU has them, checked at run time:
// every path gives the same words.
#pragma once

#include <cstdint>
#include <vector>

namespace brisk {

// The instruction sets a RandomWords path needs.
enum class RandomIsa { kScalar, kAvx2, kAvx512 };

// The paths this CPU runs (kScalar always; the best last).
std::vector<RandomIsa> SupportedRandomIsas();

// Fills out[0, count) with the words at positions position .. position + count - 1, on the best
// path this CPU has.
void RandomWords(uint64_t seed, uint32_t stream, uint64_t position, uint64_t count, uint64_t* out);
// The same on a given path (one of SupportedRandomIsas(): for tests and benchmarks).
void RandomWordsOn(RandomIsa isa, uint64_t seed, uint32_t stream, uint64_t position, uint64_t count,
                   uint64_t* out);

}  // namespace brisk
