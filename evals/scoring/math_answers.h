// Answer extraction and equivalence for the MATH family, as lm-evaluation-harness scores it:
//   hendrycks_math: the text between the first and last `$` (or the whole output), compared with
//     the gold's last \boxed{} through Hendrycks' is_equiv (strip_string normalisation);
//   minerva_math: "Final Answer: The final answer is X. I hope it is correct.", Lewkowycz et
//     al.'s normalize_final_answer, then symbolic equality (LatexEquivalent stands in for sympy);
//   math_boxed: the output's last \boxed{} compared with Hendrycks' is_equiv (MATH500 practice).
// Where the Python code raises (an assert in remove_boxed, an IndexError in fix_sqrt ...) the
// functions return std::nullopt and callers reproduce what the Python caller does with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lfm::evals::math {

// The last "\boxed{...}" (balanced braces) or "\fbox{...}"; "\boxed X" up to the next `$` when
// the text contains "\boxed "; nullopt when there is none or its braces never close.
std::optional<std::string> LastBoxedOnlyString(std::string_view text);
// The content of "\boxed{...}" / "\boxed ..."; nullopt where Python's asserts fail (\fbox).
std::optional<std::string> RemoveBoxed(std::string_view boxed);
// RemoveBoxed(LastBoxedOnlyString(text)), nullopt if either step has nothing.
std::optional<std::string> LastBoxedContent(std::string_view text);

// Hendrycks' strip_string; nullopt where the Python function raises.
std::optional<std::string> HendrycksStripString(std::string_view text);
// Hendrycks' is_equiv: both absent -> true, one absent -> false, normalised equality, and raw
// equality when normalisation raises.
bool HendrycksIsEquiv(const std::optional<std::string>& a, const std::optional<std::string>& b);
// lm-eval hendrycks_math's answer: between the first and last `$` if there are two or more.
std::string HendrycksExtract(std::string_view output);

// minerva_math's get_unnormalized_answer ("[invalidanswer]" when the sentence is missing).
std::string MinervaUnnormalizedAnswer(std::string_view output);
// Lewkowycz et al. (2022) appendix D normalize_final_answer.
std::string MinervaNormalize(std::string_view answer);

inline constexpr const char* kMinervaInvalid = "[invalidanswer]";

}  // namespace lfm::evals::math
