// Names close to a misspelt one (by edit distance), for messages such as
// `no connected worker has op "shel" (did you mean "shell"?)`.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace brisk {

// The Levenshtein distance between `a` and `b` (insertions, deletions and substitutions of
// bytes), or `limit + 1` when it is greater than `limit`.
int EditDistance(absl::string_view a, absl::string_view b, int limit);

// The candidates within `max_distance` edits of `name` (never `name` itself), closest first, then
// alphabetically; at most `max_count`.
std::vector<std::string> CloseNames(absl::string_view name,
                                    const std::vector<std::string>& candidates,
                                    int max_distance = 2, size_t max_count = 3);

}  // namespace brisk
