// Example ops for Brisk workers, loaded with `brisk-worker --plugin libexample_ops.so`:
//
//   mandelbrot(x0, y0, x1, y1, width, height; max_iter=255) -> int32 ndarray [height, width]:
//       escape iterations of each pixel of the region [x0, x1] x [y0, y1] (max_iter: never
//       escaped).
//   escaped(tile) -> int: how many pixels of a mandelbrot tile escaped (reads the array in place).
//   word_count(text) -> table {word: string, count: int64}: words (runs of letters, lowercased),
//       most frequent first, then alphabetically.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "brisk/op.h"
#include "brisk/value.h"

namespace {

using brisk::Kind;
using brisk::OpArgs;
using brisk::OpContext;
using brisk::v1::Value;

absl::StatusOr<Value> Mandelbrot(OpContext& context, const OpArgs& args) {
  // The signature checked the kinds already; the accessors name the argument if not.
  double bounds[4];
  for (size_t i = 0; i < 4; ++i) {
    absl::StatusOr<double> b = args.Float(i);
    if (!b.ok()) return b.status();
    bounds[i] = *b;
  }
  absl::StatusOr<int64_t> width = args.Int(4), height = args.Int(5);
  absl::StatusOr<int64_t> max_iter = args.Int("max_iter", 255);
  if (!width.ok()) return width.status();
  if (!height.ok()) return height.status();
  if (!max_iter.ok()) return max_iter.status();
  if (*width < 1 || *height < 1 || *width * *height > (int64_t{1} << 26)) {
    return args.Error("width and height must be positive, at most 2^26 pixels in all");
  }
  brisk::ArrayBuilder<int32_t> tile(
      {static_cast<uint64_t>(*height), static_cast<uint64_t>(*width)});
  absl::Span<int32_t> out = tile.values();
  for (int64_t row = 0; row < *height; ++row) {
    if (context.Stopped()) return absl::CancelledError("stopped");
    const double ci = bounds[1] + (bounds[3] - bounds[1]) * row / std::max<int64_t>(1, *height - 1);
    for (int64_t col = 0; col < *width; ++col) {
      const double cr =
          bounds[0] + (bounds[2] - bounds[0]) * col / std::max<int64_t>(1, *width - 1);
      double zr = 0, zi = 0;
      int32_t n = 0;
      while (n < *max_iter && zr * zr + zi * zi <= 4) {
        const double t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        ++n;
      }
      out[row * *width + col] = n;
    }
  }
  return std::move(tile).Finish();
}

absl::StatusOr<Value> Escaped(OpContext&, const OpArgs& args) {
  absl::StatusOr<brisk::ArrayView> tile = args.Array(0);  // a view over the received buffer
  if (!tile.ok()) return tile.status();
  absl::StatusOr<absl::Span<const int32_t>> iterations = tile->values<int32_t>();
  if (!iterations.ok()) return args.Error(iterations.status().message());
  const int32_t max_iter = *std::max_element(iterations->begin(), iterations->end());
  Value count;
  count.set_int_(std::count_if(iterations->begin(), iterations->end(),
                               [max_iter](int32_t n) { return n < max_iter; }));
  return count;
}

absl::StatusOr<Value> WordCount(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> text = args.Str(0);  // str or bytes (a shell task's output)
  if (!text.ok()) return text.status();
  std::map<std::string, int64_t> counts;
  std::string word;
  for (size_t i = 0; i <= text->size(); ++i) {
    const unsigned char c = i < text->size() ? (*text)[i] : ' ';
    if (std::isalpha(c)) {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (!word.empty()) {
      ++counts[word];
      word.clear();
    }
  }
  std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::optional<std::string>> words;
  std::vector<int64_t> n;
  for (auto& [w, c] : sorted) {
    words.emplace_back(std::move(w));
    n.push_back(c);
  }
  brisk::TableBuilder table;
  table.AddStrings("word", words).Add<int64_t>("count", absl::MakeConstSpan(n));
  return std::move(table).Finish();
}

}  // namespace

BRISK_PLUGIN(registry) {
  brisk::OpSignature mandelbrot;
  mandelbrot.args = {{"x0", Kind::kFloat}, {"y0", Kind::kFloat},  {"x1", Kind::kFloat},
                     {"y1", Kind::kFloat}, {"width", Kind::kInt}, {"height", Kind::kInt}};
  mandelbrot.kwargs = {{"max_iter", Kind::kInt}};
  mandelbrot.result = Kind::kNdarray;
  mandelbrot.result_dtype = brisk::v1::DTYPE_INT32;
  registry.Register("mandelbrot", mandelbrot, Mandelbrot);

  brisk::OpSignature escaped;
  escaped.args = {{"tile", Kind::kNdarray, brisk::v1::DTYPE_INT32}};
  escaped.result = Kind::kInt;
  registry.Register("escaped", escaped, Escaped);

  brisk::OpSignature word_count;
  word_count.args = {{"text", Kind::kText}};
  word_count.result = Kind::kTable;
  registry.Register("word_count", word_count, WordCount);
}
