#include "engine/model_maker.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "base/progress.h"
#include "engine/gguf.h"
#include "engine/tensor_list.h"
#include "engine/vocab_maker.h"
#include "kernels/quant/quantize.h"

namespace lfm::engine {
namespace {

using kernels::DType;

struct Preset {
  const char* name;
  const char* arch;
  int n_layers, d_model, n_heads, n_kv, ffn_dim, n_vocab, n_ctx;
  std::vector<int> attention_layers;
  int n_experts, n_experts_used, expert_ffn_dim, n_dense_layers;
  float rope_base;
};

// Shapes: `8b-a1b` is LFM2-8B-A1B (docs/model.md §1.1); `350m` / `1.2b` are the dense LFM2 models
// (§1.2); `tiny` and `small` keep the structure at test-friendly sizes (`tiny` has the shape of
// the shared reference models).
const std::vector<Preset>& Presets() {
  static const std::vector<Preset> presets = {
      {"tiny", "lfm2moe", 6, 256, 4, 2, 512, 512, 4096, {2, 5}, 8, 2, 128, 2, 1e6f},
      {"small", "lfm2moe", 24, 512, 8, 2, 1536, 8192, 32768, {2, 6, 10, 14, 18, 21}, 32, 4, 128, 2, 1e6f},
      {"8b-a1b", "lfm2moe", 24, 2048, 32, 8, 7168, 65536, 128000, {2, 6, 10, 14, 18, 21}, 32, 4, 1792, 2, 1e6f},
      {"tiny", "lfm2", 6, 256, 4, 2, 512, 512, 4096, {2, 5}, 0, 0, 0, 0, 1e6f},
      {"small", "lfm2", 16, 512, 8, 2, 1536, 8192, 32768, {2, 5, 8, 10, 12, 14}, 0, 0, 0, 0, 1e6f},
      {"350m", "lfm2", 16, 1024, 16, 8, 4608, 65536, 128000, {2, 5, 8, 10, 12, 14}, 0, 0, 0, 0, 1e6f},
      {"1.2b", "lfm2", 16, 2048, 32, 8, 8192, 65536, 128000, {2, 5, 8, 10, 12, 14}, 0, 0, 0, 0, 1e6f},
  };
  return presets;
}

// ---- Deterministic random numbers: one independent stream per (seed, tensor, row). --------

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t HashName(const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

// xoshiro256** over a SplitMix64-seeded state.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) s = SplitMix64(seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0], s_[3] ^= s_[1], s_[1] ^= s_[2], s_[0] ^= s_[3], s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [-1, 1).
  float Symmetric() { return static_cast<float>(static_cast<int64_t>(Next()) >> 40) * 0x1p-23f; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// How a tensor's values are drawn: center + uniform(-half_width, half_width).
struct Init {
  float center;
  float half_width;
};

// Scales chosen so that every block sees unit-variance inputs, residual contributions stay
// small enough that activations remain finite through all layers, logits have a spread of a
// few units, and the sigmoid router spreads tokens over the experts.
Init InitFor(const TensorSpec& spec, const Lfm2Config& c) {
  constexpr float kUniformStd = 1.7320508f;  // half-width of a uniform with unit std
  const std::string& n = spec.name;
  const bool feeds_residual = n.find("out_proj") != std::string::npos ||
                              n.find("attn_output") != std::string::npos ||
                              n.find("ffn_down") != std::string::npos;
  switch (spec.role) {
    case TensorRole::kEmbedding:
      return {0, kUniformStd * 2.0f / std::sqrt(static_cast<float>(c.d_model))};
    case TensorRole::kNorm:
      return {1, 0.1f};
    case TensorRole::kConvKernel:
      return {0, kUniformStd / std::sqrt(static_cast<float>(c.conv_kernel))};
    case TensorRole::kRouter:
      return {0, kUniformStd / std::sqrt(static_cast<float>(spec.ne[0]))};
    case TensorRole::kExpertBias:
      return {0, 0.2f};
    case TensorRole::kProjection:
    case TensorRole::kExpertStack: {
      float std = 1 / std::sqrt(static_cast<float>(spec.ne[0]));
      if (feeds_residual) std /= std::sqrt(2.0f * c.n_layers);
      return {0, kUniformStd * std};
    }
  }
  return {0, 0};
}

GgufValue FileTypeValue(DType type) {
  switch (type) {
    case DType::kF32: return GgufValue::U32(0);
    case DType::kF16: return GgufValue::U32(1);
    case DType::kQ4_0: return GgufValue::U32(2);
    case DType::kQ8_0: return GgufValue::U32(7);
    case DType::kBF16: return GgufValue::U32(32);
    default: return GgufValue::U32(0);
  }
}

void AddMetadata(GgufWriter& w, const Lfm2Config& c, const MakeModelOptions& o) {
  const std::string& a = c.arch_name;
  const std::string display = a == "lfm2moe" ? "LFM2-MoE" : "LFM2";
  w.AddMetadata("general.architecture", GgufValue::String(a));
  w.AddMetadata("general.name", GgufValue::String(fmt::format(
      "{} {} random seed {} {}", display, o.preset, o.seed, kernels::DTypeName(o.type))));
  w.AddMetadata("general.file_type", FileTypeValue(o.type));
  if (o.type == DType::kQ4_0 || o.type == DType::kQ8_0) {
    w.AddMetadata("general.quantization_version", GgufValue::U32(2));
  }
  w.AddMetadata(a + ".block_count", GgufValue::U32(c.n_layers));
  w.AddMetadata(a + ".context_length", GgufValue::U32(c.n_ctx_train));
  w.AddMetadata(a + ".embedding_length", GgufValue::U32(c.d_model));
  w.AddMetadata(a + ".feed_forward_length", GgufValue::U32(c.ffn_dim));
  w.AddMetadata(a + ".attention.head_count", GgufValue::U32(c.n_heads));
  w.AddMetadata(a + ".attention.head_count_kv",
                GgufValue::I32Array(std::vector<int32_t>(c.n_kv_heads.begin(), c.n_kv_heads.end())));
  w.AddMetadata(a + ".rope.freq_base", GgufValue::F32(c.rope_base));
  w.AddMetadata(a + ".attention.layer_norm_rms_epsilon", GgufValue::F32(c.norm_eps));
  w.AddMetadata(a + ".vocab_size", GgufValue::U32(c.n_vocab));
  w.AddMetadata(a + ".shortconv.l_cache", GgufValue::U32(c.conv_kernel));
  if (c.arch == Arch::kLfm2Moe) {
    w.AddMetadata(a + ".expert_count", GgufValue::U32(c.n_experts));
    w.AddMetadata(a + ".expert_used_count", GgufValue::U32(c.n_experts_used));
    w.AddMetadata(a + ".expert_feed_forward_length", GgufValue::U32(c.expert_ffn_dim));
    w.AddMetadata(a + ".leading_dense_block_count", GgufValue::U32(c.n_dense_layers));
    w.AddMetadata(a + ".expert_gating_func", GgufValue::U32(2));
  }
  ByteLevelVocab vocab = MakeByteLevelVocab(c.n_vocab);
  w.AddMetadata("tokenizer.ggml.model", GgufValue::String("gpt2"));
  w.AddMetadata("tokenizer.ggml.pre", GgufValue::String("lfm2"));
  w.AddMetadata("tokenizer.ggml.tokens", GgufValue::StringArray(std::move(vocab.tokens)));
  w.AddMetadata("tokenizer.ggml.token_type", GgufValue::I32Array(vocab.types));
  w.AddMetadata("tokenizer.ggml.merges", GgufValue::StringArray(std::move(vocab.merges)));
  w.AddMetadata("tokenizer.ggml.bos_token_id", GgufValue::U32(c.bos_token));
  w.AddMetadata("tokenizer.ggml.eos_token_id", GgufValue::U32(c.eos_token));
  w.AddMetadata("tokenizer.ggml.padding_token_id", GgufValue::U32(c.pad_token));
  w.AddMetadata("tokenizer.ggml.add_bos_token", GgufValue::Bool(true));
  w.AddMetadata("tokenizer.ggml.add_eos_token", GgufValue::Bool(false));
  w.AddMetadata("tokenizer.chat_template", GgufValue::String(Lfm2ChatTemplate()));
  w.AddMetadata("lfmbench.generator.preset", GgufValue::String(o.preset));
  w.AddMetadata("lfmbench.generator.seed", GgufValue::String(std::to_string(o.seed)));
}

// Generates and writes one tensor, a chunk of rows at a time, rows spread over the pool.
Status WriteTensor(GgufWriter& w, const TensorSpec& spec, DType type, Init init, uint64_t seed,
                   ThreadPool& pool, uint64_t& bytes_done, Progress* progress) {
  const int64_t row_len = spec.ne[0];
  const int64_t n_rows = std::accumulate(spec.ne.begin() + 1, spec.ne.end(), int64_t{1},
                                         std::multiplies<>());
  const int64_t row_bytes = kernels::RowBytes(type, row_len);
  const int64_t rows_per_chunk = std::max<int64_t>(1, (int64_t{4} << 20) / row_len);
  const uint64_t tensor_seed = seed ^ HashName(spec.name);
  std::vector<uint8_t> chunk(rows_per_chunk * row_bytes);
  for (int64_t first = 0; first < n_rows; first += rows_per_chunk) {
    const int64_t rows = std::min(rows_per_chunk, n_rows - first);
    pool.ParallelFor(rows, [&](int64_t begin, int64_t end, int) {
      std::vector<float> values(row_len);
      for (int64_t r = begin; r < end; ++r) {
        uint64_t row_state = tensor_seed + static_cast<uint64_t>(first + r) * 0x9E3779B97F4A7C15ull;
        Rng rng(SplitMix64(row_state));
        for (float& v : values) v = init.center + init.half_width * rng.Symmetric();
        kernels::QuantizeRow(type, values.data(), chunk.data() + r * row_bytes, row_len);
      }
    });
    LFM_RETURN_IF_ERROR(w.WriteTensorData(chunk.data(), rows * row_bytes));
    bytes_done += rows * row_bytes;
    if (progress) progress->Set(bytes_done >> 20);
  }
  return OkStatus();
}

}  // namespace

std::vector<std::string> ModelPresets(const std::string& arch) {
  std::vector<std::string> names;
  for (const Preset& p : Presets()) {
    if (arch == p.arch) names.push_back(p.name);
  }
  return names;
}

StatusOr<Lfm2Config> PresetConfig(const std::string& preset, const std::string& arch) {
  if (arch != "lfm2" && arch != "lfm2moe") {
    return Error(StatusCode::kInvalidArgument, "unknown --arch '{}' (lfm2moe or lfm2)", arch);
  }
  for (const Preset& p : Presets()) {
    if (p.name != preset || arch != p.arch) continue;
    Lfm2Config c;
    c.arch = arch == "lfm2" ? Arch::kLfm2 : Arch::kLfm2Moe;
    c.arch_name = arch;
    c.n_layers = p.n_layers;
    c.d_model = p.d_model;
    c.n_heads = p.n_heads;
    c.head_dim = p.d_model / p.n_heads;
    c.n_vocab = p.n_vocab;
    c.n_ctx_train = p.n_ctx;
    c.conv_kernel = 3;
    c.ffn_dim = p.ffn_dim;
    c.rope_base = p.rope_base;
    c.norm_eps = 1e-5f;
    c.n_kv_heads.assign(p.n_layers, 0);
    for (int l : p.attention_layers) c.n_kv_heads[l] = p.n_kv;
    c.n_dense_layers = p.n_dense_layers;
    c.n_experts = p.n_experts;
    c.n_experts_used = p.n_experts_used;
    c.expert_ffn_dim = p.expert_ffn_dim;
    c.expert_gating_func = arch == "lfm2moe" ? 2 : 0;
    c.bos_token = 1;
    c.eos_token = 7;
    c.pad_token = 0;
    LFM_RETURN_IF_ERROR(c.Validate());
    return c;
  }
  return Error(StatusCode::kInvalidArgument, "unknown preset '{}' for --arch {} (choose from: {})",
               preset, arch, fmt::join(ModelPresets(arch), ", "));
}

DType StoredType(const TensorSpec& spec, DType file_type) {
  if (spec.always_f32()) return DType::kF32;
  if (spec.role == TensorRole::kEmbedding && file_type == DType::kQ4_0) return DType::kQ6_K;
  return file_type;
}

Status MakeModel(const MakeModelOptions& o, ThreadPool& pool) {
  if (o.type != DType::kF32 && o.type != DType::kF16 && o.type != DType::kBF16 &&
      o.type != DType::kQ8_0 && o.type != DType::kQ4_0) {
    return Error(StatusCode::kInvalidArgument, "--type {} is not generated (f32, f16, bf16, q8_0, q4_0)",
                 kernels::DTypeName(o.type));
  }
  LFM_ASSIGN_OR_RETURN(Lfm2Config config, PresetConfig(o.preset, o.arch));
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<GgufWriter> writer, GgufWriter::Create(o.output));
  AddMetadata(*writer, config, o);
  const std::vector<TensorSpec> specs = ExpectedTensors(config);
  uint64_t total_bytes = 0;
  for (const TensorSpec& s : specs) {
    const DType type = StoredType(s, o.type);
    writer->AddTensor(s.name, s.ne, type);
    total_bytes += kernels::RowBytes(type, s.ne[0]) *
                   std::accumulate(s.ne.begin() + 1, s.ne.end(), int64_t{1}, std::multiplies<>());
  }
  std::unique_ptr<Progress> progress;
  if (o.show_progress) {
    progress = std::make_unique<Progress>(fmt::format("writing {}", o.output), total_bytes >> 20, "MiB");
  }
  uint64_t bytes_done = 0;
  for (const TensorSpec& s : specs) {
    LFM_RETURN_IF_ERROR(WriteTensor(*writer, s, StoredType(s, o.type), InitFor(s, config), o.seed,
                                    pool, bytes_done, progress.get()));
  }
  if (progress) progress->Finish();
  return writer->Finish();
}

}  // namespace lfm::engine
