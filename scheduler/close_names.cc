#include "scheduler/close_names.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace brisk {

int EditDistance(absl::string_view a, absl::string_view b, int limit) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > limit) return limit + 1;
  // One row of the dynamic programme at a time.
  std::vector<int> row(m + 1);
  for (int j = 0; j <= m; ++j) row[j] = j;
  for (int i = 1; i <= n; ++i) {
    int diagonal = row[0];
    row[0] = i;
    int best = row[0];
    for (int j = 1; j <= m; ++j) {
      const int above = row[j];
      row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
      best = std::min(best, row[j]);
    }
    if (best > limit) return limit + 1;
  }
  return std::min(row[m], limit + 1);
}

std::vector<std::string> CloseNames(absl::string_view name,
                                    const std::vector<std::string>& candidates, int max_distance,
                                    size_t max_count) {
  std::vector<std::pair<int, std::string>> close;
  for (const std::string& candidate : candidates) {
    if (candidate == name) continue;
    const int d = EditDistance(name, candidate, max_distance);
    if (d <= max_distance) close.emplace_back(d, candidate);
  }
  std::sort(close.begin(), close.end());
  close.erase(std::unique(close.begin(), close.end()), close.end());
  std::vector<std::string> names;
  for (size_t i = 0; i < close.size() && i < max_count; ++i) names.push_back(close[i].second);
  return names;
}

}  // namespace brisk
