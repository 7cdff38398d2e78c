#include "worker/frame/canonical_value.h"

#include <cmath>

namespace brisk {
namespace {

void AppendTagged(char tag, const void* bytes, std::string& out) {
  out.push_back(tag);
  out.append(static_cast<const char*>(bytes), 8);
}

}  // namespace

void AppendCanonicalValue(const ColumnView& c, uint64_t r, std::string& out) {
  switch (c.dtype()) {
    case v1::DTYPE_STRING: {
      out.push_back('s');
      const absl::string_view s = c.String(r);
      out.append(s.data(), s.size());
      return;
    }
    case v1::DTYPE_UINT64: {
      const uint64_t v = c.values<uint64_t>().value()[r];
      if (v > static_cast<uint64_t>(INT64_MAX)) {
        AppendTagged('u', &v, out);
        return;
      }
      const int64_t i = static_cast<int64_t>(v);
      AppendTagged('i', &i, out);
      return;
    }
    case v1::DTYPE_INT64: {
      const int64_t i = c.values<int64_t>().value()[r];
      AppendTagged('i', &i, out);
      return;
    }
    case v1::DTYPE_FLOAT32:
    case v1::DTYPE_FLOAT64: {
      double v = c.AsDouble(r);
      if (v == std::floor(v) && std::fabs(v) < 9.2e18) {
        const int64_t i = static_cast<int64_t>(v);
        AppendTagged('i', &i, out);
        return;
      }
      if (std::isnan(v)) v = std::nan("");  // one NaN
      AppendTagged('f', &v, out);
      return;
    }
    case v1::DTYPE_BOOL: {
      const int64_t i = c.values<bool>().value()[r] ? 1 : 0;
      AppendTagged('i', &i, out);  // True is 1, as once stacked with ints
      return;
    }
    default: {
      const int64_t i = static_cast<int64_t>(c.AsDouble(r));
      AppendTagged('i', &i, out);
      return;
    }
  }
}

void RowKey(const std::vector<ColumnView>& columns, uint64_t r, std::string& key,
            std::string& scratch) {
  key.clear();
  for (const ColumnView& c : columns) {
    scratch.clear();
    if (c.IsNull(r)) {
      scratch.push_back('n');
    } else {
      AppendCanonicalValue(c, r, scratch);
    }
    const uint32_t n = static_cast<uint32_t>(scratch.size());
    key.append(reinterpret_cast<const char*>(&n), 4);
    key += scratch;
  }
}

}  // namespace brisk
