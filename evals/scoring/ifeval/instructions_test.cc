// Each IFEval checker on hand-written responses, including the edge cases of the official
// implementation (keywords used as regexes, '*' bullets vs '**' bold, empty inner paragraphs,
// the loose variants, falsy kwargs). Verdicts follow the Python code line by line.
#include "evals/scoring/ifeval/instructions.h"

#include <gtest/gtest.h>

#include "evals/scoring/ifeval/ifeval.h"

namespace lfm::evals::ifeval {
namespace {

using nlohmann::json;

bool Follows(const std::string& id, const json& kwargs, const std::string& response) {
  auto instruction = MakeInstruction(id, kwargs);
  EXPECT_TRUE(instruction.ok()) << id << ": " << instruction.status().message();
  return instruction.ok() && (*instruction)->CheckFollowing(response);
}

TEST(InstructionsTest, RegistryHasAll25Ids) {
  EXPECT_EQ(InstructionIds().size(), 25u);
  auto unknown = MakeInstruction("keywords:existance", json::object());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("did you mean 'keywords:existence'"),
            std::string::npos);
}

TEST(InstructionsTest, Keywords) {
  EXPECT_TRUE(Follows("keywords:existence", {{"keywords", {"sun", "sea"}}}, "SUNNY seaside"));
  EXPECT_FALSE(Follows("keywords:existence", {{"keywords", {"sun", "sky"}}}, "sunny seaside"));
  // The keyword is a regex: "a.c" matches "abc".
  EXPECT_TRUE(Follows("keywords:existence", {{"keywords", {"a.c"}}}, "abc"));
  EXPECT_FALSE(MakeInstruction("keywords:existence", {{"keywords", {"[a-"}}}).ok());
  const json freq = {{"keyword", " cat "}, {"frequency", 3}, {"relation", "at least"}};
  EXPECT_TRUE(Follows("keywords:frequency", freq, "Cat, cat, CATalog"));
  EXPECT_FALSE(Follows("keywords:frequency", freq, "cat cat"));
  const json forbid = {{"forbidden_words", {"bad"}}};
  EXPECT_TRUE(Follows("keywords:forbidden_words", forbid, "badge and badly"));
  EXPECT_FALSE(Follows("keywords:forbidden_words", forbid, "not BAD."));
  const json letters = {{"letter", "E"}, {"let_frequency", 3}, {"let_relation", "less than"}};
  EXPECT_TRUE(Follows("keywords:letter_frequency", letters, "Éé ee"));  // é is not e
  EXPECT_FALSE(Follows("keywords:letter_frequency", letters, "EeE"));
  EXPECT_FALSE(
      MakeInstruction("keywords:letter_frequency",
                      {{"letter", "ab"}, {"let_frequency", 1}, {"let_relation", "at least"}})
          .ok());
  // IFEval key 1122 asks for '#': the character itself is counted (the official checker would
  // draw a random letter).
  EXPECT_TRUE(Follows("keywords:letter_frequency",
                      {{"letter", "#"}, {"let_frequency", 2}, {"let_relation", "at least"}},
                      "#one #two"));
}

TEST(InstructionsTest, Language) {
  const std::string german =
      "Gestern sind wir mit der ganzen Familie an den See gefahren und haben dort den ganzen "
      "Nachmittag verbracht.";
  EXPECT_TRUE(Follows("language:response_language", {{"language", "de"}}, german));
  EXPECT_FALSE(Follows("language:response_language", {{"language", "fr"}}, german));
  EXPECT_TRUE(Follows("language:response_language", {{"language", "fr"}}, "123 !!! 456"));
}

TEST(InstructionsTest, LengthConstraints) {
  const json two = {{"num_sentences", 2}, {"relation", "at least"}};
  EXPECT_TRUE(Follows("length_constraints:number_sentences", two, "One. Two."));
  EXPECT_FALSE(Follows("length_constraints:number_sentences", two, "Mr. Smith arrived."));
  const json words = {{"num_words", 5}, {"relation", "less than"}};
  EXPECT_TRUE(Follows("length_constraints:number_words", words, "one two-three four"));
  EXPECT_FALSE(Follows("length_constraints:number_words", words, "don't stop me now"));
  const json paras = {{"num_paragraphs", 2}};
  EXPECT_TRUE(Follows("length_constraints:number_paragraphs", paras, "***\nA\n***\nB\n***"));
  EXPECT_FALSE(Follows("length_constraints:number_paragraphs", paras, "A\n***\n***\nB"));
  EXPECT_TRUE(Follows("length_constraints:number_paragraphs", paras, "A *** B"));
  const json nth = {{"num_paragraphs", 3}, {"nth_paragraph", 2}, {"first_word", "Then"}};
  EXPECT_TRUE(Follows("length_constraints:nth_paragraph_first_word", nth,
                      "First.\n\n\"Then,\" he said.\n\nLast."));
  // The nth paragraph is indexed among all pieces, empty ones included (the official quirk).
  EXPECT_FALSE(
      Follows("length_constraints:nth_paragraph_first_word", nth, "\n\nFirst.\n\nThen.\n\nLast."));
  EXPECT_FALSE(Follows("length_constraints:nth_paragraph_first_word", nth, "First.\n\nThen."));
  EXPECT_FALSE(MakeInstruction("length_constraints:nth_paragraph_first_word",
                               {{"num_paragraphs", 2}, {"nth_paragraph", 3}, {"first_word", "a"}})
                   .ok());
}

TEST(InstructionsTest, DetectableContent) {
  EXPECT_TRUE(Follows("detectable_content:number_placeholders", {{"num_placeholders", 2}},
                      "[name] at [address]"));
  EXPECT_FALSE(Follows("detectable_content:number_placeholders", {{"num_placeholders", 2}},
                       "[name] at address"));
  const json ps = {{"postscript_marker", "P.S."}};
  EXPECT_TRUE(Follows("detectable_content:postscript", ps, "Bye\n  p. s. see you"));
  EXPECT_FALSE(Follows("detectable_content:postscript", ps, "Bye\nPS see you"));
  const json pps = {{"postscript_marker", "P.P.S"}};
  EXPECT_TRUE(Follows("detectable_content:postscript", pps, "Bye\nP.P.S more"));
  EXPECT_TRUE(Follows("detectable_content:postscript", {{"postscript_marker", "Note:"}},
                      "text\nNOTE: lower-cased match"));
}

TEST(InstructionsTest, DetectableFormat) {
  const json bullets = {{"num_bullets", 2}};
  EXPECT_TRUE(Follows("detectable_format:number_bullet_lists", bullets, "* a\n  - b\n**bold**"));
  EXPECT_FALSE(Follows("detectable_format:number_bullet_lists", bullets, "* a"));
  EXPECT_TRUE(Follows("detectable_format:constrained_response", json::object(),
                      "  Well. My answer is no. "));
  EXPECT_FALSE(Follows("detectable_format:constrained_response", json::object(), "No."));
  const json highlights = {{"num_highlights", 2}};
  EXPECT_TRUE(
      Follows("detectable_format:number_highlighted_sections", highlights, "*one* and **two**"));
  EXPECT_FALSE(
      Follows("detectable_format:number_highlighted_sections", highlights, "*one* and * *"));
  const json sections = {{"section_spliter", "Section"}, {"num_sections", 2}};
  EXPECT_TRUE(Follows("detectable_format:multiple_sections", sections,
                      "Intro\nSection 1\na\nSection 2\nb"));
  EXPECT_FALSE(Follows("detectable_format:multiple_sections", sections, "Section one only"));
  EXPECT_TRUE(Follows("detectable_format:json_format", json::object(), "```JSON\n[1, 2]\n```"));
  EXPECT_FALSE(Follows("detectable_format:json_format", json::object(), "{'single': 1}"));
}

// json.loads accepts NaN, Infinity and -Infinity as values, and unpaired surrogate escapes;
// nothing else beyond RFC 8259 (python3 -c 'import json; json.loads(...)' for each case).
TEST(InstructionsTest, JsonFormatAcceptsWhatJsonLoadsAccepts) {
  auto json_ok = [](const std::string& r) {
    return Follows("detectable_format:json_format", json::object(), r);
  };
  EXPECT_TRUE(json_ok("{\"a\": NaN, \"b\": Infinity, \"c\": -Infinity}"));
  EXPECT_TRUE(json_ok("```json\n[NaN,-Infinity]\n```"));
  EXPECT_TRUE(json_ok("NaN"));
  EXPECT_TRUE(json_ok("{\"s\": \"\\ud800 lone\", \"NaN\": \"Infinity\"}"));
  EXPECT_FALSE(json_ok("[-NaN]"));
  EXPECT_FALSE(json_ok("[+Infinity]"));
  EXPECT_FALSE(json_ok("[nan]"));
  EXPECT_FALSE(json_ok("[1NaN]"));
  EXPECT_FALSE(json_ok("[NaN NaN]"));
  EXPECT_FALSE(json_ok("{NaN: 1}"));
  EXPECT_FALSE(json_ok("{\"s\": \"\\udx00\"}"));
  EXPECT_TRUE(Follows("detectable_format:title", json::object(), "<<A Title>>\ntext"));
  EXPECT_FALSE(Follows("detectable_format:title", json::object(), "<<  >>\n<<split\n>>"));
}

TEST(InstructionsTest, CombinationAndStartEnd) {
  EXPECT_TRUE(Follows("combination:two_responses", json::object(), "******\nA\n******\nB"));
  EXPECT_FALSE(Follows("combination:two_responses", json::object(), "A\n******\n\n******\nB"));
  EXPECT_FALSE(Follows("combination:two_responses", json::object(), "A ****** A "));
  const json repeat = {{"prompt_to_repeat", "Say hi. "}};
  EXPECT_TRUE(Follows("combination:repeat_prompt", repeat, "  say HI. hi!"));
  EXPECT_FALSE(Follows("combination:repeat_prompt", repeat, "Hi. Say hi."));
  const json end = {{"end_phrase", "Is there anything else?"}};
  EXPECT_TRUE(Follows("startend:end_checker", end, "\"Done. Is there anything ELSE?\"  "));
  EXPECT_FALSE(Follows("startend:end_checker", end, "Is there anything else? Yes."));
  EXPECT_TRUE(Follows("startend:quotation", json::object(), " \"quoted\" "));
  EXPECT_FALSE(Follows("startend:quotation", json::object(), "\""));
}

TEST(InstructionsTest, CaseAndPunctuation) {
  const json caps = {{"capital_frequency", 3}, {"capital_relation", "at least"}};
  EXPECT_TRUE(Follows("change_case:capital_word_frequency", caps, "I met the FBI's AGENT."));
  EXPECT_FALSE(Follows("change_case:capital_word_frequency", caps, "The FBI is here."));
  const std::string upper = "WE WILL MEET AT THE LIBRARY AFTER LUNCH TO FINISH THE PROJECT.";
  EXPECT_TRUE(Follows("change_case:english_capital", json::object(), upper));
  EXPECT_FALSE(
      Follows("change_case:english_capital", json::object(),
              "NOUS ALLONS AU MARCHÉ CE MATIN POUR ACHETER DES LÉGUMES ET DU PAIN FRAIS."));
  EXPECT_FALSE(Follows("change_case:english_lowercase", json::object(), "123"));  // no cased char
  EXPECT_TRUE(Follows("punctuation:no_comma", json::object(), "a; b"));
  EXPECT_FALSE(Follows("punctuation:no_comma", json::object(), "a, b"));
}

TEST(InstructionsTest, FalsyAndMissingKwargs) {
  // lm-eval drops falsy kwargs; the checker would then draw a random value: an error here.
  auto zero = MakeInstruction("detectable_format:number_bullet_lists", {{"num_bullets", 0}});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("num_bullets"), std::string::npos);
  EXPECT_FALSE(MakeInstruction("keywords:frequency",
                               {{"keyword", "a"}, {"frequency", 2}, {"relation", "at most"}})
                   .ok());
  EXPECT_FALSE(MakeInstruction("punctuation:no_comma", {{"unexpected", 1}}).ok());
  // None values are dropped, as in the HF copy of input_data where every kwarg key is present.
  EXPECT_TRUE(MakeInstruction("punctuation:no_comma", {{"num_bullets", nullptr}}).ok());
}

TEST(IfevalTest, StrictAndLoose) {
  auto prompt = IfevalPrompt::FromJson(json::parse(R"j({"key": 1, "prompt": "p",
      "instruction_id_list": ["keywords:forbidden_words", "startend:quotation"],
      "kwargs": [{"forbidden_words": ["sure"]}, {}]})j"));
  ASSERT_TRUE(prompt.ok()) << prompt.status().message();
  // Whitespace-only responses follow nothing, even instructions they trivially satisfy.
  EXPECT_EQ(Follow::Strict(*prompt, "  \n").follow_instruction_list,
            (std::vector<bool>{false, false}));
  const auto strict = Follow::Strict(*prompt, "Sure!\n\"Here it is\"");
  EXPECT_EQ(strict.follow_instruction_list, (std::vector<bool>{false, false}));
  const auto loose = Follow::Loose(*prompt, "Sure!\n\"Here it is\"");
  EXPECT_EQ(loose.follow_instruction_list, (std::vector<bool>{true, true}));
  EXPECT_TRUE(loose.follow_all_instructions);
  EXPECT_EQ(LooseVariants("a*\nb\nc*"),
            (std::vector<std::string>{"a*\nb\nc*", "a\nb\nc", "b\nc*", "a*\nb", "b", "b\nc", "a\nb",
                                      "b"}));
  EXPECT_FALSE(IfevalPrompt::FromJson(json::parse(R"j({"instruction_id_list": ["a"]})j")).ok());
}

TEST(IfevalTest, MetricsAggregateLikeLmEval) {
  IfevalMetrics metrics;
  metrics.Add({{true, false}, false}, {{true, true}, true});
  metrics.Add({{true}, true}, {{true}, true});
  const auto summaries = metrics.Summaries();
  ASSERT_EQ(summaries.size(), 4u);
  EXPECT_EQ(summaries[0].first, "prompt_level_strict_acc");
  EXPECT_DOUBLE_EQ(summaries[0].second.value, 0.5);
  EXPECT_TRUE(summaries[0].second.stderr_value.has_value());
  EXPECT_EQ(summaries[1].first, "inst_level_strict_acc");
  EXPECT_DOUBLE_EQ(summaries[1].second.value, 2.0 / 3.0);
  EXPECT_FALSE(summaries[1].second.stderr_value.has_value());
  EXPECT_DOUBLE_EQ(summaries[2].second.value, 1.0);
  EXPECT_DOUBLE_EQ(summaries[3].second.value, 1.0);
}

}  // namespace
}  // namespace lfm::evals::ifeval
