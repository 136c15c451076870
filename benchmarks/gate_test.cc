#include "benchmarks/gate.h"

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "results/provenance.h"
#include "tests/test_support.h"

namespace lfm::bench {
namespace {

using ::testing::HasSubstr;

std::vector<double> Noisy(double center, double relative_sd, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(center, center * relative_sd);
  std::vector<double> v(n);
  for (double& x : v) x = normal(rng);
  return v;
}

Verdict DecideOn(std::vector<double> base, std::vector<double> cand, bool paired) {
  GateRow row;
  row.baseline = std::move(base);
  row.candidate = std::move(cand);
  Decide(row, GateOptions{}, paired);
  return row.verdict;
}

TEST(GateDecisionTest, StoredSamplesFailOnlyOnASignificantSlowdownBeyondTheThreshold) {
  // 20% slower, 1% noise, 5 samples each: fully separated, exact p = 2/252.
  EXPECT_EQ(DecideOn(Noisy(100, 0.01, 5, 1), Noisy(80, 0.01, 5, 2), false), Verdict::kFail);
  // Same distribution: pass.
  EXPECT_EQ(DecideOn(Noisy(100, 0.01, 5, 3), Noisy(100, 0.01, 5, 4), false), Verdict::kPass);
  // 3% slower, clearly significant, but within the 5% tolerance: pass.
  EXPECT_EQ(DecideOn(Noisy(100, 0.002, 5, 5), Noisy(97, 0.002, 5, 6), false), Verdict::kPass);
  // 10% slower in the medians but noise of 30%: not significant, pass.
  EXPECT_EQ(DecideOn({100, 140, 70, 130, 60}, {90, 126, 63, 117, 54}, false), Verdict::kPass);
  // 20% faster: improved.
  EXPECT_EQ(DecideOn(Noisy(100, 0.01, 5, 7), Noisy(120, 0.01, 5, 8), false), Verdict::kImproved);
  EXPECT_EQ(DecideOn({}, {1, 2}, false), Verdict::kMissing);
}

TEST(GateDecisionTest, PairedRoundsUseTheSignTestOnRatios) {
  // Every round 20% slower: 10 of 10 rounds slower, p = 1/1024.
  std::vector<double> a = Noisy(100, 0.05, 10, 9), b;
  for (double x : a) b.push_back(0.8 * x);
  EXPECT_EQ(DecideOn(a, b, true), Verdict::kFail);
  // The machine drifts a lot between rounds but A and B move together: pass.
  std::vector<double> drift = {100, 60, 140, 90, 120, 70, 110, 80, 130, 100}, same;
  for (size_t i = 0; i < drift.size(); ++i) same.push_back(drift[i] * (i % 2 ? 1.01 : 0.99));
  EXPECT_EQ(DecideOn(drift, same, true), Verdict::kPass);
}

TEST(GateDecisionTest, SignTestTailProbabilities) {
  EXPECT_DOUBLE_EQ(SignTestPValue(10, 10), 1.0 / 1024);
  EXPECT_NEAR(SignTestPValue(9, 10), 11.0 / 1024, 1e-12);
  EXPECT_DOUBLE_EQ(SignTestPValue(0, 10), 1.0);
}

// Two runs in a real database file; the gate matches their rows and refuses other devices.
class GateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(results::ResultStore::Open(testing::TempDir() + "/gate.db",
                                                  results::ResultStore::Mode::kReadWrite).value());
  }
  int64_t AddRun(const std::string& device_id, const std::string& model_hash, double tokens_per_s) {
    results::RunRecord run;
    run.device.device_id = device_id;
    run.device.cpu_model = "cpu " + device_id;
    run.model.hash = model_hash;
    run.model.path = "m-" + model_hash + ".gguf";
    const int64_t id = store_->BeginRun(run).value();
    for (const char* test : {"pp64", "tg32"}) {
      results::PerfResult row;
      row.run_id = id;
      row.backend = "cpu";
      row.threads = 2;
      row.test = test;
      const std::vector<double> tps = Noisy(tokens_per_s, 0.01, 5, static_cast<uint32_t>(id * 10 + row.test.size()));
      for (int rep = 0; rep < 5; ++rep) row.samples.push_back({rep, 1 / tps[rep], tps[rep]});
      EXPECT_TRUE(store_->AddPerfResult(row).ok());
    }
    EXPECT_TRUE(store_->FinishRun(id, results::RunStatus::kComplete).ok());
    return id;
  }
  std::unique_ptr<results::ResultStore> store_;
};

TEST_F(GateStoreTest, ComparesMatchingRowsAndStoresVerdicts) {
  const int64_t base = AddRun("dev1", "h1", 100), same = AddRun("dev1", "h1", 100),
                slow = AddRun("dev1", "h1", 75);
  auto pass = CompareRuns(*store_, base, same, {});
  ASSERT_TRUE(pass.ok()) << pass.status().message();
  EXPECT_EQ(pass->rows.size(), 2u);
  EXPECT_FALSE(pass->failed());
  auto fail = CompareRuns(*store_, base, slow, {});
  ASSERT_TRUE(fail.ok());
  EXPECT_TRUE(fail->failed());
  EXPECT_THAT(fail->Table(), HasSubstr("gate FAILED: 2 of 2 rows slower by more than 5.0%"));
  ASSERT_TRUE(StoreVerdicts(*store_, *fail, base, slow).ok());
  auto verdicts = store_->GetGateVerdicts(slow);
  ASSERT_TRUE(verdicts.ok());
  ASSERT_EQ(verdicts->size(), 2u);
  EXPECT_EQ((*verdicts)[0].verdict, "fail");
}

TEST_F(GateStoreTest, RefusesOtherDevicesAndModels) {
  const int64_t base = AddRun("dev1", "h1", 100), other_device = AddRun("dev2", "h1", 100),
                other_model = AddRun("dev1", "h2", 100);
  auto r = CompareRuns(*store_, base, other_device, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("refused: run 1 was measured on device dev1"));
  r = CompareRuns(*store_, base, other_model, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("the gate only compares runs of the same model file"));
}

}  // namespace
}  // namespace lfm::bench
