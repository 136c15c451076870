// MATH answer extraction and equivalence: hand-worked cases of the Python functions in lm-eval's
// hendrycks_math / minerva_math utils, including the paths where the Python code raises.
#include "evals/scoring/math_answers.h"

#include <gtest/gtest.h>

#include "evals/scoring/latex_equiv.h"

namespace lfm::evals::math {
namespace {

TEST(MathAnswersTest, LastBoxed) {
  EXPECT_EQ(LastBoxedContent("$\\boxed{1}$ then $\\boxed{\\frac{a}{b}}$"), "\\frac{a}{b}");
  EXPECT_EQ(LastBoxedContent("so \\boxed 5$ done"), "5");  // "\boxed " form, up to the next $
  EXPECT_EQ(LastBoxedContent("no box"), std::nullopt);
  EXPECT_EQ(LastBoxedContent("\\boxed{unclosed"), std::nullopt);
  EXPECT_EQ(LastBoxedOnlyString("\\fbox{3}"), "\\fbox{3}");
  EXPECT_EQ(LastBoxedContent("\\fbox{3}"), std::nullopt);  // remove_boxed asserts "\boxed{"
}

TEST(MathAnswersTest, HendrycksStripString) {
  EXPECT_EQ(HendrycksStripString("0.5"), "\\frac{1}{2}");
  EXPECT_EQ(HendrycksStripString("\\dfrac12"), "\\frac{1}{2}");
  EXPECT_EQ(HendrycksStripString("\\frac1{72}"), "\\frac{1}{72}");
  EXPECT_EQ(HendrycksStripString("\\sqrt3"), "\\sqrt{3}");
  EXPECT_EQ(HendrycksStripString(".25"), "0.25");
  EXPECT_EQ(HendrycksStripString(".5"), "\\frac{1}{2}");  // "0.5" first, then the special case
  EXPECT_EQ(HendrycksStripString("k = 3"), "3");
  EXPECT_EQ(HendrycksStripString("abc = 3"), "abc=3");  // lhs longer than 2 characters
  EXPECT_EQ(HendrycksStripString("10/4"), "\\frac{10}{4}");
  EXPECT_EQ(HendrycksStripString("010/4"), "010/4");  // int() parses, but not canonical
  EXPECT_EQ(HendrycksStripString("90^\\circ"), "90");
  EXPECT_EQ(HendrycksStripString("5\\%"), "5");
  EXPECT_EQ(HendrycksStripString("\\left( 1,2 \\right)"), "(1,2)");
  // Paths where Python raises: int("x") in fix_a_slash_b, a trailing \sqrt or \frac, two units.
  EXPECT_EQ(HendrycksStripString("x/2"), std::nullopt);
  EXPECT_EQ(HendrycksStripString("2\\sqrt"), std::nullopt);
  EXPECT_EQ(HendrycksStripString("1\\frac"), std::nullopt);
  EXPECT_EQ(HendrycksStripString("1\\text{ m}2\\text{ s}"), std::nullopt);
}

TEST(MathAnswersTest, HendrycksIsEquiv) {
  EXPECT_TRUE(HendrycksIsEquiv("\\tfrac{3}{4}", "\\frac{3}{4}"));
  EXPECT_TRUE(HendrycksIsEquiv("3/4", "\\frac34"));
  EXPECT_FALSE(HendrycksIsEquiv("0.50", "\\frac{1}{2}"));
  EXPECT_TRUE(HendrycksIsEquiv(std::nullopt, std::nullopt));
  EXPECT_FALSE(HendrycksIsEquiv("1", std::nullopt));
  // When normalisation raises, the raw strings are compared.
  EXPECT_TRUE(HendrycksIsEquiv("x/2", "x/2"));
  EXPECT_FALSE(HendrycksIsEquiv("x/2", "x/ 2"));
}

TEST(MathAnswersTest, HendrycksExtract) {
  EXPECT_EQ(HendrycksExtract("The value is $4$ or $5$."), "4$ or $5");
  EXPECT_EQ(HendrycksExtract("costs $5"), "costs $5");
  EXPECT_EQ(HendrycksExtract("plain 7"), "plain 7");
}

TEST(MathAnswersTest, MinervaExtractionAndNormalisation) {
  EXPECT_EQ(MinervaUnnormalizedAnswer("x\nFinal Answer: The final answer is $7$. I hope it is "
                                      "correct."),
            "$7$");
  // The appended "I hope it is correct." lets an answer that ends the output match.
  EXPECT_EQ(MinervaUnnormalizedAnswer("Final Answer: The final answer is 7. "), "7");
  EXPECT_EQ(MinervaUnnormalizedAnswer("The answer is 7."), kMinervaInvalid);
  EXPECT_EQ(MinervaNormalize("x = \\$1,000"), "1000");
  EXPECT_EQ(MinervaNormalize("\\text{(B)}"), "(B)");
  EXPECT_EQ(MinervaNormalize("5 \\text{ inches}"), "5");
  EXPECT_EQ(MinervaNormalize("\\frac12"), "\\frac{1}{2}");
  EXPECT_EQ(MinervaNormalize("\\sqrt2"), "\\sqrt{2}");
  EXPECT_EQ(MinervaNormalize("1,2"), "12");  // only digits left once commas go
  EXPECT_EQ(MinervaNormalize("(1,2)"), "(1,2)");
}

TEST(LatexEquivTest, SymbolicallyEqualForms) {
  EXPECT_TRUE(LatexEquivalent("\\frac{6}{8}", "\\frac{3}{4}"));
  EXPECT_TRUE(LatexEquivalent("\\sqrt{12}", "2\\sqrt{3}"));
  EXPECT_TRUE(LatexEquivalent("0.5", "\\frac{1}{2}"));
  EXPECT_TRUE(LatexEquivalent("2x+2", "2(x+1)"));
  EXPECT_TRUE(LatexEquivalent("x^{2}-1", "(x-1)(x+1)"));
  EXPECT_TRUE(LatexEquivalent("\\frac{\\pi}{2}", "\\pi/2"));
  EXPECT_TRUE(LatexEquivalent("\\sqrt[3]{8}", "2"));
  EXPECT_TRUE(LatexEquivalent("\\left(3\\right)!", "6"));
}

TEST(LatexEquivTest, DifferentOrUnparsable) {
  EXPECT_FALSE(LatexEquivalent("\\frac{2}{3}", "\\frac{3}{4}"));
  EXPECT_FALSE(LatexEquivalent("x+1", "x+2"));
  EXPECT_FALSE(LatexEquivalent("2x", "x^2"));
  // sympy's parse_latex cannot read a comma list either, which lm-eval counts as wrong.
  EXPECT_FALSE(LatexEquivalent("1,2", "1,2"));
  EXPECT_FALSE(LatexEquivalent("[invalidanswer]", "9"));
  EXPECT_FALSE(LatexParses("\\text{yes}"));
  EXPECT_TRUE(LatexParses("12"));
}

}  // namespace
}  // namespace lfm::evals::math
