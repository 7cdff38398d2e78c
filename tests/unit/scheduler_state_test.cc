#include "scheduler/scheduler_state.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
