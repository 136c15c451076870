// The code benchmarks' scoring: LiveCodeBench's release format (compressed private tests),
// extraction and grading rules on problems written here in that format; HumanEval+ on the real
// EvalPlus data (canonical solutions pass base and plus, wrong ones fail); pass@k.
#include "evals/code/code_tasks.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "evals/code/code_scoring.h"
#include "evals/data_reader.h"
#include "tests/test_support.h"

namespace lfm::evals::code {
namespace {

using nlohmann::json;

// json.dumps([{"input": "2 3\n", "output": "5\n", ...}, {"input": "10 -4\n", "output": "6\n",
// ...}]) pickled (protocol 4), zlib-compressed and base64-encoded by CPython 3.11, as the release
// does.
constexpr char kPythonCompressed[] =
    "eJxrYJlaxQABPWXR1UqZeQWlJUpWCkpGCsYxeUo6Ckr5pSVQIVOIQElqcUlJZUEqSKi4JCUzT6lWRwFJp6GBgq4Jul4znH"
    "pjp"
    "+gBALTqJsw=";
// A protocol-0 pickle that would call os.system("touch /tmp/pwned"), compressed the same way.
constexpr char kHostilePickle[] = "eJxLzi/mKq4sLknN5dIIVi/JL03OUNAvyS3QLyjPS01R5yoJ0gMA3GgL1g==";

const Sandbox& TheSandbox() {
  static const Sandbox* sandbox = [] {
    auto s = Sandbox::Make({});
    if (!s.ok()) {
      ADD_FAILURE() << s.status().message();
      std::abort();
    }
    return new Sandbox(std::move(s).value());
  }();
  return *sandbox;
}

TEST(LcbFormat, DecodesPythonCompressedPrivateTests) {
  auto tests = DecodeLcbTests(json(kPythonCompressed));
  ASSERT_TRUE(tests.ok()) << tests.status().message();
  ASSERT_EQ(tests->size(), 2u);
  EXPECT_EQ((*tests)[1].input, "10 -4\n");
  EXPECT_EQ((*tests)[1].output, "6\n");
  EXPECT_EQ((*tests)[0].testtype, "stdin");
}

TEST(LcbFormat, DecodesPlainJsonAndRoundTripsOurEncoding) {
  const std::string text = R"([{"input": "[1, 2]", "output": "3", "testtype": "functional"}])";
  auto plain = DecodeLcbTests(json(text));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0].output, "3");
  auto round = DecodeLcbTests(json(EncodeLcbTestsCompressed(text)));
  ASSERT_TRUE(round.ok()) << round.status().message();
  EXPECT_EQ((*round)[0].input, "[1, 2]");
}

TEST(LcbFormat, RefusesPicklesThatAreNotAString) {
  auto r = DecodeLcbTests(json(kHostilePickle));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("pickle opcode"), std::string::npos) << r.status().message();
  EXPECT_FALSE(std::filesystem::exists("/tmp/pwned"));
  EXPECT_FALSE(DecodeLcbTests(json("not base64 or json!")).ok());
}

TEST(LcbExtraction, TakesTheLinesBetweenTheLastTwoFenceLines) {
  EXPECT_EQ(ExtractLastCodeBlock("x\n```python\na = 1\nb = 2\n```\n"), "a = 1\nb = 2");
  EXPECT_EQ(ExtractLastCodeBlock("```python\nfirst\n```\ntext\n```python\nsecond\n```"), "second");
  EXPECT_EQ(ExtractLastCodeBlock("```python\nno end"), "");
  EXPECT_EQ(ExtractLastCodeBlock("```\n```"), "");
}

TEST(PassAtK, MatchesTheUnbiasedEstimator) {
  EXPECT_DOUBLE_EQ(PassAtK(10, 3, 1), 0.3);
  EXPECT_NEAR(PassAtK(10, 3, 5), 1.0 - 21.0 / 252.0, 1e-12);  // 1 - C(7,5)/C(10,5)
  EXPECT_DOUBLE_EQ(PassAtK(5, 0, 1), 0.0);
  EXPECT_DOUBLE_EQ(PassAtK(5, 4, 2), 1.0);  // n - c < k
  // Hand-computed: 1 - C(2,2)/C(3,2) = 2/3 and 1 - C(7,2)/C(10,2) = 1 - 21/45; c/n (what a
  // per-sample mean gives) is only right for k = 1.
  EXPECT_NEAR(PassAtK(3, 1, 2), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(PassAtK(10, 3, 2), 1.0 - 21.0 / 45.0, 1e-12);
  EXPECT_GT(std::abs(PassAtK(10, 3, 2) - 3.0 / 10.0), 0.2);
  // n = 200 (Codex' setting): C(200, 100) ~ 9e58, so a factorial or binomial formula loses it;
  // the product form stays exact to rounding. Reference: Python's fractions with math.comb.
  EXPECT_NEAR(PassAtK(200, 10, 100), 0.9992289739372822, 1e-12);
  EXPECT_NEAR(PassAtK(200, 1, 1), 0.005, 1e-15);
}

// ---- EvalPlus' sanitizer on replies in the shapes chat models write ---------------------------

std::string Sanitized(const std::string& reply, const std::string& entry_point = "add") {
  auto code = SanitizeReply(TheSandbox(), reply, entry_point);
  EXPECT_TRUE(code.ok()) << code.status().message();
  return code.ok() ? *code : "<error>";
}

TEST(Sanitize, FencedCodeWithProseAroundIt) {
  EXPECT_EQ(Sanitized("Here is the solution:\n```python\nimport math\n\ndef add(a, b):\n"
                      "    return a + b\n```\nThis adds two numbers."),
            "import math\ndef add(a, b):\n    return a + b");
}

TEST(Sanitize, UnfencedCodeLosesItsDemoAndTests) {
  EXPECT_EQ(Sanitized("Sure! Here's the function.\ndef add(a, b):\n    return a + b\n\n"
                      "print(add(1, 2))\nassert add(2, 2) == 4\n"),
            "def add(a, b):\n    return a + b");
}

TEST(Sanitize, OnlyTheLongestBlockOfSeveralIsKept) {
  // The helper sits in a shorter block of its own: EvalPlus keeps one contiguous parsable run,
  // so the entry point loses it (and fails when run).
  EXPECT_EQ(Sanitized("First a helper:\n```python\ndef helper(x):\n    return x * 2\n```\n"
                      "Then the function:\n```python\ndef add(a, b):\n    s = helper(a)\n"
                      "    return s + b\n```\n"),
            "def add(a, b):\n    s = helper(a)\n    return s + b");
  // Equally long blocks: the first wins.
  EXPECT_EQ(Sanitized("```python\ndef add(a, b):\n    return 1\n```\nor\n```python\n"
                      "def add(a, b):\n    return 2\n```"),
            "def add(a, b):\n    return 1");
}

TEST(Sanitize, AMethodOfAHelperClassIsNotTheEntryPoint) {
  EXPECT_EQ(Sanitized("```python\nimport os\nclass Solution:\n    def add(self, a, b):\n"
                      "        return a + b\n```"),
            "import os");
}

TEST(Sanitize, KeepsImportsAndWhatTheEntryPointReaches) {
  const std::string reply =
      "```python\n"
      "from __future__ import annotations\n"
      "import sys\n"
      "from typing import List\n"
      "MOD = 10 ** 9 + 7\n"
      "THRESHOLD: int = 5\n"
      "a, b = 1, 2\n"
      "def unused():\n"
      "    return 0\n"
      "def helper(x):\n"
      "    return x % MOD\n"
      "@functools.lru_cache\n"
      "def cached(x):\n"
      "    return x\n"
      "def gen():\n"
      "    yield 1\n"
      "def add(a, b):\n"
      "    total = helper(a + b)\n"
      "    return total if total > THRESHOLD else cached(gen)\n"
      "add = add\n"
      "if __name__ == \"__main__\":\n"
      "    print(add(1, 2))\n"
      "```\n";
  // Not kept: the __future__ import, the tuple assignment, the unreachable `unused`, the
  // decorated `cached`, the generator without return, the second `add`, the main guard.
  EXPECT_EQ(Sanitized(reply),
            "import sys\nfrom typing import List\nMOD = 10 ** 9 + 7\nTHRESHOLD: int = 5\n"
            "def helper(x):\n    return x % MOD\ndef add(a, b):\n    total = helper(a + b)\n"
            "    return total if total > THRESHOLD else cached(gen)");
}

TEST(Sanitize, NoCodeGivesNothingAndOneLineIsTakenAsIs) {
  EXPECT_EQ(Sanitized("I cannot solve this."), "");
  EXPECT_EQ(Sanitized(""), "");
  EXPECT_EQ(Sanitized("def add(a, b): return a + b"), "def add(a, b): return a + b");
}

// ---- LiveCodeBench grading on problems in the release format ---------------------------------

json StdinProblem(const std::string& out1, const std::string& out2) {
  const json tests =
      json::array({{{"input", "2 3\n"}, {"output", out1}, {"testtype", "stdin"}},
                   {{"input", "0.5 0.25\n"}, {"output", out2}, {"testtype", "stdin"}}});
  return {{"question_title", "sum"},
          {"question_content", "Print a+b."},
          {"platform", "atcoder"},
          {"question_id", "abc000_a"},
          {"contest_id", "abc000"},
          {"contest_date", "2025-02-01T00:00:00"},
          {"starter_code", ""},
          {"difficulty", "easy"},
          {"public_test_cases", json::array({tests[0]}).dump()},
          {"private_test_cases", EncodeLcbTestsCompressed(json::array({tests[1]}).dump())},
          {"metadata", "{}"}};
}

std::string Fenced(const std::string& code) { return "Here:\n```python\n" + code + "\n```\nDone."; }

TEST(LcbGrading, StdinProgramsCompareLinesAndDecimals) {
  const std::string sum =
      "a, b = map(float, input().split())\nr = a + b\nprint(int(r) if r == int(r) else r)";
  auto ok = ScoreLiveCodeBench(TheSandbox(), StdinProblem("5\n", "0.75"), Fenced(sum));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)["passed"], true) << ok->dump();
  EXPECT_EQ((*ok)["tests"], 2);
  EXPECT_FALSE((*ok)["sandbox"].get<std::string>().empty());
  // "0.750" equals 0.75 as a Decimal; "5.0" equals "5" as a Decimal.
  auto decimal = ScoreLiveCodeBench(TheSandbox(), StdinProblem("5.0", "  0.750 \n"), Fenced(sum));
  EXPECT_EQ((*decimal)["passed"], true) << decimal->dump();
  // A wrong number fails at the first test; an extra output line fails too.
  auto wrong = ScoreLiveCodeBench(TheSandbox(), StdinProblem("6\n", "0.75"), Fenced(sum));
  EXPECT_EQ((*wrong)["passed"], false);
  EXPECT_EQ((*wrong)["results"], json::array({-2}));
  auto extra = ScoreLiveCodeBench(TheSandbox(), StdinProblem("5\n", "0.75"),
                                  Fenced(sum + "\nprint()\nprint(1)"));
  EXPECT_EQ((*extra)["passed"], false);
  // No code block: nothing to run, the problem fails.
  auto none = ScoreLiveCodeBench(TheSandbox(), StdinProblem("5\n", "0.75"), "print(5)");
  EXPECT_EQ((*none)["passed"], false);
}

TEST(LcbGrading, MainGuardIsUnwrappedAndRuntimeErrorsFail) {
  const std::string guarded =
      "import sys\ndef main():\n    a, b = sys.stdin.read().split()\n"
      "    print(float(a) + float(b))\nif __name__ == '__main__':\n    main()";
  auto r = ScoreLiveCodeBench(TheSandbox(), StdinProblem("5.0", "0.75"), Fenced(guarded));
  EXPECT_EQ((*r)["passed"], true) << r->dump();
  auto crash =
      ScoreLiveCodeBench(TheSandbox(), StdinProblem("5", "0.75"), Fenced("raise ValueError('x')"));
  EXPECT_EQ((*crash)["results"], json::array({-4}));
}

json FunctionalProblem() {
  const json tests = json::array(
      {{{"input", "[2, 7, 11, 15]\n9"}, {"output", "[0, 1]"}, {"testtype", "functional"}},
       {{"input", "[3, 3]\n6"}, {"output", "[0, 1]"}, {"testtype", "functional"}}});
  return {{"question_title", "two sum"},
          {"question_content", "..."},
          {"platform", "leetcode"},
          {"question_id", "1"},
          {"contest_id", "w1"},
          {"contest_date", "2025-03-01T00:00:00"},
          {"starter_code",
           "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n    "
           "    "},
          {"difficulty", "easy"},
          {"public_test_cases", json::array({tests[0]}).dump()},
          {"private_test_cases", EncodeLcbTestsCompressed(json::array({tests[1]}).dump())},
          {"metadata", R"({"func_name": "twoSum"})"}};
}

TEST(LcbGrading, CallBasedUsesSolutionAndAcceptsTuples) {
  const std::string solution =
      "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
      "        seen = {}\n        for i, x in enumerate(nums):\n"
      "            if target - x in seen:\n                return (seen[target - x], i)\n"
      "            seen[x] = i\n";
  auto r = ScoreLiveCodeBench(TheSandbox(), FunctionalProblem(), Fenced(solution));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)["passed"], true) << r->dump();
  auto wrong = ScoreLiveCodeBench(
      TheSandbox(), FunctionalProblem(),
      Fenced("class Solution:\n    def twoSum(self, nums, target):\n        return [1, 0]"));
  EXPECT_EQ((*wrong)["results"], json::array({false}));
  EXPECT_EQ((*wrong)["passed"], false);
  auto missing = ScoreLiveCodeBench(TheSandbox(), FunctionalProblem(), Fenced("def other(): pass"));
  EXPECT_EQ((*missing)["passed"], false);
}

TEST(LcbGrading, ATestPastSixSecondsFails) {
  auto r = ScoreLiveCodeBench(TheSandbox(), StdinProblem("5\n", "0.75"),
                              Fenced("while True:\n    pass"));
  // -3 comes from the checker's 6 s alarm; the sandbox's global limit would have given -1.
  EXPECT_EQ((*r)["results"], json::array({-3})) << r->dump();
}

TEST(LcbDocs, WindowAndFormatBlock) {
  std::vector<json> docs = {StdinProblem("5", "1"), FunctionalProblem()};
  docs[0]["contest_date"] = "2025-01-31T12:00:00";
  auto all = PrepareLcbDocs(docs, "", "");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_NE((*all)[0]["format_block"].get<std::string>().find("# YOUR CODE HERE"),
            std::string::npos);
  EXPECT_NE((*all)[1]["format_block"].get<std::string>().find("def twoSum"), std::string::npos);
  // An end date means its midnight (lcb_runner compares datetimes): noon that day is out.
  auto window = PrepareLcbDocs(docs, "2025-01-31", "2025-01-31");
  EXPECT_EQ(window->size(), 0u);
  auto from_feb = PrepareLcbDocs(docs, "2025-02-01", "");
  ASSERT_EQ(from_feb->size(), 1u);
  EXPECT_EQ((*from_feb)[0]["question_id"], "1");
}

// ---- HumanEval+ on the EvalPlus data ---------------------------------------------------------

std::map<std::string, std::string> HumanEvalPlusLines(const std::string& shared) {
  auto text = ReadMaybeGzipFile(shared + "/datasets/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz");
  EXPECT_TRUE(text.ok()) << text.status().message();
  std::map<std::string, std::string> lines;
  size_t begin = 0;
  while (text.ok() && begin < text->size()) {
    const size_t end = text->find('\n', begin);
    const std::string line = text->substr(begin, end - begin);
    if (!line.empty()) lines[json::parse(line)["task_id"]] = line;
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return lines;
}

TEST(HumanEvalPlus, CanonicalPassesWrongFailsPlusCatchesWhatBaseMisses) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto lines = HumanEvalPlusLines(shared);
  ASSERT_EQ(lines.size(), 164u);
  auto canonical = [&](const std::string& id) {
    return json::parse(lines.at(id))["canonical_solution"].get<std::string>();
  };
  // atol task, find_zero oracle, a task with integers wider than 64 bits.
  for (const char* id : {"HumanEval/2", "HumanEval/32", "HumanEval/53"}) {
    auto r = ScoreHumanEvalPlus(TheSandbox(), lines.at(id), canonical(id));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ((*r)["base"]["passed"], true) << id << " " << r->dump();
    EXPECT_EQ((*r)["plus"]["passed"], true) << id << " " << r->dump();
  }
  // The plus inputs reach the candidate as Python ints, not doubles.
  auto exact = ScoreHumanEvalPlus(
      TheSandbox(), lines.at("HumanEval/53"),
      "    assert isinstance(x, int) and isinstance(y, int)\n    return x + y\n");
  EXPECT_EQ((*exact)["plus"]["passed"], true) << exact->dump();
  // Right on the small base inputs, wrong on the plus inputs' big ones.
  auto small_only = ScoreHumanEvalPlus(TheSandbox(), lines.at("HumanEval/53"),
                                       "    return x + y if max(abs(x), abs(y)) < 10**6 else 0\n");
  EXPECT_EQ((*small_only)["base"]["passed"], true) << small_only->dump();
  EXPECT_EQ((*small_only)["plus"]["passed"], false);
  // Wrong everywhere; a float off by more than atol; a syntax error.
  auto wrong = ScoreHumanEvalPlus(TheSandbox(), lines.at("HumanEval/53"), "    return x - y\n");
  EXPECT_EQ((*wrong)["base"]["passed"], false);
  EXPECT_EQ((*wrong)["plus"]["passed"], false);
  auto inexact = ScoreHumanEvalPlus(TheSandbox(), lines.at("HumanEval/2"),
                                    "    return number - int(number) + 2e-6\n");
  EXPECT_EQ((*inexact)["base"]["passed"], false) << inexact->dump();
  auto within = ScoreHumanEvalPlus(TheSandbox(), lines.at("HumanEval/2"),
                                   "    return number - int(number) + 1e-7\n");
  EXPECT_EQ((*within)["base"]["passed"], true) << within->dump();
  auto syntax = ScoreHumanEvalPlus(TheSandbox(), lines.at("HumanEval/2"), "    return (\n");
  EXPECT_EQ((*syntax)["base"]["status"], "fail");
  EXPECT_FALSE(ScoreHumanEvalPlus(TheSandbox(), R"({"task_id": "x"})", "").ok());
}

TEST(HumanEvalPlus, SlowCandidateFailsAtTheTimeLimit) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto lines = HumanEvalPlusLines(shared);
  // HumanEval/53's canonical calls take microseconds: each input gets EvalPlus' 4 s minimum.
  auto r = ScoreHumanEvalPlus(TheSandbox(), lines.at("HumanEval/53"),
                              "    import time\n    time.sleep(30)\n");
  ASSERT_TRUE(r.ok());
  // "fail" is the 4 s limit of the first input (the whole set's 61 s budget gives "timeout").
  EXPECT_EQ((*r)["base"]["status"], "fail") << r->dump();
  EXPECT_LT((*r)["seconds"].get<double>(), 30.0);
}

// `eval score --task humanevalplus` on canonical solutions: every one passes base and plus, and a
// wrong one fails. CI runs every 8th task (21 of 164); LFM_HUMANEVALPLUS_FULL=1 runs all 164.
TEST(HumanEvalPlusCli, CanonicalSolutionsPassThroughEvalScore) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto lines = HumanEvalPlusLines(shared);
  const char* full_env = std::getenv("LFM_HUMANEVALPLUS_FULL");
  const bool full = full_env != nullptr && std::string(full_env) == "1";
  const std::string dir = lfm::testing::TempDir();
  std::ofstream in(dir + "/responses.jsonl");
  auto with_response = [](const std::string& line, const std::string& response) {
    return line.substr(0, line.rfind('}')) + ", \"response\": " + json(response).dump() + "}";
  };
  size_t expected_canonical = 0, index = 0;
  for (const auto& [id, line] : lines) {
    if (full || index++ % 8 == 0) {
      in << with_response(line, json::parse(line)["canonical_solution"].get<std::string>()) << "\n";
      ++expected_canonical;
    }
  }
  in << with_response(lines.at("HumanEval/53"), "    return x - y\n") << "\n";
  in.close();
  const std::string cmd =
      lfm::testing::LfmbenchPath() + " eval score --task humanevalplus --jobs 2 --input " + dir +
      "/responses.jsonl --output " + dir + "/scored.jsonl > " + dir + "/log.txt 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream out(dir + "/scored.jsonl");
  std::vector<json> scored;
  for (std::string line; std::getline(out, line);) scored.push_back(json::parse(line));
  ASSERT_EQ(scored.size(), expected_canonical + 1);
  for (size_t i = 0; i < expected_canonical; ++i) {
    EXPECT_EQ(scored[i]["score"]["base"]["passed"], true)
        << scored[i]["task_id"] << scored[i]["score"].dump();
    EXPECT_EQ(scored[i]["score"]["plus"]["passed"], true)
        << scored[i]["task_id"] << scored[i]["score"].dump();
  }
  EXPECT_EQ(scored.back()["score"]["base"]["passed"], false);
  EXPECT_EQ(scored.back()["score"]["plus"]["passed"], false);
}

TEST(PassAtKSummary, GroupsSamplesByProblem) {
  const std::vector<json> records = {{{"question_id", "a"}},
                                     {{"question_id", "a"}},
                                     {{"question_id", "b"}},
                                     {{"question_id", "b"}}};
  const std::vector<json> scores = {
      {{"passed", true}}, {{"passed", false}}, {{"passed", false}}, {{"passed", false}}};
  const auto rows = PassAtKSummary("livecodebench", records, scores);
  ASSERT_EQ(rows.size(), 1u);  // pass@1 only: 2 samples per problem
  EXPECT_EQ(rows[0].metric, "pass@1");
  EXPECT_DOUBLE_EQ(rows[0].summary.value, 0.25);  // (0.5 + 0) / 2
}

}  // namespace
}  // namespace lfm::evals::code
