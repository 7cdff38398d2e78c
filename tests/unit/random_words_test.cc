// The random words of the random arrays (worker/array/random_words.h): Random123's Philox4x32-10
// against its published known-answer vectors, and every SIMD path this CPU runs against it, over
// ragged ranges, high seeds and counters whose low halves wrap.
#include "worker/array/random_words.h"

#include <Random123/philox.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// Random123's kat_vectors: philox4x32 10 CTR[4] KEY[2] -> OUT[4].
TEST(RandomWords, Random123Philox4x32MatchesItsKnownAnswers) {
  r123::Philox4x32_R<10> rng;
  auto run = [&](r123::Philox4x32::ctr_type c, r123::Philox4x32::key_type k) {
    const r123::Philox4x32::ctr_type r = rng(c, k);
    return std::vector<uint32_t>(r.v, r.v + 4);
  };
  EXPECT_THAT(run({{0, 0, 0, 0}}, {{0, 0}}),
              ElementsAre(0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u));
  EXPECT_THAT(run({{~0u, ~0u, ~0u, ~0u}}, {{~0u, ~0u}}),
              ElementsAre(0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu));
  EXPECT_THAT(
      run({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, {{0xa4093822u, 0x299f31d0u}}),
      ElementsAre(0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u));
}

// Word p: the little-endian 64-bit half p % 2 of Philox4x32-10(counter p / 2, stream; seed).
uint64_t Expected(uint64_t seed, uint32_t stream, uint64_t p) {
  r123::Philox4x32_R<10> rng;
  const uint64_t c = p / 2;
  const r123::Philox4x32::ctr_type r =
      rng({{static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32), stream, 0}},
          {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}});
  return p % 2 == 0 ? r.v[0] | (uint64_t{r.v[1]} << 32) : r.v[2] | (uint64_t{r.v[3]} << 32);
}

TEST(RandomWords, EveryPathGivesTheKnownAnswerOfCounterZero) {
  for (RandomIsa isa : SupportedRandomIsas()) {
    std::vector<uint64_t> w(2);
    RandomWordsOn(isa, 0, 0, 0, 2, w.data());
    EXPECT_THAT(w, ElementsAre(0xe169c58d6627e8d5u, 0x9b00dbd8bc57ac4cu)) << static_cast<int>(isa);
  }
}

TEST(RandomWords, EveryPathIsPhiloxOfThePositionOverRaggedRanges) {
  struct Case {
    uint64_t seed;
    uint32_t stream, position, count;
    uint64_t base;  // added to position
  };
  const std::vector<Case> cases = {
      {1, 1, 0, 1, 0},
      {1, 1, 0, 32, 0},
      {1, 1, 0, 100, 0},
      {9, 3, 1, 1, 0},
      {9, 3, 5, 27, 0},
      {9, 3, 31, 2, 0},
      {9, 2, 33, 64, 0},
      {7, 1, 17, 1000, 0},
      {~0ull, 2, 3, 77, 0},
      {0x123456789ull, 1, 0, 70, 0},
      // Counters from 2^32 - 16: the low halves wrap inside the range (never inside a group).
      {5, 1, 0, 64, (uint64_t{1} << 33) - 32},
      {5, 1, 11, 50, (uint64_t{1} << 33) - 32},
  };
  for (RandomIsa isa : SupportedRandomIsas()) {
    for (const Case& c : cases) {
      const uint64_t at = c.base + c.position;
      std::vector<uint64_t> got(c.count), want(c.count);
      RandomWordsOn(isa, c.seed, c.stream, at, c.count, got.data());
      for (uint64_t i = 0; i < c.count; ++i) want[i] = Expected(c.seed, c.stream, at + i);
      EXPECT_THAT(got, ElementsAreArray(want))
          << "isa " << static_cast<int>(isa) << " seed " << c.seed << " at " << at;
    }
  }
}

TEST(RandomWords, TheBestPathIsOneOfThem) {
  std::vector<uint64_t> got(40), want(40);
  RandomWords(3, 1, 6, 40, got.data());
  RandomWordsOn(RandomIsa::kScalar, 3, 1, 6, 40, want.data());
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace brisk
