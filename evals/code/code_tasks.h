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
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evals/code/sandbox.h"

namespace lfm::evals::code {

// The code tasks `eval score` and `process_results` know.
bool IsCodeTask(std::string_view task);  // humanevalplus, livecodebench (and _v5/_v6 aliases)

// HumanEval+: `record_json` is the dataset record's JSON text exactly as published (the checker
// parses it with Python's json, which keeps integers wider than 64 bits); `completion` follows
// the prompt (EvalPlus' `completion`). Errors: a record without the HumanEval+ fields.
StatusOr<nlohmann::json> ScoreHumanEvalPlus(const Sandbox& sandbox, std::string_view record_json,
                                            const std::string& completion);

// LiveCodeBench: `record` in the release format (public/private test cases, metadata);
// `response` is the model's answer, from which the last fenced code block is graded.
StatusOr<nlohmann::json> ScoreLiveCodeBench(const Sandbox& sandbox, const nlohmann::json& record,
                                            const std::string& response);

// Dispatches on the task name; the one entry point scoring hooks need.
StatusOr<nlohmann::json> ScoreCodeCandidate(const Sandbox& sandbox, std::string_view task,
                                            std::string_view record_json,
                                            const std::string& response);
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

// LiveCodeBench docs for a task: keeps problems whose contest_date lies in [start, end] (ISO
// dates, inclusive, either may be "") and adds `format_block`, the prompt's "### Format:" part
// (starter code or stdin), so the task's template needs no conditionals.
StatusOr<std::vector<nlohmann::json>> PrepareLcbDocs(std::vector<nlohmann::json> docs,
                                                     const std::string& start_date,
                                                     const std::string& end_date);

}  // namespace lfm::evals::code
