// brisk::Array's creation, element-wise operations and reductions on an embedded cluster of two
// workers, against NumPy's results on the same inputs (tests/support/numpy_check.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "brisk/array.h"
#include "brisk/client.h"
#include "tests/support/numpy_check.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

class ArrayCore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Client::StartLocal({.workers = 2, .threads_per_worker = 1, .plugins = {}});
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = c->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
  }
  static absl::StatusOr<v1::Value> Get(const Array& a) { return a.Compute(*client_); }
  // Computes `a` and makes it the NumPy input `name`.
  static void Input(NumpyCheck& np, const std::string& name, const Array& a) {
    absl::StatusOr<v1::Value> v = Get(a);
    ASSERT_TRUE(v.ok()) << name << ": " << v.status();
    np.Input(name, *v);
  }
  static Client* client_;
};
Client* ArrayCore::client_ = nullptr;

TEST_F(ArrayCore, SmokeFusedSum) {
  NumpyCheck np;
  Array x = Array::RandomUniform(1, {7, 5}, {3, 2});
  Input(np, "x", x);
  np.Expect("((2*x+1)**2).sum()", Get(((2.0 * x + 1.0) ^ 2.0).Sum()));
  np.Expect("x + 1", Get(x + 1));
  np.Check();
}

}  // namespace
}  // namespace brisk
