// `lfmbench model info`: what a GGUF model file holds, from its metadata and tensor directory.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "engine/config.h"
#include "engine/gguf.h"

namespace lfm::engine {

struct TokenizerSummary {
  std::string model;  // tokenizer.ggml.model, "gpt2" for byte-level BPE
  std::string pre;    // pre-tokenizer name, "lfm2"
  int64_t n_tokens = 0;
  int64_t n_merges = 0;
  int64_t n_special = 0;  // tokens whose type is not normal (1)
  int bos = -1, eos = -1, pad = -1;
  bool add_bos = false;
  bool has_chat_template = false;
};

struct ModelSummary {
  std::string path;
  std::string name;  // general.name, may be empty
  uint64_t file_size = 0;
  uint64_t header_bytes = 0;  // metadata + tensor directory + padding, before the tensor data
  uint32_t gguf_version = 0;
  Lfm2Config config;
  int64_t n_tensors = 0;
  std::map<std::string, uint64_t> bytes_by_type;    // "q4_0" -> bytes
  std::map<std::string, int64_t> tensors_by_type;   // "q4_0" -> count
  int64_t total_params = 0;
  int64_t active_params = 0;  // per token: every tensor but the unused experts' share
  TokenizerSummary tokenizer;
};

StatusOr<ModelSummary> SummarizeModel(const GgufFile& file);
// Opens `path` and summarizes it.
StatusOr<ModelSummary> SummarizeModelFile(const std::string& path);
// "lfm2moe 8.3B-A1.6B q4_0": architecture, total and active parameters, the type holding most
// weight bytes.
std::string ShortModelName(const ModelSummary& s);
// Weight bytes by type, largest first: "q4_0 97.6%, q6_K 2.3%, f32 0.1%".
std::string QuantMix(const ModelSummary& s);
std::string FormatModelSummary(const ModelSummary& s);  // human-readable, several lines
nlohmann::json ModelSummaryJson(const ModelSummary& s);

}  // namespace lfm::engine
