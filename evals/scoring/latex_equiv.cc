#include "evals/scoring/latex_equiv.h"

#include <cstdlib>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <complex>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "evals/scoring/metrics.h"

namespace lfm::evals::math {
namespace {

using Complex = std::complex<double>;

struct Node {
  enum Kind { kNumber, kSymbol, kAdd, kSub, kMul, kDiv, kPow, kNeg, kFunc, kFactorial, kAbs };
  Kind kind;
  double number = 0;
  std::string name;  // symbol or function name
  std::vector<std::unique_ptr<Node>> args;
};
using NodePtr = std::unique_ptr<Node>;

NodePtr Make(Node::Kind kind, NodePtr a = nullptr, NodePtr b = nullptr) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  if (a) node->args.push_back(std::move(a));
  if (b) node->args.push_back(std::move(b));
  return node;
}

const std::set<std::string>& Functions() {
  static const auto* names = new std::set<std::string>{
      "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "log", "ln", "exp"};
  return *names;
}

const std::set<std::string>& Greek() {
  static const auto* names = new std::set<std::string>{
      "alpha", "beta",   "gamma", "delta", "epsilon", "zeta",     "eta",       "theta", "iota",
      "kappa", "lambda", "mu",    "nu",    "xi",      "rho",      "sigma",     "tau",   "upsilon",
      "phi",   "chi",    "psi",   "omega", "varphi",  "vartheta", "varepsilon"};
  return *names;
}

// Recursive-descent parser over the LaTeX text; every method returns nullptr on failure.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  NodePtr ParseAll() {
    NodePtr node = Expr();
    SkipSpace();
    return node && pos_ == text_.size() ? std::move(node) : nullptr;
  }

 private:
  // Skips whitespace and the commands that only affect layout.
  void SkipSpace() {
    while (pos_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      } else if (Peek("\\left") || Peek("\\right")) {
        pos_ += Peek("\\left") ? 5 : 6;
      } else if (Peek("\\!") || Peek("\\,") || Peek("\\;") || Peek("\\ ") || Peek("\\:")) {
        pos_ += 2;
      } else {
        break;
      }
    }
  }
  bool Peek(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
  bool Accept(std::string_view s) {
    SkipSpace();
    if (!Peek(s)) return false;
    pos_ += s.size();
    return true;
  }
  // The command name at pos_ ("\frac" -> "frac"), without consuming it.
  std::string PeekCommand() const {
    if (pos_ >= text_.size() || text_[pos_] != '\\') return "";
    size_t end = pos_ + 1;
    while (end < text_.size() && std::isalpha(static_cast<unsigned char>(text_[end]))) ++end;
    return std::string(text_.substr(pos_ + 1, end - pos_ - 1));
  }

  NodePtr Expr() {
    NodePtr left = Term();
    while (left) {
      if (Accept("+")) {
        left = Make(Node::kAdd, std::move(left), Term());
      } else if (Accept("-")) {
        left = Make(Node::kSub, std::move(left), Term());
      } else {
        break;
      }
      if (left->args.size() != 2) return nullptr;
    }
    return left;
  }

  bool StartsAtom() {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '(' || c == '[' || c == '{' ||
        c == '.') {
      return true;
    }
    const std::string command = PeekCommand();
    return command == "frac" || command == "dfrac" || command == "tfrac" || command == "sqrt" ||
           command == "pi" || Greek().count(command) || Functions().count(command);
  }

  NodePtr Term() {
    NodePtr left = Unary();
    while (left) {
      Node::Kind kind;
      if (Accept("*") || Accept("\\cdot") || Accept("\\times")) {
        kind = Node::kMul;
      } else if (Accept("/") || Accept("\\div")) {
        kind = Node::kDiv;
      } else if (StartsAtom()) {
        kind = Node::kMul;  // implicit multiplication: 2x, 2\sqrt{3}, xy
      } else {
        break;
      }
      NodePtr right = Unary();
      if (!right) return nullptr;
      left = Make(kind, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr Unary() {
    if (Accept("-")) {
      NodePtr inner = Unary();
      return inner ? Make(Node::kNeg, std::move(inner)) : nullptr;
    }
    if (Accept("+")) return Unary();
    return Power();
  }

  NodePtr Power() {
    NodePtr base = Postfix();
    if (!base) return nullptr;
    if (Accept("^")) {
      NodePtr exponent = Exponent();
      if (!exponent) return nullptr;
      return Make(Node::kPow, std::move(base), std::move(exponent));
    }
    return base;
  }

  // After ^ or _: a braced group, or one digit / letter / atom.
  NodePtr Exponent() {
    SkipSpace();
    if (Accept("{")) return Closing(Expr(), "}");
    if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      return Number(1);
    }
    return Postfix();
  }

  NodePtr Postfix() {
    NodePtr node = Primary();
    while (node && Accept("!")) node = Make(Node::kFactorial, std::move(node));
    return node;
  }

  NodePtr Closing(NodePtr inner, std::string_view close) {
    return inner && Accept(close) ? std::move(inner) : nullptr;
  }

  NodePtr Number(size_t max_digits = std::string::npos) {
    const size_t start = pos_;
    size_t digits = 0;
    while (pos_ < text_.size() && digits < max_digits &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
            (text_[pos_] == '.' && max_digits == std::string::npos))) {
      ++pos_;
      ++digits;
    }
    const std::string literal(text_.substr(start, pos_ - start));
    if (literal.empty() || literal == "." || std::count(literal.begin(), literal.end(), '.') > 1) {
      return nullptr;
    }
    auto node = Make(Node::kNumber);
    node->number = std::strtod(literal.c_str(), nullptr);  // huge literals become inf, no throw
    return node;
  }

  NodePtr Symbol(std::string name) {
    if (Accept("_")) {  // x_1, x_{10}: part of the symbol's name
      SkipSpace();
      const size_t start = pos_;
      if (Accept("{")) {
        const size_t close = text_.find('}', pos_);
        if (close == std::string_view::npos) return nullptr;
        pos_ = close + 1;
      } else if (pos_ < text_.size()) {
        ++pos_;
      } else {
        return nullptr;
      }
      name += "_" + std::string(text_.substr(start, pos_ - start));
    }
    auto node = Make(Node::kSymbol);
    node->name = std::move(name);
    return node;
  }

  // A group argument: {expr}, or a single character / atom (\frac12, \sqrt2).
  NodePtr Argument() {
    SkipSpace();
    if (Accept("{")) return Closing(Expr(), "}");
    if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      return Number(1);
    }
    return Primary();
  }

  NodePtr Function(const std::string& name) {
    NodePtr power;
    if (Accept("^")) {
      power = Exponent();
      if (!power) return nullptr;
    }
    SkipSpace();
    NodePtr arg = Accept("(") ? Closing(Expr(), ")") : Power();
    if (!arg) return nullptr;
    auto call = Make(Node::kFunc, std::move(arg));
    call->name = name == "ln" ? "log" : name;
    return power ? Make(Node::kPow, std::move(call), std::move(power)) : std::move(call);
  }

  NodePtr Primary() {
    SkipSpace();
    if (pos_ >= text_.size()) return nullptr;
    const char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return Number();
    if (std::isalpha(static_cast<unsigned char>(c))) {
      ++pos_;
      return Symbol(std::string(1, c));
    }
    if (Accept("(")) return Closing(Expr(), ")");
    if (Accept("[")) return Closing(Expr(), "]");
    if (Accept("{")) return Closing(Expr(), "}");
    if (Accept("|")) {
      NodePtr inner = Closing(Expr(), "|");
      return inner ? Make(Node::kAbs, std::move(inner)) : nullptr;
    }
    const std::string command = PeekCommand();
    if (command.empty()) return nullptr;
    pos_ += command.size() + 1;
    if (command == "frac" || command == "dfrac" || command == "tfrac") {
      NodePtr numerator = Argument();
      NodePtr denominator = numerator ? Argument() : nullptr;
      return denominator ? Make(Node::kDiv, std::move(numerator), std::move(denominator)) : nullptr;
    }
    if (command == "sqrt") {
      NodePtr index;
      if (Accept("[")) {
        index = Closing(Expr(), "]");
        if (!index) return nullptr;
      }
      NodePtr radicand = Argument();
      if (!radicand) return nullptr;
      if (!index) {
        index = Make(Node::kNumber);
        index->number = 2;
      }
      auto reciprocal = Make(Node::kDiv, Make(Node::kNumber), std::move(index));
      reciprocal->args[0]->number = 1;
      return Make(Node::kPow, std::move(radicand), std::move(reciprocal));
    }
    if (command == "pi" || Greek().count(command)) return Symbol("\\" + command);
    if (Functions().count(command)) return Function(command);
    return nullptr;  // \text, \infty, \binom, ...: not in the subset
  }

  std::string_view text_;
  size_t pos_ = 0;
};

void CollectSymbols(const Node& node, std::set<std::string>& out) {
  if (node.kind == Node::kSymbol && node.name != "\\pi") out.insert(node.name);
  for (const auto& arg : node.args) CollectSymbols(*arg, out);
}

Complex Evaluate(const Node& node, const std::map<std::string, Complex>& values) {
  auto arg = [&](size_t i) { return Evaluate(*node.args[i], values); };
  switch (node.kind) {
    case Node::kNumber:
      return node.number;
    case Node::kSymbol:
      return node.name == "\\pi" ? Complex(M_PI) : values.at(node.name);
    case Node::kAdd:
      return arg(0) + arg(1);
    case Node::kSub:
      return arg(0) - arg(1);
    case Node::kMul:
      return arg(0) * arg(1);
    case Node::kDiv:
      return arg(0) / arg(1);
    case Node::kPow:
      return std::pow(arg(0), arg(1));
    case Node::kNeg:
      return -arg(0);
    case Node::kAbs:
      return std::abs(arg(0));
    case Node::kFactorial:
      return std::tgamma(arg(0).real() + 1);
    case Node::kFunc: {
      const Complex x = arg(0);
      if (node.name == "sin") return std::sin(x);
      if (node.name == "cos") return std::cos(x);
      if (node.name == "tan") return std::tan(x);
      if (node.name == "sec") return 1.0 / std::cos(x);
      if (node.name == "csc") return 1.0 / std::sin(x);
      if (node.name == "cot") return 1.0 / std::tan(x);
      if (node.name == "arcsin") return std::asin(x);
      if (node.name == "arccos") return std::acos(x);
      if (node.name == "arctan") return std::atan(x);
      if (node.name == "exp") return std::exp(x);
      return std::log(x);
    }
  }
  return std::nan("");
}

bool Finite(Complex z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); }

}  // namespace

bool LatexParses(std::string_view text) { return Parser(text).ParseAll() != nullptr; }

bool LatexEquivalent(std::string_view a, std::string_view b) {
  const NodePtr left = Parser(a).ParseAll();
  const NodePtr right = Parser(b).ParseAll();
  if (!left || !right) return false;
  std::set<std::string> symbols;
  CollectSymbols(*left, symbols);
  CollectSymbols(*right, symbols);
  PythonRandom rng(20240601);  // fixed seed: the same verdict on every run
  int compared = 0;
  for (int point = 0; point < 6; ++point) {
    std::map<std::string, Complex> values;
    for (const auto& symbol : symbols) values[symbol] = 0.5 + 2.5 * PyRandomDouble(rng);
    const Complex x = Evaluate(*left, values);
    const Complex y = Evaluate(*right, values);
    if (!Finite(x) && !Finite(y)) continue;  // a pole of both: no evidence either way
    if (!Finite(x) || !Finite(y)) return false;
    // Relative tolerance: both sides are a few double operations from exact values.
    if (std::abs(x - y) > 1e-9 * std::max({1.0, std::abs(x), std::abs(y)})) return false;
    ++compared;
  }
  return compared > 0;
}

}  // namespace lfm::evals::math
