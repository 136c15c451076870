#include "engine/model_maker.h"

#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/gguf.h"
#include "engine/model_info.h"
#include "engine/tensor_list.h"
#include "kernels/quant/quantize.h"
#include "tests/test_support.h"

namespace lfm::engine {
namespace {

using kernels::DType;

std::string Make(const std::string& preset, const std::string& arch, DType type, uint64_t seed,
                 ThreadPool& pool) {
  MakeModelOptions o;
  o.preset = preset;
  o.arch = arch;
  o.type = type;
  o.seed = seed;
  o.output = testing::TempDir() + "/m.gguf";
  o.show_progress = false;
  Status s = MakeModel(o, pool);
  EXPECT_TRUE(s.ok()) << s.message();
  return o.output;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ModelMakerTest : public ::testing::TestWithParam<std::tuple<std::string, DType>> {};

TEST_P(ModelMakerTest, WritesTheExpectedTensorsAndMetadata) {
  const auto& [arch, type] = GetParam();
  ThreadPool pool(2);
  const std::string path = Make("tiny", arch, type, 1, pool);
  auto file = GgufFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto summary = SummarizeModel(**file);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  const Lfm2Config expected = *PresetConfig("tiny", arch);
  EXPECT_EQ(summary->config.n_kv_heads, expected.n_kv_heads);
  EXPECT_EQ(summary->config.n_experts, expected.n_experts);
  EXPECT_EQ(summary->tokenizer.n_tokens, expected.n_vocab);
  EXPECT_EQ(summary->tokenizer.pre, "lfm2");

  const std::vector<TensorSpec> specs = ExpectedTensors(expected);
  ASSERT_EQ((*file)->tensors().size(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const GgufTensorInfo& t = (*file)->tensors()[i];
    EXPECT_EQ(t.name, specs[i].name);
    EXPECT_EQ(t.ne, specs[i].ne) << t.name;
    EXPECT_EQ(t.type, StoredType(specs[i], type)) << t.name;
  }
  // Every value finite, and quantized weights not degenerate.
  for (const GgufTensorInfo& t : (*file)->tensors()) {
    std::vector<float> row(t.ne[0]);
    kernels::DequantizeRow(t.type, (*file)->TensorData(t), row.data(), t.ne[0]);
    float amax = 0;
    for (float v : row) {
      ASSERT_TRUE(std::isfinite(v)) << t.name;
      amax = std::max(amax, std::fabs(v));
    }
    EXPECT_GT(amax, 0) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, ModelMakerTest,
    ::testing::Combine(::testing::Values("lfm2moe", "lfm2"),
                       ::testing::Values(DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0,
                                         DType::kQ4_0)),
    [](const auto& info) {
      return std::get<0>(info.param) + "_" + std::string(kernels::DTypeName(std::get<1>(info.param)));
    });

TEST(ModelMakerTest, SameSeedSameBytesWhateverTheThreadCount) {
  ThreadPool one(1), two(2);
  const std::string a = ReadAll(Make("tiny", "lfm2moe", DType::kQ4_0, 5, one));
  const std::string b = ReadAll(Make("tiny", "lfm2moe", DType::kQ4_0, 5, two));
  const std::string c = ReadAll(Make("tiny", "lfm2moe", DType::kQ4_0, 6, two));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), c.size());
  EXPECT_NE(a, c);
}

TEST(ModelMakerTest, PresetParameterCountsMatchTheRealModel) {
  // LFM2-8B-A1B: 8.34 B total, 1.56 B active (docs/model.md §1.1), from the tensor list.
  const Lfm2Config c = *PresetConfig("8b-a1b", "lfm2moe");
  int64_t total = 0, experts = 0;
  for (const TensorSpec& s : ExpectedTensors(c)) {
    int64_t n = 1;
    for (int64_t d : s.ne) n *= d;
    total += n;
    if (s.role == TensorRole::kExpertStack) experts += n;
  }
  EXPECT_NEAR(total / 1e9, 8.34, 0.01);
  EXPECT_NEAR((total - experts + experts * 4 / 32) / 1e9, 1.56, 0.01);
  EXPECT_EQ(ExpectedTensors(c).size(), 256u);  // docs/model.md §3.3: 123 F32 + 133 weight tensors
}

TEST(ModelMakerTest, UnknownPresetListsTheValidOnes) {
  auto r = PresetConfig("huge", "lfm2moe");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "unknown preset 'huge' for --arch lfm2moe (choose from: tiny, small, 8b-a1b)");
}

// The generated layout must match the reference files in ../shared, made by an independent
// generator that mirrors llama.cpp's converter: same keys, tensor names, shapes and types.
TEST(ModelMakerTest, LayoutMatchesTheSharedReferenceModels) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  ThreadPool pool(2);
  for (const auto& [ref_name, arch, type] :
       {std::tuple{"tiny-moe-f32", "lfm2moe", DType::kF32}, {"tiny-moe-q8_0", "lfm2moe", DType::kQ8_0},
        {"tiny-dense-f32", "lfm2", DType::kF32}}) {
    auto ref = GgufFile::Open(shared + "/testdata/models/" + ref_name + ".gguf");
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    auto ours = GgufFile::Open(Make("tiny", arch, type, 1, pool));
    ASSERT_TRUE(ours.ok());
    std::set<std::string> ref_keys, our_keys;
    for (const auto& [k, v] : (*ref)->metadata()) {
      if (k.rfind("mkgguf.", 0) != 0) ref_keys.insert(k);
    }
    for (const auto& [k, v] : (*ours)->metadata()) {
      if (k.rfind("lfmbench.", 0) != 0 && k != "general.quantization_version") our_keys.insert(k);
    }
    ref_keys.erase("general.quantization_version");
    EXPECT_EQ(our_keys, ref_keys) << ref_name;
    ASSERT_EQ((*ours)->tensors().size(), (*ref)->tensors().size()) << ref_name;
    for (const GgufTensorInfo& r : (*ref)->tensors()) {
      const GgufTensorInfo* o = (*ours)->FindTensor(r.name);
      ASSERT_NE(o, nullptr) << r.name;
      EXPECT_EQ(o->ne, r.ne) << r.name;
      EXPECT_EQ(o->type, r.type) << r.name;
    }
  }
}

}  // namespace
}  // namespace lfm::engine
