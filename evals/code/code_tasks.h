// Scoring of the code benchmarks: HumanEval+ (EvalPlus v0.1.10) and LiveCodeBench code
// generation. One candidate -> one score object, computed by running the candidate in the sandbox
// (sandbox.h) under a Python checker that grades it as the official harness does
// (humanevalplus_check.py, livecodebench_check.py, compiled into the binary).
//
// Score objects:
//   humanevalplus: {"base": {"passed": b, "status": "pass"|"fail"|"timeout", "tests": n,
//                            "passed_tests": k},
//                   "plus": {... "passed": base and plus both pass (EvalPlus' HumanEval+)},
//                   "sandbox": isolation, "seconds": wall time of both runs}
//   livecodebench: {"passed": b, "results": [true | -1 | -2 | -3 | -4 ...], "tests": n,
//                   "code": the extracted program, "sandbox": isolation, "seconds": s}
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evals/code/sandbox.h"

namespace lfm::evals::code {

// How a model's response becomes the program that is graded.
//   kCompletion: a base model's text. HumanEval+: prompt + completion (EvalPlus' direct
//                completion); LiveCodeBench: the response stripped (lcb_runner's GenericBase).
//   kChat:       a chat reply. HumanEval+: EvalPlus' sanitized code of the reply (SanitizeReply);
//                LiveCodeBench: the last fenced code block (ExtractLastCodeBlock).
enum class ResponseStyle { kCompletion, kChat };

// The code tasks `eval score` and `process_results` know.
bool IsCodeTask(std::string_view task);  // humanevalplus[_chat], livecodebench (and _v5/_v6)
// humanevalplus (completions) or humanevalplus_chat (chat replies, sanitized).
bool IsHumanEvalPlusTask(std::string_view task);

// HumanEval+: `record_json` is the dataset record's JSON text exactly as published (the checker
// parses it with Python's json, which keeps integers wider than 64 bits); `completion` follows
// the prompt (EvalPlus' `completion`). Errors: a record without the HumanEval+ fields.
// In kChat style the score object adds "program", the sanitized code that was run.
StatusOr<nlohmann::json> ScoreHumanEvalPlus(const Sandbox& sandbox, std::string_view record_json,
                                            const std::string& completion,
                                            ResponseStyle style = ResponseStyle::kCompletion);

// EvalPlus' sanitizer (evalplus/sanitize.py, rules in humanevalplus_sanitize.py), run in the
// sandbox: the longest parsable run of lines of `reply`, reduced to its imports and the
// definitions `entry_point` depends on. "" when nothing parses.
StatusOr<std::string> SanitizeReply(const Sandbox& sandbox, const std::string& reply,
                                    const std::string& entry_point);

// LiveCodeBench: `record` in the release format (public/private test cases, metadata);
// `response` is the model's answer, from which the last fenced code block is graded.
StatusOr<nlohmann::json> ScoreLiveCodeBench(const Sandbox& sandbox, const nlohmann::json& record,
                                            const std::string& response,
                                            ResponseStyle style = ResponseStyle::kChat);

// Dispatches on the task name; the one entry point scoring hooks need.
// `style` defaults to each task's usual one: completion for humanevalplus, chat for
// humanevalplus_chat and LiveCodeBench.
StatusOr<nlohmann::json> ScoreCodeCandidate(const Sandbox& sandbox, std::string_view task,
                                            std::string_view record_json,
                                            const std::string& response,
                                            std::optional<ResponseStyle> style = std::nullopt);
// Whether a score object counts as solved (HumanEval+: plus; LiveCodeBench: passed).
bool CodeScorePassed(std::string_view task, const nlohmann::json& score, bool base = false);

// LiveCodeBench's extraction for chat models: the lines strictly between the last two lines that
// contain ``` ("" when fewer than two).
std::string ExtractLastCodeBlock(std::string_view response);

struct LcbTest {
  std::string input;
  std::string output;
  std::string testtype;  // "stdin" or "functional"
};
// A test-case field of the release: a JSON list of {input, output, testtype}, given as a JSON
// string, or as that string pickled, zlib-compressed and base64-encoded (the private tests).
// Only a pickled str is accepted (no other pickle opcodes are interpreted). kDataLoss naming the
// layer that failed.
StatusOr<std::vector<LcbTest>> DecodeLcbTests(const nlohmann::json& field);
// The inverse of DecodeLcbTests' compressed form (protocol-4 pickle of a str), for tests and
// for writing problems in the release format.
std::string EncodeLcbTestsCompressed(const std::string& tests_json);

// The unbiased pass@k estimator 1 - C(n-c, k) / C(n, k) (Chen et al., 2021; EvalPlus and
// LiveCodeBench use it per problem).
double PassAtK(int n, int c, int k);

// lcb_runner's few-shot examples for base models (lcb_runner/prompts/few_shot_examples/
// generation/{func,stdin}.json), each a list of {question, [sample_code], answer}; its prompt uses
// the first entry of `func` for problems with starter code and of `stdin` for the others.
struct LcbFewShot {
  nlohmann::json func;
  nlohmann::json stdin_examples;
};
// Reads livecodebench/fewshot_generation_{func,stdin}.json under `data_dir`; errors name the file.
StatusOr<LcbFewShot> LoadLcbFewShot(const std::string& data_dir);

// lcb_runner's base-model prompt (get_base_model_question_template_answer): the example, then the
// problem, each as "### Question\n{question}\n\n" ["### Starter Code\n{code}\n\n"]
// "### Answer\n\n", the example followed by its answer and a blank line. The starter-code part
// is there for both when the problem has starter code. kDataLoss for a malformed example.
StatusOr<std::string> LcbBasePrompt(const LcbFewShot& fewshot, const nlohmann::json& doc);

// LiveCodeBench docs for a task: keeps problems whose contest_date lies in [start, end] (ISO
// dates, inclusive, either may be "") and adds `format_block`, the chat prompt's "### Format:"
// part (starter code or stdin), so the task's template needs no conditionals, and with `base`
// also `base_prompt` (LcbBasePrompt).
StatusOr<std::vector<nlohmann::json>> PrepareLcbDocs(std::vector<nlohmann::json> docs,
                                                     const std::string& start_date,
                                                     const std::string& end_date,
                                                     const LcbFewShot* base = nullptr);

}  // namespace lfm::evals::code
