#include "engine/vocab_maker.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "base/check.h"
#include "engine/byte_unicode.h"

namespace lfm::engine {
namespace {

constexpr const char* kSpecialTokens[] = {
    "<|pad|>", "<|startoftext|>", "<|endoftext|>", "<|fim_pre|>", "<|fim_mid|>",
    "<|fim_suf|>", "<|im_start|>", "<|im_end|>", "<|tool_list_start|>", "<|tool_list_end|>",
    "<|tool_call_start|>", "<|tool_call_end|>", "<|tool_response_start|>",
    "<|tool_response_end|>"};

// Text the generator learns its first merges from (original prose, written for this project).
constexpr const char* kCorpus = R"(
The workbench measures how fast a small mixture of experts model runs on the machine in front
of you, and how well it answers. Each token passes through twenty four layers. Most layers mix
the sequence with a short gated convolution; a few layers use attention over every earlier
token. After each mixing step, a router looks at the hidden state and picks four of the thirty
two experts. The chosen experts each run a small feed forward network, and their outputs are
added together with the weights the router gave them.
When you run the benchmark suite, the questions come from many fields: history and law,
physics and chemistry, medicine, mathematics and computer science. A math problem might say:
Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.
How many clips did Natalia sell altogether in April and May? The answer is 72.
Another asks: what is 15 percent of 240? The answer is 36. A third: if a train travels 120
miles in 2 hours, what is its average speed? It travels at 60 miles per hour.
Instructions can be strict: write at least 300 words, use no commas, answer in all capital
letters, wrap the whole response in double quotes, or end with the exact phrase "Is there
anything else I can help with?". The checker reads the response and decides whether each
instruction was followed.
def add(a, b):
    return a + b
for (int i = 0; i < n; ++i) { sum += x[i] * y[i]; }
The results are stored in a database so that you can compare one run with another, one
commit with the next, and one kernel strategy with the others. A regression gate fails the
build when a change makes the model slower by more than the noise of the machine.
)";

// Splits text into words the way a GPT-2 style pre-tokenizer roughly does: a word keeps the
// single space before it; punctuation and newlines stand alone.
std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(current), current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const bool alnum = std::isalnum(static_cast<unsigned char>(ch)) != 0;
    if (alnum) {
      const bool continues = !current.empty() && std::isalnum(static_cast<unsigned char>(current.back()));
      if (!continues && !(current == " ")) flush();
      current += ch;
    } else if (ch == ' ') {
      flush();
      current = " ";
    } else {
      flush();
      words.push_back(std::string(1, ch));
    }
  }
  flush();
  return words;
}

// Splits UTF-8 text into its code points' UTF-8 strings.
std::vector<std::string> Utf8Chars(const std::string& s) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    chars.push_back(s.substr(i, len));
    i += len;
  }
  return chars;
}

}  // namespace

ByteLevelVocab MakeByteLevelVocab(int n_vocab) {
  constexpr int kNumSpecial = static_cast<int>(std::size(kSpecialTokens));
  LFM_CHECK(n_vocab >= kNumSpecial + 256, "vocabulary of {} is too small", n_vocab);
  ByteLevelVocab v;
  std::unordered_set<std::string> known;
  auto add_token = [&](std::string token, int32_t type) {
    known.insert(token);
    v.tokens.push_back(std::move(token));
    v.types.push_back(type);
  };
  for (const char* s : kSpecialTokens) add_token(s, 3);
  for (int b = 0; b < 256; ++b) add_token(BytesToVocabText(std::string(1, static_cast<char>(b))), 1);

  // Learn merges from the corpus: repeatedly merge the most frequent adjacent pair (ties go to
  // the lexicographically smallest pair, for determinism) while it occurs at least twice.
  std::map<std::string, int> word_counts;
  for (const std::string& w : SplitWords(kCorpus)) word_counts[BytesToVocabText(w)]++;
  std::vector<std::pair<std::vector<std::string>, int>> words;
  for (const auto& [w, n] : word_counts) words.push_back({Utf8Chars(w), n});
  while (static_cast<int>(v.tokens.size()) < n_vocab) {
    std::map<std::pair<std::string, std::string>, int> pairs;
    for (const auto& [symbols, n] : words) {
      for (size_t i = 0; i + 1 < symbols.size(); ++i) pairs[{symbols[i], symbols[i + 1]}] += n;
    }
    auto best = pairs.end();
    for (auto it = pairs.begin(); it != pairs.end(); ++it) {
      if (best == pairs.end() || it->second > best->second) best = it;
    }
    if (best == pairs.end() || best->second < 2) break;
    const auto [left, right] = best->first;
    v.merges.push_back(left + " " + right);
    add_token(left + right, 1);
    for (auto& [symbols, n] : words) {
      std::vector<std::string> merged;
      for (size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
          merged.push_back(left + right);
          ++i;
        } else {
          merged.push_back(symbols[i]);
        }
      }
      symbols = std::move(merged);
    }
  }

  // Fill the rest with merges of an existing multi-character token and a single letter.
  const std::string letters = "etaoinshrdlcumwfgypbvkjxqz";
  for (size_t base = kNumSpecial + 256; static_cast<int>(v.tokens.size()) < n_vocab; ++base) {
    LFM_CHECK(base < v.tokens.size(), "filler merges ran out");
    for (char letter : letters) {
      if (static_cast<int>(v.tokens.size()) >= n_vocab) break;
      const std::string left = v.tokens[base], right(1, letter);
      if (known.count(left + right)) continue;
      v.merges.push_back(left + " " + right);
      add_token(left + right, 1);
    }
  }
  return v;
}

const char* Lfm2ChatTemplate() {
  return "{{- bos_token -}}"
         "{%- for message in messages -%}"
         "{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' -}}"
         "{%- endfor -%}"
         "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' -}}{%- endif -%}";
}

}  // namespace lfm::engine
