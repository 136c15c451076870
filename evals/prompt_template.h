// The small template language of task specs: literal text with `{{ expression }}` holes, filled
// from one document (a JSON object). It covers what lm-eval's Jinja prompts for the suite need,
// and nothing task-specific:
//
//   expression := primary ( "|" filter )*
//   primary    := path | "string" | 'string' | integer
//   path       := name ( "." name | "[" integer "]" )*        question, choices[0], a.b[-1]
//   filter     := name [ "(" primary ( "," primary )* ")" ]
//
// Filters (Python semantics, so prompts match lm-eval's byte for byte):
//   trim                  str.strip() (Unicode whitespace)
//   lower                 str.lower()
//   replace(a, b)         str.replace(a, b)
//   split(sep)            str.split(sep) -> list
//   first, last           list[0], list[-1]
//   join(sep)             sep.join(list)
//   letter                integer i -> "A" + i
//   map_format(fmt)       list -> list of fmt with {letter}, {index}, {item} filled per element
//   default(x)            x when the value is undefined (a field missing from the document)
//
// A missing field is "undefined": filters pass it through (except `default`), and rendering it
// is an error naming the field. Scalars render as Python's str() does: 3, 0.5, True, None.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace lfm::evals {

class PromptTemplate {
 public:
  // Parses `source`. kInvalidArgument naming the character offset and the problem (unclosed
  // "{{", unknown filter, bad argument count, ...).
  static StatusOr<PromptTemplate> Parse(std::string_view source);

  // Fills the template from `doc`. kInvalidArgument when an expression is undefined (naming the
  // field), renders a list or object, or applies a filter to the wrong kind of value.
  StatusOr<std::string> Render(const nlohmann::json& doc) const;

  // For templates that are exactly one `{{ expression }}`: its value (possibly a list, as
  // `doc_to_choice: "{{options}}"` needs). Otherwise the rendered string.
  StatusOr<nlohmann::json> Evaluate(const nlohmann::json& doc) const;

  const std::string& source() const { return source_; }

  // Implementation types, public for the parser and evaluator in prompt_template.cc.
  struct Expression;
  struct Piece {
    std::string text;                        // literal text, or
    std::shared_ptr<const Expression> expr;  // a hole
  };

 private:
  std::string source_;
  std::vector<Piece> pieces_;
};

}  // namespace lfm::evals
