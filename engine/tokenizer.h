// The byte-level BPE tokenizer of a GGUF file ("gpt2" model, `lfm2` pre-tokenizer), encoding
// exactly as llama.cpp does (docs/model.md §5.1): special-token split, pre-tokenizer split,
// whole-piece lookup (ignore_merges), then lowest-rank-first merges.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "engine/gguf.h"
#include "engine/pre_tokenizer.h"

namespace lfm::engine {

// GGUF `tokenizer.ggml.token_type` values.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

class Tokenizer {
 public:
  // Reads vocabulary, token types, merges (rank = index), special ids and add_bos/add_eos from
  // `tokenizer.ggml.*`. Errors name the file and key: a model other than "gpt2", a pre-tokenizer
  // other than "lfm2", duplicate token texts, a missing byte token, ids out of range.
  static StatusOr<Tokenizer> FromGguf(const GgufFile& file);

  // The token ids of `text`, as llama.cpp's tokenize(text, add_special = add_bos, parse_special):
  // - add_bos: prepend BOS when the file asks for it (tokenizer.ggml.add_bos_token, default true
  //   for lfm2), and append EOS when it asks for that (add_eos_token, false for LFM2).
  // - parse_special: the text of a control or unknown token ("<|im_start|>") becomes that token,
  //   longest first. User-defined tokens are matched even without it, as llama.cpp does.
  // Every byte string round-trips: Decode(Encode(text, false, false)) == text. Invalid UTF-8 is
  // kept as byte tokens (llama.cpp would encode U+FFFD for each invalid byte instead).
  // Thread-safe.
  std::vector<int32_t> Encode(std::string_view text, bool add_bos, bool parse_special) const;

  // The bytes token `id` stands for. Control and unknown tokens give "" unless `render_special`
  // (then their text); unused, byte-typed and undefined tokens give "" (as llama.cpp renders them).
  std::string_view TokenText(int32_t id, bool render_special = false) const;
  // The concatenated TokenText of `ids`.
  std::string Decode(std::span<const int32_t> ids, bool render_special = false) const;

  // End of generation: the EOS id, tokenizer.ggml.eot_token_id, and the ids of "<|endoftext|>"
  // and "<|im_end|>" when the vocabulary has them.
  bool IsEog(int32_t id) const;
  TokenType token_type(int32_t id) const { return types_.at(id); }
  int32_t bos_id() const { return bos_id_; }  // -1 when the file names none
  int32_t eos_id() const { return eos_id_; }  // -1 when the file names none
  int n_vocab() const { return static_cast<int>(pieces_.size()); }

 private:
  // A symbol is a token id (< n_vocab) or, beyond, a merge result that is not in the vocabulary.
  struct Merge {
    int32_t rank;
    int32_t result;  // symbol
  };
  // Looks up std::string keys by std::string_view without a copy.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StringMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;
  struct Workspace;

  explicit Tokenizer(PreTokenizer pre_tokenizer) : pre_tokenizer_(std::move(pre_tokenizer)) {}
  Status LoadVocabulary(const GgufFile& file);
  Status LoadMerges(const GgufFile& file);
  Status LoadSpecialIds(const GgufFile& file);
  int32_t InternSymbol(const std::string& bytes);
  void EncodePiece(std::string_view piece, Workspace& ws, std::vector<int32_t>& out) const;

  PreTokenizer pre_tokenizer_;
  std::vector<std::string> pieces_;             // [n_vocab] bytes of each token (control: its text)
  std::vector<TokenType> types_;                // [n_vocab]
  StringMap symbol_by_bytes_;                   // every token and merge result given by its bytes
  std::vector<std::string> extra_symbols_;      // bytes of symbols n_vocab, n_vocab + 1, ...
  std::unordered_map<uint64_t, Merge> merges_;  // key: left symbol << 32 | right symbol
  int32_t byte_token_[256] = {};
  std::vector<int32_t> special_tokens_;  // control, user-defined, unknown: longest text first
  std::vector<int32_t> eog_ids_;
  int32_t bos_id_ = -1;
  int32_t eos_id_ = -1;
  bool add_bos_ = true;
  bool add_eos_ = false;
};

}  // namespace lfm::engine
