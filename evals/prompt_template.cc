#include "evals/prompt_template.h"

#include <charconv>
#include <cctype>
#include <functional>
#include <map>
#include <optional>

#include "evals/scoring/py_str.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

struct PathStep {
  std::string key;               // a field name, or
  std::optional<int64_t> index;  // a list index (negative counts from the end)
};

struct Primary {
  std::vector<PathStep> path;  // non-empty for a path
  json literal;                // otherwise
  std::string Describe() const {
    std::string s;
    for (const auto& step : path) {
      if (step.index) {
        s += '[';
        s += std::to_string(*step.index);
        s += ']';
      } else {
        if (!s.empty()) s += '.';
        s += step.key;
      }
    }
    return s;
  }
};

struct FilterCall {
  std::string name;
  std::vector<Primary> args;
};

// A value, or "undefined" (a missing field) with what was missing.
struct Value {
  std::optional<json> value;
  std::string missing;
  static Value Undefined(std::string what) { return {std::nullopt, std::move(what)}; }
};

using FilterFn = std::function<StatusOr<Value>(const Value&, const std::vector<json>&)>;

struct FilterDef {
  size_t min_args;
  size_t max_args;
  bool takes_undefined;  // `default` sees undefined values; other filters pass them through
  FilterFn fn;
};

StatusOr<std::string> AsString(const Value& v, const char* filter) {
  if (!v.value->is_string()) {
    return Error(StatusCode::kInvalidArgument, "filter '{}' needs a string, got {}", filter,
                 v.value->type_name());
  }
  return v.value->get<std::string>();
}

StatusOr<json> AsList(const Value& v, const char* filter) {
  if (!v.value->is_array()) {
    return Error(StatusCode::kInvalidArgument, "filter '{}' needs a list, got {}", filter,
                 v.value->type_name());
  }
  return *v.value;
}

StatusOr<std::string> ArgString(const std::vector<json>& args, size_t i, const char* filter) {
  if (!args[i].is_string()) {
    return Error(StatusCode::kInvalidArgument, "filter '{}': argument {} must be a string", filter,
                 i + 1);
  }
  return args[i].get<std::string>();
}

std::string ScalarToString(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  return v.dump();  // integers as digits, floats in shortest round-trip form ("0.5", "1.0")
}

const std::map<std::string, FilterDef>& Filters() {
  static const std::map<std::string, FilterDef> filters = {
      {"trim", {0, 0, false, [](const Value& v, const std::vector<json>&) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(std::string s, AsString(v, "trim"));
         return Value{json(PyStrip(s)), ""};
       }}},
      {"lower", {0, 0, false, [](const Value& v, const std::vector<json>&) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(std::string s, AsString(v, "lower"));
         return Value{json(PyLower(s)), ""};
       }}},
      {"replace", {2, 2, false, [](const Value& v, const std::vector<json>& a) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(std::string s, AsString(v, "replace"));
         LFM_ASSIGN_OR_RETURN(std::string from, ArgString(a, 0, "replace"));
         LFM_ASSIGN_OR_RETURN(std::string to, ArgString(a, 1, "replace"));
         if (from.empty()) return Error(StatusCode::kInvalidArgument, "filter 'replace': empty pattern");
         return Value{json(PyReplace(s, from, to)), ""};
       }}},
      {"split", {1, 1, false, [](const Value& v, const std::vector<json>& a) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(std::string s, AsString(v, "split"));
         LFM_ASSIGN_OR_RETURN(std::string sep, ArgString(a, 0, "split"));
         if (sep.empty()) return Error(StatusCode::kInvalidArgument, "filter 'split': empty separator");
         return Value{json(PySplit(s, sep)), ""};
       }}},
      {"first", {0, 0, false, [](const Value& v, const std::vector<json>&) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(json list, AsList(v, "first"));
         if (list.empty()) return Error(StatusCode::kInvalidArgument, "filter 'first' of an empty list");
         return Value{list.front(), ""};
       }}},
      {"last", {0, 0, false, [](const Value& v, const std::vector<json>&) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(json list, AsList(v, "last"));
         if (list.empty()) return Error(StatusCode::kInvalidArgument, "filter 'last' of an empty list");
         return Value{list.back(), ""};
       }}},
      {"join", {1, 1, false, [](const Value& v, const std::vector<json>& a) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(json list, AsList(v, "join"));
         LFM_ASSIGN_OR_RETURN(std::string sep, ArgString(a, 0, "join"));
         std::vector<std::string> parts;
         for (const json& item : list) parts.push_back(ScalarToString(item));
         return Value{json(PyJoin(parts, sep)), ""};
       }}},
      {"letter", {0, 0, false, [](const Value& v, const std::vector<json>&) -> StatusOr<Value> {
         if (!v.value->is_number_integer() || v.value->get<int64_t>() < 0 ||
             v.value->get<int64_t>() >= 26) {
           return Error(StatusCode::kInvalidArgument, "filter 'letter' needs an integer 0-25, got {}",
                        v.value->dump());
         }
         return Value{json(std::string(1, static_cast<char>('A' + v.value->get<int64_t>()))), ""};
       }}},
      {"map_format", {1, 1, false, [](const Value& v, const std::vector<json>& a) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(json list, AsList(v, "map_format"));
         LFM_ASSIGN_OR_RETURN(std::string fmt, ArgString(a, 0, "map_format"));
         if (list.size() > 26) {
           return Error(StatusCode::kInvalidArgument, "filter 'map_format': {} items, at most 26",
                        list.size());
         }
         json out = json::array();
         for (size_t i = 0; i < list.size(); ++i) {
           std::string s = PyReplace(fmt, "{letter}", std::string(1, static_cast<char>('A' + i)));
           s = PyReplace(s, "{index}", std::to_string(i));
           out.push_back(PyReplace(s, "{item}", ScalarToString(list[i])));
         }
         return Value{out, ""};
       }}},
      {"map_trim", {0, 0, false, [](const Value& v, const std::vector<json>&) -> StatusOr<Value> {
         LFM_ASSIGN_OR_RETURN(json list, AsList(v, "map_trim"));
         json out = json::array();
         for (const json& item : list) out.push_back(PyStrip(ScalarToString(item)));
         return Value{out, ""};
       }}},
      // Evaluated lazily by EvalExpression (its argument may be undefined too).
      {"default", {1, 1, true, nullptr}},
  };
  return filters;
}

}  // namespace

struct PromptTemplate::Expression {
  Primary primary;
  std::vector<FilterCall> filters;
  std::string text;  // the source between the braces, for messages
};

namespace {

// A recursive-descent parser over one `{{ ... }}` body.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, size_t offset) : text_(text), offset_(offset) {}

  StatusOr<PromptTemplate::Expression> Parse() {
    PromptTemplate::Expression expr;
    expr.text = std::string(text_);
    LFM_ASSIGN_OR_RETURN(expr.primary, ParsePrimary());
    SkipSpace();
    while (Peek() == '|') {
      ++pos_;
      SkipSpace();
      FilterCall call;
      call.name = ParseName();
      if (call.name.empty()) return Fail("expected a filter name after '|'");
      auto def = Filters().find(call.name);
      if (def == Filters().end()) return Fail("unknown filter '" + call.name + "'");
      SkipSpace();
      if (Peek() == '(') {
        ++pos_;
        SkipSpace();
        while (Peek() != ')') {
          LFM_ASSIGN_OR_RETURN(Primary arg, ParsePrimary());
          call.args.push_back(std::move(arg));
          SkipSpace();
          if (Peek() == ',') {
            ++pos_;
            SkipSpace();
          } else if (Peek() != ')') {
            return Fail("expected ',' or ')' in the arguments of '" + call.name + "'");
          }
        }
        ++pos_;
      }
      if (call.args.size() < def->second.min_args || call.args.size() > def->second.max_args) {
        return Fail("filter '" + call.name + "' takes " + std::to_string(def->second.min_args) +
                    (def->second.max_args != def->second.min_args ? " or more" : "") + " argument(s)");
      }
      expr.filters.push_back(std::move(call));
      SkipSpace();
    }
    if (pos_ != text_.size()) return Fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return expr;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  Status Fail(const std::string& what) const {
    return Error(StatusCode::kInvalidArgument, "at offset {} in '{{{{{}}}}}': {}", offset_ + pos_,
                 std::string(text_), what);
  }
  std::string ParseName() {
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    if (start < pos_ && std::isdigit(static_cast<unsigned char>(text_[start]))) {
      pos_ = start;
      return "";
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  StatusOr<int64_t> ParseInteger() {
    const size_t start = pos_;
    if (Peek() == '-') ++pos_;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    const std::string digits(text_.substr(start, pos_ - start));
    if (digits.empty() || digits == "-") return Fail("expected an integer");
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc()) return Fail("integer " + digits + " is out of range");
    return value;
  }
  StatusOr<Primary> ParsePrimary() {
    SkipSpace();
    Primary p;
    const char c = Peek();
    if (c == '"' || c == '\'') {
      ++pos_;
      std::string s;
      while (pos_ < text_.size() && text_[pos_] != c) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
          const char e = text_[++pos_];
          s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          s += text_[pos_];
        }
        ++pos_;
      }
      if (pos_ >= text_.size()) return Fail("unterminated string");
      ++pos_;
      p.literal = s;
      return p;
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      LFM_ASSIGN_OR_RETURN(int64_t n, ParseInteger());
      p.literal = n;
      return p;
    }
    std::string name = ParseName();
    if (name.empty()) return Fail("expected a field name, string or integer");
    p.path.push_back({name, std::nullopt});
    while (true) {
      if (Peek() == '.') {
        ++pos_;
        name = ParseName();
        if (name.empty()) return Fail("expected a field name after '.'");
        p.path.push_back({name, std::nullopt});
      } else if (Peek() == '[') {
        ++pos_;
        LFM_ASSIGN_OR_RETURN(int64_t index, ParseInteger());
        if (Peek() != ']') return Fail("expected ']'");
        ++pos_;
        p.path.push_back({"", index});
      } else {
        return p;
      }
    }
  }

  std::string_view text_;
  size_t offset_;
  size_t pos_ = 0;
};

StatusOr<Value> EvalPrimary(const Primary& p, const json& doc) {
  if (p.path.empty()) return Value{p.literal, ""};
  const json* node = &doc;
  for (const PathStep& step : p.path) {
    if (step.index) {
      if (!node->is_array()) {
        return Error(StatusCode::kInvalidArgument, "'{}': indexing a {}, not a list", p.Describe(),
                     node->type_name());
      }
      const int64_t size = static_cast<int64_t>(node->size());
      const int64_t i = *step.index < 0 ? size + *step.index : *step.index;
      if (i < 0 || i >= size) {
        return Error(StatusCode::kInvalidArgument, "'{}': index out of range (the list has {} items)",
                     p.Describe(), size);
      }
      node = &(*node)[i];
    } else {
      if (!node->is_object() || !node->contains(step.key)) return Value::Undefined(p.Describe());
      node = &(*node)[step.key];
    }
  }
  return Value{*node, ""};
}

StatusOr<Value> EvalExpression(const PromptTemplate::Expression& expr, const json& doc) {
  LFM_ASSIGN_OR_RETURN(Value v, EvalPrimary(expr.primary, doc));
  for (const FilterCall& call : expr.filters) {
    const FilterDef& def = Filters().at(call.name);
    if (!v.value && !def.takes_undefined) continue;  // undefined passes through
    if (call.name == "default") {
      // The fallback is evaluated only when needed, and may itself be undefined.
      if (!v.value) {
        LFM_ASSIGN_OR_RETURN(v, EvalPrimary(call.args[0], doc));
      }
      continue;
    }
    std::vector<json> args;
    for (const Primary& arg : call.args) {
      LFM_ASSIGN_OR_RETURN(Value a, EvalPrimary(arg, doc));
      if (!a.value) {
        return Error(StatusCode::kInvalidArgument, "'{}': argument '{}' is not in the document",
                     expr.text, a.missing);
      }
      args.push_back(*a.value);
    }
    auto next = def.fn(v, args);
    if (!next.ok()) return next.status().WithPrefix("'" + expr.text + "'");
    v = std::move(next).value();
  }
  return v;
}

}  // namespace

StatusOr<PromptTemplate> PromptTemplate::Parse(std::string_view source) {
  PromptTemplate t;
  t.source_ = std::string(source);
  size_t pos = 0;
  while (pos < source.size()) {
    const size_t open = source.find("{{", pos);
    if (open == std::string_view::npos) {
      t.pieces_.push_back({std::string(source.substr(pos)), nullptr});
      break;
    }
    if (open > pos) t.pieces_.push_back({std::string(source.substr(pos, open - pos)), nullptr});
    const size_t close = source.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Error(StatusCode::kInvalidArgument, "at offset {}: '{{{{' is never closed", open);
    }
    ExpressionParser parser(source.substr(open + 2, close - open - 2), open + 2);
    LFM_ASSIGN_OR_RETURN(Expression expr, parser.Parse());
    t.pieces_.push_back({"", std::make_shared<const Expression>(std::move(expr))});
    pos = close + 2;
  }
  return t;
}

StatusOr<std::string> PromptTemplate::Render(const json& doc) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    if (!piece.expr) {
      out += piece.text;
      continue;
    }
    LFM_ASSIGN_OR_RETURN(Value v, EvalExpression(*piece.expr, doc));
    if (!v.value) {
      return Error(StatusCode::kInvalidArgument, "'{{{{{}}}}}': field '{}' is not in the document",
                   piece.expr->text, v.missing);
    }
    if (v.value->is_array() || v.value->is_object()) {
      return Error(StatusCode::kInvalidArgument,
                   "'{{{{{}}}}}' is a {}; select an element or `join` it", piece.expr->text,
                   v.value->is_array() ? "list" : "dict");
    }
    out += ScalarToString(*v.value);
  }
  return out;
}

StatusOr<json> PromptTemplate::Evaluate(const json& doc) const {
  if (pieces_.size() == 1 && pieces_[0].expr) {
    LFM_ASSIGN_OR_RETURN(Value v, EvalExpression(*pieces_[0].expr, doc));
    if (!v.value) {
      return Error(StatusCode::kInvalidArgument, "'{{{{{}}}}}': field '{}' is not in the document",
                   pieces_[0].expr->text, v.missing);
    }
    return *v.value;
  }
  LFM_ASSIGN_OR_RETURN(std::string s, Render(doc));
  return json(s);
}

}  // namespace lfm::evals
