// JsonLine: one result line of the benchmark, built as a google::protobuf::Struct and printed
// with protobuf's JSON printer (one line, no spaces, fields sorted by name).
//
//   JsonLine("independent").Set("tasks", 20000).Set("tasks_per_s", stats, 0).Print();
//   -> {"tasks":20000,"tasks_per_s":[81234,80001,83000],"workload":"independent"}
#pragma once

#include <string>

#include "bench/run_stats.h"
#include "google/protobuf/struct.pb.h"

namespace brisk::bench {

class JsonLine {
 public:
  explicit JsonLine(const std::string& workload);

  JsonLine& Set(const std::string& field, double value);
  JsonLine& Set(const std::string& field, const std::string& value);
  JsonLine& Set(const std::string& field, const char* value) {
    return Set(field, std::string(value));
  }
  // Any JSON value (a list, an object ...).
  JsonLine& Set(const std::string& field, const google::protobuf::Value& value);
  // [median, min, max], each rounded to `decimals` places.
  JsonLine& Set(const std::string& field, const RunStats& stats, int decimals);

  std::string ToString() const;
  // Writes the line to stdout and flushes it.
  void Print() const;

 private:
  google::protobuf::Struct fields_;
};

// `value` rounded to `decimals` places after the point.
double Round(double value, int decimals);

}  // namespace brisk::bench
