#include "scheduler/dashboard_json.h"

#include "common/state_names.h"
#include "nlohmann/json.hpp"

namespace brisk {

std::string WorkersJson(const DashboardSnapshot& s) {
  nlohmann::ordered_json workers = nlohmann::ordered_json::array();
  for (const v1::WorkerInfo& w : s.status.workers()) {
    workers.push_back({{"name", w.name()},
                       {"address", w.address()},
                       {"state", StateName(w.state())},
                       {"nthreads", w.nthreads()},
                       {"running", w.running()},
                       {"processing", w.processing()},
                       {"memory", w.memory()},
                       {"resident", w.resident()},
                       {"memory_limit", w.memory_limit()},
                       {"spilled", w.spilled()},
                       {"spilled_total", w.spilled_total()},
                       {"paused", w.paused()},
                       {"joined", w.joined()}});
  }
  nlohmann::ordered_json tasks = nlohmann::ordered_json::object();
  for (const v1::TaskStateCount& c : s.status.tasks()) tasks[StateName(c.state())] = c.count();
  nlohmann::ordered_json jobs = nlohmann::ordered_json::object();
  for (const auto& [state, n] : s.jobs) jobs[StateName(state)] = n;
  nlohmann::ordered_json doc = {
      {"workers", workers}, {"tasks", tasks}, {"jobs", jobs}, {"taken_at", s.taken_at}};
  // Ordered: the page lists states as the status does. Invalid UTF-8 in a name (a worker can call
  // itself anything) is replaced, not thrown about.
  return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace brisk
