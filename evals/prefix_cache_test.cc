#include "evals/prefix_cache.h"

#include <gtest/gtest.h>

namespace lfm::evals {
namespace {

using Cache = PrefixCache<int>;

TEST(PrefixCacheTest, LongestMatchingPrefixWithinTheLimit) {
  Cache cache(4);
  cache.Insert({1, 2}, std::make_unique<int>(2), {0.5f});
  cache.Insert({1, 2, 3, 4}, std::make_unique<int>(4), {});
  cache.Insert({1, 9}, std::make_unique<int>(9), {});
  const std::vector<int32_t> query = {1, 2, 3, 4, 5};
  EXPECT_EQ(*cache.Longest(query, 5)->state, 4);
  EXPECT_EQ(*cache.Longest(query, 3)->state, 2);  // {1,2,3,4} is longer than allowed
  EXPECT_EQ(cache.Longest(query, 3)->logits, std::vector<float>{0.5f});
  EXPECT_EQ(cache.Longest(query, 1), nullptr);
  EXPECT_EQ(cache.Longest(std::vector<int32_t>{2, 1}, 2), nullptr);
  EXPECT_EQ(cache.Longest(std::vector<int32_t>{1}, 5), nullptr);  // entries longer than the query
}

TEST(PrefixCacheTest, EvictsTheLeastRecentlyUsedAndReplacesDuplicates) {
  Cache cache(2);
  cache.Insert({1}, std::make_unique<int>(1), {});
  cache.Insert({2}, std::make_unique<int>(2), {});
  ASSERT_NE(cache.Longest(std::vector<int32_t>{1}, 1), nullptr);  // {1} is now the most recent
  cache.Insert({3}, std::make_unique<int>(3), {});                 // evicts {2}
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Longest(std::vector<int32_t>{2}, 1), nullptr);
  EXPECT_NE(cache.Longest(std::vector<int32_t>{1}, 1), nullptr);
  cache.Insert({3}, std::make_unique<int>(30), {});
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(*cache.Longest(std::vector<int32_t>{3}, 1)->state, 30);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PrefixCacheTest, CommonPrefix) {
  EXPECT_EQ(CommonPrefix(std::vector<int32_t>{1, 2, 3}, std::vector<int32_t>{1, 2, 4}), 2u);
  EXPECT_EQ(CommonPrefix(std::vector<int32_t>{}, std::vector<int32_t>{1}), 0u);
  EXPECT_EQ(CommonPrefix(std::vector<int32_t>{5, 6}, std::vector<int32_t>{5, 6, 7}), 2u);
}

}  // namespace
}  // namespace lfm::evals
