// The random-array kernels alone (Google Benchmark, one thread): the 64-bit words on each path
// this CPU runs (worker/array/random_words.h), and the uniform, normal and integer values drawn
// from them, 1024 elements per call as an array program draws them. Items per second are
// elements per second.
//
//   random_bench [--benchmark_filter=Words]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "worker/array/array_program.h"
#include "worker/array/random_words.h"

namespace brisk {
namespace {

constexpr uint64_t kPiece = 1024;

void BM_Words(benchmark::State& state) {
  const auto isa = static_cast<RandomIsa>(state.range(0));
  std::vector<uint64_t> out(kPiece);
  uint64_t position = 0;
  for (auto _ : state) {
    RandomWordsOn(isa, 1, 1, position, kPiece, out.data());
    position += kPiece;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kPiece);
}

void WordsArgs(benchmark::internal::Benchmark* b) {
  for (RandomIsa isa : SupportedRandomIsas()) b->Arg(static_cast<int>(isa));
  b->ArgName("isa");  // 0 scalar, 1 AVX2, 2 AVX-512
}
BENCHMARK(BM_Words)->Apply(WordsArgs);

template <typename T, typename Fn>
void Values(benchmark::State& state, Fn draw) {
  std::vector<T> out(kPiece);
  uint64_t position = 0;
  for (auto _ : state) {
    draw(position, out.data());
    position += kPiece;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kPiece);
}

void BM_Uniform(benchmark::State& state) {
  Values<double>(state, [](uint64_t p, double* out) { UniformValues(1, 0, 1, p, kPiece, out); });
}
BENCHMARK(BM_Uniform);

void BM_Normal(benchmark::State& state) {
  Values<double>(state, [](uint64_t p, double* out) { NormalValues(1, 0, 1, p, kPiece, out); });
}
BENCHMARK(BM_Normal);

void BM_Integers(benchmark::State& state) {
  Values<int64_t>(state,
                  [](uint64_t p, int64_t* out) { IntegerValues(1, 0, 1000, p, kPiece, out); });
}
BENCHMARK(BM_Integers);

}  // namespace
}  // namespace brisk

BENCHMARK_MAIN();
