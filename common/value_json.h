// Turning values into plain JSON (numbers as numbers, lists as arrays, UTF-8 bytes as text) and
// into short human-readable text, for the command line.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <string>

#include "brisk/v1/value.pb.h"

namespace brisk {

// Null, bool, int, float, str and list map onto JSON directly; bytes that are valid UTF-8 become
// a string, other bytes {"base64": "..."}; a map becomes an object.
google::protobuf::Value ValueToJson(const v1::Value& value);

// Compact JSON text of a google.protobuf.Value (Struct, list, ...), printed by protobuf.
std::string JsonText(const google::protobuf::Value& json);

// Human-readable text: strings and UTF-8 bytes as they are, lists as [a, b], other bytes as
// "<N bytes>".
std::string ValueText(const v1::Value& value);

}  // namespace brisk
