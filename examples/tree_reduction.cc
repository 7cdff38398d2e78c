// Example: a tree reduction built with the C++ Delayed API and run on an embedded local cluster.
// N leaves `inc(i)` are summed eight at a time, level by level, down to one value, which must
// equal 1 + 2 + ... + N.
//
//   tree_reduction [--leaves N] [--fan-in K] [--scheduler HOST:PORT]
#include <chrono>
#include <cstdio>
#include <vector>

#include "CLI/CLI.hpp"
#include "brisk/client.h"
#include "brisk/delayed.h"

int main(int argc, char** argv) {
  CLI::App app{"Sum inc(0..N-1) with a tree reduction on a Brisk cluster"};
  int64_t leaves = 10000;
  int fan_in = 8;
  std::string scheduler;
  app.add_option("--leaves", leaves, "Number of leaf tasks")->capture_default_str();
  app.add_option("--fan-in", fan_in, "Inputs per add task")
      ->capture_default_str()
      ->check(CLI::Range(2, 1000));
  app.add_option("--scheduler", scheduler, "Scheduler address (default: embedded local cluster)");
  CLI11_PARSE(app, argc, argv);

  brisk::GraphBuilder g;
  std::vector<brisk::Delayed> level;
  for (int64_t i = 0; i < leaves; ++i) level.push_back(g.Call("inc", {i}));
  while (level.size() > 1) {
    std::vector<brisk::Delayed> next;
    for (size_t i = 0; i < level.size(); i += fan_in) {
      std::vector<brisk::ArgValue> args(level.begin() + i,
                                        level.begin() + std::min(level.size(), i + fan_in));
      next.push_back(g.Call("add", args));
    }
    level = std::move(next);
  }
  const brisk::v1::Graph graph = g.Build({level.front()});

  auto client = scheduler.empty() ? brisk::Client::StartLocal() : brisk::Client::Connect(scheduler);
  if (!client.ok()) {
    std::fprintf(stderr, "tree_reduction: %s\n", client.status().ToString().c_str());
    return 3;
  }
  const auto start = std::chrono::steady_clock::now();
  auto job = (*client)->Submit(graph);
  if (!job.ok()) {
    std::fprintf(stderr, "tree_reduction: %s\n", job.status().ToString().c_str());
    return 2;
  }
  auto result = (*client)->Result(job->outputs.front());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    std::fprintf(stderr, "tree_reduction: %s\n", result.status().ToString().c_str());
    return 1;
  }
  const int64_t expected = leaves * (leaves + 1) / 2;
  const int64_t got = (*result)->int_();
  std::printf("sum = %lld (expected %lld): %s\n", static_cast<long long>(got),
              static_cast<long long>(expected), got == expected ? "correct" : "WRONG");
  std::printf("%d tasks in %.3f s: %.0f tasks/s\n", graph.tasks_size(), seconds,
              graph.tasks_size() / seconds);
  return got == expected ? 0 : 1;
}
