// Lfm2Config: every hyperparameter of an LFM2 / LFM2-MoE model, read once from GGUF metadata
// (docs/model.md §3.2). No other file reads hyperparameter keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/gguf.h"

namespace lfm::engine {

enum class Arch { kLfm2, kLfm2Moe };
enum class LayerKind { kConv, kAttention };

struct Lfm2Config {
  Arch arch = Arch::kLfm2Moe;
  std::string arch_name;  // "lfm2" or "lfm2moe", as in general.architecture

  int n_layers = 0;
  int d_model = 0;         // D
  int n_heads = 0;         // H (query heads of attention layers)
  int head_dim = 0;        // hd = key/value length
  int n_vocab = 0;         // V
  int n_ctx_train = 0;     // context_length from the file (informational)
  int conv_kernel = 0;     // L; the conv state keeps L-1 inputs
  int ffn_dim = 0;         // dense FFN width
  float rope_base = 0;
  float norm_eps = 0;
  std::vector<int> n_kv_heads;  // per layer; 0 marks a conv layer

  // MoE (lfm2moe only; zero for dense lfm2).
  int n_dense_layers = 0;  // leading layers with a dense FFN
  int n_experts = 0;       // E
  int n_experts_used = 0;  // k
  int expert_ffn_dim = 0;
  int expert_gating_func = 0;  // 2 = sigmoid (the only one LFM2-MoE uses)

  // Tokenizer ids.
  int bos_token = -1;
  int eos_token = -1;
  int pad_token = -1;

  // Reads and validates. Errors name the file and the key. Unknown architectures are
  // rejected with the architecture string in the message.
  static StatusOr<Lfm2Config> FromGguf(const GgufFile& file);
  Status Validate() const;

  LayerKind layer_kind(int layer) const {
    return n_kv_heads[layer] == 0 ? LayerKind::kConv : LayerKind::kAttention;
  }
  bool is_moe(int layer) const { return arch == Arch::kLfm2Moe && layer >= n_dense_layers; }
  int kv_heads(int layer) const { return n_kv_heads[layer]; }
  int n_attention_layers() const;
};

}  // namespace lfm::engine
