// Every shared reference vector (../shared/testdata: the official IFEval checker's verdicts,
// IFBench's checker verdicts at allenai/IFBench db69a6f, lm-eval's GSM8K / MATH answer
// extraction, generated at lm-eval 4e7e0d4; MMLU-Pro's official extraction) must agree exactly:
// verdicts and extracted strings are discrete, so there is no tolerance. Extraction vectors are
// scored through the task specs (evals/tasks/) and SampleScorer, the path `eval run` and
// `eval score` use, so a rule dropped from a YAML file fails here. Each comparison returns the
// list of disagreements, and the *CanFail tests feed it a deliberately wrong expectation, or a
// spec with a rule removed, to show a disagreement is reported.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "evals/embedded_files.h"
#include "evals/sample_scorer.h"
#include "evals/scoring/ifeval/ifeval.h"
#include "evals/scoring/math_answers.h"
#include "evals/scoring/metrics.h"
#include "evals/task_spec.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

std::vector<json> ReadJsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

size_t MetaCount(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in).at("count").get<size_t>();
}

std::string Bools(const std::vector<bool>& v) {
  std::string s;
  for (bool b : v) s += b ? 'T' : 'F';
  return s;
}

std::vector<bool> BoolList(const json& j) { return j.get<std::vector<bool>>(); }

// Disagreements between our IFEval verdicts and one vector (single- or multi-instruction).
std::vector<std::string> CompareIfeval(const json& v) {
  json record = v;
  if (v.contains("instruction_id")) {
    record["instruction_id_list"] = json::array({v["instruction_id"]});
    record["kwargs"] = json::array({v["kwargs"]});
  }
  std::vector<std::string> problems;
  auto prompt = ifeval::IfevalPrompt::FromJson(record);
  if (!prompt.ok()) return {v["id"].get<std::string>() + ": " + prompt.status().message()};
  const std::string response = v["response"];
  const auto strict = ifeval::Follow::Strict(*prompt, response);
  const auto loose = ifeval::Follow::Loose(*prompt, response);
  auto check = [&](const char* what, bool got, const json& want) {
    if (want.is_boolean() && got != want.get<bool>()) {
      problems.push_back(fmt::format("{} ({}): {} is {}, reference says {}",
                                     v["id"].get<std::string>(), v.value("note", ""), what, got,
                                     want.get<bool>()));
    }
  };
  check("strict_pass", strict.follow_all_instructions, v["strict_pass"]);
  check("loose_pass", loose.follow_all_instructions, v["loose_pass"]);
  for (const auto& [key, got] : {std::pair{"strict_follow_list", strict.follow_instruction_list},
                                 std::pair{"loose_follow_list", loose.follow_instruction_list}}) {
    if (v.contains(key) && BoolList(v[key]) != got) {
      problems.push_back(fmt::format("{}: {} is {}, reference says {}", v["id"].get<std::string>(),
                                     key, Bools(got), Bools(BoolList(v[key]))));
    }
  }
  return problems;
}

// The built-in task specs, with `edit` applied to each file's text first.
TaskRegistry SpecRegistry(const std::function<void(SpecSource&)>& edit = nullptr) {
  const std::string root = "evals/tasks/";
  std::vector<SpecSource> sources;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (!f.path.starts_with(root)) continue;
    sources.push_back({std::string(f.path.substr(root.size())), std::string(f.content)});
    if (edit) edit(sources.back());
  }
  auto registry = TaskRegistry::Load(sources);
  EXPECT_TRUE(registry.ok()) << registry.status().message();
  return std::move(registry).value();
}

// The task whose scoring a vector's `benchmark` names.
std::string TaskOf(const std::string& benchmark) {
  if (benchmark == "hendrycks_math") return "hendrycks_math500";
  if (benchmark == "minerva_math") return "minerva_math500";
  if (benchmark == "math_boxed") return "math500";
  return benchmark;  // gsm8k, gsm8k_cot, gsm8k_cot_llama
}

// Our normalisation of an extracted answer, in the form the vectors' expected_normalized uses:
// the task's own exact_match options for GSM8K, the scorers' normalisations for MATH.
json Normalized(const TaskSpec& task, const std::string& benchmark, const json& extracted) {
  if (extracted.is_null()) return nullptr;
  const std::string text = extracted.get<std::string>();
  if (benchmark.starts_with("gsm8k")) {
    auto metric = ExactMatch::Make(task.metrics.at(0).options);
    return metric.ok() ? json(metric->Normalize(text)) : json(metric.status().message());
  }
  if (benchmark == "minerva_math") return math::MinervaNormalize(text);
  const auto stripped = math::HendrycksStripString(text);
  return stripped ? json(*stripped) : json(text);
}

// Disagreements between the task's scoring (as `eval score` runs it) and one answer_extraction
// vector.
std::vector<std::string> CompareExtraction(const TaskRegistry& registry, const json& v) {
  const std::string benchmark = v["benchmark"];
  const std::string id = v["id"];
  const TaskSpec* task = registry.FindTask(TaskOf(benchmark));
  if (task == nullptr) return {id + ": no task " + TaskOf(benchmark)};
  auto scorer = SampleScorer::Make(*task);
  if (!scorer.ok()) return {id + ": " + scorer.status().message()};
  json record = {{"response", v["model_output"]}};
  record[benchmark.starts_with("gsm8k") ? "answer" : "solution"] = v["gold"];
  const auto score = ScoreResponse(*task, **scorer, record);
  if (!score.ok()) return {id + ": " + score.status().message()};
  const std::string key = v["filter"].is_null() ? "default" : v["filter"].get<std::string>();
  if (!score->detail.contains(key)) return {id + ": no score for rule " + key};
  const json& got = score->detail[key];
  std::vector<std::string> problems;
  if (got["extracted"] != v["expected_extracted"]) {
    problems.push_back(fmt::format("{} {} {}: extracted {}, reference {}", id, benchmark, key,
                                   got["extracted"].dump(), v["expected_extracted"].dump()));
  }
  if (got["correct"] != v["expected_correct"]) {
    problems.push_back(fmt::format("{} {} {}: correct {}, reference {}", id, benchmark, key,
                                   got["correct"].dump(), v["expected_correct"].dump()));
  }
  const json normalized = Normalized(*task, benchmark, got["extracted"]);
  if (normalized != v["expected_normalized"]) {
    problems.push_back(fmt::format("{} {}: normalized {}, reference {}", id, benchmark,
                                   normalized.dump(), v["expected_normalized"].dump()));
  }
  return problems;
}

void ExpectAllAgree(const std::vector<json>& vectors,
                    std::vector<std::string> (*compare)(const json&)) {
  std::vector<std::string> problems;
  for (const auto& v : vectors) {
    for (auto& p : compare(v)) problems.push_back(std::move(p));
  }
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "\n"));
}

TEST(ReferenceVectorsTest, IfevalInstructionVerdicts) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/ifeval_vectors.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/ifeval_vectors.meta.json"));
  ExpectAllAgree(vectors, CompareIfeval);
}

TEST(ReferenceVectorsTest, IfevalPromptFollowLists) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/ifeval_prompt_vectors.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/ifeval_prompt_vectors.meta.json"));
  ExpectAllAgree(vectors, CompareIfeval);
}

TEST(ReferenceVectorsTest, IfbenchInstructionVerdicts) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/ifbench_vectors.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/ifbench_vectors.meta.json"));
  std::set<std::string> ids;
  for (const auto& v : vectors) ids.insert(v["instruction_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 58u);  // every IFBench checker has vectors
  ExpectAllAgree(vectors, CompareIfeval);
}

std::vector<std::string> ExtractionProblems(const TaskRegistry& registry,
                                            const std::vector<json>& vectors) {
  std::vector<std::string> problems;
  for (const auto& v : vectors) {
    for (auto& p : CompareExtraction(registry, v)) problems.push_back(std::move(p));
  }
  return problems;
}

TEST(ReferenceVectorsTest, AnswerExtraction) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/answer_extraction.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/answer_extraction.meta.json"));
  const auto problems = ExtractionProblems(SpecRegistry(), vectors);
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "\n"));
}

// The vectors exercise the YAML specs: each of these edits of one spec (a rule removed, a
// pattern changed) makes some vector disagree.
TEST(ReferenceVectorsTest, EditedSpecFailsTheVectors) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  auto vectors = ReadJsonl(shared + "/testdata/answer_extraction.jsonl");
  // No shared vector needs the trailing-period rule alone; this one, from lm-eval's documented
  // behaviour, does: flexible-extract keeps "18." (its class holds '.'), "\.$" makes it "18".
  vectors.push_back({{"id", "extra-period"}, {"benchmark", "gsm8k"}, {"filter", "flexible-extract"},
                     {"model_output", "So 5 + 13 = 18."}, {"gold", "5 + 13 = 18\n#### 18"},
                     {"expected_extracted", "18."}, {"expected_normalized", "18"},
                     {"expected_correct", true}});
  ASSERT_TRUE(ExtractionProblems(SpecRegistry(), {vectors.back()}).empty());
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> edits = {
      // gsm8k.yaml without the rule of regexes_to_ignore that cuts the gold down to its number.
      {"gsm8k/gsm8k.yaml", {R"("(?s).*#### ", )", ""}},
      // gsm8k.yaml without the comma rule ("1,000" no longer equals "1000").
      {"gsm8k/gsm8k.yaml", {R"([",", )", "["}},
      // gsm8k.yaml without the trailing-period rule (only the extra vector below needs it).
      {"gsm8k/gsm8k.yaml", {R"(, "\\.$"])", "]"}},
      // gsm8k.yaml's flexible-extract taking the first number instead of the last.
      {"gsm8k/gsm8k.yaml", {"group_select: -1", "group_select: 0"}},
      // gsm8k_cot.yaml's strict pattern reduced to "answer N".
      {"gsm8k/gsm8k_cot.yaml", {R"(The answer is (\\-?[0-9\\.\\,]+).)", R"(answer (\\-?[0-9]+))"}},
      // math500.yaml scored with the Hendrycks extraction instead of the last \boxed{}.
      {"math/math500.yaml", {"process_results: math_boxed", "process_results: hendrycks_math"}},
  };
  for (const auto& [file, edit] : edits) {
    bool applied = false;
    const TaskRegistry registry = SpecRegistry([&](SpecSource& source) {
      if (source.path != file) return;
      const size_t at = source.content.find(edit.first);
      if (at == std::string::npos) return;
      source.content.replace(at, edit.first.size(), edit.second);
      applied = true;
    });
    ASSERT_TRUE(applied) << file << ": '" << edit.first << "' not found";
    EXPECT_FALSE(ExtractionProblems(registry, vectors).empty())
        << file << " with '" << edit.first << "' -> '" << edit.second << "' passes every vector";
  }
}

// Disagreements between the mmlu_pro spec's two extractions and one mmlu_pro_vectors line: the
// official cascade (where the official script draws a random letter, ours keeps "[invalid]" and
// scores it wrong) and lm-eval's single regex.
std::vector<std::string> CompareMmluPro(const TaskRegistry& registry, const json& v) {
  const std::string id = v["id"];
  const TaskSpec* task = registry.FindTask("mmlu_pro_physics");
  if (task == nullptr) return {id + ": no task mmlu_pro_physics"};
  auto scorer = SampleScorer::Make(*task);
  if (!scorer.ok()) return {id + ": " + scorer.status().message()};
  const json record = {{"response", v["model_output"]}, {"answer", v["gold"]}};
  const auto score = ScoreResponse(*task, **scorer, record);
  if (!score.ok()) return {id + ": " + score.status().message()};
  const bool random = v["random_fallback"].get<bool>();
  const json want_official = {{"extracted", random ? json("[invalid]") : v["extracted"]},
                              {"correct", random ? json(false) : v["correct"]}};
  const json want_lm_eval = {{"extracted", v["lm_eval_extracted"]},
                             {"correct", v["lm_eval_correct"]}};
  std::vector<std::string> problems;
  for (const auto& [rule, want] : {std::pair{"official-extract", want_official},
                                   std::pair{"custom-extract", want_lm_eval}}) {
    if (score->detail.value(rule, json()) != want) {
      problems.push_back(fmt::format("{} ({}): {} gives {}, reference {}", id,
                                     v.value("note", ""), rule,
                                     score->detail.value(rule, json()).dump(), want.dump()));
    }
  }
  return problems;
}

TEST(ReferenceVectorsTest, MmluProExtraction) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/mmlu_pro_vectors.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/mmlu_pro_vectors.meta.json"));
  const TaskRegistry registry = SpecRegistry();
  std::vector<std::string> problems;
  for (const auto& v : vectors) {
    for (auto& p : CompareMmluPro(registry, v)) problems.push_back(std::move(p));
  }
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "\n"));
}

TEST(ReferenceVectorsTest, MmluProEditedSpecFails) {
  // Each official rule matters: without any one of them some vector disagrees.
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/mmlu_pro_vectors.jsonl");
  for (const std::string rule :
       {R"('answer is \(?([A-J])\)?', )", R"(, '.*[aA]nswer:\s*([A-J])')",
        R"(, '(?s)\b[A-J]\b(?!.*\b[A-J]\b)')"}) {
    bool applied = false;
    const TaskRegistry registry = SpecRegistry([&](SpecSource& source) {
      const size_t at = source.content.find(rule);
      if (source.path != "mmlu_pro/_default_template_yaml" || at == std::string::npos) return;
      source.content.erase(at, rule.size());
      applied = true;
    });
    ASSERT_TRUE(applied) << rule;
    size_t disagreements = 0;
    for (const auto& v : vectors) disagreements += CompareMmluPro(registry, v).size();
    EXPECT_GT(disagreements, 0u) << "the cascade without " << rule << " passes every vector";
  }
}

// Builds every prompt of a benchmark file and runs each checker on the prompt itself as a
// stand-in response; returns the instruction ids seen. Expects `n_prompts` prompts holding
// `n_instructions` instructions.
std::set<std::string> BuildEveryPrompt(const std::string& path, size_t n_prompts,
                                       size_t n_instructions) {
  const auto prompts = ReadJsonl(path);
  EXPECT_EQ(prompts.size(), n_prompts) << path;
  size_t instructions = 0;
  std::set<std::string> ids;
  for (const auto& record : prompts) {
    auto prompt = ifeval::IfevalPrompt::FromJson(record);
    EXPECT_TRUE(prompt.ok()) << record["key"] << ": " << prompt.status().message();
    if (!prompt.ok()) continue;
    instructions += prompt->instruction_ids().size();
    ids.insert(prompt->instruction_ids().begin(), prompt->instruction_ids().end());
    const auto loose = ifeval::Follow::Loose(*prompt, record["prompt"].get<std::string>());
    EXPECT_EQ(loose.follow_instruction_list.size(), prompt->instruction_ids().size());
  }
  EXPECT_EQ(instructions, n_instructions) << path;
  return ids;
}

TEST(ReferenceVectorsTest, EveryIfevalPromptBuilds) {
  // All 541 prompts of the benchmark (834 instructions, 25 ids).
  LFM_SHARED_DIR_OR_SKIP(shared);
  EXPECT_EQ(BuildEveryPrompt(shared + "/datasets/ifeval/input_data.jsonl", 541, 834).size(), 25u);
}

TEST(ReferenceVectorsTest, EveryIfbenchPromptBuilds) {
  // All 300 IFBench prompts (344 instructions, 58 ids) build from their kwargs as
  // evaluation_lib builds them.
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::set<std::string> ids =
      BuildEveryPrompt(shared + "/datasets/ifbench/IFBench_test.jsonl", 300, 344);
  EXPECT_EQ(ids.size(), 58u);
  EXPECT_EQ(std::vector<std::string>(ids.begin(), ids.end()), ifeval::IfbenchInstructionIds());
}

TEST(ReferenceVectorsTest, IfevalComparisonCanFail) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  for (const char* file :
       {"ifeval_vectors.jsonl", "ifeval_prompt_vectors.jsonl", "ifbench_vectors.jsonl"}) {
    for (json v : ReadJsonl(shared + "/testdata/" + file)) {
      v["strict_pass"] = !v["strict_pass"].get<bool>();
      EXPECT_FALSE(CompareIfeval(v).empty()) << v["id"] << " with a flipped strict verdict";
    }
  }
  json v = ReadJsonl(shared + "/testdata/ifeval_prompt_vectors.jsonl").front();
  v["loose_follow_list"][0] = !v["loose_follow_list"][0].get<bool>();
  EXPECT_FALSE(CompareIfeval(v).empty());
}

TEST(ReferenceVectorsTest, ExtractionComparisonCanFail) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const TaskRegistry registry = SpecRegistry();
  for (json v : ReadJsonl(shared + "/testdata/answer_extraction.jsonl")) {
    json wrong_verdict = v;
    wrong_verdict["expected_correct"] = !v["expected_correct"].get<bool>();
    EXPECT_FALSE(CompareExtraction(registry, wrong_verdict).empty()) << v["id"];
    json wrong_text = v;
    wrong_text["expected_extracted"] = "not what was extracted";
    EXPECT_FALSE(CompareExtraction(registry, wrong_text).empty()) << v["id"];
  }
}

}  // namespace
}  // namespace lfm::evals
