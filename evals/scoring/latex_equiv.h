// Symbolic equality of two LaTeX answers without sympy: lm-eval's minerva_math counts answers
// equal when sympy's parse_latex reads both and simplify(a - b) == 0 (a parse failure counts as
// different). Here a small parser reads the LaTeX subset answers use — numbers, single-letter and
// Greek symbols, + - * / ^ _ !, \cdot \times \div, \frac \dfrac \tfrac, \sqrt[n]{}, \pi, e,
// (), [], {}, \left \right, |x|, \sin \cos \tan \sec \csc \cot \arcsin \arccos \arctan \log \ln
// \exp, implicit multiplication — and the two are compared numerically (complex arithmetic) at
// several random assignments of their symbols.
//
// Where it can differ from sympy: a construct sympy parses but this subset does not (\binom,
// \int, matrices, ...) counts as different here; simplify() sometimes fails to reduce a true
// identity to 0 (sympy says different, here equal); random points make a false "equal"
// astronomically unlikely but not impossible.
#pragma once

#include <string_view>

namespace lfm::evals::math {

// True when both strings parse and agree at every sampled point.
bool LatexEquivalent(std::string_view a, std::string_view b);
// True when `text` parses as an expression (sympy's parse_latex would not raise).
bool LatexParses(std::string_view text);

}  // namespace lfm::evals::math
