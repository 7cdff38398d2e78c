// Checks values computed by Brisk against NumPy's on the same inputs: inputs are written as .npy
// files, one run of Debian's /usr/bin/python3 evaluates every expected expression with numpy, and
// each result is compared (dtype, shape, and the values: exactly for integers and bools, within a
// relative tolerance of the largest magnitude for floats, NaN matching NaN).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "brisk/npy.h"
#include "brisk/value.h"

namespace brisk {

class NumpyCheck {
 public:
  NumpyCheck() {
    std::string templ = ::testing::TempDir() + "/numpy-check-XXXXXX";
    dir_ = mkdtemp(templ.data());
  }
  ~NumpyCheck() { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // Makes `name` a variable of the NumPy expressions, holding `value` (an ndarray).
  void Input(const std::string& name, const v1::Value& value) {
    absl::Status s = WriteNpy(absl::StrCat(dir_, "/in-", name, ".npy"), value);
    ASSERT_TRUE(s.ok()) << s;
    inputs_.push_back(name);
  }
  // Expects `got` to be what the NumPy expression `expr` gives.
  void Expect(const std::string& expr, const absl::StatusOr<v1::Value>& got, double rtol = 1e-9) {
    cases_.push_back({expr, got, rtol});
  }
  // Expects the NumPy expression to raise.
  void ExpectNumpyError(const std::string& expr) {
    cases_.push_back({expr, absl::UnknownError("not computed"), 0, true});
  }

  // Runs NumPy once for every expectation and compares.
  void Check() {
    {
      std::ofstream script(dir_ + "/check.py");
      script << "import sys\nimport numpy as np\nd = sys.argv[1]\nenv = {'np': np}\n"
                "for name in open(d + '/inputs.txt').read().split():\n"
                "    env[name] = np.load(d + '/in-' + name + '.npy')\n"
                "for i, expr in enumerate(open(d + '/cases.txt').read().splitlines()):\n"
                "    try:\n"
                "        np.save(d + '/out-%d.npy' % i, np.asarray(eval(expr, env)))\n"
                "    except Exception as e:\n"
                "        open(d + '/out-%d.err' % i, 'w').write(repr(e))\n";
      std::ofstream names(dir_ + "/inputs.txt");
      for (const std::string& n : inputs_) names << n << "\n";
      std::ofstream cases(dir_ + "/cases.txt");
      for (const Case& c : cases_) cases << c.expr << "\n";
    }
    const std::string cmd =
        absl::StrCat("/usr/bin/python3 -W ignore '", dir_, "/check.py' '", dir_, "'");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    for (size_t i = 0; i < cases_.size(); ++i) {
      const Case& c = cases_[i];
      SCOPED_TRACE(c.expr);
      absl::StatusOr<v1::Value> want = ReadNpy(absl::StrCat(dir_, "/out-", i, ".npy"));
      if (c.numpy_error) {
        EXPECT_FALSE(want.ok()) << "NumPy did not raise";
        continue;
      }
      ASSERT_TRUE(want.ok()) << "NumPy: " << want.status();
      ASSERT_TRUE(c.got.ok()) << c.got.status();
      Compare(*c.got, *want, c.rtol);
    }
    cases_.clear();
  }

  static void Compare(const v1::Value& got, const v1::Value& want, double rtol) {
    absl::StatusOr<ArrayView> g = ArrayView::Of(got), w = ArrayView::Of(want);
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_EQ(DTypeName(g->dtype()), DTypeName(w->dtype()));
    ASSERT_EQ(std::vector<uint64_t>(g->shape().begin(), g->shape().end()),
              std::vector<uint64_t>(w->shape().begin(), w->shape().end()));
    const bool floats = w->dtype() == v1::DTYPE_FLOAT32 || w->dtype() == v1::DTYPE_FLOAT64;
    if (!floats) {
      ASSERT_EQ(g->bytes(), w->bytes());
      return;
    }
    double scale = 0;
    for (uint64_t i = 0; i < w->size(); ++i) {
      const double v = std::fabs(w->AsDouble(i));
      if (std::isfinite(v)) scale = std::max(scale, v);
    }
    int bad = 0;
    for (uint64_t i = 0; i < w->size() && bad < 5; ++i) {
      const double a = g->AsDouble(i), b = w->AsDouble(i);
      if (std::isnan(b) || std::isinf(b)) {
        if (std::isnan(b) ? !std::isnan(a) : a != b) {
          ADD_FAILURE() << "element " << i << ": " << a << ", NumPy " << b;
          ++bad;
        }
        continue;
      }
      if (!(std::fabs(a - b) <= rtol * std::max(scale, 1e-300))) {
        ADD_FAILURE() << "element " << i << ": " << a << ", NumPy " << b;
        ++bad;
      }
    }
  }

 private:
  struct Case {
    std::string expr;
    absl::StatusOr<v1::Value> got;
    double rtol = 0;
    bool numpy_error = false;
  };
  std::string dir_;
  std::vector<std::string> inputs_;
  std::vector<Case> cases_;
};

}  // namespace brisk
