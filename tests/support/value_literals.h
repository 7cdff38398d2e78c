// Short builders of brisk.v1.Value literals for tests: I(1), F(2.5), S("x"), Bytes(...),
// Bool(true), L({...}) and M({{"k", ...}}).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "brisk/v1/value.pb.h"

namespace brisk::test_values {

inline v1::Value I(int64_t i) {
  v1::Value v;
  v.set_int_(i);
  return v;
}
inline v1::Value F(double f) {
  v1::Value v;
  v.set_float_(f);
  return v;
}
inline v1::Value S(std::string s) {
  v1::Value v;
  v.set_str(std::move(s));
  return v;
}
inline v1::Value Bytes(std::string s) {
  v1::Value v;
  v.set_bytes(std::move(s));
  return v;
}
inline v1::Value Bool(bool b) {
  v1::Value v;
  v.set_bool_(b);
  return v;
}
inline v1::Value L(std::initializer_list<v1::Value> items) {
  v1::Value v;
  v.mutable_list();
  for (const v1::Value& item : items) *v.mutable_list()->add_items() = item;
  return v;
}
inline v1::Value M(std::initializer_list<std::pair<std::string, v1::Value>> entries) {
  v1::Value v;
  v.mutable_map();
  for (const auto& [k, item] : entries) (*v.mutable_map()->mutable_entries())[k] = item;
  return v;
}

}  // namespace brisk::test_values
