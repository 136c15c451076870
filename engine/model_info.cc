#include "engine/model_info.h"

#include <algorithm>

#include <fmt/format.h>

namespace lfm::engine {
namespace {

TokenizerSummary SummarizeTokenizer(const GgufFile& file, const Lfm2Config& c) {
  TokenizerSummary t;
  if (auto v = file.GetString("tokenizer.ggml.model"); v.ok()) t.model = *v;
  if (auto v = file.GetString("tokenizer.ggml.pre"); v.ok()) t.pre = *v;
  if (const GgufValue* v = file.Find("tokenizer.ggml.tokens")) t.n_tokens = v->size();
  if (const GgufValue* v = file.Find("tokenizer.ggml.merges")) t.n_merges = v->size();
  if (const GgufValue* v = file.Find("tokenizer.ggml.token_type")) {
    for (int64_t type : v->ints) t.n_special += type != 1;
  }
  if (auto v = file.GetBool("tokenizer.ggml.add_bos_token"); v.ok()) t.add_bos = *v;
  t.has_chat_template = file.Find("tokenizer.chat_template") != nullptr;
  t.bos = c.bos_token;
  t.eos = c.eos_token;
  t.pad = c.pad_token;
  return t;
}

std::string Billions(int64_t n) { return fmt::format("{:.2f} B", n / 1e9); }

}  // namespace

StatusOr<ModelSummary> SummarizeModel(const GgufFile& file) {
  ModelSummary s;
  s.path = file.path();
  s.file_size = file.file_size();
  s.header_bytes = file.data_offset();
  s.gguf_version = file.version();
  if (auto v = file.GetString("general.name"); v.ok()) s.name = *v;
  LFM_ASSIGN_OR_RETURN(s.config, Lfm2Config::FromGguf(file));
  s.n_tensors = file.tensors().size();
  int64_t expert_params = 0;
  for (const GgufTensorInfo& t : file.tensors()) {
    const std::string type(kernels::DTypeName(t.type));
    s.bytes_by_type[type] += t.nbytes;
    s.tensors_by_type[type] += 1;
    s.total_params += t.num_elements();
    if (t.name.find("_exps.") != std::string::npos) expert_params += t.num_elements();
  }
  s.active_params = s.total_params;
  if (s.config.n_experts > 0) {
    s.active_params -= expert_params - expert_params * s.config.n_experts_used / s.config.n_experts;
  }
  s.tokenizer = SummarizeTokenizer(file, s.config);
  return s;
}

StatusOr<ModelSummary> SummarizeModelFile(const std::string& path) {
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::Open(path));
  return SummarizeModel(*file);
}

namespace {
std::vector<std::pair<std::string, uint64_t>> TypesByBytes(const ModelSummary& s) {
  std::vector<std::pair<std::string, uint64_t>> types(s.bytes_by_type.begin(), s.bytes_by_type.end());
  std::stable_sort(types.begin(), types.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return types;
}
std::string CompactCount(int64_t n) {
  return n >= 1'000'000'000 ? fmt::format("{:.1f}B", n / 1e9) : fmt::format("{:.0f}M", n / 1e6);
}
}  // namespace

std::string ShortModelName(const ModelSummary& s) {
  const auto types = TypesByBytes(s);
  const std::string main_type = types.empty() ? "?" : types[0].first;
  if (s.active_params != s.total_params) {
    return fmt::format("{} {}-A{} {}", s.config.arch_name, CompactCount(s.total_params),
                       CompactCount(s.active_params), main_type);
  }
  return fmt::format("{} {} {}", s.config.arch_name, CompactCount(s.total_params), main_type);
}

std::string QuantMix(const ModelSummary& s) {
  uint64_t total = 0;
  for (const auto& [type, bytes] : s.bytes_by_type) total += bytes;
  std::vector<std::string> parts;
  for (const auto& [type, bytes] : TypesByBytes(s)) {
    parts.push_back(fmt::format("{} {:.1f}%", type, total ? 100.0 * bytes / total : 0.0));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string FormatModelSummary(const ModelSummary& s) {
  const Lfm2Config& c = s.config;
  std::string out;
  auto line = [&](std::string_view key, const std::string& value) {
    out += fmt::format("{:<22} {}\n", key, value);
  };
  line("file", fmt::format("{} ({:.1f} MiB, GGUF v{})", s.path, s.file_size / 1048576.0, s.gguf_version));
  if (!s.name.empty()) line("name", s.name);
  line("architecture", c.arch_name);
  std::vector<int> attention;
  for (int l = 0; l < c.n_layers; ++l) {
    if (c.layer_kind(l) == LayerKind::kAttention) attention.push_back(l);
  }
  line("layers", fmt::format("{} ({} conv, {} attention at {})", c.n_layers,
                             c.n_layers - static_cast<int>(attention.size()), attention.size(),
                             fmt::join(attention, ",")));
  line("hidden size", std::to_string(c.d_model));
  const int kv = attention.empty() ? 0 : c.kv_heads(attention[0]);
  line("attention", fmt::format("{} heads, {} KV heads, head dim {}", c.n_heads, kv, c.head_dim));
  line("rope base / rms eps", fmt::format("{:g} / {:g}", c.rope_base, c.norm_eps));
  line("conv kernel", std::to_string(c.conv_kernel));
  if (c.arch == Arch::kLfm2Moe) {
    line("ffn", fmt::format("dense {} in layers 0..{}, MoE in the rest", c.ffn_dim, c.n_dense_layers - 1));
    line("experts", fmt::format("{} experts, top-{}, expert ffn {}, sigmoid routing + bias", c.n_experts,
                                c.n_experts_used, c.expert_ffn_dim));
  } else {
    line("ffn", fmt::format("dense {} in every layer", c.ffn_dim));
  }
  line("vocabulary", std::to_string(c.n_vocab));
  line("context (trained)", std::to_string(c.n_ctx_train));
  line("parameters", fmt::format("{} total, {} active per token", Billions(s.total_params),
                                 Billions(s.active_params)));
  std::vector<std::string> types;
  for (const auto& [type, bytes] : s.bytes_by_type) {
    types.push_back(fmt::format("{} x{} {:.1f} MiB", type, s.tensors_by_type.at(type), bytes / 1048576.0));
  }
  line("tensors", fmt::format("{} ({})", s.n_tensors, fmt::join(types, ", ")));
  const TokenizerSummary& t = s.tokenizer;
  line("tokenizer", fmt::format("{} / pre-tokenizer {}: {} tokens ({} special), {} merges", t.model,
                                t.pre, t.n_tokens, t.n_special, t.n_merges));
  line("special ids", fmt::format("bos {}, eos {}, pad {}; add_bos {}; chat template {}", t.bos, t.eos,
                                  t.pad, t.add_bos, t.has_chat_template ? "yes" : "no"));
  return out;
}

nlohmann::json ModelSummaryJson(const ModelSummary& s) {
  const Lfm2Config& c = s.config;
  nlohmann::json j;
  j["path"] = s.path;
  j["name"] = s.name;
  j["file_size"] = s.file_size;
  j["gguf_version"] = s.gguf_version;
  j["architecture"] = c.arch_name;
  j["hyperparameters"] = {
      {"n_layers", c.n_layers},       {"d_model", c.d_model},
      {"n_heads", c.n_heads},         {"n_kv_heads", c.n_kv_heads},
      {"head_dim", c.head_dim},       {"ffn_dim", c.ffn_dim},
      {"n_vocab", c.n_vocab},         {"n_ctx_train", c.n_ctx_train},
      {"conv_kernel", c.conv_kernel}, {"rope_base", c.rope_base},
      {"norm_eps", c.norm_eps},       {"n_dense_layers", c.n_dense_layers},
      {"n_experts", c.n_experts},     {"n_experts_used", c.n_experts_used},
      {"expert_ffn_dim", c.expert_ffn_dim}, {"expert_gating_func", c.expert_gating_func},
  };
  j["n_tensors"] = s.n_tensors;
  j["bytes_by_type"] = s.bytes_by_type;
  j["tensors_by_type"] = s.tensors_by_type;
  j["total_params"] = s.total_params;
  j["active_params"] = s.active_params;
  const TokenizerSummary& t = s.tokenizer;
  j["tokenizer"] = {{"model", t.model},         {"pre", t.pre},
                    {"n_tokens", t.n_tokens},   {"n_merges", t.n_merges},
                    {"n_special", t.n_special}, {"bos", t.bos},
                    {"eos", t.eos},             {"pad", t.pad},
                    {"add_bos", t.add_bos},     {"has_chat_template", t.has_chat_template}};
  return j;
}

}  // namespace lfm::engine
