#include "evals/report.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "evals/fake_model.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    std::filesystem::create_directories(dir_ + "/r");
    std::ofstream out(dir_ + "/r/a.jsonl");
    for (int i = 0; i < 3; ++i) out << json({{"q", "q" + std::to_string(i)}, {"a", "yes"}}).dump() << "\n";
    out.close();
    const std::string body =
        "dataset: {test: {file: r/a.jsonl}}\ntest_split: test\noutput_type: generate_until\n"
        "doc_to_text: '{{q}}'\ndoc_to_target: '{{a}}'\nmetadata: {version: 2.0}\n"
        "filter_list: [{name: strict, filter: [{function: take_first}]}]\n";
    auto reg = TaskRegistry::Load(
        {{"a.yaml", "task: a\ntask_alias: alpha\n" + body + "metric_list: [{metric: exact_match}]\n"},
         {"b.yaml", "task: b\n" + body +
                        "metric_list: [{metric: exact_match, higher_is_better: false}]\n"},
         {"g.yaml", "group: g\ntask: [a]\naggregate_metric_list: [{metric: exact_match, filter_list: strict}]\n"
                    "metadata: {version: 1}\n"}});
    ASSERT_TRUE(reg.ok()) << reg.status().message();
    registry_ = std::make_unique<TaskRegistry>(std::move(reg).value());
    FakeModel::Script script;
    script.generate = [](const GenerationRequest& r) { return r.context == "q0" ? "no" : "yes"; };
    model_ = std::make_unique<FakeModel>(script);
    DocumentCache cache(dir_);
    auto store = results::ResultStore::Open(dir_ + "/db.sqlite", results::ResultStore::Mode::kReadWrite);
    ASSERT_TRUE(store.ok()) << store.status().message();
    options_.tasks = {"g", "b"};
    options_.show_progress = false;
    options_.run.backend = "fake";
    auto result = RunEval(*model_, *registry_, cache, **store, options_);
    ASSERT_TRUE(result.ok()) << result.status().message();
    result_ = std::move(result).value();
    run_ = *(*store)->GetRun(result_.run_id);
  }

  std::string dir_;
  std::unique_ptr<TaskRegistry> registry_;
  std::unique_ptr<FakeModel> model_;
  RunnerOptions options_;
  RunResult result_;
  results::RunRecord run_;
};

TEST_F(ReportTest, TableShowsTheTreeWithValuesAndStderr) {
  const std::string text = FormatResults(result_, *registry_, options_.tasks);
  // g, its member a (indented, by alias), then b; 2/3 correct, sample stderr sqrt(1/3)/sqrt(3).
  EXPECT_NE(text.find("g       "), std::string::npos) << text;
  EXPECT_NE(text.find(" - alpha"), std::string::npos) << text;
  EXPECT_NE(text.find("exact_match ↑  0.6667  0.3333  3"), std::string::npos) << text;
  EXPECT_NE(text.find("exact_match ↓"), std::string::npos) << text;
  EXPECT_LT(text.find(" - alpha"), text.find("\nb "));
}

TEST_F(ReportTest, ResultsJsonHasLmEvalsShape) {
  ResultsContext context;
  context.model_args = "model=m.gguf";
  context.options = options_;
  context.run = run_;
  context.db_path = dir_ + "/db.sqlite";
  const json j = ResultsJson(result_, *registry_, context);
  for (const char* key : {"results", "groups", "group_subtasks", "configs", "versions", "n-shot",
                          "higher_is_better", "n-samples", "config", "git_hash", "date", "lfmbench"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_DOUBLE_EQ(j["results"]["a"]["exact_match,strict"].get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(j["results"]["a"]["exact_match_stderr,strict"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(j["results"]["a"]["alias"], " - alpha");
  EXPECT_EQ(j["groups"]["g"]["alias"], "g");
  EXPECT_DOUBLE_EQ(j["groups"]["g"]["exact_match,strict"].get<double>(), 2.0 / 3.0);
  EXPECT_EQ(j["group_subtasks"]["g"], json({"a"}));
  EXPECT_EQ(j["group_subtasks"]["b"], json::array());
  EXPECT_EQ(j["versions"]["a"], "2.0");
  EXPECT_EQ(j["n-shot"]["a"], 0);
  EXPECT_EQ(j["higher_is_better"]["b"]["exact_match"], false);
  EXPECT_EQ(j["n-samples"]["b"], json({{"original", 3}, {"effective", 3}}));
  EXPECT_EQ(j["configs"]["a"]["task"], "a");
  EXPECT_EQ(j["config"]["model_args"], "model=m.gguf");
  EXPECT_EQ(j["lfmbench"]["id"], result_.run_id);
  EXPECT_EQ(j["lfmbench"]["status"], "complete");
}

}  // namespace
}  // namespace lfm::evals
