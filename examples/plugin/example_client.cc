// Runs a graph of the example plugin's ops and checks its results: four Mandelbrot tiles, how many
// pixels of each escaped and their total (the built-in `sum`), and a word count.
//
//   example_client --plugin /path/libexample_ops.so   # on an embedded local cluster
//   example_client --scheduler HOST:PORT              # workers started with --plugin
//
// Prints the results; exits 0 when they are consistent, 1 otherwise.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "brisk/client.h"
#include "brisk/delayed.h"
#include "brisk/value.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: example_client (--plugin PATH | --scheduler HOST:PORT)\n");
  return 2;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "example_client: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scheduler, plugin;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--scheduler") == 0) {
      scheduler = argv[i + 1];
    } else if (std::strcmp(argv[i], "--plugin") == 0) {
      plugin = argv[i + 1];
    } else {
      return Usage();
    }
  }
  if (argc % 2 != 1 || scheduler.empty() == plugin.empty()) return Usage();

  brisk::LocalClusterOptions local;
  local.plugins = {plugin};
  auto client =
      scheduler.empty() ? brisk::Client::StartLocal(local) : brisk::Client::Connect(scheduler);
  if (!client.ok()) return Fail(client.status());
  (*client)->SetNoticeHandler([](const brisk::JobNotice& notice) {
    std::fprintf(stderr, "task %s: %s\n", notice.key.c_str(), notice.message.c_str());
  });

  brisk::GraphBuilder g;
  std::vector<brisk::Delayed> tiles;
  brisk::List escaped;
  for (int ty = 0; ty < 2; ++ty) {
    for (int tx = 0; tx < 2; ++tx) {
      const double x0 = -2.0 + 1.5 * tx, y0 = -1.5 + 1.5 * ty;
      const std::map<std::string, brisk::ArgValue> kwargs = {{"max_iter", 100}};
      tiles.push_back(g.Call("mandelbrot", {x0, y0, x0 + 1.5, y0 + 1.5, 64, 64}, kwargs));
      escaped.push_back(g.Call("escaped", {tiles.back()}));
    }
  }
  brisk::Delayed total = g.Call("sum", {brisk::ArgValue(escaped)});  // one list argument
  brisk::Delayed words =
      g.Call("word_count", {"the quick brown fox jumps over the lazy dog the end"});
  std::vector<brisk::Delayed> outputs = tiles;
  outputs.push_back(total);
  outputs.push_back(words);

  auto job = (*client)->Submit(g.Build(outputs));
  if (!job.ok()) return Fail(job.status());
  auto values = (*client)->Gather(job->outputs);
  if (!values.ok()) return Fail(values.status());

  int64_t escaped_here = 0;
  for (size_t i = 0; i < tiles.size(); ++i) {
    auto tile = brisk::ArrayView::Of(*(*values)[i]);
    if (!tile.ok()) return Fail(tile.status());
    auto iterations = tile->values<int32_t>();
    if (!iterations.ok()) return Fail(iterations.status());
    int32_t most = 0;
    for (int32_t n : *iterations) most = std::max(most, n);
    for (int32_t n : *iterations) escaped_here += n < most;
    std::printf("tile %zu: %s [%llu, %llu]\n", i,
                std::string(brisk::DTypeName(tile->dtype())).c_str(),
                static_cast<unsigned long long>(tile->shape()[0]),
                static_cast<unsigned long long>(tile->shape()[1]));
  }
  const int64_t escaped_total = (*values)[tiles.size()]->int_();
  std::printf("escaped: %lld\n", static_cast<long long>(escaped_total));
  auto table = brisk::TableView::Of(*(*values)[tiles.size() + 1]);
  if (!table.ok()) return Fail(table.status());
  auto word = table->column("word");
  auto count = table->column("count");
  if (!word.ok() || !count.ok()) return Fail(!word.ok() ? word.status() : count.status());
  auto counts = count->values<int64_t>();
  if (!counts.ok()) return Fail(counts.status());
  std::printf("words: %llu distinct, the most frequent \"%s\" (%lld)\n",
              static_cast<unsigned long long>(table->num_rows()),
              std::string(word->String(0)).c_str(), static_cast<long long>((*counts)[0]));

  const bool consistent = escaped_total == escaped_here && escaped_total > 0 &&
                          word->String(0) == "the" && (*counts)[0] == 3;
  if (!consistent) std::fprintf(stderr, "example_client: inconsistent results\n");
  return consistent ? 0 : 1;
}
