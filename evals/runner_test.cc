#include "evals/runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "evals/fake_model.h"
#include "evals/scoring/py_regex.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;
using results::ResultStore;

const TaskRegistry& Builtin() {
  static const TaskRegistry reg = *TaskRegistry::LoadBuiltin();
  return reg;
}

std::unique_ptr<ResultStore> OpenStore(const std::string& path) {
  auto store = ResultStore::Open(path, ResultStore::Mode::kReadWrite);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return std::move(store).value();
}

RunnerOptions Options(std::vector<std::string> tasks, int limit) {
  RunnerOptions o;
  o.tasks = std::move(tasks);
  o.limit = limit;
  o.show_progress = false;
  o.model_identity = "fake";
  o.run.backend = "fake";
  return o;
}

// The gold answer of every prompt a run will send, built the way the runner builds them.
std::map<std::string, std::string> GoldByPrompt(const std::vector<std::string>& tasks, int limit,
                                                DocumentCache& cache) {
  std::map<std::string, std::string> gold;
  InstanceOptions options;
  options.limit = limit;
  const std::vector<std::string> leaves = *Builtin().ExpandToTasks(tasks);
  for (const std::string& name : leaves) {
    auto built = BuildInstances(*Builtin().FindTask(name), cache, options);
    EXPECT_TRUE(built.ok()) << built.status().message();
    for (const Instance& inst : built->instances) gold[inst.prompt] = inst.target;
  }
  return gold;
}

// The number after "####" in a GSM8K answer.
std::string Gsm8kNumber(const std::string& answer) { return answer.substr(answer.rfind("####") + 5); }

// An answer text every GSM8K variant's strict and flexible filters extract `number` from.
std::string Gsm8kReply(const std::string& number) {
  return "The answer is " + number + ". The final answer is " + number + "\n#### " + number;
}

FakeModel::Script Knowing(const std::map<std::string, std::string>& gold, bool right) {
  FakeModel::Script s;
  s.loglikelihood = [&gold, right](const std::string& context, const std::string& continuation) {
    const bool is_gold = " " + gold.at(context) == continuation;
    return is_gold == right ? 0.0 : -3.0;
  };
  s.generate = [&gold, right](const GenerationRequest& r) {
    const std::string target = gold.at(r.context);
    const std::string number = target.find("####") != std::string::npos ? Gsm8kNumber(target) : target;
    return Gsm8kReply(right ? number : "1234567");
  };
  return s;
}

std::map<std::string, double> Values(const RunResult& r) {
  std::map<std::string, double> values;
  for (const auto& t : r.tasks) {
    for (const auto& m : t.metrics) values[t.name + "/" + m.metric + "," + m.filter] = m.value;
  }
  for (const auto& g : r.groups) {
    for (const auto& m : g.metrics) values[g.name + "/" + m.metric + "," + m.filter] = m.value;
  }
  return values;
}

TEST(RunnerTest, KnowingModelScoresOneAndWrongModelZeroOnMmluAndGsm8k) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  const std::vector<std::string> tasks = {"mmlu", "gsm8k", "gsm8k_cot", "gsm8k_cot_llama"};
  const auto gold = GoldByPrompt(tasks, 2, cache);
  for (bool right : {true, false}) {
    FakeModel model(Knowing(gold, right));
    auto store = OpenStore(testing::TempDir() + "/r.db");
    auto result = RunEval(model, Builtin(), cache, *store, Options(tasks, 2));
    ASSERT_TRUE(result.ok()) << result.status().message();
    ASSERT_TRUE(result->complete);
    EXPECT_EQ(result->tasks.size(), 60u);       // 57 subjects + 3 GSM8K variants
    EXPECT_EQ(result->samples_scored, 120);
    const auto values = Values(*result);
    // Every metric of every task and group: mmlu acc, acc_macro, the categories, both filters
    // of each GSM8K variant.
    EXPECT_EQ(values.size(), 57u + 5u + 1u + 3u * 2u);
    for (const auto& [name, value] : values) EXPECT_EQ(value, right ? 1.0 : 0.0) << name;
    EXPECT_EQ(result->groups.front().name, "mmlu");
    EXPECT_EQ(result->groups.front().metrics[0].n, 114);
  }
}

// A small IFEval-format file with prompts whose right and wrong answers are known.
struct IfevalCase {
  const char* id;
  json kwargs;
  const char* right;
  const char* wrong;
};

TEST(RunnerTest, KnowingModelScoresOneAndWrongModelZeroOnIfeval) {
  const std::vector<IfevalCase> cases = {
      {"punctuation:no_comma", json::object(), "blue and green", "blue, green, red"},
      {"detectable_format:title", json::object(), "<<Colors>>\nblue", "Colors: blue"},
      {"startend:quotation", json::object(), "\"a quoted reply\"", "an unquoted reply"},
      {"keywords:existence", {{"keywords", {"garden"}}}, "my garden grows", "my yard grows"},
      {"change_case:english_lowercase", json::object(), "this reply is all lower case english text",
       "This Reply Is Not All Lower Case English Text"},
  };
  const std::string dir = testing::TempDir();
  std::filesystem::create_directories(dir + "/ifeval");
  std::ofstream out(dir + "/ifeval/input_data.jsonl");
  std::map<std::string, std::pair<std::string, std::string>> answers;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string prompt = "Prompt " + std::to_string(i) + " for " + cases[i].id;
    out << json({{"key", i}, {"prompt", prompt}, {"instruction_id_list", {cases[i].id}},
                 {"kwargs", {cases[i].kwargs}}})
               .dump()
        << "\n";
    answers[prompt] = {cases[i].right, cases[i].wrong};
  }
  out.close();
  DocumentCache cache(dir);
  for (bool right : {true, false}) {
    FakeModel::Script script;
    script.generate = [&](const GenerationRequest& r) {
      EXPECT_EQ(r.max_tokens, 1280);
      const auto& a = answers.at(r.context);
      return right ? a.first : a.second;
    };
    FakeModel model(script);
    auto store = OpenStore(testing::TempDir() + "/i.db");
    auto result = RunEval(model, Builtin(), cache, *store, Options({"ifeval"}, 100));
    ASSERT_TRUE(result.ok()) << result.status().message();
    ASSERT_EQ(result->tasks.size(), 1u);
    ASSERT_EQ(result->tasks[0].metrics.size(), 4u);
    for (const auto& m : result->tasks[0].metrics) {
      EXPECT_EQ(m.value, right ? 1.0 : 0.0) << m.metric;
      EXPECT_EQ(m.n, 5);
      // lm-eval: a standard error for the prompt-level means, "N/A" for instruction level.
      EXPECT_EQ(m.stderr_value.has_value(), m.metric.rfind("prompt_level", 0) == 0) << m.metric;
    }
  }
}

// A model that is right on some documents and wrong on others (by a hash of the prompt), so
// that interrupted and uninterrupted runs have non-trivial numbers to agree on.
FakeModel::Script Mixed(const std::map<std::string, std::string>& gold) {
  FakeModel::Script s = Knowing(gold, true);
  auto wrong = Knowing(gold, false);
  auto right = s;
  auto pick = [](const std::string& prompt) { return std::hash<std::string>{}(prompt) % 3 != 0; };
  s.loglikelihood = [=](const std::string& c, const std::string& x) {
    return pick(c) ? right.loglikelihood(c, x) : wrong.loglikelihood(c, x);
  };
  s.generate = [=](const GenerationRequest& r) {
    return pick(r.context) ? right.generate(r) : wrong.generate(r);
  };
  return s;
}

void ExpectSameResults(const RunResult& a, const RunResult& b) {
  ASSERT_EQ(a.tasks.size(), b.tasks.size());
  for (size_t i = 0; i < a.tasks.size(); ++i) {
    ASSERT_EQ(a.tasks[i].metrics.size(), b.tasks[i].metrics.size());
    for (size_t j = 0; j < a.tasks[i].metrics.size(); ++j) {
      const MetricResult& x = a.tasks[i].metrics[j];
      const MetricResult& y = b.tasks[i].metrics[j];
      EXPECT_EQ(x.value, y.value) << a.tasks[i].name << " " << x.metric;
      EXPECT_EQ(x.stderr_value, y.stderr_value) << a.tasks[i].name << " " << x.metric;
      EXPECT_EQ(x.n, y.n);
    }
  }
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (size_t i = 0; i < a.groups.size(); ++i) {
    ASSERT_EQ(a.groups[i].metrics.size(), b.groups[i].metrics.size());
    for (size_t j = 0; j < a.groups[i].metrics.size(); ++j) {
      EXPECT_EQ(a.groups[i].metrics[j].value, b.groups[i].metrics[j].value);
      EXPECT_EQ(a.groups[i].metrics[j].stderr_value, b.groups[i].metrics[j].stderr_value);
    }
  }
}

// The eval_scores rows stored for two runs are the same, row by row (and there are some).
void ExpectSameStoredScores(ResultStore& a, int64_t run_a, ResultStore& b, int64_t run_b) {
  const std::vector<results::EvalScore> x = a.GetEvalScores(run_a).value();
  const std::vector<results::EvalScore> y = b.GetEvalScores(run_b).value();
  ASSERT_FALSE(x.empty());
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const std::string what = x[i].name + " " + x[i].metric + "," + x[i].filter;
    EXPECT_EQ(x[i].name, y[i].name);
    EXPECT_EQ(x[i].is_group, y[i].is_group) << what;
    EXPECT_EQ(x[i].metric, y[i].metric) << what;
    EXPECT_EQ(x[i].filter, y[i].filter) << what;
    EXPECT_EQ(x[i].value, y[i].value) << what;
    EXPECT_EQ(x[i].std_error, y[i].std_error) << what;
    EXPECT_EQ(x[i].n, y[i].n) << what;
    EXPECT_EQ(x[i].higher_is_better, y[i].higher_is_better) << what;
  }
}

TEST(RunnerTest, StoppedMidwayThenResumedGivesIdenticalNumbers) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  const std::vector<std::string> tasks = {"mmlu_stem", "gsm8k"};
  const auto gold = GoldByPrompt(tasks, 4, cache);
  FakeModel whole_model(Mixed(gold));
  auto whole_store = OpenStore(testing::TempDir() + "/whole.db");
  auto whole = RunEval(whole_model, Builtin(), cache, *whole_store, Options(tasks, 4));
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  ASSERT_TRUE(whole->complete);
  // The mixed model really is mixed: neither all right nor all wrong.
  const double gsm = Values(*whole).at("gsm8k/exact_match,strict-match");
  EXPECT_GT(gsm, 0.0);
  EXPECT_LT(gsm, 1.0);

  const std::string db = testing::TempDir() + "/parts.db";
  RunnerOptions options = Options(tasks, 4);
  options.stop_after_samples = 30;  // "Ctrl-C" after 30 of 80 samples
  {
    FakeModel model(Mixed(gold));
    auto store = OpenStore(db);
    auto first = RunEval(model, Builtin(), cache, *store, options);
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_FALSE(first->complete);
    EXPECT_EQ(first->samples_scored, 32);  // whole batches of 8 documents
    EXPECT_EQ(store->GetRun(first->run_id)->status, results::RunStatus::kIncomplete);
  }
  options.stop_after_samples = 0;
  FakeModel model(Mixed(gold));
  auto store = OpenStore(db);
  auto resumed = RunEval(model, Builtin(), cache, *store, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  ASSERT_TRUE(resumed->complete);
  EXPECT_EQ(resumed->samples_resumed, 32);
  EXPECT_EQ(resumed->samples_scored, 80 - 32);
  EXPECT_EQ(store->GetRun(resumed->run_id)->status, results::RunStatus::kComplete);
  ExpectSameResults(*whole, *resumed);
  ExpectSameStoredScores(*whole_store, whole->run_id, *store, resumed->run_id);

  // A third run has nothing left to do and reports the same numbers.
  auto again = RunEval(model, Builtin(), cache, *store, options);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->samples_scored, 0);
  EXPECT_EQ(again->run_id, resumed->run_id);
  ExpectSameResults(*whole, *again);
  // Different settings are a different run.
  options.limit = 3;
  auto other = RunEval(model, Builtin(), cache, *store, options);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->run_id, resumed->run_id);
}

TEST(RunnerTest, KilledProcessLosesNothingAndResumes) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  const std::vector<std::string> tasks = {"gsm8k"};
  const auto gold = GoldByPrompt(tasks, 12, cache);
  FakeModel whole_model(Mixed(gold));
  auto whole_store = OpenStore(testing::TempDir() + "/whole.db");
  RunnerOptions options = Options(tasks, 12);
  options.batch_size = 1;
  auto whole = RunEval(whole_model, Builtin(), cache, *whole_store, options);
  ASSERT_TRUE(whole.ok()) << whole.status().message();

  const std::string db = testing::TempDir() + "/killed.db";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FakeModel::Script script = Mixed(gold);
    script.before_request = [](int served) {
      if (served == 5) raise(SIGKILL);  // dies while generating the 6th answer
    };
    FakeModel model(script);
    auto store = ResultStore::Open(db, ResultStore::Mode::kReadWrite);
    if (!store.ok()) _exit(3);
    (void)RunEval(model, Builtin(), cache, **store, options);
    _exit(4);  // not reached
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  FakeModel model(Mixed(gold));
  auto store = OpenStore(db);
  auto resumed = RunEval(model, Builtin(), cache, *store, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(resumed->samples_resumed, 5);  // every answer finished before the kill was kept
  EXPECT_EQ(resumed->samples_scored, 7);
  ExpectSameResults(*whole, *resumed);
  ExpectSameStoredScores(*whole_store, whole->run_id, *store, resumed->run_id);
}

TEST(RunnerTest, CancelFlagStopsBetweenRequestsAndMarksTheRunIncomplete) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  const auto gold = GoldByPrompt({"gsm8k"}, 6, cache);
  std::atomic<bool> cancel{false};
  FakeModel::Script script = Knowing(gold, true);
  script.before_request = [&](int served) {
    if (served == 3) cancel = true;  // Ctrl-C while the 4th request is pending
  };
  FakeModel model(script);
  auto store = OpenStore(testing::TempDir() + "/c.db");
  RunnerOptions options = Options({"gsm8k"}, 6);
  options.cancel = &cancel;
  auto result = RunEval(model, Builtin(), cache, *store, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_FALSE(result->complete);
  EXPECT_EQ(result->samples_scored, 0);  // the batch in flight is dropped, not half-stored
  EXPECT_EQ(store->GetRun(result->run_id)->status, results::RunStatus::kIncomplete);
  EXPECT_EQ(*store->CountEvalSamples(result->run_id, "gsm8k"), 0);
}

// Groups as lm-eval's consolidate_group_results computes them, on two tasks of different sizes.
TEST(RunnerTest, GroupMicroMacroAndPooledStderr) {
  const std::string dir = testing::TempDir();
  std::filesystem::create_directories(dir + "/g");
  // Task a: 4 documents, task b: 2. The model is right on a0, a1, a2 and b0.
  for (auto [name, n] : {std::pair{"a", 4}, std::pair{"b", 2}}) {
    std::ofstream out(dir + "/g/" + name + ".jsonl");
    for (int i = 0; i < n; ++i) out << json({{"q", std::string(name) + std::to_string(i)}, {"a", "yes"}}).dump() << "\n";
  }
  const std::string task =
      "dataset: {test: {file: g/NAME.jsonl}}\ntest_split: test\noutput_type: generate_until\n"
      "doc_to_text: '{{q}}'\ndoc_to_target: '{{a}}'\nmetric_list: [{metric: exact_match}]\n";
  auto spec = [&](const std::string& name) {
    std::string s = task;
    s.replace(s.find("NAME"), 4, name);
    return "task: " + name + "\n" + s;
  };
  auto reg = TaskRegistry::Load(
      {{"a.yaml", spec("a")}, {"b.yaml", spec("b")},
       {"g.yaml", "group: g\ntask: [a, b]\naggregate_metric_list:\n"
                  "  - {metric: exact_match, weight_by_size: true}\n"
                  "  - {metric: exact_match, weight_by_size: false, name: macro}\n"}});
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  FakeModel::Script script;
  script.generate = [](const GenerationRequest& r) {
    return (r.context == "a3" || r.context == "b1") ? "no" : "yes";
  };
  FakeModel model(script);
  DocumentCache cache(dir);
  auto store = OpenStore(testing::TempDir() + "/g.db");
  auto result = RunEval(model, *reg, cache, *store, Options({"g"}, 100));
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->groups.size(), 1u);
  const auto& m = result->groups[0].metrics;
  ASSERT_EQ(m.size(), 2u);
  EXPECT_DOUBLE_EQ(m[0].value, 4.0 / 6.0);                  // micro: 4 right of 6
  EXPECT_DOUBLE_EQ(m[1].value, (0.75 + 0.5) / 2.0);         // macro: mean of 3/4 and 1/2
  EXPECT_EQ(m[0].n, 6);
  // Task stderrs: sqrt(var_a / 4), sqrt(var_b / 2) with sample variances 1/4 and 1/2; pooled:
  // sqrt(((4-1) se_a^2 4 + (2-1) se_b^2 2) / (6 - 2) / 6).
  const double se_a = std::sqrt(0.25 / 4), se_b = std::sqrt(0.5 / 2);
  EXPECT_DOUBLE_EQ(*result->tasks[0].metrics[0].stderr_value, se_a);
  EXPECT_DOUBLE_EQ(*m[0].stderr_value, std::sqrt((3 * se_a * se_a * 4 + 1 * se_b * se_b * 2) / 4.0 / 6.0));
  // The scores are stored too.
  auto scores = store->GetEvalScores(result->run_id);
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ(scores->size(), 4u);  // a, b, g (micro), g (macro)
}

TEST(RunnerTest, MissingDataNamesTheFileAndTheFetchCommand) {
  DocumentCache cache(testing::TempDir());
  FakeModel model({});
  auto store = OpenStore(testing::TempDir() + "/m.db");
  auto result = RunEval(model, Builtin(), cache, *store, Options({"gsm8k"}, 1));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("gsm8k/test.jsonl: no such file (get it with `lfmbench "
                                           "datasets fetch gsm8k --to"),
            std::string::npos)
      << result.status().message();
  auto unknown = RunEval(model, Builtin(), cache, *store, Options({"gsm8"}, 1));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown task or group 'gsm8' (did you mean 'gsm8k'?)");
}

}  // namespace
}  // namespace lfm::evals
