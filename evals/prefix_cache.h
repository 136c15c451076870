// A small least-recently-used cache of model states keyed by the token prefix they hold, so
// prompts that share a prefix (the description and few-shot block every question of an MMLU
// subject starts with) continue from a copy of the prefix's state instead of recomputing it.
// Generic over the state type so its bookkeeping is tested without an engine.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <vector>

namespace lfm::evals {

// Length of the common prefix of two token sequences.
inline size_t CommonPrefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

template <typename State>
class PrefixCache {
 public:
  struct Entry {
    std::vector<int32_t> tokens;  // the prefix the state holds
    std::unique_ptr<State> state;
    std::vector<float> logits;    // [n_vocab] after the prefix's last token
  };

  explicit PrefixCache(size_t capacity) : capacity_(capacity) {}

  // The entry holding the longest prefix of `tokens` that is at most `max_length` long, or
  // null. Marks it most recently used. The pointer is valid until the next Insert or Clear.
  const Entry* Longest(std::span<const int32_t> tokens, size_t max_length) {
    auto best = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      const size_t n = it->tokens.size();
      if (n > max_length || n > tokens.size()) continue;
      if (best != entries_.end() && n <= best->tokens.size()) continue;
      if (std::equal(it->tokens.begin(), it->tokens.end(), tokens.begin())) best = it;
    }
    if (best == entries_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, best);
    return &entries_.front();
  }

  // Adds (or replaces) the entry for `tokens`, evicting the least recently used beyond capacity.
  const Entry* Insert(std::vector<int32_t> tokens, std::unique_ptr<State> state, std::vector<float> logits) {
    entries_.remove_if([&](const Entry& e) { return e.tokens == tokens; });
    entries_.push_front(Entry{std::move(tokens), std::move(state), std::move(logits)});
    while (entries_.size() > capacity_) entries_.pop_back();
    return &entries_.front();
  }

  void Clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  size_t capacity_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace lfm::evals
