#include "scheduler/dashboard_page.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "common/state_names.h"

namespace brisk {
namespace {

std::string Cell(absl::string_view text) { return absl::StrCat("<td>", EscapeHtml(text), "</td>"); }

// Bytes in binary units, as the page's script writes them (dashboard.js: bytes()).
std::string Bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrCat(n, " B") : absl::StrFormat("%.1f %s", v, units[u]);
}

std::string Joined(double unix_seconds) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMicros(unix_seconds * 1e6),
                          absl::UTCTimeZone());
}

}  // namespace

std::string EscapeHtml(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

std::string DashboardPage(absl::string_view page, const DashboardSnapshot& s) {
  std::string rows;
  for (const v1::WorkerInfo& w : s.status.workers()) {
    absl::StrAppend(&rows, "<tr>", Cell(w.name()), Cell(StateName(w.state())),
                    Cell(absl::StrCat(w.nthreads())), Cell(absl::StrCat(w.running())),
                    Cell(absl::StrCat(w.processing())), Cell(Bytes(w.memory())),
                    Cell(Bytes(w.resident())),
                    Cell(w.memory_limit() == 0 ? "none" : Bytes(w.memory_limit())),
                    Cell(Bytes(w.spilled())), Cell(Joined(w.joined())), "</tr>\n");
  }
  std::string summary =
      absl::StrCat(s.status.workers_size(), s.status.workers_size() == 1 ? " worker" : " workers");
  absl::StrAppend(&summary, "; tasks:");
  if (s.status.tasks().empty()) absl::StrAppend(&summary, " none");
  for (const v1::TaskStateCount& c : s.status.tasks()) {
    absl::StrAppend(&summary, " ", StateName(c.state()), " ", c.count());
  }
  absl::StrAppend(&summary, "; jobs:");
  for (const auto& [state, n] : s.jobs) absl::StrAppend(&summary, " ", StateName(state), " ", n);
  return absl::StrReplaceAll(
      page, {{"<!--BRISK_WORKERS-->", rows}, {"<!--BRISK_SUMMARY-->", EscapeHtml(summary)}});
}

}  // namespace brisk
