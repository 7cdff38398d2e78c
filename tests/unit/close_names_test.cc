#include "scheduler/close_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("shell", "shell", 2), 0);
  EXPECT_EQ(EditDistance("shel", "shell", 2), 1);
  EXPECT_EQ(EditDistance("shlel", "shell", 2), 2);
  EXPECT_EQ(EditDistance("", "abc", 5), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting", 5), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting", 2), 3) << "beyond the limit: limit + 1";
}

TEST(CloseNames, ClosestFirstThenAlphabetical) {
  const std::vector<std::string> ops = {"shell", "sum", "sleep", "mandelbrot", "add", "tile"};
  EXPECT_THAT(CloseNames("shel", ops), ElementsAre("shell"));
  EXPECT_THAT(CloseNames("tilez", {"title", "tiles", "tile", "tiled-map"}),
              ElementsAre("tile", "tiles", "title"));
  EXPECT_THAT(CloseNames("mandlebrot", ops), ElementsAre("mandelbrot"));
  EXPECT_THAT(CloseNames("frobnicate", ops), IsEmpty());
  EXPECT_THAT(CloseNames("shell", ops), IsEmpty()) << "never the name itself";
}

}  // namespace
}  // namespace brisk
