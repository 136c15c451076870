#include "engine/tokenizer.h"

#include <algorithm>
#include <optional>

#include "base/check.h"
#include "engine/byte_unicode.h"

namespace lfm::engine {
namespace {

// Decodes one UTF-8 code point of `s` at `pos` (advancing it); nullopt when malformed.
std::optional<char32_t> NextCodepoint(std::string_view s, size_t& pos) {
  const size_t len = Utf8SequenceLength(s, pos);
  if (len == 0) return std::nullopt;
  static constexpr uint8_t kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t cp = static_cast<uint8_t>(s[pos]) & kLeadMask[len];
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[pos + i]) & 0x3F);
  pos += len;
  return cp;
}

// The bytes a vocabulary text in the byte-level alphabet stands for; nullopt when a character
// is outside the alphabet (such a text can never equal an encoded piece).
std::optional<std::string> VocabTextToBytes(std::string_view text) {
  std::string bytes;
  for (size_t pos = 0; pos < text.size();) {
    const std::optional<char32_t> cp = NextCodepoint(text, pos);
    const int byte = cp ? CodepointToByte(*cp) : -1;
    if (byte < 0) return std::nullopt;
    bytes += static_cast<char>(byte);
  }
  return bytes;
}

// llama.cpp's rendering of a normal token: each character's byte; a character outside the
// alphabet is kept as it is (llama.cpp writes an "[UNK_BYTE_...]" marker there).
std::string RenderNormalToken(std::string_view text) {
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const std::optional<char32_t> cp = NextCodepoint(text, pos);
    const int byte = cp ? CodepointToByte(*cp) : -1;
    if (byte >= 0) {
      out += static_cast<char>(byte);
    } else {
      if (!cp) ++pos;
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

TokenType ToTokenType(int64_t value) {
  return value >= 0 && value <= static_cast<int64_t>(TokenType::kByte)
             ? static_cast<TokenType>(value)
             : TokenType::kUndefined;
}

bool IsSpecial(TokenType type) {
  return type == TokenType::kControl || type == TokenType::kUserDefined ||
         type == TokenType::kUnknown;
}

// A run of input text, or one special token matched in it.
struct Fragment {
  std::string_view text;
  int32_t token = -1;
};

// Replaces each text fragment by the pieces around every occurrence of `token_text`, left to
// right (llama.cpp's tokenizer_st_partition for one token).
void SplitAtSpecial(std::string_view token_text, int32_t token, std::vector<Fragment>& fragments) {
  std::vector<Fragment> out;
  for (const Fragment& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f);
      continue;
    }
    std::string_view rest = f.text;
    for (size_t at; (at = rest.find(token_text)) != std::string_view::npos;) {
      if (at > 0) out.push_back({rest.substr(0, at)});
      out.push_back({token_text, token});
      rest.remove_prefix(at + token_text.size());
    }
    if (!rest.empty()) out.push_back({rest});
  }
  fragments = std::move(out);
}

}  // namespace

// Scratch space of one Encode call: the symbols of the piece being merged and the queue of
// candidate merges.
struct Tokenizer::Workspace {
  struct Symbol {
    int32_t id;          // -1 once merged into its left neighbour
    int32_t prev, next;  // neighbour positions, -1 at the ends
  };
  struct Candidate {
    int32_t rank;
    int32_t left, right;        // positions
    int32_t left_id, right_id;  // symbols when queued: the candidate is stale once either changed
    int32_t result;             // the merged symbol
    // Lowest rank first; equal ranks: leftmost first.
    bool operator<(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::vector<std::string_view> pieces;
  std::vector<Symbol> symbols;
  std::vector<Candidate> queue;  // a max-heap under Candidate::operator<
};

StatusOr<Tokenizer> Tokenizer::FromGguf(const GgufFile& file) {
  LFM_ASSIGN_OR_RETURN(const std::string model, file.GetString("tokenizer.ggml.model"));
  if (model != "gpt2") {
    return Error(StatusCode::kUnimplemented,
                 "{}: tokenizer.ggml.model is '{}': only 'gpt2' (byte-level BPE) is supported",
                 file.path(), model);
  }
  LFM_ASSIGN_OR_RETURN(const std::string pre, file.GetString("tokenizer.ggml.pre"));
  StatusOr<PreTokenizer> pre_tokenizer = PreTokenizer::Create(pre);
  if (!pre_tokenizer.ok()) {
    return pre_tokenizer.status().WithPrefix(file.path() + ": tokenizer.ggml.pre");
  }
  Tokenizer t(std::move(pre_tokenizer).value());
  LFM_RETURN_IF_ERROR(t.LoadVocabulary(file));
  LFM_RETURN_IF_ERROR(t.LoadMerges(file));
  LFM_RETURN_IF_ERROR(t.LoadSpecialIds(file));
  return t;
}

Status Tokenizer::LoadVocabulary(const GgufFile& file) {
  LFM_ASSIGN_OR_RETURN(std::vector<std::string> texts,
                       file.GetStringArray("tokenizer.ggml.tokens"));
  std::vector<int64_t> types(texts.size(), static_cast<int64_t>(TokenType::kNormal));
  if (file.Find("tokenizer.ggml.token_type")) {
    LFM_ASSIGN_OR_RETURN(types, file.GetIntArray("tokenizer.ggml.token_type"));
    if (types.size() != texts.size()) {
      return Error(StatusCode::kDataLoss,
                   "{}: tokenizer.ggml.token_type has {} entries for {} tokens", file.path(),
                   types.size(), texts.size());
    }
  }
  StringMap id_by_text;
  for (size_t id = 0; id < texts.size(); ++id) {
    std::string& text = texts[id];
    if (text.empty()) text = fmt::format("[EMPTY_{}]", id);  // as llama.cpp names it
    if (!id_by_text.emplace(text, static_cast<int32_t>(id)).second) {
      return Error(StatusCode::kDataLoss,
                   "{}: tokenizer.ggml.tokens: tokens {} and {} are both '{}'", file.path(),
                   id_by_text[text], id, text);
    }
  }
  // llama.cpp makes end-of-generation tokens control tokens whatever the file says.
  for (const char* eog : {"<|endoftext|>", "<|im_end|>"}) {
    if (auto it = id_by_text.find(eog); it != id_by_text.end()) {
      types[it->second] = static_cast<int64_t>(TokenType::kControl);
      eog_ids_.push_back(it->second);
    }
  }
  for (size_t id = 0; id < texts.size(); ++id) {
    const TokenType type = ToTokenType(types[id]);
    types_.push_back(type);
    if (IsSpecial(type)) {
      pieces_.push_back(texts[id]);
      special_tokens_.push_back(static_cast<int32_t>(id));
    } else {
      pieces_.push_back(type == TokenType::kNormal ? RenderNormalToken(texts[id]) : "");
    }
    if (std::optional<std::string> bytes = VocabTextToBytes(texts[id])) {
      symbol_by_bytes_.emplace(std::move(*bytes), static_cast<int32_t>(id));
    }
  }
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                   [&](int32_t a, int32_t b) { return pieces_[a].size() > pieces_[b].size(); });
  for (int b = 0; b < 256; ++b) {
    auto it = symbol_by_bytes_.find(std::string(1, static_cast<char>(b)));
    if (it == symbol_by_bytes_.end()) {
      return Error(StatusCode::kDataLoss,
                   "{}: tokenizer.ggml.tokens has no token for byte 0x{:02x} ('{}'): not a "
                   "byte-level BPE vocabulary",
                   file.path(), b, BytesToVocabText(std::string(1, static_cast<char>(b))));
    }
    byte_token_[b] = it->second;
  }
  return OkStatus();
}

int32_t Tokenizer::InternSymbol(const std::string& bytes) {
  auto [it, added] =
      symbol_by_bytes_.emplace(bytes, n_vocab() + static_cast<int32_t>(extra_symbols_.size()));
  if (added) extra_symbols_.push_back(bytes);
  return it->second;
}

Status Tokenizer::LoadMerges(const GgufFile& file) {
  LFM_ASSIGN_OR_RETURN(const std::vector<std::string> merges,
                       file.GetStringArray("tokenizer.ggml.merges"));
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string& merge = merges[rank];
    const size_t space = merge.find(' ', 1);
    if (space == std::string::npos) {
      return Error(StatusCode::kDataLoss, "{}: tokenizer.ggml.merges[{}] is '{}', not 'left right'",
                   file.path(), rank, merge);
    }
    const std::optional<std::string> left =
        VocabTextToBytes(std::string_view(merge).substr(0, space));
    const std::optional<std::string> right =
        VocabTextToBytes(std::string_view(merge).substr(space + 1));
    if (!left || !right) continue;  // outside the byte-level alphabet: can never apply
    const int32_t l = InternSymbol(*left), r = InternSymbol(*right);
    const int32_t result = InternSymbol(*left + *right);
    const uint64_t key = static_cast<uint64_t>(l) << 32 | static_cast<uint32_t>(r);
    merges_.emplace(key,
                    Merge{static_cast<int32_t>(rank), result});  // a repeat keeps its first rank
  }
  return OkStatus();
}

Status Tokenizer::LoadSpecialIds(const GgufFile& file) {
  auto read_id = [&](std::string_view key, int32_t& id) -> Status {
    if (!file.Find(key)) return OkStatus();
    LFM_ASSIGN_OR_RETURN(const uint64_t value, file.GetUInt(key));
    if (value >= static_cast<uint64_t>(n_vocab())) {
      return Error(StatusCode::kDataLoss, "{}: {} is {}, outside the vocabulary of {}", file.path(),
                   key, value, n_vocab());
    }
    id = static_cast<int32_t>(value);
    return OkStatus();
  };
  int32_t eot_id = -1;
  LFM_RETURN_IF_ERROR(read_id("tokenizer.ggml.bos_token_id", bos_id_));
  LFM_RETURN_IF_ERROR(read_id("tokenizer.ggml.eos_token_id", eos_id_));
  LFM_RETURN_IF_ERROR(read_id("tokenizer.ggml.eot_token_id", eot_id));
  for (int32_t id : {eos_id_, eot_id}) {
    if (id >= 0 && !IsEog(id)) eog_ids_.push_back(id);
  }
  if (file.Find("tokenizer.ggml.add_bos_token")) {
    LFM_ASSIGN_OR_RETURN(add_bos_, file.GetBool("tokenizer.ggml.add_bos_token"));
  }
  if (file.Find("tokenizer.ggml.add_eos_token")) {
    LFM_ASSIGN_OR_RETURN(add_eos_, file.GetBool("tokenizer.ggml.add_eos_token"));
  }
  if (add_bos_ && bos_id_ < 0) {
    return Error(StatusCode::kDataLoss,
                 "{}: add_bos_token is true but tokenizer.ggml.bos_token_id is missing",
                 file.path());
  }
  if (add_eos_ && eos_id_ < 0) {
    return Error(StatusCode::kDataLoss,
                 "{}: add_eos_token is true but tokenizer.ggml.eos_token_id is missing",
                 file.path());
  }
  return OkStatus();
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_bos,
                                       bool parse_special) const {
  std::vector<Fragment> fragments;
  if (!text.empty()) fragments.push_back({text});
  for (int32_t id : special_tokens_) {
    const TokenType type = types_[id];
    if (!parse_special && (type == TokenType::kControl || type == TokenType::kUnknown)) continue;
    const std::string& token_text = pieces_[id];
    const bool occurs = std::any_of(fragments.begin(), fragments.end(), [&](const Fragment& f) {
      return f.token < 0 && f.text.find(token_text) != std::string_view::npos;
    });
    if (occurs) SplitAtSpecial(token_text, id, fragments);
  }

  std::vector<int32_t> out;
  if (add_bos && add_bos_) out.push_back(bos_id_);
  Workspace ws;
  for (const Fragment& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
      continue;
    }
    ws.pieces.clear();
    pre_tokenizer_.Split(f.text, ws.pieces);
    for (std::string_view piece : ws.pieces) EncodePiece(piece, ws, out);
  }
  if (add_bos && add_eos_) out.push_back(eos_id_);
  return out;
}

void Tokenizer::EncodePiece(std::string_view piece, Workspace& ws,
                            std::vector<int32_t>& out) const {
  // ignore_merges: a piece that is a whole token is that token.
  if (auto it = symbol_by_bytes_.find(piece);
      it != symbol_by_bytes_.end() && it->second < n_vocab()) {
    out.push_back(it->second);
    return;
  }
  const int32_t n = static_cast<int32_t>(piece.size());
  ws.symbols.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    ws.symbols[i] = {byte_token_[static_cast<uint8_t>(piece[i])], i - 1, i + 1 < n ? i + 1 : -1};
  }
  ws.queue.clear();
  auto enqueue = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const int32_t l = ws.symbols[left].id, r = ws.symbols[right].id;
    auto it = merges_.find(static_cast<uint64_t>(l) << 32 | static_cast<uint32_t>(r));
    if (it == merges_.end()) return;
    ws.queue.push_back({it->second.rank, left, right, l, r, it->second.result});
    std::push_heap(ws.queue.begin(), ws.queue.end());
  };
  for (int32_t i = 0; i + 1 < n; ++i) enqueue(i, i + 1);
  while (!ws.queue.empty()) {
    std::pop_heap(ws.queue.begin(), ws.queue.end());
    const Workspace::Candidate c = ws.queue.back();
    ws.queue.pop_back();
    Workspace::Symbol& left = ws.symbols[c.left];
    Workspace::Symbol& right = ws.symbols[c.right];
    if (left.id != c.left_id || right.id != c.right_id) continue;  // stale: a neighbour merged
    left.id = c.result;
    right.id = -1;
    left.next = right.next;
    if (right.next >= 0) ws.symbols[right.next].prev = c.left;
    enqueue(left.prev, c.left);
    enqueue(c.left, left.next);
  }
  for (int32_t i = 0; i >= 0; i = ws.symbols[i].next) {
    const int32_t id = ws.symbols[i].id;
    if (id < n_vocab()) {
      out.push_back(id);
    } else {  // a merge result missing from the vocabulary: its bytes
      for (char byte : extra_symbols_[id - n_vocab()])
        out.push_back(byte_token_[static_cast<uint8_t>(byte)]);
    }
  }
}

std::string_view Tokenizer::TokenText(int32_t id, bool render_special) const {
  LFM_CHECK(id >= 0 && id < n_vocab(), "token id {} outside the vocabulary of {}", id, n_vocab());
  const TokenType type = types_[id];
  if (!render_special && (type == TokenType::kControl || type == TokenType::kUnknown)) return {};
  return pieces_[id];
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool render_special) const {
  std::string out;
  for (int32_t id : ids) out.append(TokenText(id, render_special));
  return out;
}

bool Tokenizer::IsEog(int32_t id) const {
  return std::find(eog_ids_.begin(), eog_ids_.end(), id) != eog_ids_.end();
}

}  // namespace lfm::engine
