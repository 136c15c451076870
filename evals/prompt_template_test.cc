#include "evals/prompt_template.h"

#include <gtest/gtest.h>

namespace lfm::evals {
namespace {

using nlohmann::json;

std::string Render(const std::string& source, const json& doc) {
  auto t = PromptTemplate::Parse(source);
  EXPECT_TRUE(t.ok()) << t.status().message();
  if (!t.ok()) return "<parse error>";
  auto s = t->Render(doc);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : "<render error>";
}

std::string RenderError(const std::string& source, const json& doc) {
  auto t = PromptTemplate::Parse(source);
  if (!t.ok()) return t.status().message();
  auto s = t->Render(doc);
  return s.ok() ? "<no error>" : s.status().message();
}

TEST(PromptTemplateTest, FieldsIndexesAndLiterals) {
  const json doc = {{"question", "  Why?\n"}, {"choices", {"a", "b", "c"}}, {"meta", {{"n", 3}}}};
  EXPECT_EQ(Render("Q: {{question}}|", doc), "Q:   Why?\n|");
  EXPECT_EQ(Render("{{ choices[0] }}{{choices[-1]}}{{meta.n}}", doc), "ac3");
  EXPECT_EQ(Render("{{'x'}}{{\"y\\n\"}}{{7}}", doc), "xy\n7");
  EXPECT_EQ(Render("no holes", doc), "no holes");
}

TEST(PromptTemplateTest, ScalarsRenderAsPythonStr) {
  const json doc = {{"i", 42}, {"f", 0.5}, {"t", true}, {"n", nullptr}};
  EXPECT_EQ(Render("{{i}} {{f}} {{t}} {{n}}", doc), "42 0.5 True None");
}

TEST(PromptTemplateTest, FiltersFollowPython) {
  // U+00A0 (no-break space) is whitespace to str.strip(), as in lm-eval's question.strip().
  const json doc = {{"q", "\xc2\xa0 Hello World \n"},
                    {"answer", "step one\n#### 1,234"},
                    {"subject", "abstract_algebra"},
                    {"options", {"x", "y"}},
                    {"gold", 2}};
  EXPECT_EQ(Render("[{{q | trim}}]", doc), "[Hello World]");
  EXPECT_EQ(Render("{{q|trim|lower}}", doc), "hello world");
  EXPECT_EQ(Render("{{answer | split('####') | last | trim}}", doc), "1,234");
  EXPECT_EQ(Render("{{answer | split('####') | first}}", doc), "step one\n");
  EXPECT_EQ(Render("about {{subject | replace('_', ' ')}}.", doc), "about abstract algebra.");
  EXPECT_EQ(Render("{{options | map_format('{letter}. {item}') | join('\\n')}}", doc), "A. x\nB. y");
  EXPECT_EQ(Render("{{options | map_format('({index}) {item}') | join(', ')}}", doc), "(0) x, (1) y");
  EXPECT_EQ(Render("{{gold | letter}}", doc), "C");
}

TEST(PromptTemplateTest, UndefinedFieldsAndDefault) {
  // lm-eval's gsm8k_cot target: answer.split('####')[-1].strip() if answer is defined else target.
  const std::string target = "{{answer | split('####') | last | trim | default(target)}}";
  EXPECT_EQ(Render(target, {{"answer", "x #### 7"}}), "7");
  EXPECT_EQ(Render(target, {{"target", "The answer is 6."}}), "The answer is 6.");
  EXPECT_EQ(RenderError(target, {{"question", "q"}}),
            "'{{answer | split('####') | last | trim | default(target)}}': field 'target' is not "
            "in the document");
  EXPECT_EQ(RenderError("Q: {{question}}", {{"q", 1}}),
            "'{{question}}': field 'question' is not in the document");
  EXPECT_EQ(RenderError("{{a.b}}", {{"a", {{"c", 1}}}}), "'{{a.b}}': field 'a.b' is not in the document");
}

TEST(PromptTemplateTest, RenderErrors) {
  const json doc = {{"choices", {"a"}}, {"n", 3}, {"s", "x"}};
  EXPECT_EQ(RenderError("{{choices}}", doc), "'{{choices}}' is a list; select an element or `join` it");
  EXPECT_EQ(RenderError("{{choices[1]}}", doc), "'choices[1]': index out of range (the list has 1 items)");
  EXPECT_EQ(RenderError("{{n | trim}}", doc), "'n | trim': filter 'trim' needs a string, got number");
  EXPECT_EQ(RenderError("{{s | letter}}", doc), "'s | letter': filter 'letter' needs an integer 0-25, got \"x\"");
}

TEST(PromptTemplateTest, ParseErrors) {
  EXPECT_EQ(RenderError("Q: {{question", {}), "at offset 3: '{{' is never closed");
  EXPECT_EQ(RenderError("{{q | strip}}", {}), "at offset 11 in '{{q | strip}}': unknown filter 'strip'");
  EXPECT_EQ(RenderError("{{q | replace('a')}}", {}),
            "at offset 18 in '{{q | replace('a')}}': filter 'replace' takes 2 argument(s)");
  EXPECT_EQ(RenderError("{{q[}}", {}), "at offset 4 in '{{q[}}': expected an integer");
  EXPECT_EQ(RenderError("{{'abc}}", {}), "at offset 6 in '{{'abc}}': unterminated string");
  EXPECT_EQ(RenderError("{{a b}}", {}), "at offset 4 in '{{a b}}': unexpected 'b'");
}

TEST(PromptTemplateTest, EvaluateReturnsLists) {
  auto t = PromptTemplate::Parse("{{options}}");
  ASSERT_TRUE(t.ok());
  auto v = t->Evaluate({{"options", {"p", "q"}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, json({"p", "q"}));
  auto s = PromptTemplate::Parse(" {{options[0]}}");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s->Evaluate({{"options", {"p"}}}), json(" p"));
}

}  // namespace
}  // namespace lfm::evals
