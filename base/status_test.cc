#include "base/status.h"

#include <gtest/gtest.h>

namespace lfm {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return Error(StatusCode::kInvalidArgument, "{} is odd", x);
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  LFM_ASSIGN_OR_RETURN(int half, Half(x));
  LFM_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusTest, PropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  StatusOr<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "3 is odd");
  EXPECT_EQ(bad.status().WithPrefix("f.gguf").message(), "f.gguf: 3 is odd");
}

}  // namespace
}  // namespace lfm
