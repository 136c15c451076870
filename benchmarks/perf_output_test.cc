// Fidelity arithmetic on logits with known answers, and `perf -o md|csv|json|jsonl` on a stored
// run: llama-bench's field names beside today's.
#include "benchmarks/perf_output.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "benchmarks/fidelity.h"
#include "tests/test_support.h"

namespace lfm::bench {
namespace {

TEST(FidelityTest, KnownDistributions) {
  // Logits given as log-probabilities (log-softmax leaves them as they are), 3 positions:
  //   0: reference (1/2, 1/4, 1/4), backend (1/4, 1/2, 1/4): top-1 differs, KL = ln 2 / 4,
  //      |delta log p| up to ln 2;
  //   1: the same distribution, shifted by a constant (softmax ignores it): KL 0;
  //   2: reference (1/2, 1/4, 1/4), backend (0.4, 0.3, 0.3): KL(reference || backend) =
  //      1/2 ln(5/4) + 1/2 ln(5/6) = 0.0204110 (the other direction would be 0.0201361).
  const auto ln = [](double p) { return static_cast<float>(std::log(p)); };
  const std::vector<float> reference = {ln(.5), ln(.25), ln(.25), 5,      1,
                                        2,      ln(.5),  ln(.25), ln(.25)};
  const std::vector<float> backend = {ln(.25), ln(.5), ln(.25), 9, 5, 6, ln(.4), ln(.3), ln(.3)};
  const results::Fidelity f = CompareLogits(reference, backend, 3);
  EXPECT_EQ(f.tokens, 3);
  const double kl2 = 0.5 * std::log(1.25) + 0.5 * std::log(0.25 / 0.3);
  EXPECT_NEAR(f.mean_kl, (std::log(2.0) / 4 + 0 + kl2) / 3, 1e-7);
  EXPECT_DOUBLE_EQ(f.top1_agreement, 2.0 / 3);
  EXPECT_NEAR(f.max_abs_logprob_diff, std::log(2.0), 1e-6);
  // Identical logits: exactly zero and full agreement.
  const results::Fidelity same = CompareLogits(reference, reference, 3);
  EXPECT_EQ(same.mean_kl, 0);
  EXPECT_EQ(same.top1_agreement, 1);
  EXPECT_EQ(same.max_abs_logprob_diff, 0);
}

TEST(FidelityTest, PromptIsFixedAndLongEnough) {
  const std::vector<int32_t> prompt = FidelityPrompt(100);
  EXPECT_GE(prompt.size(), 64u);
  EXPECT_EQ(prompt, FidelityPrompt(100));
  for (int32_t t : prompt) EXPECT_TRUE(t >= 0 && t < 100) << t;
}

class PerfOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = results::ResultStore::Open(::lfm::testing::TempDir() + "/p.db",
                                            results::ResultStore::Mode::kReadWrite);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    results::RunRecord run;
    run.model = {"/m/tiny.gguf", "tiny Q4_0", 1000, "ab", "file", "lfm2moe", "q4_0", 5000};
    run.device.cpu_model = "Test CPU";
    run.build.git_commit = "abc1234";
    run_id_ = store_->BeginRun(run).value();
    results::PerfResult row;
    row.run_id = run_id_;
    row.backend = "cpu";
    row.threads = 2;
    row.test = "pp16";
    row.n_prompt = 16;
    row.samples = {{0, 0.5, 32}, {1, 0.25, 64}, {2, 0.4, 40}};
    row.fidelity = results::Fidelity{64, 2.5e-5, 63.0 / 64, 0.125};
    ASSERT_TRUE(store_->AddPerfResult(row).ok());
  }
  std::string Format(PerfFormat format) { return FormatPerfRun(*store_, run_id_, format).value(); }

  std::unique_ptr<results::ResultStore> store_;
  int64_t run_id_ = 0;
};

TEST_F(PerfOutputTest, JsonHasTodaysAndLlamaBenchFields) {
  const nlohmann::json rows = nlohmann::json::parse(Format(PerfFormat::kJson));
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.size(), 1u);
  const nlohmann::json& r = rows[0];
  EXPECT_EQ(r["backend"], "cpu");
  EXPECT_EQ(r["test"], "pp16");
  EXPECT_DOUBLE_EQ(r["tokens_per_s_median"].get<double>(), 40);
  EXPECT_EQ(r["n_prompt"], 16);
  EXPECT_EQ(r["n_gen"], 0);
  EXPECT_EQ(r["n_threads"], 2);
  EXPECT_DOUBLE_EQ(r["avg_ts"].get<double>(), (32 + 64 + 40) / 3.0);
  const double mean = (32 + 64 + 40) / 3.0;
  const double sd =
      std::sqrt((std::pow(32 - mean, 2) + std::pow(64 - mean, 2) + std::pow(40 - mean, 2)) / 2);
  EXPECT_NEAR(r["stddev_ts"].get<double>(), sd, 1e-9);
  EXPECT_EQ(r["samples_ns"], nlohmann::json({500000000, 250000000, 400000000}));
  EXPECT_EQ(r["avg_ns"], 383333333);
  EXPECT_EQ(r["model_size"], 1000);
  EXPECT_EQ(r["model_n_params"], 5000);
  EXPECT_EQ(r["model_filename"], "/m/tiny.gguf");
  EXPECT_EQ(r["cpu_info"], "Test CPU");
  EXPECT_DOUBLE_EQ(r["fidelity_mean_kl"].get<double>(), 2.5e-5);
  EXPECT_DOUBLE_EQ(r["fidelity_top1"].get<double>(), 63.0 / 64);
  // jsonl: the same object on one line.
  const std::string lines = Format(PerfFormat::kJsonLines);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 1);
  EXPECT_EQ(nlohmann::json::parse(lines), r);
}

TEST_F(PerfOutputTest, MarkdownAndCsv) {
  const std::string md = Format(PerfFormat::kMarkdown);
  EXPECT_EQ(md.substr(0, md.find('\n')),
            "| model | size | params | backend | threads | test | t/s | n | KL | top-1 | max Δlp |")
      << md;
  EXPECT_NE(md.find("| cpu | 2 | pp16 | 40.00 ± 16.65 | 3 | 2.50e-05 | 63/64 | 0.125 |"),
            std::string::npos)
      << md;
  const std::string csv = Format(PerfFormat::kCsv);
  const std::string header = csv.substr(0, csv.find('\n'));
  for (const char* field : {"avg_ts", "n_threads", "samples_ts", "model_n_params", "backend"}) {
    EXPECT_NE(header.find(field), std::string::npos) << field << " in " << header;
  }
  EXPECT_NE(csv.find(",500000000 250000000 400000000,32.0 64.0 40.0,"), std::string::npos)
      << csv;  // samples_ns, samples_ts: space-separated
  EXPECT_EQ(ParsePerfFormat("sql").status().message(),
            "unknown output format 'sql' (md, csv, json, jsonl)");
}

}  // namespace
}  // namespace lfm::bench
