// IFEval checkers about layout and fixed forms: detectable_content:*, detectable_format:*,
// combination:*, startend:*. Each mirrors the official check_following; comments name the
// Python expression where it is not obvious.
#include <cctype>
#include <nlohmann/json.hpp>

#include "evals/scoring/ifeval/instructions_internal.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

using Result = StatusOr<std::unique_ptr<Instruction>>;

const PyRegex& Constant(const char* pattern, unsigned flags = PyRegex::kNone) {
  // Only called with the literal patterns below, each from one function-local static.
  return *new PyRegex(MustCompile(pattern, flags));
}

Result NumberPlaceholders(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_placeholders"}));
  LFM_ASSIGN_OR_RETURN(double minimum, kwargs.Number("num_placeholders"));
  static const PyRegex& placeholder = Constant("\\[.*?\\]");
  return Check([=](std::string_view value) {
    return static_cast<double>(placeholder.FindAll(value).size()) >= minimum;
  });
}

Result Postscript(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"postscript_marker"}));
  LFM_ASSIGN_OR_RETURN(std::string marker, kwargs.String("postscript_marker"));
  marker = PyStrip(marker);
  std::string pattern;
  if (marker == "P.P.S") {
    pattern = "\\s*p\\.\\s?p\\.\\s?s.*$";
  } else if (marker == "P.S.") {
    pattern = "\\s*p\\.\\s?s\\..*$";
  } else {
    pattern = "\\s*" + PyLower(marker) + ".*$";  // the marker is used as a regex
  }
  auto regex = PyRegex::Compile(pattern, PyRegex::kMultiline);
  if (!regex.ok()) return regex.status().WithPrefix("instruction '" + kwargs.id() + "'");
  auto shared = std::make_shared<const PyRegex>(std::move(*regex));
  return Check(
      [shared](std::string_view value) { return !shared->FindAll(PyLower(value)).empty(); });
}

Result NumberBulletLists(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_bullets"}));
  LFM_ASSIGN_OR_RETURN(double expected, kwargs.Number("num_bullets"));
  static const PyRegex& star = Constant("^\\s*\\*[^\\*].*$", PyRegex::kMultiline);
  static const PyRegex& dash = Constant("^\\s*-.*$", PyRegex::kMultiline);
  return Check([=](std::string_view value) {
    return static_cast<double>(star.FindAll(value).size() + dash.FindAll(value).size()) == expected;
  });
}

Result ConstrainedResponse(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const std::string stripped = PyStrip(value);
    for (const char* option : {"My answer is yes.", "My answer is no.", "My answer is maybe."}) {
      if (stripped.find(option) != std::string::npos) return true;
    }
    return false;
  });
}

Result HighlightedSections(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_highlights"}));
  LFM_ASSIGN_OR_RETURN(double minimum, kwargs.Number("num_highlights"));
  static const PyRegex& single = Constant("\\*[^\\n\\*]*\\*");
  static const PyRegex& twin = Constant("\\*\\*[^\\n\\*]*\\*\\*");
  return Check([=](std::string_view value) {
    double count = 0;
    for (const auto& h : single.FindAllStrings(value)) count += !PyStrip(PyStrip(h, "*")).empty();
    for (const auto& h : twin.FindAllStrings(value)) {  // removeprefix("**").removesuffix("**")
      count += !PyStrip(h.substr(2, h.size() - 4)).empty();
    }
    return count >= minimum;
  });
}

Result MultipleSections(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"section_spliter", "num_sections"}));
  LFM_ASSIGN_OR_RETURN(std::string splitter, kwargs.String("section_spliter"));
  LFM_ASSIGN_OR_RETURN(double minimum, kwargs.Number("num_sections"));
  // re.split(r"\s?" + spliter + r"\s?\d+\s?", value): the splitter is used as a regex
  auto regex = PyRegex::Compile("\\s?" + PyStrip(splitter) + "\\s?\\d+\\s?");
  if (!regex.ok()) return regex.status().WithPrefix("instruction '" + kwargs.id() + "'");
  auto shared = std::make_shared<const PyRegex>(std::move(*regex));
  return Check([=](std::string_view value) {
    return static_cast<double>(shared->Split(value).size() - 1) >= minimum;
  });
}

std::string RemovePrefix(std::string s, std::string_view prefix) {
  return s.starts_with(prefix) ? s.substr(prefix.size()) : s;
}

// The text with what Python's json.loads accepts beyond RFC 8259 made plain JSON: the
// constants NaN, Infinity and -Infinity (outside strings) become " 0 " (spaced, so that they
// still need separators around them), and \u escapes of surrogates, which Python accepts
// unpaired, become \u0041.
std::string PythonJsonToJson(std::string_view text) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const std::string_view rest = text.substr(i);
    if (in_string) {
      if (rest[0] == '"') {
        in_string = false;
      } else if (rest.starts_with("\\u") && rest.size() >= 6 &&
                 (rest[2] == 'd' || rest[2] == 'D') &&
                 std::string_view("89abcdefABCDEF").find(rest[3]) != std::string_view::npos &&
                 std::isxdigit(static_cast<unsigned char>(rest[4])) &&
                 std::isxdigit(static_cast<unsigned char>(rest[5]))) {
        out += "\\u0041";
        i += 5;
        continue;
      } else if (rest[0] == '\\' && rest.size() > 1) {
        out += rest.substr(0, 2);
        ++i;
        continue;
      }
      out += rest[0];
      continue;
    }
    const std::string_view constant = rest.starts_with("NaN")         ? "NaN"
                                      : rest.starts_with("Infinity")  ? "Infinity"
                                      : rest.starts_with("-Infinity") ? "-Infinity"
                                                                      : "";
    if (!constant.empty()) {
      out += " 0 ";
      i += constant.size() - 1;
      continue;
    }
    in_string = rest[0] == '"';
    out += rest[0];
  }
  return out;
}

Result JsonFormat(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    std::string s = PyStrip(value);
    for (const char* fence : {"```json", "```Json", "```JSON", "```"}) s = RemovePrefix(s, fence);
    if (s.ends_with("```")) s.resize(s.size() - 3);
    s = PyStrip(s);
    // json.loads: nlohmann's parser is as strict as Python's (control characters in strings
    // rejected) once Python's extensions are rewritten.
    return nlohmann::json::accept(PythonJsonToJson(s));
  });
}

Result Title(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  static const PyRegex& title = Constant("<<[^\\n]+>>");
  return Check([](std::string_view value) {
    for (const auto& t : title.FindAllStrings(value)) {
      if (!PyStrip(PyRStrip(PyLStrip(t, "<"), ">")).empty()) return true;
    }
    return false;
  });
}

Result TwoResponses(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    std::vector<std::string> valid;
    const auto responses = PySplit(value, "******");
    for (size_t i = 0; i < responses.size(); ++i) {
      if (PyStrip(responses[i]).empty()) {
        if (i != 0 && i + 1 != responses.size()) return false;
      } else {
        valid.push_back(responses[i]);
      }
    }
    return valid.size() == 2 && PyStrip(valid[0]) != PyStrip(valid[1]);
  });
}

Result RepeatPrompt(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"prompt_to_repeat"}));
  LFM_ASSIGN_OR_RETURN(std::string prompt, kwargs.String("prompt_to_repeat"));
  const std::string expected = PyLower(PyStrip(prompt));
  return Check(
      [=](std::string_view value) { return PyLower(PyStrip(value)).starts_with(expected); });
}

Result EndChecker(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"end_phrase"}));
  LFM_ASSIGN_OR_RETURN(std::string phrase, kwargs.String("end_phrase"));
  const std::string expected = PyLower(PyStrip(phrase));
  return Check([=](std::string_view value) {
    return PyLower(PyStrip(PyStrip(value), "\"")).ends_with(expected);
  });
}

Result Quotation(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const std::string s = PyStrip(value);
    return PyLen(s) > 1 && s.front() == '"' && s.back() == '"';
  });
}

}  // namespace

void AddFormatInstructions(InstructionRegistry& registry) {
  registry["detectable_content:number_placeholders"] = NumberPlaceholders;
  registry["detectable_content:postscript"] = Postscript;
  registry["detectable_format:number_bullet_lists"] = NumberBulletLists;
  registry["detectable_format:constrained_response"] = ConstrainedResponse;
  registry["detectable_format:number_highlighted_sections"] = HighlightedSections;
  registry["detectable_format:multiple_sections"] = MultipleSections;
  registry["detectable_format:json_format"] = JsonFormat;
  registry["detectable_format:title"] = Title;
  registry["combination:two_responses"] = TwoResponses;
  registry["combination:repeat_prompt"] = RepeatPrompt;
  registry["startend:end_checker"] = EndChecker;
  registry["startend:quotation"] = Quotation;
}

}  // namespace lfm::evals::ifeval
