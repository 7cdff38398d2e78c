#include "bench/json_line.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace brisk::bench {

double Round(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

JsonLine::JsonLine(const std::string& workload) { Set("workload", workload); }

JsonLine& JsonLine::Set(const std::string& field, double value) {
  (*fields_.mutable_fields())[field].set_number_value(value);
  return *this;
}

JsonLine& JsonLine::Set(const std::string& field, const std::string& value) {
  (*fields_.mutable_fields())[field].set_string_value(value);
  return *this;
}

JsonLine& JsonLine::Set(const std::string& field, const google::protobuf::Value& value) {
  (*fields_.mutable_fields())[field] = value;
  return *this;
}

JsonLine& JsonLine::Set(const std::string& field, const RunStats& stats, int decimals) {
  google::protobuf::ListValue* list = (*fields_.mutable_fields())[field].mutable_list_value();
  for (double v : {stats.median, stats.min, stats.max}) {
    list->add_values()->set_number_value(Round(v, decimals));
  }
  return *this;
}

std::string JsonLine::ToString() const {
  // MessageToJsonString would print the fields in the map's hash order; serialized
  // deterministically they come sorted by name, the same on every line and every run.
  namespace pb = google::protobuf;
  static const std::unique_ptr<pb::util::TypeResolver> resolver(
      pb::util::NewTypeResolverForDescriptorPool("type.googleapis.com",
                                                 pb::DescriptorPool::generated_pool()));
  std::string binary;
  {
    pb::io::StringOutputStream stream(&binary);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    fields_.SerializeToCodedStream(&coded);
  }
  std::string out;
  (void)pb::util::BinaryToJsonString(resolver.get(), "type.googleapis.com/google.protobuf.Struct",
                                     binary, &out);
  return out;
}

void JsonLine::Print() const {
  std::printf("%s\n", ToString().c_str());
  std::fflush(stdout);
}

}  // namespace brisk::bench
