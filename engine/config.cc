#include "engine/config.h"

#include <fmt/format.h>

namespace lfm::engine {
namespace {

// Reads `<arch>.<name>` as an int, or returns `fallback` when absent and fallback >= 0.
StatusOr<int> ArchInt(const GgufFile& file, const std::string& arch, const std::string& name,
                      int64_t fallback = -1) {
  const std::string key = arch + "." + name;
  if (!file.Find(key) && fallback >= 0) return static_cast<int>(fallback);
  // feed_forward_length and head_count may be per-layer arrays; all LFM2 files use one value.
  if (const GgufValue* v = file.Find(key); v && v->is_array() && v->is_integer() && v->size() > 0) {
    return static_cast<int>(v->ints[0]);
  }
  LFM_ASSIGN_OR_RETURN(uint64_t value, file.GetUInt(key));
  if (value > (1u << 30)) {
    return Error(StatusCode::kDataLoss, "{}: metadata key '{}' is {}, which is absurd", file.path(),
                 key, value);
  }
  return static_cast<int>(value);
}

StatusOr<float> ArchFloat(const GgufFile& file, const std::string& arch, const std::string& name,
                          double fallback) {
  const std::string key = arch + "." + name;
  if (!file.Find(key)) return static_cast<float>(fallback);
  LFM_ASSIGN_OR_RETURN(double value, file.GetFloat(key));
  return static_cast<float>(value);
}

}  // namespace

int Lfm2Config::n_attention_layers() const {
  int n = 0;
  for (int kv : n_kv_heads) n += kv != 0;
  return n;
}

StatusOr<Lfm2Config> Lfm2Config::FromGguf(const GgufFile& file) {
  Lfm2Config c;
  LFM_ASSIGN_OR_RETURN(c.arch_name, file.GetString("general.architecture"));
  if (c.arch_name == "lfm2") {
    c.arch = Arch::kLfm2;
  } else if (c.arch_name == "lfm2moe") {
    c.arch = Arch::kLfm2Moe;
  } else {
    return Error(StatusCode::kUnimplemented,
                 "{}: unsupported architecture '{}' (lfmbench runs 'lfm2' and 'lfm2moe')",
                 file.path(), c.arch_name);
  }
  const std::string& a = c.arch_name;
  LFM_ASSIGN_OR_RETURN(c.n_layers, ArchInt(file, a, "block_count"));
  LFM_ASSIGN_OR_RETURN(c.d_model, ArchInt(file, a, "embedding_length"));
  LFM_ASSIGN_OR_RETURN(c.n_heads, ArchInt(file, a, "attention.head_count"));
  LFM_ASSIGN_OR_RETURN(c.n_ctx_train, ArchInt(file, a, "context_length"));
  LFM_ASSIGN_OR_RETURN(c.ffn_dim, ArchInt(file, a, "feed_forward_length"));
  LFM_ASSIGN_OR_RETURN(c.conv_kernel, ArchInt(file, a, "shortconv.l_cache"));
  if (c.n_heads <= 0) {
    return Error(StatusCode::kDataLoss, "{}: {}.attention.head_count is 0", file.path(), a);
  }
  LFM_ASSIGN_OR_RETURN(c.head_dim, ArchInt(file, a, "attention.key_length", c.d_model / c.n_heads));
  LFM_ASSIGN_OR_RETURN(c.rope_base, ArchFloat(file, a, "rope.freq_base", 10000.0));
  LFM_ASSIGN_OR_RETURN(double eps, file.GetFloat(a + ".attention.layer_norm_rms_epsilon"));
  c.norm_eps = static_cast<float>(eps);

  // Per-layer KV heads: an array (0 = conv layer); a scalar would mean every layer attends.
  const std::string kv_key = a + ".attention.head_count_kv";
  const GgufValue* kv = file.Find(kv_key);
  if (!kv) return Error(StatusCode::kNotFound, "{}: metadata key '{}' is missing", file.path(), kv_key);
  if (kv->is_array()) {
    LFM_ASSIGN_OR_RETURN(std::vector<int64_t> heads, file.GetIntArray(kv_key));
    if (static_cast<int>(heads.size()) != c.n_layers) {
      return Error(StatusCode::kDataLoss, "{}: '{}' has {} entries for {} layers", file.path(),
                   kv_key, heads.size(), c.n_layers);
    }
    c.n_kv_heads.assign(heads.begin(), heads.end());
  } else {
    LFM_ASSIGN_OR_RETURN(uint64_t heads, file.GetUInt(kv_key));
    c.n_kv_heads.assign(c.n_layers, static_cast<int>(heads));
  }

  // Vocabulary size: the explicit key, else the token list's length.
  if (file.Find(a + ".vocab_size")) {
    LFM_ASSIGN_OR_RETURN(c.n_vocab, ArchInt(file, a, "vocab_size"));
  } else if (const GgufValue* tokens = file.Find("tokenizer.ggml.tokens")) {
    c.n_vocab = static_cast<int>(tokens->size());
  }

  if (c.arch == Arch::kLfm2Moe) {
    LFM_ASSIGN_OR_RETURN(c.n_experts, ArchInt(file, a, "expert_count"));
    LFM_ASSIGN_OR_RETURN(c.n_experts_used, ArchInt(file, a, "expert_used_count"));
    LFM_ASSIGN_OR_RETURN(c.expert_ffn_dim, ArchInt(file, a, "expert_feed_forward_length"));
    LFM_ASSIGN_OR_RETURN(c.n_dense_layers, ArchInt(file, a, "leading_dense_block_count", 0));
    LFM_ASSIGN_OR_RETURN(c.expert_gating_func, ArchInt(file, a, "expert_gating_func", 2));
  }

  auto token_id = [&](const char* key, int fallback) -> StatusOr<int> {
    if (!file.Find(key)) return fallback;
    LFM_ASSIGN_OR_RETURN(uint64_t id, file.GetUInt(key));
    return static_cast<int>(id);
  };
  LFM_ASSIGN_OR_RETURN(c.bos_token, token_id("tokenizer.ggml.bos_token_id", -1));
  LFM_ASSIGN_OR_RETURN(c.eos_token, token_id("tokenizer.ggml.eos_token_id", -1));
  LFM_ASSIGN_OR_RETURN(c.pad_token, token_id("tokenizer.ggml.padding_token_id", -1));

  LFM_RETURN_IF_ERROR(c.Validate().WithPrefix(file.path()));
  return c;
}

Status Lfm2Config::Validate() const {
  auto bad = [](std::string what) { return Status(StatusCode::kDataLoss, std::move(what)); };
  if (n_layers <= 0) return bad("block_count must be positive");
  if (d_model <= 0 || n_heads <= 0 || head_dim <= 0) return bad("embedding/head sizes must be positive");
  if (n_heads * head_dim != d_model) {
    return bad(fmt::format("head_count {} x head dim {} != embedding_length {}", n_heads, head_dim, d_model));
  }
  if (head_dim % 2 != 0) return bad(fmt::format("head dim {} must be even for RoPE", head_dim));
  if (n_vocab <= 0) return bad("vocabulary size is 0 (no vocab_size key and no token list)");
  if (conv_kernel < 1) return bad(fmt::format("shortconv.l_cache {} must be at least 1", conv_kernel));
  if (!(norm_eps > 0) || !(rope_base > 0)) return bad("rms epsilon and rope base must be positive");
  for (int l = 0; l < n_layers; ++l) {
    const int kv = n_kv_heads[l];
    if (kv < 0 || (kv > 0 && n_heads % kv != 0)) {
      return bad(fmt::format("layer {}: {} KV heads do not divide {} heads", l, kv, n_heads));
    }
  }
  const bool has_dense = arch == Arch::kLfm2 || n_dense_layers > 0;
  if (has_dense && ffn_dim <= 0) return bad("feed_forward_length must be positive");
  if (arch == Arch::kLfm2Moe) {
    if (n_experts <= 0 || n_experts_used <= 0 || n_experts_used > n_experts) {
      return bad(fmt::format("expert_used_count {} / expert_count {} are inconsistent", n_experts_used, n_experts));
    }
    if (expert_ffn_dim <= 0) return bad("expert_feed_forward_length must be positive");
    if (n_dense_layers < 0 || n_dense_layers > n_layers) {
      return bad(fmt::format("leading_dense_block_count {} out of range", n_dense_layers));
    }
    if (expert_gating_func != 2) {
      return bad(fmt::format("expert_gating_func {} is not sigmoid (2), the only one LFM2-MoE uses",
                             expert_gating_func));
    }
  }
  for (int id : {bos_token, eos_token, pad_token}) {
    if (id >= n_vocab) return bad(fmt::format("special token id {} >= vocabulary size {}", id, n_vocab));
  }
  return OkStatus();
}

}  // namespace lfm::engine
