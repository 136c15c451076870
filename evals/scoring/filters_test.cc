// Filters against hand-worked lm-eval behaviour (lm_eval/filters/extraction.py, selection.py).
#include "evals/scoring/filters.h"

#include <gtest/gtest.h>

namespace lfm::evals {
namespace {

using nlohmann::json;

std::string RunOne(const std::string& name, const json& config, const std::string& response,
                   const json& doc = json::object()) {
  auto filter = MakeFilter(name, config);
  EXPECT_TRUE(filter.ok()) << filter.status().message();
  if (!filter.ok()) return "";
  auto out = (*filter)->Apply({response}, doc);
  return out.empty() ? "<none>" : out[0];
}

TEST(FiltersTest, RegexDefaultsToGsm8kStrictPatternAndFallback) {
  EXPECT_EQ(RunOne("regex", json::object(), "so\n#### 1,234"), "1,234");
  EXPECT_EQ(RunOne("regex", json::object(), "no final line"), "[invalid]");
  EXPECT_EQ(RunOne("regex", {{"fallback", "none"}}, "nothing"), "none");
}

TEST(FiltersTest, RegexGroupSelectAndFirstNonEmptyGroup) {
  const json flexible = {{"regex_pattern", "(-?[$0-9.,]{2,})|(-?[0-9]+)"}, {"group_select", -1}};
  EXPECT_EQ(RunOne("regex", flexible, "3 apples, then 12 pears and 5"), "5");
  EXPECT_EQ(RunOne("regex", flexible, "costs $1,250 total"), "$1,250");
  const json first = {{"regex_pattern", "(\\d+)"}, {"group_select", 0}};
  EXPECT_EQ(RunOne("regex", first, "7 then 8"), "7");
  // An index past the matches: Python would raise; the filter falls back.
  EXPECT_EQ(RunOne("regex", {{"regex_pattern", "(\\d)"}, {"group_select", 5}}, "1 2"), "[invalid]");
}

TEST(FiltersTest, RegexResultIsStripped) {
  EXPECT_EQ(RunOne("regex", {{"regex_pattern", "A:(.*)"}}, "A:  yes  "), "yes");
}

TEST(FiltersTest, SimpleFilters) {
  EXPECT_EQ(RunOne("lowercase", nullptr, "ÉTÉ Ok"), "été ok");
  EXPECT_EQ(RunOne("strip", nullptr, " \n x \t"), "x");
  EXPECT_EQ(RunOne("remove_whitespace", nullptr, "  two"), " two");  // one leading space only
  auto take_first = MakeFilter("take_first", nullptr);
  ASSERT_TRUE(take_first.ok());
  EXPECT_EQ((*take_first)->Apply({"a", "b"}, json::object()), (std::vector<std::string>{"a"}));
}

TEST(FiltersTest, MultiChoiceRegexFallsBackToChoiceTextThenLetter) {
  const json config = {{"regex_pattern", "answer is \\(([A-D])\\)"}, {"ignore_case", true}};
  const json doc = {{"choices", {"Paris", "London", "Rome", "Berlin"}}};
  EXPECT_EQ(RunOne("multi_choice_regex", config, "the answer is (C)", doc), "C");
  EXPECT_EQ(RunOne("multi_choice_regex", config, "I think it's rome.", doc), "(C)");
  EXPECT_EQ(RunOne("multi_choice_regex", config, "Final: B", doc), "(B)");
  EXPECT_EQ(RunOne("multi_choice_regex", config, "no idea", doc), "[invalid]");
}

TEST(FiltersTest, UnknownNamesAndOptionsAreClearErrors) {
  auto unknown = MakeFilter("regx", nullptr);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("did you mean 'regex'"), std::string::npos);
  auto bad_option = MakeFilter("regex", {{"regex_patern", "x"}});
  ASSERT_FALSE(bad_option.ok());
  EXPECT_NE(bad_option.status().message().find("did you mean 'regex_pattern'"), std::string::npos);
  auto bad_type = MakeFilter("regex", {{"group_select", "last"}});
  ASSERT_FALSE(bad_type.ok());
  auto bad_regex = MakeFilter("regex", {{"regex_pattern", "(unclosed"}});
  ASSERT_FALSE(bad_regex.ok());
}

TEST(FiltersTest, ChainRunsInOrder) {
  auto chain = FilterChain::Make("flexible-extract",
                                 json::parse(R"j([{"function": "regex", "group_select": -1,
                       "regex_pattern": "(-?[$0-9.,]{2,})|(-?[0-9]+)"},
                      {"function": "take_first"}])j"));
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  EXPECT_EQ(chain->name(), "flexible-extract");
  EXPECT_EQ(chain->Run("It is 30. The answer is 30", json::object()), "30");
  auto broken = FilterChain::Make("x", json::parse(R"j([{"function": "tak_first"}])j"));
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("filter chain 'x'"), std::string::npos);
  EXPECT_FALSE(FilterChain::Make("x", json::parse(R"j([{"regex_pattern": "a"}])j")).ok());
}

}  // namespace
}  // namespace lfm::evals
