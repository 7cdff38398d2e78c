// spill_bench: how fast a worker spills values to disk and reads them back, per codec (none,
// lz4, zstd), through the worker's own ValueStore and SpillStore. Prints one line per codec and
// data kind: MB/s of value bytes (uncompressed), written and read, and the size on disk.
// Reads come from the page cache when the files are still there (as right after spilling on a
// machine with memory to spare); the figures are the CPU cost of the format and codec, not the
// disk's speed.
//
//   build/bin/spill_bench [--mb 256] [--value-mb 16] [--dir /tmp]
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "brisk/value.h"
#include "worker/spill_store.h"
#include "worker/value_store.h"

namespace brisk {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// An int64 array 0, 1, 2, ...: numbers with structure, as an index column is.
v1::Value Range(size_t bytes, int seed) {
  ArrayBuilder<int64_t> builder({bytes / 8});
  auto values = builder.values();
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i) + seed;
  return std::move(builder).Finish();
}

// A float64 array of random numbers: what no codec shrinks much.
v1::Value Noise(size_t bytes, int seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  ArrayBuilder<double> builder({bytes / 8});
  for (double& x : builder.values()) x = normal(gen);
  return std::move(builder).Finish();
}

// Text: a list of short strings, spilled as its encoding (not a raw buffer).
v1::Value Words(size_t bytes, int seed) {
  static const char* kWords[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"};
  std::mt19937 gen(seed);
  v1::Value value;
  size_t size = 0;
  while (size < bytes) {
    std::string* s = value.mutable_list()->add_items()->mutable_str();
    *s = kWords[gen() % 7];
    size += s->size() + 4;
  }
  return value;
}

int Run(int argc, char** argv) {
  CLI::App app{"spill_bench: spill and reload throughput of the worker's ValueStore"};
  int total_mb = 256, value_mb = 16;
  std::string dir;
  app.add_option("--mb", total_mb, "Megabytes of values spilled per run")->capture_default_str();
  app.add_option("--value-mb", value_mb, "Size of one value (MB)")->capture_default_str();
  app.add_option("--dir", dir, "Where to spill (default: $TMPDIR, else /tmp)");
  CLI11_PARSE(app, argc, argv);
  const size_t value_bytes = static_cast<size_t>(value_mb) << 20;
  const int count = std::max(1, total_mb / value_mb);

  {
    // Why managed memory is not the encoding: a list of numbers is one message per item.
    v1::Value list;
    for (int i = 0; i < 1000000; ++i) list.mutable_list()->add_items()->set_int_(i);
    ArrayBuilder<int64_t> array({1000000});
    const v1::Value as_array = std::move(array).Finish();
    std::printf(
        "list of 1M ints: encoding %.1f MB, in memory (SpaceUsedLong) %.1f MB; as an int64 "
        "array: %.1f MB\n\n",
        static_cast<double>(list.ByteSizeLong()) / 1e6,
        static_cast<double>(MemoryBytes(list)) / 1e6,
        static_cast<double>(MemoryBytes(as_array)) / 1e6);
  }
  struct Kind {
    const char* name;
    v1::Value (*make)(size_t, int);
  };
  const Kind kinds[] = {{"int64-range", Range}, {"float64-noise", Noise}, {"text-list", Words}};
  std::printf("%-14s %-6s %10s %10s %10s %8s\n", "data", "codec", "spill MB/s", "reload MB/s",
              "disk MB", "ratio");
  for (const Kind& kind : kinds) {
    for (Codec codec : {Codec::kNone, Codec::kLz4, Codec::kZstd}) {
      absl::StatusOr<std::unique_ptr<SpillStore>> spill = SpillStore::Open(dir, codec);
      if (!spill.ok()) {
        std::fprintf(stderr, "spill_bench: %s\n", std::string(spill.status().message()).c_str());
        return 1;
      }
      ValueStore store;
      store.SetSpillStore(*std::move(spill));
      uint64_t raw = 0;
      for (int i = 0; i < count; ++i) {
        // The store alone holds each value, so that all of them can spill.
        auto value = std::make_shared<const v1::Value>(kind.make(value_bytes, i));
        raw += PrepareOutgoing(value).data.size();
        store.Put("v" + std::to_string(i), std::move(value));
      }
      auto start = std::chrono::steady_clock::now();
      while (store.SpillOne()) {
      }
      const double spill_s = Seconds(start);
      const ValueStore::Stats stats = store.stats();
      if (stats.in_memory != 0) {
        std::fprintf(stderr, "spill_bench: %llu values did not spill\n",
                     static_cast<unsigned long long>(stats.in_memory));
        return 1;
      }
      std::vector<ValuePtr> back(count);
      start = std::chrono::steady_clock::now();
      for (int i = 0; i < count; ++i) back[i] = store.Get("v" + std::to_string(i));
      const double reload_s = Seconds(start);
      for (int i = 0; i < count; ++i) {
        if (back[i] == nullptr ||
            back[i]->SerializeAsString() != kind.make(value_bytes, i).SerializeAsString()) {
          std::fprintf(stderr, "spill_bench: value %d did not come back as it was\n", i);
          return 1;
        }
      }
      const double mb = static_cast<double>(raw) / 1e6;
      std::printf("%-14s %-6s %10.0f %11.0f %10.1f %8.2f\n", kind.name, CodecName(codec),
                  mb / spill_s, mb / reload_s, static_cast<double>(stats.spilled) / 1e6,
                  static_cast<double>(stats.spilled) / static_cast<double>(raw));
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace brisk

int main(int argc, char** argv) { return brisk::Run(argc, argv); }
