#include "benchmarks/roofline.h"

#include <gtest/gtest.h>

#include "base/thread_pool.h"
#include "engine/config.h"
#include "engine/gguf.h"
#include "engine/model_maker.h"
#include "tests/test_support.h"

namespace lfm::bench {
namespace {

// The bytes a decoded token reads, counted the other way round: the whole file's tensor data,
// less the unused experts' share of every expert stack, less all but one row of the embedding,
// plus the tied output head (the tiny preset has no output.weight).
TEST(RooflineTest, DecodeBytesCountActiveExpertsAndOneEmbeddingRow) {
  const std::string path = testing::TempDir() + "/roofline_tiny.gguf";
  ThreadPool pool(1);
  engine::MakeModelOptions o;
  o.preset = "tiny";
  o.type = kernels::DType::kQ4_0;
  o.output = path;
  o.show_progress = false;
  ASSERT_TRUE(engine::MakeModel(o, pool).ok());
  auto file = engine::GgufFile::Open(path);
  ASSERT_TRUE(file.ok());
  auto config = engine::Lfm2Config::FromGguf(**file);
  ASSERT_TRUE(config.ok());
  ASSERT_EQ((*file)->FindTensor("output.weight"), nullptr);
  int64_t all = 0, experts = 0, embd = 0;
  for (const engine::GgufTensorInfo& t : (*file)->tensors()) {
    all += static_cast<int64_t>(t.nbytes);
    if (t.name.find("_exps.") != std::string::npos) experts += static_cast<int64_t>(t.nbytes);
    if (t.name == "token_embd.weight") embd = static_cast<int64_t>(t.nbytes);
  }
  ASSERT_GT(experts, 0);
  const int E = config->n_experts, k = config->n_experts_used;
  const int64_t expected = all - experts / E * (E - k) - embd + embd / config->n_vocab + embd;

  auto bytes = DecodeBytesPerToken(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  EXPECT_EQ(bytes->total(), expected);
  EXPECT_EQ(bytes->experts, experts / E * k);

  // A batched step reads each expert picked by any of its tokens once: one token reads k
  // experts, B tokens on average E·(1 - (1 - k/E)^B), never more than all E.
  const double per_expert = static_cast<double>(experts) / E;
  EXPECT_DOUBLE_EQ(bytes->PerStep(1), static_cast<double>(bytes->total()));
  const double two = E * (1 - (1 - double(k) / E) * (1 - double(k) / E));
  EXPECT_NEAR(bytes->PerStep(2), bytes->dense + two * per_expert, 1.0);
  EXPECT_LT(bytes->PerStep(2), bytes->dense + 2 * k * per_expert);  // shared experts counted once
  EXPECT_LE(bytes->PerStep(1000), bytes->dense + E * per_expert + 1.0);
}

TEST(RooflineTest, MissingModelIsAnErrorNamingIt) {
  auto bytes = DecodeBytesPerToken(testing::TempDir() + "/no_such_model.gguf");
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("no_such_model.gguf"), std::string::npos);
}

// Any machine reads memory faster than 100 MB/s; a broken timer or an empty pass does not.
TEST(RooflineTest, ReadBandwidthIsMeasured) {
  for (int threads : {1, 2}) {
    const double bw = MeasureReadBandwidth(int64_t{64} << 20, threads, 2);
    EXPECT_GT(bw, 1e8) << threads << " threads";
    EXPECT_LT(bw, 1e13) << threads << " threads";
  }
}

}  // namespace
}  // namespace lfm::bench
